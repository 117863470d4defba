//! The Rust half of `benches/peers/run.sh`: times `Verifier::verify_form` /
//! `Verifier::verify_body` on `benches/workload.json`, and the floor: a
//! pre-keyed HMAC-SHA1 over each case's already-built canonical string.
//!
//! Prints one JSON line per case and implementation:
//! `{"impl":"twilio-webhook"|"hmac-floor","case":...,"ns_per_op":...}`
//!
//!     cargo run --release --example peer_bench -- benches/workload.json

use std::hint::black_box;
use std::time::Instant;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

#[path = "../support/workload.rs"]
mod workload;

/// Warm up, find a batch size that takes >= 10% of the budget, then time
/// one batch sized to the whole budget (PEER_BENCH_SECONDS, default 1 s).
fn bench(mut f: impl FnMut()) -> f64 {
    let budget: f64 = std::env::var("PEER_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    for _ in 0..1000 {
        f();
    }
    let mut n: u64 = 1;
    let dt = loop {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        let dt = t.elapsed().as_secs_f64();
        if dt >= budget / 10.0 {
            break dt;
        }
        n *= 2;
    };
    // An iteration count scaled to the time budget: `as` rounds it down (and saturates).
    #[allow(clippy::cast_possible_truncation)]
    let n = ((n as f64) * budget / dt).max(1.0) as u64;
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed().as_nanos() as f64 / n as f64
}

fn emit(imp: &str, case: &str, ns: f64) {
    let line = serde_json::json!({
        "impl": imp,
        "case": case,
        "ns_per_op": (ns * 10.0).round() / 10.0,
    });
    println!("{line}");
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "benches/workload.json".into());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let cases = workload::parse(&text);

    for c in &cases {
        let v = twilio_webhook::Verifier::new(&c.auth_token);
        let json = c.content_type == "application/json";
        let verify = |url: &str, body: &[u8], sig: &str| {
            if json {
                v.verify_body(url, body, sig).is_ok()
            } else {
                v.verify_form(url, body, sig).is_ok()
            }
        };
        assert!(
            verify(&c.url, c.body.as_bytes(), &c.signature),
            "{}: rejected",
            c.name
        );
        let ns = bench(|| {
            black_box(verify(
                black_box(&c.url),
                black_box(c.body.as_bytes()),
                black_box(&c.signature),
            ));
        });
        emit("twilio-webhook", &c.name, ns);

        let keyed = Hmac::<Sha1>::new_from_slice(c.auth_token.as_bytes()).expect("any key length");
        let mut check = keyed.clone();
        check.update(c.canonical.as_bytes());
        let sig = base64::engine::general_purpose::STANDARD.encode(check.finalize().into_bytes());
        assert_eq!(
            sig, c.signature,
            "{}: canonical string does not match the signature",
            c.name
        );
        let ns = bench(|| {
            let mut mac = keyed.clone();
            mac.update(black_box(c.canonical.as_bytes()));
            black_box(mac.finalize().into_bytes());
        });
        emit("hmac-floor", &c.name, ns);
    }
}
