//! The `twilio-webhook` command, run as a user runs it: signatures from the test kit, the
//! secret from the environment or standard input, exit status 0 / 1 / 2, and `explain`
//! naming the cause of each common mistake.

use std::io::Write as _;
use std::process::{Command, Stdio};

use twilio_webhook::testing::{SignedParts, SignedRequest};

const TOKEN: &str = "test-token-do-not-print-7f3a";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the command with `args`, the token in `TWILIO_AUTH_TOKEN` (or on stdin when
/// `stdin_token`), and checks the token never shows.
fn run_with(args: &[&str], env_token: Option<&str>, stdin: &str) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_twilio-webhook"));
    cmd.args(args)
        .env_remove("TWILIO_AUTH_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(t) = env_token {
        cmd.env("TWILIO_AUTH_TOKEN", t);
    }
    let mut child = cmd.spawn().expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().expect("exited"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    for secret in [TOKEN, "shared-secret-do-not-print"] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "secret printed by {args:?}:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    run
}

fn run(args: &[&str]) -> Run {
    run_with(args, Some(TOKEN), "")
}

fn form(url: &str) -> SignedRequest {
    SignedRequest::post(url)
        .param("From", "+15550001111")
        .param("Body", "It's 100% ok")
        .auth_token(TOKEN)
}

fn sig(p: &SignedParts) -> &str {
    p.header("x-twilio-signature").unwrap()
}

fn body(p: &SignedParts) -> String {
    String::from_utf8(p.body.clone()).unwrap()
}

/// `explain` for a form Twilio signed over `signed_url` that the server saw at `seen_url`.
fn explain_form(signed_url: &str, seen_url: &str, console: bool) -> Run {
    let p = form(signed_url).parts().unwrap();
    let (sig, body) = (sig(&p).to_owned(), body(&p));
    let mut args = vec!["explain", seen_url, "--signature", &sig, "--form", &body];
    if console {
        args.extend(["--twilio-url", signed_url]);
    }
    run(&args)
}

/// The cause explain names: `[id]` under "would have matched" or in the console comparison.
fn assert_names(r: &Run, id: &str, what: &str) {
    assert_eq!(r.code, 1, "{what}: refused as received\n{}", r.stdout);
    assert!(
        r.stdout.contains(&format!("[{id}]")),
        "{what}: [{id}] not named\n{}",
        r.stdout
    );
}

#[test]
fn sign_prints_the_kits_signature_and_a_curl_command() {
    let r = run(&["sign", "https://h.example/sms", "From=+1", "Body=a b"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let expected = SignedRequest::post("https://h.example/sms")
        .param("From", "+1")
        .param("Body", "a b")
        .auth_token(TOKEN)
        .signature()
        .unwrap();
    assert!(
        r.stdout
            .contains(&format!("X-Twilio-Signature: {expected}")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("curl -i -X POST 'https://h.example/sms'"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("--data-binary 'From=%2B1&Body=a+b'"),
        "{}",
        r.stdout
    );

    let r = run(&["sign", "--get", "https://h.example/voice", "CallSid=CA1"]);
    assert!(
        r.stdout
            .contains("URL: https://h.example/voice?CallSid=CA1"),
        "{}",
        r.stdout
    );
    let r = run(&["sign", "--shared-key", "KS1", "https://h.example/x"]);
    assert!(
        r.stdout
            .contains("X-Twilio-Webhooks-Signature-Settings: key=KS1,algorithm=HMAC_SHA256"),
        "{}",
        r.stdout
    );

    let dir = tempdir();
    let json = dir.join("body.json");
    std::fs::write(&json, br#"{"a":1}"#).unwrap();
    let r = run(&[
        "sign",
        "https://h.example/e",
        "--json",
        json.to_str().unwrap(),
    ]);
    let url = SignedRequest::json("https://h.example/e", br#"{"a":1}"#)
        .signed_url()
        .unwrap();
    assert!(r.stdout.contains(&format!("URL: {url}")), "{}", r.stdout);
}

#[test]
fn token_from_stdin_and_usage_errors() {
    let p = form("https://h.example/sms").parts().unwrap();
    let (s, b) = (sig(&p).to_owned(), body(&p));
    let args = [
        "verify",
        "https://h.example/sms",
        "--signature",
        &s,
        "--form",
        &b,
    ];
    let r = run_with(&args, None, &format!("{TOKEN}\n"));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // No token anywhere is bad usage, not a refusal.
    let r = run_with(&args, None, "");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("TWILIO_AUTH_TOKEN"), "{}", r.stderr);
    for bad in [
        &["verify", "https://h/x"][..],
        &[
            "verify",
            "https://h/x",
            "--signature",
            "x",
            "--form",
            "a=1",
            "--body",
            "f",
            "--content-type",
            "t",
        ],
        &["sign", "https://h/x", "not-a-pair"],
        &[
            "verify",
            "https://h/x",
            "--signature",
            "x",
            "--body",
            "/no/such/file",
            "--content-type",
            "t",
        ],
        &["explain", "--log-row", "/no/such/row.json"],
        &["frobnicate"],
    ] {
        assert_eq!(run(bad).code, 2, "{bad:?}");
    }
}

#[test]
fn verify_gives_the_crates_verdict() {
    let p = form("https://h.example/sms").parts().unwrap();
    let (s, b) = (sig(&p).to_owned(), body(&p));
    let r = run(&[
        "verify",
        "https://h.example/sms",
        "--signature",
        &s,
        "--form",
        &b,
    ]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .contains("match: key auth_token:primary, URL variant as_received"),
        "{}",
        r.stdout
    );
    let r = run(&[
        "verify",
        "https://h.example:443/sms",
        "--signature",
        &s,
        "--form",
        &b,
    ]);
    assert!(
        r.stdout.contains("URL variant port_removed"),
        "{}",
        r.stdout
    );
    let r = run(&[
        "verify",
        "https://h.example/sms",
        "--signature",
        &s,
        "--form",
        "Body=forged",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("refused (HTTP 403): signature does not match"),
        "{}",
        r.stdout
    );
    let r = run(&[
        "verify",
        "https://h.example/sms",
        "--signature",
        "short",
        "--form",
        &b,
    ]);
    assert!(
        r.stdout.contains("malformed X-Twilio-Signature"),
        "{}",
        r.stdout
    );

    let p = SignedRequest::post("https://h.example/x")
        .param("a", "1")
        .shared_key("KS1", "shared-secret-do-not-print")
        .parts()
        .unwrap();
    let settings = p.header("x-twilio-webhooks-signature-settings").unwrap();
    let args = [
        "verify",
        "https://h.example/x",
        "--signature",
        sig(&p),
        "--form",
        "a=1",
        "--settings",
        settings,
    ];
    let r = run_with(&args, Some("shared-secret-do-not-print"), "");
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains("shared_key:KS1") && r.stdout.contains("HMAC_SHA256"),
        "{}",
        r.stdout
    );
}

#[test]
fn explain_shows_the_signed_text_without_the_token() {
    let r = explain_form("https://h.example/sms", "https://h.example/other", false);
    assert_eq!(r.code, 1);
    for text in [
        "signed text for each URL variant tried (HMAC_SHA1, key withheld)",
        "\"https://h.example/otherBodyIt's 100% okFrom+15550001111\"",
        "\"https://h.example:443/otherBodyIt's 100% okFrom+15550001111\"",
        "no listed mistake reproduces the signature",
        "--twilio-url",
    ] {
        assert!(r.stdout.contains(text), "{text}\n{}", r.stdout);
    }
    // A match is just the verdict.
    let r = explain_form("https://h.example/sms", "https://h.example/sms", false);
    assert_eq!(r.code, 0);
    assert!(!r.stdout.contains("signed text"), "{}", r.stdout);
    // A port the server sees and Twilio did not sign is accepted, and named.
    let r = explain_form("https://h.example/sms", "https://h.example:8443/sms", false);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("note: [port] Twilio signed the URL without the port"),
        "{}",
        r.stdout
    );
}

#[test]
fn explain_names_each_url_mistake() {
    // (what, URL Twilio signed, URL the server saw, needs the console URL, cause)
    let cases = [
        (
            "https at a proxy",
            "https://h.example/sms",
            "http://h.example/sms",
            false,
            "scheme",
        ),
        (
            "trailing slash dropped",
            "https://h.example/sms/",
            "https://h.example/sms",
            false,
            "trailing-slash",
        ),
        (
            "trailing slash added",
            "https://h.example/sms",
            "https://h.example/sms/",
            false,
            "trailing-slash",
        ),
        (
            "host lowercased",
            "https://Api.Example.com/sms",
            "https://api.example.com/sms",
            true,
            "host-case",
        ),
        (
            "host case, seen upper",
            "https://api.example.com/sms",
            "https://API.example.com/sms",
            false,
            "host-case",
        ),
        (
            "port removed by a proxy",
            "https://h.example:8443/sms",
            "https://h.example/sms",
            false,
            "port",
        ),
        (
            "port changed",
            "https://h.example:9443/sms",
            "https://h.example:8080/sms",
            true,
            "port",
        ),
        (
            "query dropped",
            "https://h.example/sms?tenant=7",
            "https://h.example/sms",
            true,
            "query-dropped",
        ),
        (
            "query added",
            "https://h.example/sms",
            "https://h.example/sms?utm=x",
            false,
            "query-added",
        ),
        (
            "query reordered",
            "https://h.example/sms?b=2&a=1",
            "https://h.example/sms?a=1&b=2",
            false,
            "query-reordered",
        ),
        (
            "query reordered (console)",
            "https://h.example/sms?c=3&a=1&b=2",
            "https://h.example/sms?b=2&c=3&a=1",
            true,
            "query-reordered",
        ),
        (
            "' encoded as %27",
            "https://h.example/sms?n=O'Brien",
            "https://h.example/sms?n=O%27Brien",
            false,
            "re-encoded",
        ),
        (
            "%27 decoded to '",
            "https://h.example/sms?n=O%27Brien",
            "https://h.example/sms?n=O'Brien",
            false,
            "re-encoded",
        ),
        (
            "+ as %20",
            "https://h.example/sms?q=a+b",
            "https://h.example/sms?q=a%20b",
            false,
            "re-encoded",
        ),
        (
            "escape case",
            "https://h.example/sms?p=%2fx",
            "https://h.example/sms?p=%2Fx",
            false,
            "re-encoded",
        ),
        (
            "needless escape",
            "https://h.example/sms?p=a(1)",
            "https://h.example/sms?p=a%281%29",
            false,
            "re-encoded",
        ),
        (
            "path prefix stripped",
            "https://h.example/prod/sms",
            "https://h.example/sms",
            true,
            "path-prefix",
        ),
        (
            "ngrok host",
            "https://abc123.ngrok.app/sms",
            "http://localhost:3000/sms",
            true,
            "public-host",
        ),
    ];
    for (what, signed, seen, console, id) in cases {
        let r = explain_form(signed, seen, console);
        assert_names(&r, id, what);
        if console {
            assert!(
                r.stdout.contains("[console-url]"),
                "{what}: console URL tried\n{}",
                r.stdout
            );
        } else {
            assert!(
                r.stdout.contains("would have matched"),
                "{what}\n{}",
                r.stdout
            );
        }
    }
}

#[test]
fn explain_names_a_form_sent_as_json() {
    let p = form("https://h.example/sms").parts().unwrap();
    let dir = tempdir();
    let json = dir.join("body.json");
    std::fs::write(&json, r#"{"From":"+15550001111","Body":"It's 100% ok"}"#).unwrap();
    let path = json.to_str().unwrap();
    let args = [
        "explain",
        "https://h.example/sms",
        "--signature",
        sig(&p),
        "--body",
        path,
        "--content-type",
        "application/json",
    ];
    let r = run(&args);
    assert!(
        r.stdout.contains("non-form body without a bodySHA256"),
        "{}",
        r.stdout
    );
    assert_names(&r, "form-as-json", "form as JSON");
    // The same body with other values is no form Twilio signed.
    std::fs::write(&json, r#"{"From":"+15550001111","Body":"changed"}"#).unwrap();
    let r = run(&args);
    assert!(!r.stdout.contains("[form-as-json]"), "{}", r.stdout);
}

#[test]
fn explain_says_when_a_json_body_changed() {
    let req = SignedRequest::json("https://h.example/e", r#"{"n":1}"#).auth_token(TOKEN);
    let p = req.parts().unwrap();
    let dir = tempdir();
    let changed = dir.join("changed.json");
    std::fs::write(&changed, r#"{"n": 1}"#).unwrap();
    let r = run(&[
        "explain",
        &p.url,
        "--signature",
        sig(&p),
        "--body",
        changed.to_str().unwrap(),
        "--content-type",
        "application/json",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("the body changed after it was signed"),
        "{}",
        r.stdout
    );
}

/// An attempt-log row as the `webhook_log` table stores it.
fn row(p: &SignedParts, keep_signature: bool, payload: &[u8]) -> String {
    let fp = |s: &str| {
        format!(
            "sha256:{}",
            &twilio_webhook::body_sha256_hex(s.as_bytes())[..12]
        )
    };
    let mut headers: Vec<(String, String)> = p
        .headers
        .iter()
        .filter(|(n, _)| n != "x-twilio-signature" || keep_signature)
        .map(|(n, v)| {
            let v = if n == "x-twilio-signature" {
                fp(v)
            } else {
                v.clone()
            };
            (n.clone(), v)
        })
        .collect();
    headers.push(("x-extra".into(), "1".into()));
    serde_json::json!({
        "received_at": "2026-12-01T08:00:00Z",
        "status": 403,
        "event_type": "webhook.rejected",
        "tenant_id": null,
        "method": "POST",
        "endpoint": "/sms",
        "url": p.url,
        "headers": headers,
        "payload": String::from_utf8_lossy(payload),
        "payload_len": p.body.len(),
        "payload_sha256": twilio_webhook::body_sha256_hex(&p.body),
        "reason": "signature_mismatch",
        "key": null,
        "url_variant": null,
        "ip_address": "203.0.113.9",
        "user_agent": "TwilioProxy/1.1",
        "idempotency_token": "idem-1",
    })
    .to_string()
}

fn explain_row(row: &str, extra: &[&str]) -> Run {
    let dir = tempdir();
    let path = dir.join("row.json");
    std::fs::write(&path, row).unwrap();
    let mut args = vec!["explain", "--log-row", path.to_str().unwrap()];
    args.extend(extra);
    run(&args)
}

#[test]
fn explain_reads_an_attempt_log_row() {
    // A complete row: the fingerprint decides.
    let p = form("https://h.example/sms").parts().unwrap();
    let r = explain_row(&row(&p, true, &p.body), &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains("log row: status=403") && r.stdout.contains("verdict: match"),
        "{}",
        r.stdout
    );

    // The server saw http: the row is refused, and the mistake is named from the fingerprint.
    let mut seen = p.clone();
    seen.url = "http://h.example/sms".into();
    let r = explain_row(&row(&seen, true, &p.body), &[]);
    assert_names(&r, "scheme", "row over http");

    // A refused row keeps a 2 KiB prefix: a form cannot be judged from it ...
    let long = form("https://h.example/sms")
        .set_param("Body", &"x".repeat(3000))
        .parts()
        .unwrap();
    let r = explain_row(&row(&long, true, &long.body[..2048]), &[]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("cannot decide: the row keeps only 2048 of"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("pass the full body with --form"),
        "{}",
        r.stdout
    );
    // ... until the full body is given, which is checked against the logged hash.
    let full = body(&long);
    let r = explain_row(
        &row(&long, true, &long.body[..2048]),
        &["https://h.example/sms", "--form", &full],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains("the body given is the one logged"),
        "{}",
        r.stdout
    );

    // An event row keeps no signature.
    let r = explain_row(&row(&p, false, &p.body), &[]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("cannot decide: the row has no X-Twilio-Signature fingerprint"),
        "{}",
        r.stdout
    );
    // Given on the command line, the signature is compared with nothing and judged.
    let r = explain_row(&row(&p, false, &p.body), &["--signature", sig(&p)]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = explain_row(
        &row(&p, true, &p.body),
        &["--signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="],
    );
    assert!(
        r.stdout
            .contains("the --signature given is NOT the one logged"),
        "{}",
        r.stdout
    );

    // JSON: the URL alone is signed, so a prefix of the body is enough to judge it.
    let json = format!(r#"{{"pad":"{}"}}"#, "y".repeat(3000));
    let j = SignedRequest::json("https://h.example/e", &json)
        .auth_token(TOKEN)
        .parts()
        .unwrap();
    let r = explain_row(&row(&j, true, &j.body[..2048]), &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains("its SHA-256 equals the URL's bodySHA256"),
        "{}",
        r.stdout
    );

    let r = explain_row("[1, 2]", &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("is not an attempt-log row"),
        "{}",
        r.stderr
    );
}

/// A fresh directory under the target's temporary directory.
fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "cli-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
