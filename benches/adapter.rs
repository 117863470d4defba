//! The axum adapter in process, side by side with the same route unverified: the
//! `whatsapp_inbound` request through `Router::oneshot` to `/plain` (axum `Form`) and to
//! `/verified` (`TwilioWebhook<Form<..>>`), same handler work. No socket, so the ratio is
//! steadier than wrk's (`benches/throughput/run.sh` measures the same app over TCP).
//!
//!     cargo bench --bench adapter --features axum

#[path = "support/adapter_request.rs"]
mod adapter_request;
#[path = "support/throughput_app.rs"]
mod throughput_app;
#[path = "support/workload.rs"]
mod workload;

use criterion::{criterion_group, criterion_main, Criterion};
use tower::ServiceExt as _;

fn adapter(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group("adapter/whatsapp_inbound");
    for path in ["/plain", "/verified"] {
        let (token, request) = adapter_request::whatsapp_inbound(path);
        let app = throughput_app::app(&token, adapter_request::BASE).expect("valid config");
        let status = rt
            .block_on(app.clone().oneshot(request()))
            .map(|r| r.status());
        assert_eq!(status.ok().map(|s| s.as_u16()), Some(200), "{path}");
        g.bench_function(path.trim_start_matches('/'), |b| {
            b.iter(|| rt.block_on(app.clone().oneshot(request())))
        });
    }
    g.finish();
}

criterion_group!(benches, adapter);
criterion_main!(benches);
