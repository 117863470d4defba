//! The attempt log: one record per attempt with the right status, the signature only as a
//! fingerprint, and a failing log that changes nothing but an event.

mod report_support;

use std::sync::Arc;

use report_support::*;
use sha2::{Digest, Sha256};
use tracing::Level;
use twilio_webhook::pipeline::{PublicUrl, WebhookConfig};
use twilio_webhook::report::{Attempt, AttemptLog, AttemptStatus, MemoryLog};
use twilio_webhook::Error;

fn logged() -> (WebhookConfig, Arc<MemoryLog>) {
    let log = Arc::new(MemoryLog::default());
    (config().with_attempt_log(log.clone()), log)
}

#[tokio::test]
async fn one_record_per_attempt_with_its_status() {
    let (config, log) = logged();
    let p = params("hi");
    Req::form(encode(&p), Some(&sign(&p)))
        .send(&config)
        .await
        .unwrap();
    let forged = params(BODY_SECRET);
    Req::form(encode(&forged), Some(&sign(&p)))
        .send(&config)
        .await
        .unwrap_err();
    Req::form(encode(&p), None).send(&config).await.unwrap_err();
    let mut json = Req::form(br#"{"a":1}"#.to_vec(), Some(&sign(&[])));
    json.headers
        .insert("content-type", "application/json".parse().unwrap());
    json.send(&config).await.unwrap_err();
    let broken = WebhookConfig::new(FailingResolver, PublicUrl::base(BASE).unwrap())
        .with_attempt_log(log.clone());
    Req::form(encode(&p), Some(&sign(&p)))
        .send(&broken)
        .await
        .unwrap_err();

    let records = log.records();
    let summary: Vec<(AttemptStatus, &str)> =
        records.iter().map(|r| (r.status, r.event_type)).collect();
    assert_eq!(
        summary,
        [
            (AttemptStatus::Success, "webhook_signature_verified"),
            (AttemptStatus::Unauthorized, "invalid_webhook_signature"),
            (AttemptStatus::Unauthorized, "missing_webhook_signature"),
            (AttemptStatus::Error, "webhook_verification_error"),
            (AttemptStatus::Error, "webhook_verification_error"),
        ]
    );

    let ok = &records[0];
    assert_eq!(ok.provider, "twilio");
    assert_eq!(ok.tenant_id.as_deref(), Some(TENANT));
    assert_eq!(ok.endpoint, PATH);
    assert_eq!(ok.method, "POST");
    assert_eq!(ok.key.as_deref(), Some("auth_token:primary"));
    assert_eq!(ok.reason, None);
    assert_eq!(ok.ip_address.as_deref(), Some(PEER));
    assert_eq!(ok.user_agent.as_deref(), Some(USER_AGENT));

    // The log is the audit trail: the reason, and the payload (a refused one up to 2 KiB).
    let refused = &records[1];
    assert_eq!(refused.payload.as_bytes(), encode(&forged));
    assert!(refused
        .reason
        .as_deref()
        .unwrap()
        .contains("does not match"));
    assert_eq!(records[2].payload, "", "refused before the body was read");
    assert_eq!(records[4].reason.as_deref(), Some("key resolver failed"));
}

#[tokio::test]
async fn signature_is_fingerprinted_and_credentials_redacted() {
    let (config, log) = logged();
    let p = params("hi");
    let sig = sign(&p);
    Req::form(encode(&p), Some(&sig))
        .header("authorization", "Basic dXNlcjpwYXNzd29yZA==")
        .header("i-twilio-idempotency-token", "d6e1a7c1-retry-key")
        .send(&config)
        .await
        .unwrap();

    let record = &log.records()[0];
    let header = |name: &str| {
        record
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let digest = Sha256::digest(sig.as_bytes());
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        header("x-twilio-signature"),
        Some(format!("sha256:{hex}").as_str())
    );
    assert_eq!(header("authorization"), Some("[redacted]"));
    assert_eq!(header("user-agent"), Some(USER_AGENT));
    assert_eq!(
        record.idempotency_token.as_deref(),
        Some("d6e1a7c1-retry-key")
    );
    let everything = format!("{record:?}");
    assert!(!everything.contains(&sig), "{everything}");
    assert!(!everything.contains("dXNlcjpwYXNzd29yZA"), "{everything}");
}

/// A log whose storage is down.
struct Failing;

impl AttemptLog for Failing {
    fn record(&self, _: &Attempt<'_>) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Err("disk full".into())
    }
}

#[tokio::test]
async fn failing_log_keeps_the_verdict_and_is_reported() {
    let (subscriber, events) = capture();
    let _guard = scoped_subscriber(subscriber);
    let config = config().with_attempt_log(Failing);
    let p = params("hi");
    let ok = Req::form(encode(&p), Some(&sign(&p))).send(&config).await;
    assert!(ok.is_ok(), "{ok:?}");
    let forged = params(BODY_SECRET);
    let refused = Req::form(encode(&forged), Some(&sign(&p)))
        .send(&config)
        .await;
    assert!(matches!(refused, Err(Error::SignatureMismatch { .. })));

    let failures: Vec<Captured> = security(&events)
        .into_iter()
        .filter(|e| e.field("event_type") == Some("webhook_log_write_failed"))
        .collect();
    assert_eq!(failures.len(), 2, "one per attempt: {failures:#?}");
    for f in &failures {
        assert_eq!(f.level, Level::ERROR);
        assert_eq!(f.field("reason"), Some("disk full"));
        assert_eq!(f.field("provider"), Some("twilio"));
        assert_eq!(f.field("endpoint"), Some(PATH));
    }
    assert_eq!(failures[0].field("status"), Some("success"));
    assert_eq!(failures[1].field("status"), Some("unauthorized"));
}

/// Reports are timestamped by the configured clock (the system clock unless set; on
/// wasm32-unknown-unknown, where the system clock panics, the caller's).
#[tokio::test]
async fn records_take_their_time_from_the_configured_clock() {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    fn fixed() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }
    let (config, log) = logged();
    let p = params("hi");
    let before = SystemTime::now();
    Req::form(encode(&p), Some(&sign(&p)))
        .send(&config)
        .await
        .unwrap();
    assert!(
        log.records()[0].time >= before,
        "the default is the system clock"
    );
    let config = config.with_clock(fixed);
    Req::form(encode(&p), None).send(&config).await.unwrap_err();
    assert_eq!(log.records()[1].time, fixed());
}
