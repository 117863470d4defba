//! The attempt log through the real demo servers (`examples/{axum,actix,hyper}_server.rs`,
//! built by `cargo test`): N signed, forged and malformed (JSON without `bodySHA256`) requests over sockets at once,
//! then SIGTERM: every request answered, exactly N rows with the right statuses, nothing
//! dropped, no secret in any column. With PostgreSQL also: the database unreachable in the
//! middle of the load (a proxy between server and database cut, then restored).

#[path = "../../tests/db_support/mod.rs"]
mod db_support;
mod support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use support::{free_port, poll, Process};

const TOKEN: &str = "e2e-token-SECRET-9c1d";
const CREDENTIAL: &str = "Basic SECRET_basic_41aa";
const INCOMING: &str = "/v1/webhooks/twilio";
const SERVERS: [&str; 3] = ["axum_server", "actix_server", "hyper_server"];

struct Server {
    process: Process,
    port: u16,
}

impl Server {
    fn start(name: &str, store_env: &[(&str, String)], queue: usize) -> Server {
        Self::start_logging(name, store_env, queue, "error")
    }

    fn start_logging(
        name: &str,
        store_env: &[(&str, String)],
        queue: usize,
        rust_log: &str,
    ) -> Server {
        let port = free_port();
        let process = Process::start(name, port, |cmd| {
            cmd.env("TWILIO_AUTH_TOKEN", TOKEN)
                .env("PUBLIC_URL", format!("http://127.0.0.1:{port}"))
                .env("RUST_LOG", rust_log)
                .env("WEBHOOK_LOG_QUEUE", queue.to_string())
                .env_remove("DATABASE_URL");
            for (k, v) in store_env {
                cmd.env(k, v);
            }
        });
        Server { process, port }
    }

