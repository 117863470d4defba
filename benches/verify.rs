//! Criterion benchmarks of the verification hot path, each next to its floor.
//!
//! The floor is a pre-keyed HMAC-SHA1 over the case's already-built canonical string: the
//! work no verifier can avoid. Each case is measured over [`VARIANTS`] distinct bodies in
//! turn (its parameters in another order, digits changed), each validly signed, and the
//! floor over the same bodies' canonical strings: a cache of the previous call's work
//! cannot flatter a figure. Compare ratios measured side by side in one run, not absolute
//! numbers (the machine may be busy):
//!
//!     cargo bench --bench verify -- --warm-up-time 1 --measurement-time 3
//!
//! Groups:
//! - `form/<case>`: `verify_form` (raw body → verdict) and `hmac_floor`, per form case of
//!   `benches/workload.json`.
//! - `reject/whatsapp_inbound`: no URL variant matches (both variants are MACed).
//! - `canonical/<case>`: `FormParams::parse` + `write_to` into a byte-counting sink.
//! - `json/<size>`: `verify_body` with `bodySHA256` (the 1 KiB workload case and 64 KiB).
//! - `compare`: a rejected signature differing in its first vs its last byte; the two
//!   must take the same time (constant-time comparison).
//! - `guard/whatsapp_inbound` (feature `guard`): `verify_form` beside the in-memory replay
//!   guard's `claim` + `complete` of a first delivery (a fresh MAC each time, the store in
//!   its bounded steady state) and `claim` of a repeat; the README reports the ratio:
//!
//!       cargo bench --features guard --bench verify -- guard/ --warm-up-time 1 --measurement-time 3

use std::hint::black_box;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use twilio_webhook::canonical::{FormParams, Sink};
use twilio_webhook::{body_sha256_hex, compute_twilio_signature, Verifier};

#[path = "support/workload.rs"]
mod workload;

use workload::{cases, Case, Request};

/// Counts bytes: the canonicalisation cost without any hashing.
struct Count(usize);

impl Sink for Count {
    fn write(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
}

/// Distinct bodies per case that every benchmark of it rotates through.
const VARIANTS: usize = 8;

/// `case`'s body in [`VARIANTS`] versions (see [`workload::variants`]).
fn variants(case: &Case) -> Vec<Request> {
    workload::variants(case, VARIANTS)
}

/// The next of `items`, in turn.
fn next<'a, T>(items: &'a [T], i: &mut usize) -> &'a T {
    *i = (*i + 1) % items.len();
    &items[*i]
}

fn floor(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    case: &Case,
    requests: &[Request],
) {
    let keyed = Hmac::<Sha1>::new_from_slice(case.auth_token.as_bytes()).expect("any key");
    let mut i = 0;
    c.bench_function("hmac_floor", |b| {
        b.iter(|| {
            let r = next(requests, &mut i);
            let mut mac = keyed.clone();
            mac.update(black_box(r.canonical.as_bytes()));
            black_box(mac.finalize().into_bytes())
        })
    });
}

fn form(c: &mut Criterion) {
    for case in cases().iter().filter(|c| !c.is_json()) {
        let v = Verifier::new(case.auth_token.as_str());
        let requests = variants(case);
        for r in &requests {
            assert!(v
                .verify_form(&r.url, r.body.as_bytes(), &r.signature)
                .is_ok());
        }
        let mut g = c.benchmark_group(format!("form/{}", case.name));
        g.throughput(Throughput::Bytes(case.body.len() as u64));
        let mut i = 0;
        g.bench_function("verify_form", |b| {
            b.iter(|| {
                let r = next(&requests, &mut i);
                black_box(v.verify_form(
                    black_box(&r.url),
                    black_box(r.body.as_bytes()),
                    black_box(&r.signature),
                ))
                .is_ok()
            })
        });
        floor(&mut g, case, &requests);
        g.finish();
    }
}

/// A valid-looking SHA-1 signature (28 base64 characters) that differs from `sig` in the
/// first (`early`) or the last MAC byte.
fn tampered(sig: &str, early: bool) -> String {
    let mut mac = STANDARD.decode(sig).expect("base64");
    let i = if early { 0 } else { mac.len() - 1 };
    mac[i] ^= 0x01;
    STANDARD.encode(mac)
}

fn reject(c: &mut Criterion) {
    let cases = cases();
    let case = cases.iter().find(|c| c.name == "whatsapp_inbound").unwrap();
    let v = Verifier::new(case.auth_token.as_str());
    let requests: Vec<Request> = variants(case)
        .into_iter()
        .map(|r| Request {
            signature: tampered(&r.signature, true),
            ..r
        })
        .collect();
    for r in &requests {
        assert!(v
            .verify_form(&r.url, r.body.as_bytes(), &r.signature)
            .is_err());
    }
    let mut g = c.benchmark_group("reject/whatsapp_inbound");
    let mut i = 0;
    g.bench_function("verify_form", |b| {
        b.iter(|| {
            let r = next(&requests, &mut i);
            black_box(v.verify_form(
                black_box(&r.url),
                black_box(r.body.as_bytes()),
                black_box(&r.signature),
            ))
            .is_err()
        })
    });
    floor(&mut g, case, &requests);
    g.finish();
}

