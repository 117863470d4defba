//! Form parsing and verification with arbitrary URL, body and signature.
//!
//! Invariants: nothing panics; the in-place form parser decodes exactly what
//! `form_urlencoded` decodes whenever it accepts a body; a signature computed over the
//! decoded params and any URL candidate verifies; a tampered one does not; and whenever
//! verification succeeds, recomputing the MAC over the matched URL variant with the
//! decoded params gives back the signature.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use common::{tamper, FuzzUrl, SHARED_KEY_ID, SHARED_SECRET, TOKEN};
use libfuzzer_sys::fuzz_target;
use twilio_webhook::canonical::FormParams;
use twilio_webhook::url::candidates;
use twilio_webhook::{
    compute_signature_with, Algorithm, KeyUsed, Payload, Verifier, WebhookRequest,
};

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    /// bit 0: sign validly; bit 1: SharedKey/HMAC-SHA256; bit 2: sign the second URL
    /// candidate; bit 3: tamper with the valid signature.
    mode: u8,
    tamper_at: u8,
    url: FuzzUrl<'a>,
    sig: &'a str,
    body: &'a [u8],
}

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        Verifier::builder()
            .auth_token(TOKEN)
            .shared_key(SHARED_KEY_ID, SHARED_SECRET)
            .build()
    })
}

fn pairs(d: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    d.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

fuzz_target!(|input: Input<'_>| {
    let url = input.url.text();
    let decoded: Option<Vec<(String, String)>> = FormParams::parse(input.body)
        .ok()
        .map(|p| p.iter().collect());

    if let Some(d) = &decoded {
        // Differential: the strict in-place parser against the reference decoder.
        let mut ours = d.clone();
        let mut reference: Vec<(String, String)> = form_urlencoded::parse(input.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        ours.sort();
        reference.sort();
        assert_eq!(ours, reference, "FormParams disagrees with form_urlencoded");
    }

    let sha256 = input.mode & 2 != 0;
    let (algorithm, secret, settings) = if sha256 {
        let h = format!("key={SHARED_KEY_ID},algorithm=HMAC_SHA256");
        (Algorithm::HmacSha256, SHARED_SECRET, Some(h))
    } else {
        (Algorithm::HmacSha1, TOKEN, None)
    };

    let mut expect_ok = false;
    let mut expect_err = false;
    let sig = match (input.mode & 1 != 0, candidates(&url), &decoded) {
        (true, Ok(c), Some(d)) => {
            let list: Vec<_> = c.iter().collect();
            let cand = list[usize::from(input.mode >> 2 & 1) % list.len()];
            let good = compute_signature_with(algorithm, &cand.to_text(), pairs(d), secret);
            if input.mode & 8 != 0 {
                expect_err = true;
                tamper(&good, usize::from(input.tamper_at))
            } else {
                // The default cap is 1024 parameters.
                expect_ok = d.len() <= 1024;
                good
            }
        }
        _ => input.sig.to_owned(),
    };

    let result = verifier().verify(&WebhookRequest {
        url: &url,
        signature: Some(&sig),
        signature_settings: settings.as_deref(),
        payload: Payload::Form(input.body),
    });
    if !sha256 {
        // The fast path must agree with the general entry point.
        assert_eq!(result, verifier().verify_form(&url, input.body, &sig));
    }
    if expect_ok {
        assert!(result.is_ok(), "valid signature refused: {result:?}");
    }
    if expect_err {
        assert!(result.is_err(), "tampered signature accepted");
    }
    if let Ok(v) = &result {
        let d = decoded.as_ref().expect("Ok implies the form parsed");
        let cand = candidates(&url)
            .expect("Ok implies the URL parsed")
            .iter()
            .find(|c| c.variant == v.url_variant)
            .expect("the matched variant is a candidate");
        let secret = match v.key {
            KeyUsed::SharedKey(_) => SHARED_SECRET,
            _ => TOKEN,
        };
        let again = compute_signature_with(v.algorithm, &cand.to_text(), pairs(d), secret);
        assert_eq!(again, sig, "accepted a signature that is not the MAC");
    }
});
