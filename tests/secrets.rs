//! Secret hygiene: every public type reachable without a framework feature, formatted with
//! `{:?}` and `{}`, holds no token, no SharedKey secret, no MAC the verifier computed (in
//! base64, unpadded base64 or hex) and no HMAC state bytes. Tokens are distinctive so the
//! substring checks mean something.
#![cfg(feature = "pipeline")]

#[cfg(feature = "tracing")]
mod tracing_anchor;

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use twilio_webhook::canonical::{FormParams, SortedParams};
use twilio_webhook::headers::{HeaderSource, HeaderValue};
use twilio_webhook::pipeline::{
    AccountSidMap, BoxFuture, KeyResolver, PublicUrl, RequestParts, ResolveContext, ResolveError,
    StaticKeys, Tenant, WebhookConfig,
};
use twilio_webhook::report::MemoryLog;
use twilio_webhook::{
    body_sha256_hex, compute_signature_with, compute_twilio_signature, Algorithm, Error, Payload,
    Secret, SignatureSettings, Verifier, WebhookRequest,
};

const TOKEN: &str = "tok_SECRET_1f590d757dca7eb9";
const SECONDARY: &str = "tok_SECRET2_8e21c4b0a9f3d615";
const SHARED_ID: &str = "KSpublic_id";
const SHARED_SECRET: &str = "shk_SECRET_43a9be0c5d7f1e28";
const BASE: &str = "https://api.example.com";
const PATH: &str = "/hook?x=1";
const URL: &str = "https://api.example.com/hook?x=1";
/// HTTP Basic credentials in the webhook URL, and a session cookie: not Twilio secrets, but
/// credentials all the same.
const BASIC_BASE: &str = "https://hookuser:pw_SECRET_77b1c9@api.example.com";
const BASIC_URL: &str = "https://hookuser:pw_SECRET_77b1c9@api.example.com/hook?x=1";
const BASIC_PW: &str = "pw_SECRET_77b1c9";
const BASIC_HEADER: &str = "Basic aG9va3VzZXI6cHdfU0VDUkVUXzc3YjFjOQ==";
const COOKIE: &str = "session=ck_SECRET_91d3e0";
const FORM: &[u8] = b"AccountSid=AC123&Body=hello&From=%2B15550001";

fn pairs() -> [(&'static str, &'static str); 3] {
    [
        ("AccountSid", "AC123"),
        ("Body", "hello"),
        ("From", "+15550001"),
    ]
}

/// Every MAC the verifier computes for the test requests, for each URL candidate.
fn computed_macs() -> Vec<String> {
    let urls = [
        URL,
        "https://api.example.com:443/hook?x=1",
        BASIC_URL,
        "https://hookuser:pw_SECRET_77b1c9@api.example.com:443/hook?x=1",
    ];
    let json_url = json_url();
    let mut out = Vec::new();
    for url in urls {
        out.push(compute_twilio_signature(url, pairs(), TOKEN));
        out.push(compute_twilio_signature(url, pairs(), SECONDARY));
        out.push(compute_signature_with(
            Algorithm::HmacSha256,
            url,
            pairs(),
            SHARED_SECRET,
        ));
        out.push(compute_twilio_signature(url, [("", ""); 0], TOKEN));
    }
    out.push(compute_twilio_signature(&json_url, [("", ""); 0], TOKEN));
    out
}

fn json_url() -> String {
    format!("{URL}&bodySHA256={}", body_sha256_hex(b"{\"a\":1}"))
}

/// Fails if `text` holds a secret, a computed MAC, or what looks like a dumped byte array.
#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for secret in [
        TOKEN,
        SECONDARY,
        SHARED_SECRET,
        BASIC_PW,
        &BASIC_HEADER[6..],
        "ck_SECRET",
    ] {
        assert!(!text.contains(secret), "{what} shows a secret: {text}");
    }
    for mac in computed_macs() {
        let raw = STANDARD.decode(&mac).unwrap();
        let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let forms = [mac.trim_end_matches('=').to_owned(), hex, hex_upper(&raw)];
        for f in forms {
            assert!(!text.contains(&f), "{what} shows a computed MAC: {text}");
        }
    }
    // A derived Debug of HMAC state or a key block prints a long list of numbers.
    assert!(
        longest_number_list(text) < 16,
        "{what} shows a byte array: {text}"
    );
}