fn canonical(c: &mut Criterion) {
    let mut g = c.benchmark_group("canonical");
    for case in cases().iter().filter(|c| !c.is_json()) {
        let requests = variants(case);
        g.throughput(Throughput::Bytes(case.body.len() as u64));
        let mut i = 0;
        g.bench_function(BenchmarkId::from_parameter(&case.name), |b| {
            b.iter(|| {
                let r = next(&requests, &mut i);
                let form = FormParams::parse(black_box(r.body.as_bytes())).expect("valid form");
                let mut sink = Count(0);
                form.write_to(&mut sink);
                black_box(sink.0)
            })
        });
    }
    g.finish();
}

fn json(c: &mut Criterion) {
    let cases = cases();
    let case = cases.iter().find(|c| c.is_json()).expect("a JSON case");
    let token = case.auth_token.as_str();
    let v = Verifier::new(token);
    // The workload case, and a 64 KiB body signed the same way.
    let big_body = format!("{{\"data\":\"{}\"}}", "x".repeat(64 * 1024 - 11));
    let base = case.url.split('?').next().unwrap();
    let big_url = format!("{base}?bodySHA256={}", body_sha256_hex(big_body.as_bytes()));
    let big_sig = compute_twilio_signature(&big_url, core::iter::empty::<(&str, &str)>(), token);
    let inputs = [
        (
            "1KiB",
            case.url.clone(),
            case.body.clone(),
            case.signature.clone(),
        ),
        ("64KiB", big_url, big_body, big_sig),
    ];
    let mut g = c.benchmark_group("json");
    for (label, url, body, sig) in &inputs {
        assert!(v.verify_body(url, body.as_bytes(), sig).is_ok(), "{label}");
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function(*label, |b| {
            b.iter(|| {
                black_box(v.verify_body(black_box(url), black_box(body.as_bytes()), black_box(sig)))
                    .is_ok()
            })
        });
    }
    g.finish();
}

fn compare(c: &mut Criterion) {
    let cases = cases();
    let case = cases.iter().find(|c| c.name == "status_callback").unwrap();
    let v = Verifier::new(case.auth_token.as_str());
    let mut g = c.benchmark_group("compare");
    for (label, early) in [("early_differing", true), ("late_differing", false)] {
        let bad = tampered(&case.signature, early);
        assert!(v
            .verify_form(&case.url, case.body.as_bytes(), &bad)
            .is_err());
        g.bench_function(label, |b| {
            b.iter(|| {
                black_box(v.verify_form(
                    black_box(&case.url),
                    black_box(case.body.as_bytes()),
                    black_box(&bad),
                ))
                .is_err()
            })
        });
    }
    g.finish();
}

#[cfg(feature = "guard")]
fn guard(c: &mut Criterion) {
    use twilio_webhook::guard::{Claim, Guard, GuardConfig, MemoryStore};

    let cases = cases();
    let case = cases.iter().find(|c| c.name == "whatsapp_inbound").unwrap();
    let v = Verifier::new(case.auth_token.as_str());
    let mac = STANDARD.decode(&case.signature).expect("base64");
    // A short window, so that completed entries expire and full shards purge them: the
    // bounded steady state of a long-running store, not an ever-growing map. (With so
    // short a lease a preempted iteration may lose its lease: the same work, so its
    // completion's result is not checked.)
    let short = Duration::from_millis(50);
    let guard = Guard::new(
        MemoryStore::new(200_000),
        GuardConfig::default().with_lease(short).with_window(short),
    )
    .unwrap();
    let repeats = Guard::new(MemoryStore::new(16), GuardConfig::default()).unwrap();
    // On the memory store the guard's futures are ready at their first poll (a first
    // delivery and a completed repeat never wait): polled once, without a runtime's
    // overhead, which the handler's runtime pays anyway.
    fn ready<T>(f: impl std::future::Future<Output = T>) -> T {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::pin!(f).poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("the memory store never waits here"),
        }
    }
    let twiml = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";
    ready(async {
        let Claim::First(h) = repeats.claim(Some("acme"), &mac).await else {
            panic!("first")
        };
        h.complete(200, Some("text/xml"), twiml).await.unwrap();
    });

    let mut g = c.benchmark_group("guard/whatsapp_inbound");
    g.bench_function("verify_form", |b| {
        b.iter(|| {
            black_box(v.verify_form(
                black_box(&case.url),
                black_box(case.body.as_bytes()),
                black_box(&case.signature),
            ))
            .is_ok()
        })
    });
    let mut n: u64 = 0;
    g.bench_function("memory_claim_complete", |b| {
        b.iter(|| {
            n += 1;
            let mut fresh = [0u8; 20];
            fresh[..8].copy_from_slice(&n.to_le_bytes());
            ready(async {
                let Claim::First(h) = guard.claim(Some("acme"), black_box(&fresh)).await else {
                    panic!("a fresh MAC is a first delivery")
                };
                black_box(h.complete(200, Some("text/xml"), twiml).await.is_ok())
            })
        })
    });
    g.bench_function("memory_claim_repeat", |b| {
        b.iter(|| {
            ready(async {
                let Claim::Duplicate(d) = repeats.claim(Some("acme"), black_box(&mac)).await else {
                    panic!("a repeat")
                };
                black_box(d.response.body.len())
            })
        })
    });
    g.finish();
}

#[cfg(not(feature = "guard"))]
fn guard(_: &mut Criterion) {}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = form, reject, canonical, json, compare, guard
}
criterion_main!(benches);
