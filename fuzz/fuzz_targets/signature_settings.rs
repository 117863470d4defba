//! `X-Twilio-Webhooks-Signature-Settings` parsing on arbitrary text.
//!
//! Invariants: nothing panics; a parsed key id is a trimmed, non-empty, comma-free piece
//! of the header; re-rendering the parsed settings parses to the same settings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twilio_webhook::{Error, SignatureSettings};

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    match SignatureSettings::parse(Some(header)) {
        Ok(s) => {
            if let Some(k) = s.key_id {
                assert!(!k.is_empty() && !k.contains(',') && k.trim() == k);
                assert!(header.contains(k));
            }
            let rendered = match s.key_id {
                Some(k) => format!("key={k},algorithm={}", s.algorithm),
                None => format!("algorithm={}", s.algorithm),
            };
            assert_eq!(SignatureSettings::parse(Some(&rendered)), Ok(s));
        }
        Err(Error::MalformedSignatureSettings | Error::UnsupportedAlgorithm) => {}
        Err(other) => panic!("unexpected error {other:?}"),
    }
});
