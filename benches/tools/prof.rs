//! Runs `verify_form` N times on one workload case, for `valgrind --tool=callgrind`.
//!
//!     cargo build --release --example prof
//!     valgrind --tool=callgrind target/release/examples/prof whatsapp_inbound accept 1000
//!
//! Instructions per verification = (total at 2N - total at N) / N.

use std::hint::black_box;
use twilio_webhook::Verifier;

#[path = "../support/workload.rs"]
mod workload;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map_or("whatsapp_inbound", String::as_str);
    let reject = args.get(2).is_some_and(|m| m == "reject");
    let n: usize = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let case = workload::case(name);
    let v = Verifier::new(case.auth_token.as_str());
    let sig = if reject {
        "AAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_string()
    } else {
        case.signature.clone()
    };
    let mut ok = 0usize;
    for _ in 0..n {
        ok += usize::from(
            v.verify_form(
                black_box(&case.url),
                black_box(case.body.as_bytes()),
                black_box(&sig),
            )
            .is_ok(),
        );
    }
    assert_eq!(ok, if reject { 0 } else { n });
}
