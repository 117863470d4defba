//! The replay guard across replicas, with real processes: two demo servers on one machine
//! (`examples/axum_server.rs` and `examples/actix_server.rs`, built by `cargo test`; a
//! service's replicas may run any adapter) behind one public URL, sharing one PostgreSQL,
//! then one Redis (`REPLAY_STORE`), with the attempt log in PostgreSQL. Driven over sockets,
//! observed through the handler's own line per run (`DEMO_TEST_HOOKS=1`, see
//! `examples/src/test_hooks.rs`) and the attempt log:
//!
//! - one signed request sent 100 times at once, spread over both replicas, runs the handler
//!   once; every other answer is the first delivery's response or the in-progress 503, later
//!   repeats get the first response, and the attempt log calls them duplicates;
//! - a first delivery whose handler failed is run again by Twilio's retry;
//! - distinct deliveries sharing a `MessageSid` (`sent`, then `delivered`) both run;
//! - a handler that outlives its lease loses its completion to the retry that took the
//!   delivery over: an `error` event and an `error` row;
//! - a replica killed (SIGKILL) between claim and completion blocks the delivery only until
//!   its lease lapses, then a retry runs.
//!
//! Needs PostgreSQL and Redis (`TWILIO_WEBHOOK_TEST_PG_URL`, `TEST_REDIS_URL`): ignored by a
//! plain `cargo test`, run by `.ci/run`, which starts both.

#[path = "../../tests/db_support/mod.rs"]
mod db_support;
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};

use support::{free_port, poll, Process};

const TOKEN: &str = "replicas-token-0c6f2b9e";
/// The URL Twilio signs: the load balancer in front of both replicas.
const PUBLIC_URL: &str = "https://replicas.example.test";
const INCOMING: &str = "/v1/webhooks/twilio";
const STATUS: &str = "/v1/webhooks/twilio/status";
const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";
/// Short, so that the killed replica's claim lapses soon; long enough that a first delivery
/// under load completes well within it.
const LEASE_MS: u64 = 4000;
const WAIT_MS: u64 = 1000;

/// The URL in `var`; under `CI=true` or not, a missing service fails the test (it is
/// `#[ignore]`d unless asked for).
fn service_url(var: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| panic!("{var} is not set: .ci/run starts the service and sets it"))
}

/// One replica: a demo server process.
struct Replica {
    name: &'static str,
    process: Process,
    port: u16,
}

impl Replica {
    fn start(name: &'static str, replay_store: &str, log_db: &str) -> Replica {
        let port = free_port();
        let process = Process::start(name, port, |cmd| {
            cmd.env("TWILIO_AUTH_TOKEN", TOKEN)
                .env("PUBLIC_URL", PUBLIC_URL)
                .env("REPLAY_STORE", replay_store)
                .env("REPLAY_LEASE_MS", LEASE_MS.to_string())
                .env("REPLAY_WAIT_MS", WAIT_MS.to_string())
                .env("DEMO_TEST_HOOKS", "1")
                .env("DATABASE_URL", log_db)
                .env("RUST_LOG", "error")
                .env("LOG_FORMAT", "json")
                .env_remove("WEBHOOK_LOG_DB");
        });
        Replica {
            name,
            process,
            port,
        }
    }

    /// How many times its handler ran for the message `sid` (with `status`, if given), once
    /// every line it printed before now has been read: the line of a fresh delivery sent
    /// now comes after them.
    fn runs(&self, sid: &str, status: Option<&str>) -> usize {
        let marker = fresh_sid(99);
        let sync = Delivery::status(&marker, "sent");
        assert_eq!(sync.send(self.port, &[]).unwrap().status, 204);
        poll("the replica's output", || self.printed(&marker, None) == 1);
        self.printed(sid, status)
    }

