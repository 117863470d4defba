//! The `whatsapp_inbound` request of `benches/workload.json`, signed for a route of
//! `benches/support/throughput_app.rs`, as `benches/adapter.rs` and `benches/tools/prof_adapter.rs` send
//! it in process (no socket). Its user also declares `mod workload` (`common/workload.rs`).

use axum::body::{Body, Bytes};
use axum::http::Request;

/// Public base URL the app is built with; the `Host` sent matches it.
pub(crate) const BASE: &str = "http://127.0.0.1:3000";

/// The workload case's token, and a maker of requests to `path` signed for `BASE + path`.
pub(crate) fn whatsapp_inbound(path: &'static str) -> (String, impl Fn() -> Request<Body>) {
    let case = super::workload::case("whatsapp_inbound");
    let url = format!("{BASE}{path}");
    let params = case.params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let signature = twilio_webhook::compute_twilio_signature(&url, params, &case.auth_token);
    let body = Bytes::from(case.body);
    let request = move || {
        Request::post(path)
            .header("host", "127.0.0.1:3000")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature.as_str())
            .body(Body::from(body.clone()))
            .expect("valid request")
    };
    (case.auth_token, request)
}