    /// SIGTERM, then waits for a clean exit; the server's stdout.
    fn stop(mut self) -> String {
        let status = self.process.terminate();
        assert!(status.success(), "exit status {status:?}");
        // The drain thread sees EOF once the process is gone.
        let mut out = String::new();
        poll("its output", || {
            out = self.process.output();
            out.contains("attempt log:")
        });
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Signed,
    Forged,
    Malformed,
}

/// One request over a fresh connection; the response status.
fn send(port: u16, kind: Kind, i: usize) -> u16 {
    let body_text = format!("message {i}");
    let params = [
        ("AccountSid", "AC3edf87da6dc2bd9a148492b81d6e1f89"),
        ("Body", body_text.as_str()),
        ("From", "whatsapp:+17622158664"),
        ("MessageSid", "SM62847ac1d94938ad0267cdf6a2d778cd"),
        ("NumMedia", "0"),
        ("To", "whatsapp:+14155238886"),
    ];
    let url = format!("http://127.0.0.1:{port}{INCOMING}");
    let token = if kind == Kind::Forged { "wrong" } else { TOKEN };
    let sig = twilio_webhook::compute_twilio_signature(&url, params, token);
    let body = serde_urlencoded::to_string(params).unwrap();
    let sig_headers = format!("X-Twilio-Signature: {sig}\r\n");
    // A JSON body without `bodySHA256` in the URL: 400.
    let content_type = if kind == Kind::Malformed {
        "application/json"
    } else {
        "application/x-www-form-urlencoded"
    };
    let req = format!(
        "POST {INCOMING} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nAuthorization: {CREDENTIAL}\r\n\
         {sig_headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    stream.read_to_string(&mut resp).unwrap();
    resp.split(' ').nth(1).unwrap().parse().unwrap()
}

/// `n` requests from 8 threads at once, a third of each kind; statuses by response code.
fn load(port: u16, n: usize, from: usize) -> BTreeMap<u16, usize> {
    let counts = Arc::new(Mutex::new(BTreeMap::new()));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let counts = counts.clone();
            std::thread::spawn(move || {
                for i in (from + t..from + n).step_by(8) {
                    let kind = [Kind::Signed, Kind::Forged, Kind::Malformed][i % 3];
                    let code = send(port, kind, i);
                    let expect = match kind {
                        Kind::Signed => 200,
                        Kind::Forged => 403,
                        Kind::Malformed => 400,
                    };
                    assert_eq!(code, expect, "{kind:?}");
                    *counts.lock().unwrap().entry(code).or_insert(0) += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let counts = counts.lock().unwrap().clone();
    counts
}

/// Rows by status, and every column of every row as text.
fn rows_of(rows: Vec<(String, String)>) -> (BTreeMap<String, usize>, String) {
    let mut by_status = BTreeMap::new();
    let mut text = String::new();
    for (status, everything) in rows {
        *by_status.entry(status).or_insert(0) += 1;
        text.push_str(&everything);
    }
    (by_status, text)
}

async fn pg_rows(url: &str) -> (BTreeMap<String, usize>, String) {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    rows_of(
        sqlx::query_as(EVERYTHING_PG)
            .fetch_all(&pool)
            .await
            .unwrap(),
    )
}

fn expected(codes: &BTreeMap<u16, usize>) -> BTreeMap<String, usize> {
    codes
        .iter()
        .map(|(code, n)| {
            let s = match code {
                200 => "success",
                403 => "unauthorized",
                _ => "error",
            };
            (s.to_owned(), *n)
        })
        .collect()
}

const EVERYTHING_SQLITE: &str =
    "SELECT status, received_at || provider || coalesce(tenant_id, '') || method || endpoint \
    || coalesce(url, '') || event_type || coalesce(reason, '') || coalesce(key_used, '') \
    || coalesce(ip_address, '') || coalesce(user_agent, '') || coalesce(idempotency_token, '') \
    || headers || payload || payload_sha256 AS everything FROM webhook_log";

fn check(
    what: &str,
    codes: &BTreeMap<u16, usize>,
    n: usize,
    out: &str,
    rows: (BTreeMap<String, usize>, String),
) {
    assert!(
        out.contains(&format!("attempt log: {n} written, 0 dropped, 0 failed")),
        "{what}: {out}"
    );
    assert_eq!(
        rows.0,
        expected(codes),
        "{what}: one row per answered request"
    );
    assert_eq!(rows.0.values().sum::<usize>(), n, "{what}");
    assert!(!rows.1.contains("SECRET"), "{what}: a secret in the log");
    assert!(rows.1.contains("[redacted]"), "{what}");
}

#[test]
fn every_demo_server_logs_one_row_per_request_in_sqlite() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for name in SERVERS {
        let dir = std::env::temp_dir().join(format!("twh-e2e-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("log.sqlite3");
        let n = 150;
        let server = Server::start(name, &[("WEBHOOK_LOG_DB", db.display().to_string())], n);
        let codes = load(server.port, n, 0);
        let out = server.stop();
        let rows = rt.block_on(async {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
                .await
                .unwrap();
            rows_of(
                sqlx::query_as(EVERYTHING_SQLITE)
                    .fetch_all(&pool)
                    .await
                    .unwrap(),
            )
        });
        check(name, &codes, n, &out, rows);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

const EVERYTHING_PG: &str =
    "SELECT status, concat_ws('|', received_at::text, provider, tenant_id, \
    method, endpoint, url, event_type, reason, key_used, ip_address, user_agent, \
    idempotency_token, headers::text, payload, payload_sha256) AS everything FROM webhook_log";

#[test]
#[ignore = "needs PostgreSQL: .ci/run starts one (TWILIO_WEBHOOK_TEST_PG_URL)"]
fn every_demo_server_logs_one_row_per_request_in_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for name in SERVERS {
        let url = rt.block_on(db_support::fresh_database());
        let n = 150;
        let server = Server::start(name, &[("DATABASE_URL", url.clone())], n);
        let codes = load(server.port, n, 0);
        let out = server.stop();
        let rows = rt.block_on(pg_rows(&url));
        check(name, &codes, n, &out, rows);
    }
}

/// A TCP proxy to PostgreSQL that the test can cut: every open connection dropped, new
/// ones accepted and closed at once (what a server sees while the database restarts), and
/// counted, so the test knows the outage was seen; then restored.
struct Proxy {
    port: u16,
    up: Arc<std::sync::atomic::AtomicBool>,
    refused: Arc<std::sync::atomic::AtomicUsize>,
    cut: Arc<tokio::sync::Notify>,
}

impl Proxy {
    fn start(rt: &tokio::runtime::Runtime, target: u16) -> Proxy {
        use std::sync::atomic::Ordering::SeqCst;
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let proxy = Proxy {
            port: listener.local_addr().unwrap().port(),
            up: Arc::new(true.into()),
            refused: Arc::new(0.into()),
            cut: Arc::new(tokio::sync::Notify::new()),
        };
        let (up, refused, cut) = (proxy.up.clone(), proxy.refused.clone(), proxy.cut.clone());
        rt.spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up.load(SeqCst) {
                    refused.fetch_add(1, SeqCst);
                    continue; // dropped: closed at once
                }
                let cut = cut.clone();
                tokio::spawn(async move {
                    let Ok(mut db) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await
                    else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut db) => {}
                        () = cut.notified() => {}
                    }
                });
            }
        });
        proxy
    }

    fn down(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        self.cut.notify_waiters();
    }

    fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn refused(&self) -> usize {
        self.refused.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[test]
#[ignore = "needs PostgreSQL: .ci/run starts one (TWILIO_WEBHOOK_TEST_PG_URL)"]
fn database_unreachable_mid_load_every_queued_record_is_written_when_it_is_back() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = rt.block_on(db_support::fresh_database());
    let (base, db) = url.rsplit_once('/').unwrap();
    let target: u16 = base.rsplit_once(':').unwrap().1.parse().unwrap();
    let proxy = Proxy::start(&rt, target);
    let proxied = format!("{}:{}/{db}", base.rsplit_once(':').unwrap().0, proxy.port);
    let n = 300;
    let server = Server::start("axum_server", &[("DATABASE_URL", proxied)], n);
    let mut codes = load(server.port, n / 3, 0);
    proxy.down();
    // Served while the database is unreachable; and the writer found it so.
    for (code, k) in load(server.port, n / 3, n / 3) {
        *codes.entry(code).or_insert(0) += k;
    }
    poll("the writer to find the database down", || {
        proxy.refused() >= 2
    });
    proxy.restore();
    for (code, k) in load(server.port, n - 2 * (n / 3), 2 * (n / 3)) {
        *codes.entry(code).or_insert(0) += k;
    }
    let out = server.stop();
    let rows = rt.block_on(pg_rows(&url));
    check("outage", &codes, n, &out, rows);
    let retries: u64 = out
        .split(" failed, ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("no retry count in {out}"));
    assert!(retries > 0, "the outage was seen: {out}");
}

#[test]
fn a_slow_store_overflows_the_queue_requests_unaffected_drops_counted_and_reported() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = std::env::temp_dir().join(format!("twh-e2e-{}-slow", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("log.sqlite3");
    let n = 150;
    let queue = 10;
    // Batches of 5: at most the queue and one batch are kept while the store is stuck.
    let server = Server::start_logging(
        "axum_server",
        &[
            ("WEBHOOK_LOG_DB", db.display().to_string()),
            ("WEBHOOK_LOG_BATCH", "5".to_owned()),
        ],
        queue,
        "error,twilio_webhook::security=warn",
    );
    // Another connection holds the write lock: the server's writes wait (busy timeout),
    // fail as busy and are retried, while the requests keep coming.
    let locker = rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        sqlx::raw_sql("BEGIN EXCLUSIVE")
            .execute(&mut c)
            .await
            .unwrap();
        c
    });
    let codes = load(server.port, n, 0);
    assert_eq!(codes.values().sum::<usize>(), n, "every request answered");
    poll("drops reported", || {
        server.process.output().contains("webhook_log_dropped")
    });
    rt.block_on(async {
        let mut c = locker;
        sqlx::raw_sql("ROLLBACK").execute(&mut c).await.unwrap();
    });
    let out = server.stop();
    let counts = |word: &str| -> usize {
        let line = out.lines().find(|l| l.starts_with("attempt log:")).unwrap();
        line.split(", ")
            .find(|p| p.ends_with(word))
            .and_then(|p| p.trim_start_matches("attempt log: ").split(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {word} in {line}"))
    };
    let (written, dropped) = (counts("written"), counts("dropped"));
    assert!(dropped > 0, "{out}");
    assert_eq!(written + dropped, n, "{out}");
    let rows: (i64,) = rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        sqlx::query_as("SELECT count(*) FROM webhook_log")
            .fetch_one(&pool)
            .await
            .unwrap()
    });
    assert_eq!(rows.0 as usize, written, "what was kept is written");
    let _ = std::fs::remove_dir_all(&dir);
}
