//! AWS Lambda: requests built from event JSON by `lambda_http`'s own deserialisation
//! (`lambda_http::request::from_str`, what its runtime does with each invocation), verified
//! with `adapters::hyper::verify_request`. One event shape per front door: a Function URL, an
//! API Gateway HTTP API (payload v2) and an API Gateway REST API (v1, "proxy integration").
//!
//! The event shapes follow AWS's documented examples:
//! - Function URL: https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads
//! - HTTP API v2: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
//! - REST v1: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format

use base64::Engine as _;
use http_body_util::BodyExt as _;
use serde_json::{json, Value};
use twilio_webhook::adapters::hyper::verify_request;
use twilio_webhook::payload::{CallStatus, CallStatusCallback};
use twilio_webhook::pipeline::WebhookConfig;
use twilio_webhook::{body_sha256_hex, compute_twilio_signature, Error};

const TOKEN: &str = "lambda-test-auth-token";
const FUNCTION_URL_HOST: &str = "abcdefghij.lambda-url.us-east-1.on.aws";
const HTTP_API_HOST: &str = "r3pmxmplak.execute-api.us-east-1.amazonaws.com";
const REST_API_HOST: &str = "wt6mne2s9k.execute-api.us-east-1.amazonaws.com";

/// A call status callback as Twilio sends it (the parameters of
/// `tests/data/voice/samples.json`'s `call_status_completed_human`, in Twilio's order).
const PARAMS: &[(&str, &str)] = &[
    ("CallSid", "CAdddddddddddddddddddddddddddddddd"),
    ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("From", "+18005551212"),
    ("To", "+16175551212"),
    ("CallStatus", "completed"),
    ("ApiVersion", "2010-04-01"),
    ("Direction", "outbound-api"),
    ("CallbackSource", "call-progress-events"),
    ("Timestamp", "Mon, 16 Aug 2010 03:45:50 +0000"),
    ("SequenceNumber", "3"),
    ("CallDuration", "49"),
    ("Duration", "1"),
];

fn form() -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.extend_pairs(PARAMS.iter().copied());
    s.finish()
}

fn post_signature(public_url: &str) -> String {
    compute_twilio_signature(public_url, PARAMS.iter().copied(), TOKEN)
}

fn url_signature(public_url: &str) -> String {
    compute_twilio_signature(public_url, std::iter::empty::<(&str, &str)>(), TOKEN)
}

fn twilio_headers(host: &str, signature: &str, content_type: Option<&str>) -> Value {
    let mut h = json!({
        "host": host,
        "user-agent": "TwilioProxy/1.1",
        "x-forwarded-proto": "https",
        "x-forwarded-port": "443",
        "x-forwarded-for": "54.172.60.1",
        "i-twilio-idempotency-token": "4ae5c6a9-4c2b-4b5c-9e0f-3c1d2e3f4a5b",
        "x-twilio-signature": signature,
    });
    if let Some(ct) = content_type {
        h["content-type"] = json!(ct);
    }
    h
}

/// A payload v2 event (Function URL or HTTP API); form bodies arrive base64-encoded.
fn v2_event(
    host: &str,
    stage: &str,
    raw_path: &str,
    raw_query: &str,
    method: &str,
    body: Option<&str>,
    signature: &str,
) -> String {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": twilio_headers(host, signature, body.map(|_| "application/x-www-form-urlencoded")),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": host.split('.').next().unwrap(),
            "domainName": host,
            "domainPrefix": host.split('.').next().unwrap(),
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "54.172.60.1",
                "userAgent": "TwilioProxy/1.1"
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default",
            "stage": stage,
            "time": "16/Aug/2010:03:45:50 +0000",
            "timeEpoch": 1281930350000_u64
        },
        "body": body.map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
        "isBase64Encoded": body.is_some()
    })
    .to_string()
}

