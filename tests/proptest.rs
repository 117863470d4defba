//! Property tests of the verdict: parameter order never matters, any single change to a
//! signed input is refused, no input panics, and the raw-form path agrees with the
//! decoded-params path. Default case counts keep this file fast in debug builds.

use proptest::prelude::*;
use twilio_webhook::canonical::{canonical_string, FormParams};
use twilio_webhook::url::candidates;
use twilio_webhook::{
    body_sha256_hex, compute_twilio_signature, verify_twilio_signature, Error, FormError,
    SignatureSettings, Verifier,
};

const TOKEN: &str = "tok_PROPTEST_6d1f0a93c2b84e57";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Well-formed public URLs: scheme, host, optional port, path, optional query.
fn url() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("https"), Just("http"), Just("HTTPS")],
        "[a-z0-9][a-z0-9.-]{0,15}",
        proptest::option::of(any::<u16>()),
        "(/[a-zA-Z0-9'%._~+-]{0,8}){0,3}",
        proptest::option::of("[a-zA-Z0-9=&%+'@:/ _-]{0,24}"),
    )
        .prop_map(|(scheme, host, port, path, query)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let query = query.map(|q| format!("?{q}")).unwrap_or_default();
            format!("{scheme}://{host}{port}{path}{query}")
        })
}

/// Names and values: short ones from a tiny alphabet (to make shared prefixes, repeats and
/// duplicates common) and arbitrary Unicode.
fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[ab+%=& ]{0,3}", "\\PC{0,10}", "[A-Z][a-zA-Z]{0,8}"]
}

fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec((text(), text()), 0..10)
}

fn encode(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn refs(pairs: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

/// `s` with the character at `at` (modulo its length) replaced by another one.
fn change_char(s: &str, at: usize, pick: char) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return None;
    }
    let i = at % chars.len();
    let new = if pick == chars[i] { 'Z' } else { pick };
    let new = if new == chars[i] { 'Y' } else { new };
    let mut out = chars;
    out[i] = new;
    Some(out.into_iter().collect())
}