fn hex_upper(raw: &[u8]) -> String {
    raw.iter().map(|b| format!("{b:02X}")).collect()
}

fn longest_number_list(text: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for token in text.split([',', '[', ']']) {
        if !token.trim().is_empty() && token.trim().bytes().all(|b| b.is_ascii_digit()) {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

fn debug_and_display<T: std::fmt::Debug + std::fmt::Display>(what: &str, v: &T) {
    assert_clean(what, &format!("{v:?}"));
    assert_clean(what, &format!("{v:#?}"));
    assert_clean(what, &format!("{v}"));
}

fn debug<T: std::fmt::Debug>(what: &str, v: &T) {
    assert_clean(what, &format!("{v:?}"));
    assert_clean(what, &format!("{v:#?}"));
}

fn verifier() -> Verifier {
    Verifier::builder()
        .auth_token(TOKEN)
        .secondary_auth_token(SECONDARY)
        .shared_key(SHARED_ID, SHARED_SECRET)
        .build()
}

#[test]
fn the_checks_would_catch_a_leak() {
    // The helper itself must fail on each kind of leak, or the tests below prove nothing.
    let mac = compute_twilio_signature(URL, pairs(), TOKEN);
    for leaky in [
        format!("x {TOKEN} y"),
        format!("sig={mac}"),
        format!("{:?}", STANDARD.decode(&mac).unwrap()),
        format!("{:?}", [0u8; 64]),
    ] {
        let caught = std::panic::catch_unwind(|| assert_clean("probe", &leaky)).is_err();
        assert!(caught, "not caught: {leaky}");
    }
}

#[test]
fn core_types_show_no_secret() {
    let v = verifier();
    debug("Verifier", &v);
    debug(
        "VerifierBuilder",
        &Verifier::builder()
            .auth_token(TOKEN)
            .shared_key(SHARED_ID, SHARED_SECRET),
    );
    debug_and_display("Secret", &Secret::from(TOKEN));
    debug_and_display("Secret(String)", &Secret::from(SHARED_SECRET.to_owned()));

    let good = compute_twilio_signature(URL, pairs(), TOKEN);
    let ok = v.verify_form(URL, FORM, &good).unwrap();
    debug("Verified", &ok);
    debug_and_display("KeyUsed", &ok.key);
    debug_and_display("UrlVariant", &ok.url_variant);
    debug_and_display("Algorithm", &ok.algorithm);
    let second = compute_twilio_signature(URL, pairs(), SECONDARY);
    debug_and_display(
        "KeyUsed(secondary)",
        &v.verify_form(URL, FORM, &second).unwrap().key,
    );
    let shared = compute_signature_with(Algorithm::HmacSha256, URL, pairs(), SHARED_SECRET);
    let settings = format!("key={SHARED_ID},algorithm=HMAC_SHA256");
    let req = WebhookRequest {
        url: URL,
        signature: Some(&shared),
        signature_settings: Some(&settings),
        payload: Payload::Form(FORM),
    };
    debug_and_display("KeyUsed(shared)", &v.verify(&req).unwrap().key);

    debug("FormParams", &FormParams::parse(FORM).unwrap());
    debug("SortedParams", &SortedParams::new(pairs()));
    debug(
        "SignatureSettings",
        &SignatureSettings::parse(Some(&settings)).unwrap(),
    );
    let decoded = pairs();
    for payload in [
        Payload::Empty,
        Payload::Form(FORM),
        Payload::Params(&decoded),
        Payload::Raw(b"{}"),
        Payload::Body {
            bytes: FORM,
            content_type: Some("application/x-www-form-urlencoded"),
        },
    ] {
        debug("Payload", &payload);
    }
}

#[test]
fn webhook_request_shows_no_valid_signature() {
    // A request's Debug must not print a signature that verifies: logged next to the URL
    // and body, it lets anyone replay the request (Twilio's scheme has no timestamp).
    let good = compute_twilio_signature(URL, pairs(), TOKEN);
    let req = WebhookRequest {
        url: URL,
        signature: Some(&good),
        signature_settings: None,
        payload: Payload::Form(FORM),
    };
    assert!(verifier().verify(&req).is_ok());
    debug("WebhookRequest", &req);
}

/// Every error the public API can produce, each from a request that is otherwise valid, so
/// the MACs were really computed when the error was built.
fn every_error() -> Vec<Error> {
    let v = verifier();
    let good = compute_twilio_signature(URL, pairs(), TOKEN);
    let json_url = json_url();
    let json_sig = compute_twilio_signature(&json_url, [("", ""); 0], TOKEN);
    let bad_hash_url = format!("{URL}&bodySHA256=ABC");
    let bad_hash_sig = compute_twilio_signature(&bad_hash_url, [("", ""); 0], TOKEN);
    let with = |settings: &str| {
        v.verify(&WebhookRequest {
            url: URL,
            signature: Some(&good),
            signature_settings: Some(settings),
            payload: Payload::Form(FORM),
        })
    };
    let errors = vec![
        v.verify(&WebhookRequest {
            url: URL,
            signature: None,
            signature_settings: None,
            payload: Payload::Form(FORM),
        }),
        v.verify_form(URL, FORM, ""),
        v.verify_form(URL, FORM, &good[1..]),
        v.verify_form(URL, FORM, "!!!!!!!!!!!!!!!!!!!!!!!!!!!="),
        v.verify_form(URL, b"AccountSid=AC123&Body=hellO&From=%2B15550001", &good),
        v.verify_body(&json_url, b"{\"a\":2}", &json_sig),
        v.verify_body(URL, b"{\"a\":1}", &good),
        v.verify_body(&bad_hash_url, b"{}", &bad_hash_sig),
        with("key=KSother"),
        with("algorithm=HMAC_MD5"),
        with("key"),
        v.verify_form(URL, b"a=%zz", &good),
        v.verify_form(URL, b"a=%ff", &good),
        Verifier::builder()
            .auth_token(TOKEN)
            .max_params(1)
            .build()
            .verify_form(URL, FORM, &good),
        v.verify_form("api.example.com/hook", FORM, &good),
        v.verify_form("https:///hook", FORM, &good),
        v.verify_form("https://h:x/hook", FORM, &good),
        v.verify_form("https://[::1/hook", FORM, &good),
        Verifier::new("").verify_form(URL, FORM, &good),
        Verifier::builder().build().verify_form(URL, FORM, &good),
        Verifier::builder()
            .auth_token(TOKEN)
            .shared_key("", SHARED_SECRET)
            .try_build()
            .map(|_| unreachable!()),
    ];
    errors.into_iter().map(|r| r.unwrap_err()).collect()
}

#[test]
fn every_error_shows_no_secret() {
    let errors = every_error();
    assert!(errors.len() >= 20);
    for e in &errors {
        debug_and_display("Error", e);
        debug("ErrorClass", &e.class());
    }
}

/// Headers as a list, for the pipeline.
struct Headers(Vec<(&'static str, String)>);

impl HeaderSource for Headers {
    fn get(&self, name: &str) -> HeaderValue<'_> {
        HeaderValue::from_values(
            self.0
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_bytes()),
        )
    }
    fn for_each(&self, f: &mut dyn FnMut(&str, &[u8])) {
        self.0.iter().for_each(|(n, v)| f(n, v.as_bytes()))
    }
}

fn headers(sig: &str, extra: &[(&'static str, &str)]) -> Headers {
    let mut h = vec![
        ("x-twilio-signature", sig.to_owned()),
        (
            "content-type",
            "application/x-www-form-urlencoded".to_owned(),
        ),
        ("host", "api.example.com".to_owned()),
        ("i-twilio-idempotency-token", "idem-1".to_owned()),
        ("user-agent", "TwilioProxy/1.1".to_owned()),
    ];
    h.extend(extra.iter().map(|(n, v)| (*n, (*v).to_owned())));
    Headers(h)
}

struct Failing;

impl KeyResolver for Failing {
    fn resolve<'a>(
        &'a self,
        _ctx: ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Option<Tenant>, ResolveError>> {
        Box::pin(async { Err(ResolveError(format!("db down, password {TOKEN}").into())) })
    }
}

#[tokio::test]
async fn pipeline_types_and_attempt_log_show_no_secret() {
    let log = Arc::new(MemoryLog::default());
    let static_keys = StaticKeys::with_tenant_id(verifier(), "tenant-1");
    debug("StaticKeys", &static_keys);
    let map = AccountSidMap::new().insert("AC123", verifier());
    debug("AccountSidMap", &map);
    debug(
        "Tenant",
        &Tenant {
            id: Some("t".into()),
            verifier: Arc::new(verifier()),
        },
    );
    for p in [
        PublicUrl::base(BASE).unwrap(),
        PublicUrl::host_header(true),
        PublicUrl::insecure_trust_forwarded_headers(true),
    ] {
        debug("PublicUrl", &p);
    }
    let config = WebhookConfig::new(static_keys, PublicUrl::base(BASE).unwrap())
        .with_attempt_log(log.clone());
    debug("WebhookConfig", &config);
    let by_sid =
        WebhookConfig::new(map, PublicUrl::base(BASE).unwrap()).with_attempt_log(log.clone());
    let failing =
        WebhookConfig::new(Failing, PublicUrl::base(BASE).unwrap()).with_attempt_log(log.clone());
    debug("ResolveError", &ResolveError("x".into()));

    let good = compute_twilio_signature(URL, pairs(), TOKEN);
    let parts = |h| RequestParts {
        method: "POST",
        path_and_query: PATH,
        headers: h,
        peer: None,
        framework_body_limit: None,
    };

    // Accepted, mismatched, duplicated, too large, unknown tenant, resolver failure,
    // unreadable body, bad path: each is reported once.
    let ok_headers = headers(&good, &[]);
    let ok = check(&config, &parts(&ok_headers), Ok(FORM)).await.unwrap();
    debug("VerifiedRequest", &ok);
    debug("RequestParts", &parts(&ok_headers));
    let _ = check(&config, &parts(&ok_headers), Ok(b"AccountSid=AC124"))
        .await
        .unwrap_err();
    let dup = headers(&good, &[("x-twilio-signature", &good)]);
    let _ = check(&config, &parts(&dup), Ok(FORM)).await.unwrap_err();
    let big = headers(&good, &[("content-length", "99999999")]);
    let _ = check(&config, &parts(&big), Ok(FORM)).await.unwrap_err();
    let _ = check(&by_sid, &parts(&ok_headers), Ok(b"AccountSid=AC999"))
        .await
        .unwrap_err();
    let _ = check(&failing, &parts(&ok_headers), Ok(FORM))
        .await
        .unwrap_err();
    let _ = check(&config, &parts(&ok_headers), Err(Error::BodyRead))
        .await
        .unwrap_err();
    let bad_path = RequestParts {
        method: "POST",
        path_and_query: "hook",
        headers: &ok_headers,
        peer: None,
        framework_body_limit: None,
    };
    let _ = check(&config, &bad_path, Ok(FORM)).await.unwrap_err();
    let _ = PublicUrl::base("https://h/x?q")
        .map(|_| ())
        .map_err(|e| debug_and_display("Error", &e));

    // HTTP Basic credentials in the public URL and the headers, and a cookie.
    let basic = WebhookConfig::new(
        StaticKeys::new(verifier()),
        PublicUrl::base(BASIC_BASE).unwrap(),
    )
    .with_attempt_log(log.clone());
    debug("PublicUrl(basic)", &PublicUrl::base(BASIC_BASE).unwrap());
    debug("WebhookConfig(basic)", &basic);
    let basic_sig = compute_twilio_signature(BASIC_URL, pairs(), TOKEN);
    let basic_headers = headers(
        &basic_sig,
        &[("authorization", BASIC_HEADER), ("cookie", COOKIE)],
    );
    let ok = check(&basic, &parts(&basic_headers), Ok(FORM))
        .await
        .unwrap();
    assert_eq!(ok.url, BASIC_URL, "the handler still gets the exact URL");
    debug("VerifiedRequest(basic)", &ok);
    let _ = check(&basic, &parts(&basic_headers), Ok(b"Body=x"))
        .await
        .unwrap_err();

    let records = log.records();
    assert_eq!(records.len(), 10);
    debug("MemoryLog", &*log);
    for r in &records {
        debug("AttemptRecord", r);
        for (name, value) in &r.headers {
            assert_clean("AttemptRecord header", &format!("{name}: {value}"));
        }
    }
    // The signature header is kept only as a fingerprint.
    let sig_values: Vec<_> = records[0]
        .headers
        .iter()
        .filter(|(n, _)| n == "x-twilio-signature")
        .collect();
    assert_eq!(sig_values.len(), 1);
    assert!(sig_values[0].1.starts_with("sha256:"));
}

/// `tracing` events (feature `tracing`) carry no secret either.
#[cfg(feature = "tracing")]
#[tokio::test]
async fn security_events_show_no_secret() {
    use std::sync::Mutex;
    use tracing_subscriber::fmt::MakeWriter;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl<'a> MakeWriter<'a> for Buf {
        type Writer = Buf;
        fn make_writer(&'a self) -> Buf {
            self.clone()
        }
    }

    let buf = Buf::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(buf.clone())
        .finish();
    let _guard = tracing_anchor::scoped_subscriber(subscriber);

    let config = WebhookConfig::new(StaticKeys::new(verifier()), PublicUrl::base(BASE).unwrap());
    let failing = WebhookConfig::new(Failing, PublicUrl::base(BASE).unwrap());
    let good = compute_twilio_signature(URL, pairs(), TOKEN);
    let h = headers(&good, &[]);
    let parts = RequestParts {
        method: "POST",
        path_and_query: PATH,
        headers: &h,
        peer: None,
        framework_body_limit: None,
    };
    check(&config, &parts, Ok(FORM)).await.unwrap();
    let _ = check(&config, &parts, Ok(b"Body=x")).await.unwrap_err();
    let _ = check(&failing, &parts, Ok(FORM)).await.unwrap_err();
    let basic = WebhookConfig::new(
        StaticKeys::new(verifier()),
        PublicUrl::base(BASIC_BASE).unwrap(),
    );
    let basic_sig = compute_twilio_signature(BASIC_URL, pairs(), TOKEN);
    let bh = headers(
        &basic_sig,
        &[("authorization", BASIC_HEADER), ("cookie", COOKIE)],
    );
    let bparts = RequestParts {
        method: "POST",
        path_and_query: PATH,
        headers: &bh,
        peer: None,
        framework_body_limit: None,
    };
    check(&basic, &bparts, Ok(FORM)).await.unwrap();
    let _ = check(&basic, &bparts, Ok(b"Body=x")).await.unwrap_err();

    let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert_eq!(out.lines().count(), 5, "{out}");
    assert_clean("tracing events", &out);
    assert!(!out.contains(&good));
}

/// One request through the pipeline's sequence, with `body` as what the adapter's reader
/// returned.
async fn check<H: HeaderSource>(
    config: &WebhookConfig,
    parts: &RequestParts<'_, H>,
    body: Result<&[u8], Error>,
) -> Result<twilio_webhook::pipeline::VerifiedRequest, Error> {
    let accepted = config
        .verify(parts, |_limit| async { body })
        .await?
        .into_run()
        .expect("no replay guard");
    accepted.completion.complete(200, None, b"").await;
    Ok(accepted.request)
}
