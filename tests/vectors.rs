//! Every vector of `tests/data/twilio-sdk-vectors.json` (collected from Twilio's official
//! helper libraries and docs), run through every public entry point it fits.

use serde::Deserialize;
use twilio_webhook::{
    body_sha256_hex, compute_twilio_signature, url::candidates, verify_twilio_body,
    verify_twilio_signature, UrlVariant, Verifier,
};

#[derive(Deserialize)]
struct Vector {
    source: String,
    url: Option<String>,
    signed_url: Option<String>,
    params: Option<Vec<(String, Option<String>)>>,
    auth_token: Option<String>,
    expected_signature: Option<String>,
    body: Option<String>,
    expected_body_sha256: Option<String>,
    reproduced: bool,
    #[serde(default)]
    negative: bool,
    #[serde(default)]
    node_only: bool,
}

fn vectors() -> Vec<Vector> {
    let text = include_str!("data/twilio-sdk-vectors.json");
    serde_json::from_str(text).expect("vector file parses")
}

fn pairs(p: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    p.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

fn form_body(params: &[(String, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Checks one vector; `Err` names what failed.
fn check(v: &Vector) -> Result<&'static str, String> {
    if !v.reproduced {
        return Ok("skipped (not reproducible)");
    }
    let Some(url) = v.url.as_deref() else {
        let got = body_sha256_hex(v.body.as_deref().unwrap_or("").as_bytes());
        return (Some(got.as_str()) == v.expected_body_sha256.as_deref())
            .then_some("body hash")
            .ok_or(format!("body hash {got}"));
    };
    let token = v.auth_token.as_deref().ok_or("no token")?;
    let sig = v.expected_signature.as_deref().ok_or("no signature")?;
    let params: Vec<(String, String)> = v
        .params
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, val)| (k, val.unwrap_or_default()))
        .collect();
    let verifier = Verifier::new(token);

    if let (Some(body), Some(_)) = (&v.body, &v.expected_body_sha256) {
        let one_shot = verify_twilio_body(url, body.as_bytes(), sig, token);
        let reusable = verifier.verify_body(url, body.as_bytes(), sig);
        if one_shot != reusable {
            return Err(format!("one-shot {one_shot:?} != verifier {reusable:?}"));
        }
        return match (v.negative, one_shot) {
            (false, Ok(_)) => Ok("json"),
            (true, Err(_)) => Ok("json negative"),
            (_, r) => Err(format!("json body: {r:?}")),
        };
    }
    if let Some(body) = &v.body {
        // twilio-go's form-body vector: the raw form is the payload.
        return verifier
            .verify_form(url, body.as_bytes(), sig)
            .map(|_| "raw form")
            .map_err(|e| format!("raw form: {e}"));
    }

    let decoded = verify_twilio_signature(url, pairs(&params), sig, token);
    let form = verifier.verify_form(url, form_body(&params).as_bytes(), sig);
    if decoded.is_ok() != form.is_ok() {
        return Err(format!("params {decoded:?} vs form {form:?}"));
    }
    if v.negative {
        return form
            .err()
            .map(|_| "negative")
            .ok_or("negative vector accepted".into());
    }
    if v.node_only {
        if form.is_ok() {
            return Err("node-only vector accepted by default".into());
        }
        let compat = Verifier::builder()
            .auth_token(token)
            .insecure_accept_node_normalized_urls()
            .build();
        let r = compat.verify_form(url, form_body(&params).as_bytes(), sig);
        return match r {
            Ok(ok) if ok.url_variant == UrlVariant::NodeNormalized => Ok("node-only (compat)"),
            other => Err(format!("node-only with compat option: {other:?}")),
        };
    }
    let ok = form.map_err(|e| format!("form: {e}"))?;
    let signed_url = v.signed_url.as_deref().ok_or("no signed_url")?;
    // The variant reported must be the text that was signed.
    let matched = candidates(url)
        .map_err(|e| e.to_string())?
        .iter()
        .find(|c| c.variant == ok.url_variant)
        .map(|c| c.to_text());
    if matched.as_deref() != Some(signed_url) {
        return Err(format!("matched {matched:?}, signed {signed_url}"));
    }
    let computed = compute_twilio_signature(signed_url, pairs(&params), token);
    if computed != sig {
        return Err(format!("compute gave {computed}"));
    }
    Ok("form")
}

#[test]
fn every_sdk_vector() {
    let all = vectors();
    assert_eq!(all.len(), 61, "the vector file holds 61 vectors");
    let mut failures = Vec::new();
    let mut kinds = std::collections::BTreeMap::new();
    for (i, v) in all.iter().enumerate() {
        match check(v) {
            Ok(kind) => *kinds.entry(kind).or_insert(0) += 1,
            Err(why) => failures.push(format!("#{i} {}: {why}", v.source)),
        }
    }
    assert!(
        failures.is_empty(),
        "failing vectors:\n{}",
        failures.join("\n")
    );
    // Each kind of vector was actually exercised.
    for kind in [
        "form",
        "json",
        "json negative",
        "negative",
        "node-only (compat)",
        "raw form",
        "body hash",
    ] {
        assert!(
            kinds.contains_key(kind),
            "no vector of kind {kind}: {kinds:?}"
        );
    }
    let skipped = kinds
        .get("skipped (not reproducible)")
        .copied()
        .unwrap_or(0);
    assert_eq!(skipped, 2, "{kinds:?}");
}

#[test]
fn tampering_any_vector_fails() {
    for v in vectors()
        .iter()
        .filter(|v| v.reproduced && !v.negative && !v.node_only)
    {
        let (Some(url), Some(token), Some(sig)) = (&v.url, &v.auth_token, &v.expected_signature)
        else {
            continue;
        };
        if v.body.is_some() {
            continue;
        }
        let params: Vec<(String, String)> = v
            .params
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|(k, val)| (k, val.unwrap_or_default()))
            .collect();
        let mut extra = params.clone();
        extra.push(("Injected".into(), "1".into()));
        assert!(
            verify_twilio_signature(url, pairs(&extra), sig, token).is_err(),
            "{}",
            v.source
        );
        let other_path = url.replacen("/myapp", "/other", 1);
        if &other_path != url {
            assert!(
                verify_twilio_signature(&other_path, pairs(&params), sig, token).is_err(),
                "{}",
                v.source
            );
        }
        assert!(
            verify_twilio_signature(url, pairs(&params), sig, &format!("{token}x")).is_err(),
            "{}",
            v.source
        );
    }
}

#[test]
fn node_normalized_variant_is_reported_when_tried() {
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2&Body=It's+amazing";
    let compat = Verifier::builder()
        .auth_token("wrong token")
        .insecure_accept_node_normalized_urls()
        .build();
    match compat.verify_form(url, b"", "TfZzewPq8wqrGlMfyAud8+/IvJ0=") {
        Err(twilio_webhook::Error::SignatureMismatch { tried }) => {
            assert!(tried.contains(UrlVariant::NodeNormalized), "{tried}");
            assert!(tried.contains(UrlVariant::AsReceived), "{tried}");
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
    // Without the option the normalised URL is never tried.
    match Verifier::new("wrong token").verify_form(url, b"", "TfZzewPq8wqrGlMfyAud8+/IvJ0=") {
        Err(twilio_webhook::Error::SignatureMismatch { tried }) => {
            assert!(!tried.contains(UrlVariant::NodeNormalized), "{tried}")
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
}
