//! Signing a [`SignedRequest`] and laying it out as [`SignedParts`].

use core::fmt;

use super::request::{names, set_in, HeaderEdit, Key, Kind, SignedRequest};
use super::BuildError;
use crate::{body_sha256_hex, compute_signature_with, Algorithm};

const FORM: &str = "application/x-www-form-urlencoded";
/// What Twilio's webhook requests carry as `User-Agent`.
const TWILIO_USER_AGENT: &str = "TwilioProxy/1.1";

/// A signed request as plain data, for any framework or client.
///
/// `headers` are in sending order with lowercase names, repeats kept: `host` (unless
/// [`SignedRequest::as_http2`]), `user-agent`, `content-type` (POST), `x-twilio-signature`,
/// `x-twilio-webhooks-signature-settings` (SharedKey), `i-twilio-idempotency-token` (when
/// set), then your own edits. No `content-length`: the body's length is known to every
/// client, and a test may want to leave it out.
///
/// ```
/// use twilio_webhook::testing::SignedRequest;
/// let p = SignedRequest::post("https://example.com/sms?x=1").param("Body", "hi").auth_token("t").parts()?;
/// assert_eq!((p.host(), p.target().as_str()), ("example.com", "/sms?x=1"));
/// assert_eq!(p.header("user-agent"), Some("TwilioProxy/1.1"));
/// // The signature is replayable: Debug shows only that it is there.
/// assert!(!format!("{p:?}").contains(p.header("x-twilio-signature").unwrap()));
/// # Ok::<(), twilio_webhook::testing::BuildError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SignedParts {
    /// `POST` or `GET`.
    pub method: &'static str,
    /// The absolute URL the request is sent to (the signed one unless changed after signing).
    pub url: String,
    /// Header names (lowercase) and values, in order, repeats kept.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl SignedParts {
    /// The first value of header `name` (case-insensitive).
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://h/x").auth_token("t").parts()?;
    /// assert_eq!(p.header("Content-Type"), Some("application/x-www-form-urlencoded"));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request target: path and query (`/sms?x=1`).
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::get("https://h").auth_token("t").parts()?;
    /// assert_eq!(p.target(), "/");
    /// let p = twilio_webhook::testing::SignedRequest::get("https://h").param("a", "1").auth_token("t").parts()?;
    /// assert_eq!(p.target(), "/?a=1");
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn target(&self) -> String {
        let rest = after_authority(&self.url);
        let rest = rest.split('#').next().unwrap_or("");
        if rest.starts_with('/') {
            rest.to_owned()
        } else {
            format!("/{rest}")
        }
    }

    /// The URL's authority without userinfo (`host[:port]`), what `Host` carries.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://h:8443/x").auth_token("t").parts()?;
    /// assert_eq!(p.host(), "h:8443");
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn host(&self) -> &str {
        host_of(&self.url)
    }
}

impl fmt::Debug for SignedParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let v = if n == names::SIGNATURE { "***" } else { v };
                (n.as_str(), v)
            })
            .collect();
        f.debug_struct("SignedParts")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &format_args!("{} bytes", self.body.len()))
            .finish()
    }
}

