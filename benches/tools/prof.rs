//! Runs `verify_form` N times on one workload case, for `valgrind --tool=callgrind`.
//!
//!     cargo build --release --example prof
//!     valgrind --tool=callgrind target/release/examples/prof whatsapp_inbound accept 1000
//!
//! Instructions per verification = (total at 2N - total at N) / N. A fourth argument takes
//! that many distinct signed bodies in turn (`prof whatsapp_inbound accept 1000000 8`).

use std::hint::black_box;
use twilio_webhook::Verifier;

#[path = "../support/workload.rs"]
mod workload;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map_or("whatsapp_inbound", String::as_str);
    let reject = args.get(2).is_some_and(|m| m == "reject");
    let n: usize = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1000);
    // Distinct signed bodies taken in turn (as the criterion benches do), so that neither
    // the branch predictor nor any cache learns one input; 1 repeats the case itself.
    let rotate: usize = args.get(4).and_then(|n| n.parse().ok()).unwrap_or(1);
    let case = workload::case(name);
    let v = Verifier::new(case.auth_token.as_str());
    let requests = workload::variants(&case, rotate.clamp(1, 10));
    let forged = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let mut ok = 0usize;
    for i in 0..n {
        let r = &requests[i % requests.len()];
        let sig = if reject { forged } else { r.signature.as_str() };
        ok += usize::from(
            v.verify_form(
                black_box(&r.url),
                black_box(r.body.as_bytes()),
                black_box(sig),
            )
            .is_ok(),
        );
    }
    assert_eq!(ok, if reject { 0 } else { n });
}
