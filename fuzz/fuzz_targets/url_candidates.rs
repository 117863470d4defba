//! URL port-variant construction on arbitrary text.
//!
//! Invariants: nothing panics; `candidates` fails exactly when `authority` fails; the
//! first candidate is the input itself; every candidate differs from the input only
//! inside the authority, and only in the port; the two candidates differ.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twilio_webhook::url::{authority, candidates};
use twilio_webhook::UrlVariant;

fuzz_target!(|data: &[u8]| {
    let Ok(url) = std::str::from_utf8(data) else {
        return;
    };
    let (c, a) = match (candidates(url), authority(url)) {
        (Ok(c), Ok(a)) => (c, a),
        (Err(e1), Err(e2)) => {
            assert_eq!(e1, e2);
            return;
        }
        (c, a) => panic!("candidates {c:?} vs authority {a:?}"),
    };
    assert!(
        a.range.start <= a.host_start && a.host_start < a.host_end && a.host_end <= a.range.end
    );
    let list: Vec<_> = c.iter().collect();
    assert!(!list.is_empty() && list.len() <= 2);
    assert_eq!(list[0].variant, UrlVariant::AsReceived);
    assert_eq!(list[0].to_text(), url);

    let (head, tail) = (&url[..a.range.start], &url[a.range.end..]);
    let host_part = &url[a.range.start..a.host_end];
    if let Some(second) = list.get(1) {
        let text = second.to_text();
        assert_ne!(text, url);
        assert!(text.starts_with(head) && text.ends_with(tail));
        let middle = &text[head.len()..text.len() - tail.len()];
        match second.variant {
            UrlVariant::PortRemoved => {
                assert!(a.has_port);
                assert_eq!(middle, host_part);
            }
            UrlVariant::DefaultPortAdded => {
                assert!(!a.has_port);
                let scheme = url[..url.find(':').unwrap()].to_ascii_lowercase();
                let port = if scheme == "https" { ":443" } else { ":80" };
                assert!(scheme == "https" || scheme == "http");
                assert_eq!(middle, format!("{host_part}{port}"));
            }
            other => panic!("unexpected variant {other:?}"),
        }
    } else {
        // No second candidate: no port, and a scheme without a default port.
        assert!(!a.has_port);
        let scheme = url[..url.find(':').unwrap()].to_ascii_lowercase();
        assert!(scheme != "https" && scheme != "http");
    }
});