impl SignedRequest {
    /// The URL the signature covers: the public URL, plus the GET parameters or
    /// `bodySHA256` the kit appends.
    ///
    /// ```
    /// let r = twilio_webhook::testing::SignedRequest::json("https://h/x?a=1", "{}");
    /// assert_eq!(r.signed_url()?, format!("https://h/x?a=1&bodySHA256={}", twilio_webhook::body_sha256_hex(b"{}")));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn signed_url(&self) -> Result<String, BuildError> {
        check_url(&self.url)?;
        Ok(self.url_for(&self.url, &self.params))
    }

    /// The `X-Twilio-Signature` Twilio would send for the described request (before any
    /// change made after signing).
    ///
    /// ```
    /// let sig = twilio_webhook::testing::SignedRequest::post("https://mycompany.com/myapp.php?foo=1&bar=2")
    ///     .params([("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
    ///              ("From", "+14158675309"), ("To", "+18005551212")])
    ///     .auth_token("12345")
    ///     .signature()?;
    /// assert_eq!(sig, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn signature(&self) -> Result<String, BuildError> {
        let url = self.signed_url()?;
        let (algorithm, secret) = match self.key.as_ref().ok_or(BuildError::NoKey)? {
            Key::AuthToken(t) => (Algorithm::HmacSha1, t),
            Key::SharedKey { secret, .. } => (Algorithm::HmacSha256, secret),
        };
        let none: &[(String, String)] = &[];
        let params = match self.kind {
            Kind::Form => &self.params[..],
            Kind::Get | Kind::Json(_) => none,
        };
        Ok(compute_signature_with(
            algorithm,
            &url,
            params.iter().map(|(k, v)| (k, v)),
            secret.expose(),
        ))
    }

    /// The request as plain parts: signed, then changed as asked after signing.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://h/x").auth_token("t").parts()?;
    /// assert_eq!(p.method, "POST");
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn parts(&self) -> Result<SignedParts, BuildError> {
        let signature = self.signature()?;
        let mut sent = self.params.clone();
        for (name, value) in &self.tampered_params {
            set_in(&mut sent, name, value);
        }
        let base = match self.sent_to.as_deref() {
            None => self.url.clone(),
            Some(path) if path.starts_with('/') => {
                let origin_end = self.url.len() - after_authority(&self.url).len();
                format!("{}{path}", &self.url[..origin_end])
            }
            Some(url) => {
                check_url(url)?;
                url.to_owned()
            }
        };
        let url = self.url_for(&base, &sent);
        let (method, content_type, body) = match &self.kind {
            Kind::Form => ("POST", Some(FORM), encode(&sent).into_bytes()),
            Kind::Get => ("GET", None, Vec::new()),
            Kind::Json(body) => ("POST", Some("application/json"), body.clone()),
        };
        let mut headers = Vec::new();
        let mut push = |n: &str, v: &str| headers.push((n.to_owned(), v.to_owned()));
        if !self.http2 {
            push("host", host_of(&url));
        }
        push("user-agent", TWILIO_USER_AGENT);
        if let Some(ct) = content_type {
            push("content-type", ct);
        }
        push(names::SIGNATURE, &signature);
        if let Some(Key::SharedKey { id, .. }) = &self.key {
            push(names::SETTINGS, &format!("key={id},algorithm=HMAC_SHA256"));
        }
        if let Some(token) = &self.idempotency_token {
            push(names::IDEMPOTENCY, token);
        }
        for edit in &self.header_edits {
            apply(&mut headers, edit);
        }
        Ok(SignedParts {
            method,
            url,
            headers,
            body: self.sent_body.clone().unwrap_or(body),
        })
    }

    /// `base` with the generated query: GET parameters, or JSON's `bodySHA256`.
    fn url_for(&self, base: &str, params: &[(String, String)]) -> String {
        let mut url = base.to_owned();
        let mut append = |query: &str| {
            if query.is_empty() {
                return;
            }
            let sep = match url.find('?') {
                None => "?",
                Some(i) if i + 1 == url.len() || url.ends_with('&') => "",
                Some(_) => "&",
            };
            url.push_str(sep);
            url.push_str(query);
        };
        match &self.kind {
            Kind::Form => {}
            Kind::Get => append(&encode(params)),
            Kind::Json(body) => {
                append(&encode(params));
                append(&format!("bodySHA256={}", body_sha256_hex(body)));
            }
        }
        url
    }
}

fn apply(headers: &mut Vec<(String, String)>, edit: &HeaderEdit) {
    match edit {
        HeaderEdit::Insert(name, value) => match headers.iter_mut().find(|(n, _)| n == name) {
            Some((_, first_value)) => {
                *first_value = value.clone();
                let mut first = true;
                headers.retain(|(n, _)| n != name || std::mem::take(&mut first));
            }
            None => headers.push((name.clone(), value.clone())),
        },
        HeaderEdit::Append(name, value) => headers.push((name.clone(), value.clone())),
        HeaderEdit::Remove(name) => headers.retain(|(n, _)| n != name),
    }
}

fn encode(params: &[(String, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    s.finish()
}

fn check_url(url: &str) -> Result<(), BuildError> {
    crate::url::authority(url)
        .map(drop)
        .map_err(|source| BuildError::InvalidUrl {
            url: url.to_owned(),
            source,
        })
}

/// What follows `scheme://authority` (path, query, fragment); the whole text if no scheme.
fn after_authority(url: &str) -> &str {
    match crate::url::authority(url) {
        Ok(a) => &url[a.range.end..],
        Err(_) => url,
    }
}

/// `host[:port]` of an absolute URL, without userinfo.
fn host_of(url: &str) -> &str {
    match crate::url::authority(url) {
        Ok(a) => &url[a.host_start..a.range.end],
        Err(_) => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_replaces_all_of_a_name() {
        let mut h = vec![
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned()),
            ("a".to_owned(), "3".to_owned()),
        ];
        apply(&mut h, &HeaderEdit::Insert("a".into(), "9".into()));
        assert_eq!(h, [("a".into(), "9".into()), ("b".into(), "2".into())]);
        apply(&mut h, &HeaderEdit::Remove("a".into()));
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn url_pieces() {
        assert_eq!(host_of("https://u:p@h:1/x?y"), "h:1");
        assert_eq!(after_authority("https://h?x=1"), "?x=1");
    }
}