    /// How many times its handler ran for `sid` in the output read so far.
    fn printed(&self, sid: &str, status: Option<&str>) -> usize {
        self.process
            .output()
            .lines()
            .filter_map(|l| l.strip_prefix("demo handler ran: "))
            .map(|l| l.split(' ').collect::<Vec<_>>())
            .filter(|f| f.get(1) == Some(&sid) && status.is_none_or(|s| f.get(2) == Some(&s)))
            .count()
    }

    fn output(&self) -> String {
        self.process.output()
    }

    fn kill(&mut self) {
        self.process.kill();
    }

    /// SIGTERM, then waits for a clean exit (the attempt log flushed).
    fn stop(mut self) {
        let status = self.process.terminate();
        assert!(status.success(), "{}: {status:?}", self.name);
    }
}

/// What a replica answered.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    status: u16,
    content_type: Option<String>,
    body: String,
}

impl Answer {
    fn twiml() -> Answer {
        Answer {
            status: 200,
            content_type: Some("text/xml".into()),
            body: EMPTY_TWIML.into(),
        }
    }
}

/// One delivery: what Twilio would sign and send, and the unsigned test-hook headers.
#[derive(Clone)]
struct Delivery {
    path: &'static str,
    params: Vec<(&'static str, String)>,
    /// `I-Twilio-Idempotency-Token` (equal across Twilio's retries): finds the rows.
    token: String,
}

impl Delivery {
    fn incoming(sid: &str) -> Delivery {
        Delivery {
            path: INCOMING,
            params: vec![
                ("AccountSid", "AC3edf87da6dc2bd9a148492b81d6e1f89".into()),
                ("Body", "Can I reschedule?".into()),
                ("From", "whatsapp:+17622158664".into()),
                ("MessageSid", sid.into()),
                ("NumMedia", "0".into()),
                ("To", "whatsapp:+14155238886".into()),
            ],
            token: format!("idem-{sid}"),
        }
    }

    fn status(sid: &str, status: &str) -> Delivery {
        Delivery {
            path: STATUS,
            params: vec![
                ("AccountSid", "AC3edf87da6dc2bd9a148492b81d6e1f89".into()),
                ("MessageSid", sid.into()),
                ("MessageStatus", status.into()),
                ("To", "whatsapp:+14155550123".into()),
            ],
            token: format!("idem-{sid}-{status}"),
        }
    }

    /// Sends it to `port` over a fresh connection, with `extra` (unsigned) headers.
    fn send(&self, port: u16, extra: &[(&str, String)]) -> std::io::Result<Answer> {
        let url = format!("{PUBLIC_URL}{}", self.path);
        let params = self.params.iter().map(|(k, v)| (*k, v.as_str()));
        let sig = twilio_webhook::compute_twilio_signature(&url, params, TOKEN);
        let body = serde_urlencoded::to_string(&self.params).unwrap();
        let mut head = format!(
            "POST {} HTTP/1.1\r\nHost: replicas.example.test\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: {sig}\r\n\
             I-Twilio-Idempotency-Token: {}\r\nContent-Length: {}\r\n",
            self.path,
            self.token,
            body.len()
        );
        for (name, value) in extra {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.write_all(format!("{head}\r\n{body}").as_bytes())?;
        let mut resp = String::new();
        stream.read_to_string(&mut resp)?;
        let (head, body) = resp
            .split_once("\r\n\r\n")
            .ok_or_else(|| std::io::Error::other(format!("no response head in {resp:?}")))?;
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("no status in {head:?}")))?;
        let content_type = head.lines().find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        });
        Ok(Answer {
            status,
            content_type,
            body: body.to_owned(),
        })
    }
}

