//! A Twilio Voice status callback on AWS Lambda (`lambda_http`), verified with
//! `adapters::hyper::verify_request`: `lambda_http` hands the function an `http::Request`,
//! which is all the hyper adapter needs.
//!
//! Configuration, from the environment:
//! - `TWILIO_AUTH_TOKEN`: the Auth Token.
//! - `PUBLIC_BASE_URL`: the scheme and host of the URL entered in the Twilio console, without
//!   the path: `https://<id>.lambda-url.<region>.on.aws` (Function URL),
//!   `https://<api-id>.execute-api.<region>.amazonaws.com` (API Gateway). The function sees
//!   a path: base + that path (and query) must be the URL Twilio calls. Function URLs and
//!   HTTP APIs pass path and query through as sent. A REST API (v1) drops the stage from the
//!   path, and `lambda_http` adds it back (`/prod/voice/status`), unless
//!   `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set, as it should be behind a custom domain
//!   whose base path mapping hides the stage (then the base includes the mapping,
//!   `https://api.example.com/twilio`).
//!
//! A REST API rebuilds the query string from parsed parameters, in hash order, so it cannot
//! carry a signed query string: configure `POST` webhooks without query parameters there
//! (a JSON webhook's lone `bodySHA256` is fine), or use a Function URL or an HTTP API.
//!
//! Build it for Lambda's target as any Rust function (for example with cargo-lambda), with the
//! features `hyper` and `serde`. `examples/tests/lambda.rs` checks the verdicts on events of each kind.

use std::sync::Arc;

use http_body_util::BodyExt as _;
use lambda_http::{run, service_fn, Body, Error, Request, Response};
use twilio_webhook::adapters::hyper::verify_request;
use twilio_webhook::payload::CallStatusCallback;
use twilio_webhook::pipeline::{response_text, Verdict, WebhookConfig};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let token = std::env::var("TWILIO_AUTH_TOKEN")?;
    let base = std::env::var("PUBLIC_BASE_URL")?;
    let config = Arc::new(WebhookConfig::single_token(&token, &base)?);
    run(service_fn(move |req| status_callback(config.clone(), req))).await
}

async fn status_callback(
    config: Arc<WebhookConfig>,
    req: Request,
) -> Result<Response<Body>, Error> {
    let (req, completion) = match verify_request(&config, req).await {
        Ok(Verdict::Run((req, _verified, completion))) => (req, completion),
        // A repeat a replay guard answered (none is configured here).
        Ok(Verdict::Answer(a)) => {
            return Ok(Response::builder()
                .status(a.status)
                .body(Body::from(a.body))?)
        }
        // The reason is in the attempt report; the response carries a fixed text only.
        Err(e) => return reply(e.http_status(), response_text(e.http_status())),
    };
    let body = req.into_body().collect().await?.to_bytes();
    let Ok(callback) = CallStatusCallback::from_form(&body) else {
        return reply(422, "Unprocessable Entity");
    };
    completion.complete(204, None, b"").await;
    if callback.call.call_status.is_final() {
        println!(
            "call {} ended {} after {:?}s",
            callback.call.call_sid, callback.call.call_status, callback.call_duration
        );
    }
    reply(204, "")
}

fn reply(status: u16, text: &str) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .status(status)
        .body(Body::from(text.to_owned()))?)
}
