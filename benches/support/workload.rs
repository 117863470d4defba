//! `benches/workload.json`, the benchmark cases, as the benches, tests and examples read
//! them (each through `#[path]`; each uses some of the fields).
#![allow(dead_code)]

use serde::Deserialize;
use twilio_webhook::canonical::canonical_string;
use twilio_webhook::compute_twilio_signature;

/// One case: a request Twilio signed, and what the signature covers.
#[derive(Deserialize)]
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) body: String,
    pub(crate) content_type: String,
    /// The signed text: the URL, then the sorted parameters.
    pub(crate) canonical: String,
    /// The decoded parameters, in body order.
    pub(crate) params: Vec<(String, String)>,
    pub(crate) auth_token: String,
    pub(crate) signature: String,
}

impl Case {
    /// A JSON body, covered by `bodySHA256` rather than by parameters.
    pub(crate) fn is_json(&self) -> bool {
        self.content_type == "application/json"
    }
}

/// The cases of a workload file's text.
pub(crate) fn parse(text: &str) -> Vec<Case> {
    serde_json::from_str(text).expect("workload parses")
}

/// The committed workload's cases.
pub(crate) fn cases() -> Vec<Case> {
    parse(include_str!("../workload.json"))
}

/// The committed workload's case called `name`.
pub(crate) fn case(name: &str) -> Case {
    cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no workload case {name}"))
}

/// One validly signed request of a case.
pub(crate) struct Request {
    pub(crate) url: String,
    pub(crate) body: String,
    pub(crate) signature: String,
    /// The signed text, for the floor.
    pub(crate) canonical: String,
}

/// `case`'s body in `n` versions (at most 10): its `&`-separated segments rotated (and, for odd
/// versions, reversed), and every ASCII digit outside an escape shifted by the version
/// number; each signed over its own decoded parameters. The first is the case itself.
pub(crate) fn variants(case: &Case, n: usize) -> Vec<Request> {
    let segments: Vec<&str> = case.body.split('&').collect();
    (0..n)
        .map(|k| {
            let mut order = segments.clone();
            order.rotate_left(k % segments.len().max(1));
            if k % 2 == 1 {
                order.reverse();
            }
            let body: String = if k == 0 {
                case.body.clone()
            } else {
                let joined = order.join("&");
                let bytes = joined.as_bytes();
                let mut out = Vec::with_capacity(bytes.len());
                for (i, &b) in bytes.iter().enumerate() {
                    let in_escape =
                        (i >= 1 && bytes[i - 1] == b'%') || (i >= 2 && bytes[i - 2] == b'%');
                    out.push(if b.is_ascii_digit() && !in_escape {
                        b'0' + (b - b'0' + u8::try_from(k).expect("k < 10")) % 10
                    } else {
                        b
                    });
                }
                String::from_utf8(out).expect("digits changed only")
            };
            let params: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let pairs = || params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            let canonical = canonical_string(&case.url, pairs());
            if k == 0 {
                assert_eq!(canonical, case.canonical, "{}", case.name);
            }
            Request {
                url: case.url.clone(),
                signature: compute_twilio_signature(&case.url, pairs(), &case.auth_token),
                body,
                canonical,
            }
        })
        .collect()
}
