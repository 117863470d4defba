//! The form parser against `form_urlencoded` and a byte-at-a-time reference, over random
//! bodies built to hit every rule: escapes (valid, truncated, not hex, in runs, across
//! 64-byte blocks), `+`, raw and escaped UTF-8 (valid or not, split between pieces),
//! repeated names, empty names and values, empty segments, `=` inside values.
//!
//! CI runs this file twice: with the SIMD classification and with
//! `--cfg twilio_webhook_portable` (see `.ci/run`).

use proptest::prelude::*;
use twilio_webhook::canonical::FormParams;
use twilio_webhook::FormError;

/// A decoded name and value.
type Pair = (Vec<u8>, Vec<u8>);

/// A strict reference parser, one byte at a time: the pairs in body order, or the error the
/// crate must report (a body that is not UTF-8, raw or once a piece before the first other
/// fault is decoded, is `NotUtf8`; else the first fault in body order).
fn reference(body: &[u8], limit: usize) -> Result<Vec<Pair>, FormError> {
    let raw_utf8 = std::str::from_utf8(body).is_ok();
    let mut pairs = Vec::new();
    let mut fault = None;
    'segments: for (count, segment) in body
        .split(|&b| b == b'&')
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        if count >= limit {
            fault = Some(FormError::TooManyParams { limit });
            break;
        }
        let offset = segment.as_ptr() as usize - body.as_ptr() as usize;
        let eq = segment.iter().position(|&b| b == b'=');
        let (name, value, value_at) = match eq {
            Some(i) => (&segment[..i], &segment[i + 1..], offset + i + 1),
            None => (segment, &b""[..], offset + segment.len()),
        };
        let mut decoded = Vec::new();
        for (piece, at) in [(name, offset), (value, value_at)] {
            let mut out = Vec::new();
            let mut i = 0;
            while i < piece.len() {
                match piece[i] {
                    b'+' => out.push(b' '),
                    b'%' => {
                        let hex = piece.get(i + 1..i + 3).and_then(|h| {
                            u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
                        });
                        // `from_str_radix` takes a sign: `%+1` is not an escape.
                        let hex = hex.filter(|_| piece[i + 1].is_ascii_hexdigit());
                        let Some(byte) = hex else {
                            fault = Some(FormError::MalformedPercentEncoding { offset: at + i });
                            break 'segments;
                        };
                        out.push(byte);
                        i += 2;
                    }
                    b => out.push(b),
                }
                i += 1;
            }
            if std::str::from_utf8(&out).is_err() {
                return Err(FormError::NotUtf8);
            }
            decoded.push(out);
        }
        let value = decoded.pop().unwrap_or_default();
        let name = decoded.pop().unwrap_or_default();
        pairs.push((name, value));
    }
    if !raw_utf8 {
        return Err(FormError::NotUtf8);
    }
    match fault {
        Some(e) => Err(e),
        None => Ok(pairs),
    }
}

fn check(body: &[u8], limit: usize) -> Result<(), TestCaseError> {
    let ours = FormParams::parse_with_limit(body, limit);
    let expected = reference(body, limit);
    match (ours, expected) {
        (Ok(form), Ok(mut pairs)) => {
            // form_urlencoded agrees with the reference wherever the body is strict.
            let lenient: Vec<Pair> = form_urlencoded::parse(body)
                .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
                .collect();
            prop_assert_eq!(&lenient, &pairs);
            pairs.sort();
            let got: Vec<Pair> = form
                .iter()
                .map(|(n, v)| (n.into_bytes(), v.into_bytes()))
                .collect();
            prop_assert_eq!(&got, &pairs);
            // The signed stream: sorted, exact repeats once.
            pairs.dedup();
            let canonical: Vec<u8> = pairs
                .iter()
                .flat_map(|(n, v)| [n, v])
                .flatten()
                .copied()
                .collect();
            let mut written = Vec::new();
            form.write_to(&mut written);
            prop_assert_eq!(written, canonical);
        }
        (Err(ours), Err(expected)) => prop_assert_eq!(ours, expected),
        (ours, expected) => {
            return Err(TestCaseError::fail(format!(
                "{:?}: ours {:?}, reference {:?}",
                String::from_utf8_lossy(body),
                ours.map(|f| f.len()),
                expected.map(|p| p.len())
            )))
        }
    }
    Ok(())
}