/// The attempt log's rows for one idempotency token: (status, event_type, reason).
async fn rows(log_db: &str, token: &str) -> Vec<(String, String, Option<String>)> {
    let pool = sqlx::PgPool::connect(log_db).await.unwrap();
    let rows = sqlx::query_as(
        "SELECT status, event_type, reason FROM webhook_log WHERE idempotency_token = $1",
    )
    .bind(token)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

/// Polls the attempt log until it holds `n` rows for `token`; returns them.
fn rows_when(
    rt: &tokio::runtime::Runtime,
    log_db: &str,
    token: &str,
    n: usize,
) -> Vec<(String, String, Option<String>)> {
    let mut got = Vec::new();
    poll(&format!("{n} attempt-log rows for {token}"), || {
        got = rt.block_on(rows(log_db, token));
        got.len() >= n
    });
    assert_eq!(got.len(), n, "{got:?}");
    got
}

fn count(rows: &[(String, String, Option<String>)], status: &str, event: &str) -> usize {
    rows.iter()
        .filter(|(s, e, _)| s == status && e.contains(event))
        .count()
}

/// A `MessageSid` no earlier run used (Redis keeps keys between runs).
fn fresh_sid(n: u32) -> String {
    static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = n * 1000 + COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("SM{nanos:x}{:x}{n:06}", std::process::id())
}

/// Every scenario, on two replicas sharing the guard store at `replay_store`.
fn replicas_share_one_store(replay_store: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let log_db = rt.block_on(db_support::fresh_database());
    // Started one after the other: each applies the schemas before it listens.
    let mut a = Replica::start("axum_server", replay_store, &log_db);
    let b = Replica::start("actix_server", replay_store, &log_db);
    let both = [&a, &b];
    let runs = |sid: &str, status: Option<&str>| a.runs(sid, status) + b.runs(sid, status);

    // 100 at once, alternating between the replicas: the handler runs once.
    let sid = fresh_sid(1);
    let delivery = Delivery::incoming(&sid);
    let barrier = Arc::new(Barrier::new(100));
    let threads: Vec<_> = (0..100)
        .map(|i| {
            let (delivery, barrier) = (delivery.clone(), barrier.clone());
            let port = both[i % 2].port;
            std::thread::spawn(move || {
                barrier.wait();
                delivery.send(port, &[]).unwrap()
            })
        })
        .collect();
    let answers: Vec<Answer> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(runs(&sid, None), 1, "the handler ran once");
    for answer in &answers {
        assert!(
            *answer == Answer::twiml() || answer.status == 503,
            "neither the first response nor the in-progress answer: {answer:?}"
        );
    }
    assert!(answers.contains(&Answer::twiml()));
    // Completed: every repeat, on either replica, gets the first delivery's response.
    for replica in both {
        for _ in 0..2 {
            assert_eq!(delivery.send(replica.port, &[]).unwrap(), Answer::twiml());
        }
    }
    assert_eq!(runs(&sid, None), 1, "repeats did not run the handler");
    let log = rows_when(&rt, &log_db, &delivery.token, 104);
    assert_eq!(count(&log, "success", "webhook_signature_verified"), 1);
    assert_eq!(count(&log, "success", "duplicate"), 103, "{log:?}");

    // A failed first delivery (500 on one replica): Twilio's retry runs it on the other.
    let sid = fresh_sid(2);
    let delivery = Delivery::incoming(&sid);
    let failed = delivery
        .send(a.port, &[("X-Demo-Fail", "1".into())])
        .unwrap();
    assert_eq!(failed.status, 500);
    assert_eq!(delivery.send(b.port, &[]).unwrap(), Answer::twiml());
    assert_eq!((a.runs(&sid, None), b.runs(&sid, None)), (1, 1));
    assert_eq!(delivery.send(a.port, &[]).unwrap(), Answer::twiml());
    assert_eq!(runs(&sid, None), 2, "the completed retry is not run again");

    // One message, two status callbacks: distinct deliveries, both run (the actix replica
    // through its middleware); a repeat of one gets its stored 204.
    let sid = fresh_sid(3);
    let sent = Delivery::status(&sid, "sent");
    let delivered = Delivery::status(&sid, "delivered");
    assert_eq!(sent.send(a.port, &[]).unwrap().status, 204);
    assert_eq!(delivered.send(b.port, &[]).unwrap().status, 204);
    assert_eq!(runs(&sid, Some("sent")), 1);
    assert_eq!(runs(&sid, Some("delivered")), 1);
    let repeat = delivered.send(a.port, &[]).unwrap();
    assert_eq!((repeat.status, repeat.body.as_str()), (204, ""));
    assert_eq!(runs(&sid, None), 2);

    // A handler that outlives its lease (on the actix replica): the retry takes the
    // delivery over on the axum replica, and the slow handler's completion is refused and
    // reported.
    let sid = fresh_sid(4);
    let delivery = Delivery::incoming(&sid);
    let slow = {
        let (delivery, port) = (delivery.clone(), b.port);
        let delay = ("X-Demo-Delay-Ms", (LEASE_MS * 2).to_string());
        std::thread::spawn(move || delivery.send(port, &[delay]).unwrap())
    };
    poll("the slow handler to run", || b.printed(&sid, None) == 1);
    let in_progress = retry_until_it_runs(&delivery, a.port);
    assert_eq!((a.runs(&sid, None), b.runs(&sid, None)), (1, 1));
    // The slow handler still answers its own request.
    assert_eq!(slow.join().unwrap(), Answer::twiml());
    poll("the lost lease as an error event", || {
        b.output().lines().any(|l| {
            l.contains("\"webhook_guard_error\"")
                && l.contains("\"complete\"")
                && l.contains("lease")
        })
    });
    // The takeover's response is what repeats get.
    assert_eq!(delivery.send(b.port, &[]).unwrap(), Answer::twiml());
    // Two first deliveries (the slow one, the takeover), the retries answered 503, the
    // repeat, and the lost completion's own row.
    let log = rows_when(&rt, &log_db, &delivery.token, in_progress + 4);
    assert_eq!(count(&log, "success", "webhook_signature_verified"), 2);
    assert_eq!(count(&log, "success", "duplicate"), in_progress + 1);
    let lost: Vec<_> = log
        .iter()
        .filter(|(s, e, _)| s == "error" && e == "webhook_guard_error")
        .collect();
    assert_eq!(lost.len(), 1, "{log:?}");
    assert!(lost[0].2.as_deref().is_some_and(|r| r.contains("lease")));

    // A replica killed between claim and completion: once the lease lapsed, a retry runs
    // on the other replica (until then it is answered as in progress).
    let sid = fresh_sid(5);
    let delivery = Delivery::incoming(&sid);
    {
        let (delivery, port) = (delivery.clone(), a.port);
        let hang = ("X-Demo-Delay-Ms", "3600000".to_owned());
        // Its connection dies with the replica.
        std::thread::spawn(move || delivery.send(port, &[hang]));
    }
    poll("the hanging handler to run", || a.printed(&sid, None) == 1);
    a.kill();
    retry_until_it_runs(&delivery, b.port);
    assert_eq!(b.runs(&sid, None), 1);
    assert_eq!(delivery.send(b.port, &[]).unwrap(), Answer::twiml());
    assert_eq!(b.runs(&sid, None), 1);

    b.stop();
}

/// Twilio's retry of `delivery`, sent to `port` until it runs the handler: each earlier
/// attempt is answered 503 (the first delivery still holds its lease). How many were.
fn retry_until_it_runs(delivery: &Delivery, port: u16) -> usize {
    let mut in_progress = 0;
    poll("the lease to lapse and the retry to run", || {
        let answer = delivery.send(port, &[]).unwrap();
        if answer.status == 503 {
            in_progress += 1;
            return false;
        }
        assert_eq!(answer, Answer::twiml());
        true
    });
    in_progress
}

#[test]
#[ignore = "needs PostgreSQL and Redis: .ci/run starts them"]
fn two_replicas_sharing_postgres_run_each_delivery_once() {
    let url = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(db_support::fresh_database());
    replicas_share_one_store(&url);
}

#[test]
#[ignore = "needs PostgreSQL and Redis: .ci/run starts them"]
fn two_replicas_sharing_redis_run_each_delivery_once() {
    replicas_share_one_store(&service_url("TEST_REDIS_URL"));
}
