//! Differential: for arbitrary (name, value) pairs, `verify_form` over the form-encoded
//! body agrees with `verify_twilio_signature` over the pairs, both accepting the signature
//! `compute_twilio_signature` gives, both refusing a tampered one, and both feeding the
//! MAC the same canonical bytes.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use common::{tamper, FuzzUrl, TOKEN};
use libfuzzer_sys::fuzz_target;
use twilio_webhook::canonical::{FormParams, SortedParams};
use twilio_webhook::url::candidates;
use twilio_webhook::{
    compute_twilio_signature, verify_twilio_signature, Error, FormError, Verifier,
};

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    tamper_at: u8,
    url: FuzzUrl<'a>,
    pairs: Vec<(&'a str, &'a str)>,
}

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| Verifier::new(TOKEN))
}

fuzz_target!(|input: Input<'_>| {
    let url = input.url.text();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(input.pairs.iter())
        .finish();

    // The same canonical bytes from the encoded body and from the pairs.
    let form = FormParams::parse(body.as_bytes()).expect("a serialized form parses");
    let (mut a, mut b) = (Vec::new(), Vec::new());
    form.write_to(&mut a);
    SortedParams::new(input.pairs.iter().copied()).write_to(&mut b);
    assert_eq!(a, b);

    let sig = compute_twilio_signature(&url, input.pairs.iter().copied(), TOKEN);
    let by_form = verifier().verify_form(&url, body.as_bytes(), &sig);
    let by_pairs = verify_twilio_signature(&url, input.pairs.iter().copied(), &sig, TOKEN);
    if input.pairs.len() > 1024 && candidates(&url).is_ok() {
        // Only the raw-body path has a parameter cap (decoded pairs were already bounded
        // by whoever decoded them).
        assert_eq!(
            by_form,
            Err(Error::InvalidForm(FormError::TooManyParams { limit: 1024 }))
        );
    } else if input.pairs.len() <= 1024 {
        assert_eq!(by_form, by_pairs);
    }
    if candidates(&url).is_ok() {
        assert!(by_pairs.is_ok(), "computed signature refused: {by_pairs:?}");
    } else {
        assert!(by_pairs.is_err());
    }

    let bad = tamper(&sig, usize::from(input.tamper_at));
    assert!(verifier().verify_form(&url, body.as_bytes(), &bad).is_err());
    assert!(verify_twilio_signature(&url, input.pairs.iter().copied(), &bad, TOKEN).is_err());
});