/// A REST API (v1) proxy event: no raw query string, only the parsed parameter maps.
fn v1_event(
    path: &str,
    query: &[(&str, &str)],
    method: &str,
    body: Option<(&str, &str)>,
    signature: &str,
) -> String {
    let single: serde_json::Map<String, Value> = query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    let multi: serde_json::Map<String, Value> = query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!([v])))
        .collect();
    json!({
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": twilio_headers(REST_API_HOST, signature, body.map(|(ct, _)| ct)),
        "multiValueHeaders": {},
        "queryStringParameters": if query.is_empty() { Value::Null } else { Value::Object(single) },
        "multiValueQueryStringParameters": if query.is_empty() { Value::Null } else { Value::Object(multi) },
        "pathParameters": { "proxy": path.trim_start_matches('/') },
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012",
            "resourceId": "us4z18",
            "stage": "prod",
            "requestId": "41b45ea3-70b5-11e6-b7bd-69b5aaebc7d9",
            "requestTimeEpoch": 1281930350000_u64,
            "identity": { "sourceIp": "54.172.60.1", "userAgent": "TwilioProxy/1.1" },
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "apiId": "wt6mne2s9k",
            "path": format!("/prod{path}")
        },
        "body": body.map(|(_, b)| b),
        "isBase64Encoded": false
    })
    .to_string()
}

/// The event through `lambda_http`'s deserialisation, then the crate's verdict; on success the
/// verified body decoded as a call status callback.
async fn verdict(config: &WebhookConfig, event: &str) -> Result<Option<CallStatusCallback>, Error> {
    let req = lambda_http::request::from_str(event).expect("lambda_http parses the event");
    let (req, verified, completion) = verify_request(config, req)
        .await?
        .into_run()
        .expect("no replay guard: every verified request runs");
    completion.complete(200, None, b"").await;
    assert_eq!(
        verified.idempotency_token.as_deref(),
        Some("4ae5c6a9-4c2b-4b5c-9e0f-3c1d2e3f4a5b")
    );
    let body = req.into_body().collect().await.unwrap().to_bytes();
    Ok(CallStatusCallback::from_form(&body).ok())
}

fn config_for(public_base: &str) -> WebhookConfig {
    WebhookConfig::single_token(TOKEN, public_base).unwrap()
}

#[tokio::test]
async fn function_url_post_and_get_verify() {
    let base = format!("https://{FUNCTION_URL_HOST}");
    let config = config_for(&base);
    let url = format!("{base}/voice/status");
    let event = v2_event(
        FUNCTION_URL_HOST,
        "$default",
        "/voice/status",
        "",
        "POST",
        Some(&form()),
        &post_signature(&url),
    );
    let cb = verdict(&config, &event).await.unwrap().expect("decodes");
    assert_eq!(cb.call.call_status, CallStatus::Completed);
    assert_eq!(cb.call_duration, Some(49));

    // GET: the raw query string is passed through as sent, order and encoding intact.
    let query = form();
    let event = v2_event(
        FUNCTION_URL_HOST,
        "$default",
        "/voice/status",
        &query,
        "GET",
        None,
        &url_signature(&format!("{url}?{query}")),
    );
    verdict(&config, &event).await.expect("GET verifies");

    // Tampered after signing: refused.
    let tampered = form().replace("CallDuration=49", "CallDuration=4900");
    let event = v2_event(
        FUNCTION_URL_HOST,
        "$default",
        "/voice/status",
        "",
        "POST",
        Some(&tampered),
        &post_signature(&url),
    );
    let err = verdict(&config, &event).await.unwrap_err();
    assert!(matches!(err, Error::SignatureMismatch { .. }), "{err:?}");
    assert_eq!(err.http_status(), 403);
}

