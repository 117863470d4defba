//! Sends the `whatsapp_inbound` request N times through the axum app of
//! `benches/support/throughput_app.rs`, in process, for `valgrind --tool=callgrind`.
//!
//!     cargo build --release --example prof_adapter --features axum
//!     valgrind --tool=callgrind target/release/examples/prof_adapter verified 1000
//!
//! Instructions per request = (total at 2N - total at N) / N; `plain` is the same route
//! without verification.

#[path = "../support/adapter_request.rs"]
mod adapter_request;
#[path = "../support/throughput_app.rs"]
mod throughput_app;
#[path = "../support/workload.rs"]
mod workload;

use tower::ServiceExt as _;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = match args.get(1).map(String::as_str) {
        Some("plain") => "/plain",
        _ => "/verified",
    };
    let n: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let (token, request) = adapter_request::whatsapp_inbound(path);
    let app = throughput_app::app(&token, adapter_request::BASE).expect("valid config");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut ok = 0usize;
    for _ in 0..n {
        let res = rt
            .block_on(app.clone().oneshot(request()))
            .expect("infallible");
        ok += usize::from(res.status().is_success());
    }
    assert_eq!(ok, n, "every request accepted");
}
