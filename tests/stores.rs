//! The PostgreSQL and SQLite attempt logs behind the sink: migrations applied once and
//! tracked in the crate's own table, one row per attempt with the payload policy and
//! redaction applied, headers as `[name, value]` pairs, and prune.
//!
//! PostgreSQL tests need a server: `.ci/run` starts a throw-away one and sets
//! `TWILIO_WEBHOOK_TEST_PG_URL` (a superuser URL; each test creates its own database).
#![cfg(all(feature = "tracing", feature = "http", feature = "sink"))]

#[cfg(feature = "postgres")]
mod db_support;
#[path = "report_support/mod.rs"]
#[allow(unused_imports)] // the event capture is not used here
mod report_support;

use std::time::Duration;

use report_support::*;
use twilio_webhook::pipeline::WebhookConfig;
use twilio_webhook::report::{AttemptSink, AttemptStore, SinkConfig};

const CREDENTIAL: &str = "Bearer SECRET_bearer_e21f";

/// Three attempts (signed; forged with a 5 KiB body holding a NUL byte and a credential
/// header; unsigned) through a sink on `store`, then a graceful shutdown.
async fn three_attempts(store: impl AttemptStore) -> Vec<u8> {
    let (sink, writer) = AttemptSink::spawn(store, SinkConfig::default());
    let config: WebhookConfig = config().with_attempt_log(sink);
    let p = params("hi");
    Req::form(encode(&p), Some(&sign(&p)))
        .header("authorization", CREDENTIAL)
        .send(&config)
        .await
        .unwrap();
    let mut forged = encode(&params("x"));
    forged.push(0);
    forged.extend(std::iter::repeat_n(b'f', 5000));
    Req::form(forged.clone(), Some("AAAAAAAAAAAAAAAAAAAAAAAAAAA="))
        .header("x-api-key", CREDENTIAL)
        .send(&config)
        .await
        .unwrap_err();
    Req::form(encode(&p), None).send(&config).await.unwrap_err();
    let stats = writer.shutdown(Duration::from_secs(30)).await.unwrap();
    assert_eq!((stats.written, stats.dropped, stats.failed), (3, 0, 0));
    forged
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use sqlx::Row;
    use twilio_webhook::stores::sqlite::SqliteLog;

    async fn fresh() -> (SqliteLog, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "twilio-webhook-stores-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let log = SqliteLog::open(dir.join("log.sqlite3")).await.unwrap();
        (log, dir)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rows_columns_migrations_and_prune() {
        let (log, dir) = fresh().await;
        log.migrate().await.unwrap();
        log.migrate().await.unwrap();
        let names: Vec<(String,)> = sqlx::query_as("SELECT name FROM twilio_webhook_migrations")
            .fetch_all(log.pool())
            .await
            .unwrap();
        assert_eq!(names, [("0001_webhook_log".to_owned(),)]);

        let forged = three_attempts(log.clone()).await;
        let rows = sqlx::query(
            "SELECT status, tenant_id, received_at, headers, payload, payload_len, payload_sha256,
                    event_type, url, reason
             FROM webhook_log ORDER BY id",
        )
        .fetch_all(log.pool())
        .await
        .unwrap();
        assert_eq!(rows.len(), 3);
        let status: Vec<String> = rows.iter().map(|r| r.get("status")).collect();
        assert_eq!(status, ["success", "unauthorized", "unauthorized"]);
        for r in &rows {
            let received_at: String = r.get("received_at");
            assert!(
                received_at.len() == 27 && received_at.ends_with('Z'),
                "{received_at}"
            );
            let headers: String = r.get("headers");
            let pairs: Vec<(String, String)> = serde_json::from_str(&headers).unwrap();
            assert!(pairs.iter().any(|(n, _)| n == "x-twilio-signature") || pairs.len() > 1);
            assert!(!headers.contains("SECRET_"), "{headers}");
        }
        let headers: String = rows[0].get("headers");
        assert!(
            headers.contains(r#"["authorization","[redacted]"]"#),
            "{headers}"
        );
        let payload: String = rows[1].get("payload");
        assert_eq!(payload.len(), 2048);
        assert_eq!(rows[1].get::<i64, _>("payload_len"), forged.len() as i64);
        assert_eq!(
            rows[1].get::<String, _>("payload_sha256"),
            twilio_webhook::body_sha256_hex(&forged)
        );
        assert_eq!(
            rows[0].get::<Option<String>, _>("tenant_id").as_deref(),
            Some(TENANT)
        );

        assert_eq!(log.prune(Duration::from_secs(86_400)).await.unwrap(), 0);
        assert_eq!(log.prune(Duration::ZERO).await.unwrap(), 3);
        assert_eq!(log.count().await.unwrap(), 0);
        drop(log);
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use db_support::fresh_database;
    use sqlx::Row;
    use twilio_webhook::stores::postgres::PostgresLog;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "needs PostgreSQL: .ci/run starts one (TWILIO_WEBHOOK_TEST_PG_URL)"]
    async fn rows_columns_migrations_and_prune() {
        let url = fresh_database().await;
        let log = PostgresLog::connect_lazy(&url).unwrap();
        log.migrate().await.unwrap();
        log.migrate().await.unwrap();
        let names: Vec<(String,)> = sqlx::query_as("SELECT name FROM twilio_webhook_migrations")
            .fetch_all(log.pool())
            .await
            .unwrap();
        assert_eq!(names, [("0001_webhook_log".to_owned(),)]);

        let forged = three_attempts(log.clone()).await;
        let rows = sqlx::query(
            "SELECT status, tenant_id, pg_typeof(received_at)::text AS received_type,
                    jsonb_typeof(headers) AS headers_type, headers::text AS headers,
                    jsonb_typeof(headers -> 0) AS pair_type, jsonb_array_length(headers -> 0) AS pair_len,
                    payload, payload_len, payload_sha256,
                    received_at > now() - interval '1 hour' AS recent
             FROM webhook_log ORDER BY id",
        )
        .fetch_all(log.pool())
        .await
        .unwrap();
        assert_eq!(rows.len(), 3);
        let status: Vec<String> = rows.iter().map(|r| r.get("status")).collect();
        assert_eq!(status, ["success", "unauthorized", "unauthorized"]);
        for r in &rows {
            assert_eq!(
                r.get::<String, _>("received_type"),
                "timestamp with time zone"
            );
            assert_eq!(r.get::<String, _>("headers_type"), "array");
            assert_eq!(r.get::<String, _>("pair_type"), "array");
            assert_eq!(r.get::<i32, _>("pair_len"), 2);
            assert!(r.get::<bool, _>("recent"));
            let headers: String = r.get("headers");
            assert!(!headers.contains("SECRET_"), "{headers}");
        }
        // The NUL byte PostgreSQL text cannot hold is stored as U+FFFD, not a failed batch.
        let payload: String = rows[1].get("payload");
        assert!(payload.contains('\u{fffd}') && !payload.contains('\0'));
        assert_eq!(rows[1].get::<i64, _>("payload_len"), forged.len() as i64);
        assert_eq!(
            rows[1].get::<String, _>("payload_sha256"),
            twilio_webhook::body_sha256_hex(&forged)
        );
        assert_eq!(
            rows[0].get::<Option<String>, _>("tenant_id").as_deref(),
            Some(TENANT)
        );

        assert_eq!(log.prune(Duration::from_secs(86_400)).await.unwrap(), 0);
        assert_eq!(log.prune(Duration::ZERO).await.unwrap(), 3);
    }
}

/// `AttemptRecord` as JSON (feature `serde`): RFC 3339 time, lowercase status, pairs.
#[cfg(feature = "serde")]
#[tokio::test]
async fn records_serialise_with_rfc3339_time() {
    let log = std::sync::Arc::new(twilio_webhook::report::MemoryLog::default());
    let p = params("hi");
    Req::form(encode(&p), Some(&sign(&p)))
        .send(&config().with_attempt_log(log.clone()))
        .await
        .unwrap();
    let json = serde_json::to_value(&log.records()[0]).unwrap();
    let time = json["time"].as_str().unwrap();
    assert!(
        time.len() == 27 && time.ends_with('Z') && &time[10..11] == "T",
        "{time}"
    );
    assert_eq!(json["status"], "success");
    assert_eq!(json["headers"][0].as_array().unwrap().len(), 2);
    assert!(json["payload_sha256"].as_str().unwrap().len() == 64);
}
