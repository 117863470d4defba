//! The JSON body path (`bodySHA256`) with arbitrary URL, body and signature.
//!
//! Invariants: nothing panics; whenever verification succeeds, the URL's first
//! `bodySHA256` is the SHA-256 of the body and the signature is the MAC of the matched URL
//! variant alone; a validly signed URL carrying the right hash verifies; the same URL with
//! the hash of another body does not.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use common::{tamper, FuzzUrl, TOKEN};
use libfuzzer_sys::fuzz_target;
use twilio_webhook::url::candidates;
use twilio_webhook::{body_sha256_hex, compute_signature_with, Algorithm, Error, Verifier};

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    /// bit 0: append `bodySHA256`; bit 1: of this body (else of another); bit 2: sign
    /// validly; bit 3: sign the second URL candidate; bit 4: tamper with the signature.
    mode: u8,
    tamper_at: u8,
    url: FuzzUrl<'a>,
    sig: &'a str,
    body: &'a [u8],
}

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| Verifier::new(TOKEN))
}

/// The first `bodySHA256` of the query, read as the crate documents it (as twilio-python).
fn first_body_hash(url: &str) -> Option<String> {
    let query = &url[url.find('?')? + 1..];
    let query = query.split('#').next().unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "bodySHA256")
        .map(|(_, v)| v.into_owned())
}

const NO_PARAMS: [(&str, &str); 0] = [];

fuzz_target!(|input: Input<'_>| {
    let mut url = input.url.text();
    let hash = body_sha256_hex(input.body);
    if input.mode & 1 != 0 {
        let h = if input.mode & 2 != 0 {
            hash.clone()
        } else {
            body_sha256_hex(&[input.body, b"!"].concat())
        };
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str("bodySHA256=");
        url.push_str(&h);
    }
    let signed_hash = first_body_hash(&url);

    let mut signed_validly = false;
    let mut tampered = false;
    let sig = match (input.mode & 4 != 0, candidates(&url)) {
        (true, Ok(c)) => {
            let list: Vec<_> = c.iter().collect();
            let cand = list[usize::from(input.mode >> 3 & 1) % list.len()];
            let good =
                compute_signature_with(Algorithm::HmacSha1, &cand.to_text(), NO_PARAMS, TOKEN);
            if input.mode & 16 != 0 {
                tampered = true;
                tamper(&good, usize::from(input.tamper_at))
            } else {
                signed_validly = true;
                good
            }
        }
        _ => input.sig.to_owned(),
    };

    let result = verifier().verify_body(&url, input.body, &sig);
    if tampered {
        assert!(result.is_err(), "tampered signature accepted");
    }
    if signed_validly {
        match signed_hash.as_deref() {
            None => assert_eq!(result, Err(Error::MissingBodyHash)),
            Some(h) if h == hash => assert!(result.is_ok(), "valid request refused: {result:?}"),
            Some(_) => assert!(result.is_err(), "body hash mismatch accepted"),
        }
    }
    if let Ok(v) = &result {
        assert_eq!(
            signed_hash.as_deref(),
            Some(hash.as_str()),
            "Ok without the body's hash"
        );
        let cand = candidates(&url)
            .expect("Ok implies the URL parsed")
            .iter()
            .find(|c| c.variant == v.url_variant)
            .expect("the matched variant is a candidate");
        let again = compute_signature_with(v.algorithm, &cand.to_text(), NO_PARAMS, TOKEN);
        assert_eq!(again, sig, "accepted a signature that is not the MAC");
    }
});
