//! An attempt-log row (the `webhook_log` table) as the request to explain: what it keeps,
//! and what it lacks to decide.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use twilio_webhook::body_sha256_hex;

use super::judge::{fingerprint, Evidence};
use crate::error::CliError;
use crate::input::Received;

/// The row's columns; every one optional, unknown ones ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LogRow {
    pub(crate) received_at: Option<String>,
    pub(crate) status: Option<Value>,
    pub(crate) event_type: Option<String>,
    pub(crate) method: Option<String>,
    pub(crate) url: Option<String>,
    /// A JSON array of `[name, value]` pairs, or that array as JSON text.
    pub(crate) headers: Option<Value>,
    pub(crate) payload: Option<String>,
    pub(crate) payload_len: Option<u64>,
    pub(crate) payload_sha256: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) key: Option<String>,
    pub(crate) url_variant: Option<String>,
}

/// What the row gives to judge, and what it says it lacks.
pub(crate) struct FromRow {
    pub(crate) received: Option<Received>,
    pub(crate) evidence: Option<Evidence>,
    pub(crate) lacks: Vec<String>,
    pub(crate) notes: Vec<String>,
}

pub(crate) fn read(path: &Path) -> Result<LogRow, CliError> {
    let text = crate::input::read_file(&path.to_path_buf())?;
    serde_json::from_slice(&text).map_err(|source| CliError::LogRow {
        path: path.to_path_buf(),
        source,
    })
}

impl LogRow {
    fn headers(&self) -> Vec<(String, String)> {
        let value = match &self.headers {
            Some(Value::String(text)) => serde_json::from_str(text).unwrap_or(Value::Null),
            Some(v) => v.clone(),
            None => Value::Null,
        };
        serde_json::from_value(value).unwrap_or_default()
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers()
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The logged verdict, in one line.
    pub(crate) fn summary(&self) -> String {
        let field = |name: &str, v: &Option<String>| v.as_ref().map(|v| format!(" {name}={v}"));
        let status = self.status.as_ref().map(|s| format!(" status={s}"));
        [
            status,
            field("event", &self.event_type),
            field("reason", &self.reason),
            field("key", &self.key),
            field("url_variant", &self.url_variant),
            field("received_at", &self.received_at),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The request to judge: the row's, with `given` (a body or signature from the
    /// command line) filling what the row does not keep.
    pub(crate) fn to_request(
        &self,
        given_body: Option<&Received>,
        given_signature: Option<&str>,
    ) -> FromRow {
        let mut lacks = Vec::new();
        let mut notes = Vec::new();
        let logged = self.header("x-twilio-signature");
        let evidence = match (given_signature, &logged) {
            (Some(sig), Some(fp)) if fp.starts_with("sha256:") => {
                let same = fingerprint(sig).eq_ignore_ascii_case(fp);
                notes.push(format!(
                    "the --signature given {} the one logged ({fp})",
                    if same { "is" } else { "is NOT" }
                ));
                Some(Evidence::Signature(sig.to_owned()))
            }
            (Some(sig), _) => Some(Evidence::Signature(sig.to_owned())),
            (None, Some(fp)) if fp.starts_with("sha256:") => {
                Some(Evidence::Fingerprint(fp.clone()))
            }
            (None, Some(sig)) => Some(Evidence::Signature(sig.clone())),
            (None, None) => {
                lacks.push(
                    "the row has no X-Twilio-Signature fingerprint (an event row, or the request \
                     had none): pass --signature"
                        .into(),
                );
                None
            }
        };
        let Some(url) = &self.url else {
            lacks
                .push("no url: pass the URL the server reconstructed as the first argument".into());
            return FromRow {
                received: None,
                evidence,
                lacks,
                notes,
            };
        };
        let content_type = self.header("content-type");
        let is_form = content_type.as_deref().is_some_and(twilio_webhook::is_form);
        let body = match given_body.filter(|g| !g.body.is_empty() || g.content_type.is_some()) {
            Some(g) => {
                if let Some(h) = &self.payload_sha256 {
                    let same = body_sha256_hex(&g.body).eq_ignore_ascii_case(h);
                    notes.push(format!(
                        "the body given {} the one logged (payload_sha256)",
                        if same { "is" } else { "is NOT" }
                    ));
                }
                Some((
                    g.body.clone(),
                    g.content_type.clone().or(content_type.clone()),
                ))
            }
            None => self
                .complete_payload(is_form, &mut lacks, &mut notes)
                .map(|b| (b, content_type)),
        };
        let received = body.map(|(body, content_type)| Received {
            url: url.clone(),
            settings: self.header("x-twilio-webhooks-signature-settings"),
            body,
            content_type,
        });
        FromRow {
            received,
            evidence,
            lacks,
            notes,
        }
    }

    /// The logged body if the row keeps all of it; else what is missing is recorded. A
    /// non-form body is not signed itself (the URL's `bodySHA256` is), so its prefix is
    /// enough to judge the signature.
    fn complete_payload(
        &self,
        is_form: bool,
        lacks: &mut Vec<String>,
        notes: &mut Vec<String>,
    ) -> Option<Vec<u8>> {
        let payload = self.payload.clone().unwrap_or_default().into_bytes();
        let complete = match (self.payload_len, &self.payload_sha256) {
            (_, Some(h)) => body_sha256_hex(&payload).eq_ignore_ascii_case(h),
            (Some(n), None) => payload.len() as u64 == n,
            (None, None) => self.payload.is_some(),
        };
        if complete {
            return Some(payload);
        }
        let kept = format!(
            "the row keeps only {} of {} body bytes",
            payload.len(),
            self.payload_len.map_or("?".into(), |n| n.to_string())
        );
        if is_form {
            lacks.push(format!(
                "{kept}, and a form's signature covers every parameter: pass the full body with --form"
            ));
            return None;
        }
        let url_hash = self.url.as_deref().and_then(body_hash_in);
        match (url_hash, &self.payload_sha256) {
            (Some(u), Some(h)) => notes.push(format!(
                "{kept}; its SHA-256 {} the URL's bodySHA256",
                if u.eq_ignore_ascii_case(h) {
                    "equals"
                } else {
                    "DIFFERS from"
                }
            )),
            _ => notes.push(format!("{kept}; the signature covers the URL only")),
        }
        // The prefix is enough: the signature covers the URL, and the hashes were compared.
        Some(payload)
    }
}

/// The `bodySHA256` value of a URL's query.
pub(crate) fn body_hash_in(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(n, _)| n == "bodySHA256")
        .map(|(_, v)| v.into_owned())
}
