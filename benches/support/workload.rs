//! `benches/workload.json`, the benchmark cases, as the benches, tests and examples read
//! them (each through `#[path]`; each uses some of the fields).
#![allow(dead_code)]

use serde::Deserialize;

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