#[tokio::test]
async fn http_api_v2_keeps_the_raw_query_and_a_stage_in_the_raw_path() {
    let base = format!("https://{HTTP_API_HOST}");
    let config = config_for(&base);
    // A named stage is part of the URL Twilio calls and of `rawPath`.
    let url = format!("{base}/prod/voice/status");
    let query = form();
    let event = v2_event(
        HTTP_API_HOST,
        "prod",
        "/prod/voice/status",
        &query,
        "GET",
        None,
        &url_signature(&format!("{url}?{query}")),
    );
    verdict(&config, &event)
        .await
        .expect("GET with stage verifies");

    let event = v2_event(
        HTTP_API_HOST,
        "prod",
        "/prod/voice/status",
        "",
        "POST",
        Some(&form()),
        &post_signature(&url),
    );
    verdict(&config, &event)
        .await
        .expect("POST with stage verifies");
}

#[tokio::test]
async fn rest_api_v1_post_verifies_with_the_stage_added_back() {
    // REST v1 drops the stage from `path`; lambda_http adds it back (unless
    // AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH is set), so the configured base stays the host.
    let base = format!("https://{REST_API_HOST}");
    let config = config_for(&base);
    let url = format!("{base}/prod/voice/status");
    let event = v1_event(
        "/voice/status",
        &[],
        "POST",
        Some(("application/x-www-form-urlencoded", &form())),
        &post_signature(&url),
    );
    let cb = verdict(&config, &event).await.unwrap().expect("decodes");
    assert_eq!(cb.sequence_number, Some(3));

    // The Host header is API Gateway's; a base URL that is not what Twilio called fails
    // however the request looks (here: a custom domain configured, the default one called).
    let other = config_for("https://api.example.com");
    let err = verdict(&other, &event).await.unwrap_err();
    assert!(matches!(err, Error::SignatureMismatch { .. }), "{err:?}");
}

#[tokio::test]
async fn rest_api_v1_cannot_carry_a_signed_query_string() {
    let base = format!("https://{REST_API_HOST}");
    let config = config_for(&base);
    let query = form();
    let signed = format!("{base}/prod/voice/status?{query}");
    let event = v1_event(
        "/voice/status",
        PARAMS,
        "GET",
        None,
        &url_signature(&signed),
    );
    let req = lambda_http::request::from_str(&event).unwrap();
    // REST v1 hands over parsed maps; lambda_http rebuilds a query from them in hash order.
    let rebuilt = req.uri().query().unwrap_or("").to_owned();
    let mut sent: Vec<&str> = query.split('&').collect();
    let mut got: Vec<&str> = rebuilt.split('&').collect();
    sent.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, sent, "the same pairs arrive");
    // ...but not in Twilio's order (12 pairs: 1 chance in 12! that a hash order matches),
    // and the signature covers the order.
    let err = verify_request(&config, req).await.unwrap_err();
    assert!(matches!(err, Error::SignatureMismatch { .. }), "{err:?}");
}

#[tokio::test]
async fn rest_api_v1_carries_a_lone_body_sha256() {
    // JSON webhooks put the body's hash in the query; one parameter has no order to lose.
    let base = format!("https://{REST_API_HOST}");
    let config = config_for(&base);
    let body = r#"{"CallSid":"CAdddddddddddddddddddddddddddddddd","CallStatus":"completed"}"#;
    let hash = body_sha256_hex(body.as_bytes());
    let signed = format!("{base}/prod/voice/events?bodySHA256={hash}");
    let event = v1_event(
        "/voice/events",
        &[("bodySHA256", &hash)],
        "POST",
        Some(("application/json", body)),
        &url_signature(&signed),
    );
    verdict(&config, &event).await.expect("JSON body verifies");

    // The body is still covered: a changed body fails its hash.
    let event = v1_event(
        "/voice/events",
        &[("bodySHA256", &hash)],
        "POST",
        Some(("application/json", &body.replace("completed", "failed"))),
        &url_signature(&signed),
    );
    let err = verdict(&config, &event).await.unwrap_err();
    assert!(matches!(err, Error::BodyHashMismatch), "{err:?}");
}