/// Pieces of a body: structure, escapes good and bad, text of every UTF-8 width, raw bytes
/// that are not UTF-8.
fn token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "&", "=", "+", "%", "&&", "==", "a", "b", "Name", "%2B", "%3D", "%26", "%25", "%20",
            "%41", "%61", "%7e", "%7E", "%C3%A9", "%c3%a9", "%F0%9F%8C%B5", "%E2%9C%85", "%C3",
            "%A9", "%F0%9F", "%FF", "%zz", "%4", "%g1", "%1g", "%+1", "%-1", "%%", "\u{e9}",
            "\u{1f335}", "\u{2705}", "x", " ", "0123456789",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        2 => "[a-zA-Z0-9._~-]{1,70}".prop_map(String::into_bytes),
        1 => prop::collection::vec(prop::sample::select(vec![0xC3u8, 0xA9, 0xFF, 0x80, 0xF0]), 1..3),
        1 => (prop::sample::select(vec!["%F0%9F%8C%B5", "%41", "+", "\u{e9}", "a"]), 1..40usize)
            .prop_map(|(s, n)| s.repeat(n).into_bytes()),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(token(), 0..40).prop_map(|t| t.concat())
}

/// Bodies that parse: pairs serialized by `form_urlencoded`, with `+` or `%20` for spaces,
/// repeated names and empty names and values common.
fn valid_body() -> impl Strategy<Value = Vec<u8>> {
    let text = prop_oneof![
        "[ab=&+% ]{0,3}",
        "\\PC{0,30}",
        "[A-Z][a-z]{0,8}",
        Just(String::new())
    ];
    (
        prop::collection::vec((text.clone(), text), 0..70),
        any::<bool>(),
    )
        .prop_map(|(pairs, plus)| {
            let body = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&pairs)
                .finish();
            if plus { body } else { body.replace('+', "%20") }.into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn random_bodies_agree(body in body(), limit in prop_oneof![Just(usize::MAX), 0..8usize]) {
        check(&body, limit)?;
    }

    #[test]
    fn serialized_bodies_agree(body in valid_body()) {
        prop_assert!(reference(&body, usize::MAX).is_ok());
        check(&body, usize::MAX)?;
    }
}

#[test]
fn the_reference_sees_each_rule() {
    // Guards the reference itself: each rule changes its answer.
    assert_eq!(
        reference(b"a=%41+b", 9).unwrap(),
        [(b"a".to_vec(), b"A b".to_vec())]
    );
    assert_eq!(
        reference(b"a=%4", 9),
        Err(FormError::MalformedPercentEncoding { offset: 2 })
    );
    assert_eq!(
        reference(b"a=%+1", 9),
        Err(FormError::MalformedPercentEncoding { offset: 2 })
    );
    assert_eq!(reference(b"a=%FF&b=%zz", 9), Err(FormError::NotUtf8));
    assert_eq!(reference(b"a=%zz&b=\xff", 9), Err(FormError::NotUtf8));
    assert_eq!(reference(b"a=%C3&=%A9", 9), Err(FormError::NotUtf8));
    assert_eq!(
        reference(b"a&b&c", 2),
        Err(FormError::TooManyParams { limit: 2 })
    );
    assert_eq!(reference(b"&&=&x==", 9).unwrap().len(), 2);
}

#[test]
fn bodies_across_block_boundaries() {
    // Every split of an escape run, a '+' and a multi-byte character over the 64-byte
    // block boundaries, and a decoded character split between a name and its value.
    for pad in 0..130 {
        let filler = "x".repeat(pad);
        for tail in [
            "%F0%9F%8C%B5+%41=b",
            "\u{1f335}=%C3%A9&",
            "=%C3&%A9=",
            "%4",
            "=%F0%9F%8C",
        ] {
            let body = format!("{filler}{tail}&{filler}={tail}");
            check(body.as_bytes(), usize::MAX).unwrap();
        }
    }
}