proptest! {
    #[test]
    fn parameter_order_never_matters(
        url in url(),
        (orig, shuffled) in pairs().prop_flat_map(|p| (Just(p.clone()), Just(p).prop_shuffle())),
    ) {
        let sig = compute_twilio_signature(&url, refs(&orig), TOKEN);
        prop_assert_eq!(&sig, &compute_twilio_signature(&url, refs(&shuffled), TOKEN));
        let v = Verifier::new(TOKEN);
        let a = v.verify_form(&url, encode(&orig).as_bytes(), &sig);
        let b = v.verify_form(&url, encode(&shuffled).as_bytes(), &sig);
        prop_assert!(a.is_ok(), "{:?}", a);
        prop_assert_eq!(a, b);
        prop_assert!(verify_twilio_signature(&url, refs(&shuffled), &sig, TOKEN).is_ok());
    }

    #[test]
    fn any_single_change_is_refused(
        url in url(),
        pairs in pairs(),
        at in any::<usize>(),
        pick in any::<char>(),
        which in 0..4u8,
    ) {
        let sig = compute_twilio_signature(&url, refs(&pairs), TOKEN);
        let v = Verifier::new(TOKEN);
        prop_assert!(v.verify_form(&url, encode(&pairs).as_bytes(), &sig).is_ok());

        let (mut url2, mut pairs2, mut sig2) = (url.clone(), pairs.clone(), sig.clone());
        match which {
            0 => url2 = change_char(&url, at, pick).unwrap(),
            1 | 2 if !pairs.is_empty() => {
                let i = at % pairs.len();
                let slot = if which == 1 { &mut pairs2[i].0 } else { &mut pairs2[i].1 };
                *slot = change_char(slot, at / 7, pick).unwrap_or_else(|| pick.to_string());
            }
            _ => {
                // Another base64 character in the same place: same length, still base64.
                let c = B64[at % 64] as char;
                sig2 = change_char(&sig, at / 64 % 27, c).unwrap();
            }
        }
        // Only changes to the signed bytes (or the signature) can be detected; a change
        // that yields the same canonical stream (two spellings of one duplicate) is not one.
        let same_bytes = sig2 == sig
            && canonical_string(&url2, refs(&pairs2)) == canonical_string(&url, refs(&pairs));
        prop_assume!(!same_bytes);
        prop_assert!(v.verify_form(&url2, encode(&pairs2).as_bytes(), &sig2).is_err());
        prop_assert!(verify_twilio_signature(&url2, refs(&pairs2), &sig2, TOKEN).is_err());
    }

    #[test]
    fn any_change_to_a_json_body_or_its_url_is_refused(
        url in url(),
        body in proptest::collection::vec(any::<u8>(), 0..200),
        at in any::<usize>(),
        flip in 1..=255u8,
    ) {
        prop_assume!(!url.contains("bodySHA256"));
        let sep = if url.contains('?') { '&' } else { '?' };
        let url = format!("{url}{sep}bodySHA256={}", body_sha256_hex(&body));
        let sig = compute_twilio_signature(&url, [("", ""); 0], TOKEN);
        let v = Verifier::new(TOKEN);
        prop_assert!(v.verify_body(&url, &body, &sig).is_ok());
        if !body.is_empty() {
            let mut changed = body.clone();
            changed[at % body.len()] ^= flip;
            prop_assert_eq!(v.verify_body(&url, &changed, &sig), Err(Error::BodyHashMismatch));
        }
        let url2 = change_char(&url, at, 'q').unwrap();
        prop_assert!(v.verify_body(&url2, &body, &sig).is_err());
    }

    #[test]
    fn no_input_panics(
        url in prop_oneof!["\\PC{0,40}", "(https?|HTTPS|ftp)://[^/]{0,12}[/?#]?.{0,20}"],
        body in proptest::collection::vec(any::<u8>(), 0..200),
        sig in prop_oneof!["[A-Za-z0-9+/=]{26,46}", ".{0,50}"],
        settings in ".{0,40}",
    ) {
        let v = Verifier::builder().auth_token(TOKEN).shared_key("KS1", "s").build();
        let _ = v.verify_form(&url, &body, &sig);
        let _ = v.verify_body(&url, &body, &sig);
        let _ = SignatureSettings::parse(Some(&settings));
        let _ = candidates(&url).map(|c| c.iter().map(|c| c.to_text()).collect::<Vec<_>>());
        let _ = FormParams::parse(&body).map(|p| p.iter().count());
    }

    #[test]
    fn raw_form_agrees_with_decoded_pairs(
        url in url(),
        body in "[a-cA-C=&+%0-9 ]{0,40}",
        sig in "[A-Za-z0-9+/]{27}=",
    ) {
        let v = Verifier::new(TOKEN);
        match FormParams::parse(body.as_bytes()) {
            Ok(form) => {
                let decoded: Vec<(String, String)> = form.iter().collect();
                // Same verdict for an arbitrary signature …
                prop_assert_eq!(
                    v.verify_form(&url, body.as_bytes(), &sig),
                    verify_twilio_signature(&url, refs(&decoded), &sig, TOKEN)
                );
                // … and both accept the one computed over the decoded pairs.
                let good = compute_twilio_signature(&url, refs(&decoded), TOKEN);
                prop_assert!(v.verify_form(&url, body.as_bytes(), &good).is_ok());
                prop_assert!(verify_twilio_signature(&url, refs(&decoded), &good, TOKEN).is_ok());
            }
            Err(e) => {
                let expected = matches!(e, FormError::MalformedPercentEncoding { .. } | FormError::NotUtf8);
                prop_assert!(expected, "{:?}", e);
                let good = compute_twilio_signature(&url, [("", ""); 0], TOKEN);
                prop_assert_eq!(
                    v.verify_form(&url, body.as_bytes(), &good),
                    Err(Error::InvalidForm(e))
                );
            }
        }
        prop_assert!(candidates(&url).is_ok());
    }
}
