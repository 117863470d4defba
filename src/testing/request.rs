//! [`SignedRequest`]: the description of a request as Twilio would send it, and the edits a
//! negative test makes after signing.

use crate::secret::Secret;

/// How the parameters travel and what the signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A form POST: the URL, then the sorted parameters, are signed.
    Form,
    /// A GET: the parameters are the query string, and the URL alone is signed.
    Get,
    /// A JSON (or other raw) POST: `bodySHA256` is appended to the URL, which alone is signed.
    Json(Vec<u8>),
}

/// The key a request is signed with.
#[derive(Debug, Clone)]
pub(crate) enum Key {
    AuthToken(Secret),
    SharedKey { id: String, secret: Secret },
}

/// A header edit, applied in order after the kit's own headers are laid out.
#[derive(Debug, Clone)]
pub(crate) enum HeaderEdit {
    Insert(String, String),
    Append(String, String),
    Remove(String),
}

/// A request as Twilio would send it, signed when it is turned into a request: for your
/// handlers' tests (feature `testing`).
///
/// Describe the request (URL, parameters, key), optionally change it after signing for a
/// negative test ([`tamper_param`](Self::tamper_param), [`sent_to`](Self::sent_to),
/// [`tamper_signature`](Self::tamper_signature), [`send_body`](Self::send_body)), then take
/// it as [`parts`](Self::parts), an `http::Request` (`http_request`,
/// feature `http`) or an actix-web `TestRequest` (`actix_request`,
/// feature `actix`). The signature comes from [`crate::compute_signature_with`], so it is
/// the one the crate's verifier (and Twilio's helper libraries) expect.
///
/// ```
/// use twilio_webhook::testing::SignedRequest;
/// use twilio_webhook::Verifier;
///
/// let req = SignedRequest::post("https://example.com/sms")
///     .param("From", "+15550001111")
///     .param("Body", "hi")
///     .auth_token("12345");
/// let parts = req.parts()?;
/// assert!(Verifier::new("12345")
///     .verify_form(&parts.url, &parts.body, parts.header("x-twilio-signature").unwrap())
///     .is_ok());
///
/// // The same request with its body changed after signing is refused.
/// let forged = req.tamper_param("Body", "send money").parts()?;
/// assert!(Verifier::new("12345")
///     .verify_form(&forged.url, &forged.body, forged.header("x-twilio-signature").unwrap())
///     .is_err());
/// # Ok::<(), twilio_webhook::testing::BuildError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub(crate) kind: Kind,
    pub(crate) url: String,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) key: Option<Key>,
    pub(crate) idempotency_token: Option<String>,
    pub(crate) http2: bool,
    // Applied after signing: what the server receives instead of what was signed.
    pub(crate) tampered_params: Vec<(String, String)>,
    pub(crate) sent_to: Option<String>,
    pub(crate) sent_body: Option<Vec<u8>>,
    pub(crate) header_edits: Vec<HeaderEdit>,
}

impl SignedRequest {
    fn new(kind: Kind, url: &str) -> Self {
        SignedRequest {
            kind,
            url: url.to_owned(),
            params: Vec::new(),
            key: None,
            idempotency_token: None,
            http2: false,
            tampered_params: Vec::new(),
            sent_to: None,
            sent_body: None,
            header_edits: Vec::new(),
        }
    }

    /// A form POST to `url` (the webhook URL as configured in Twilio, query included): the
    /// signature covers the URL and the parameters.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://example.com/sms?x=1")
    ///     .param("Body", "hi")
    ///     .auth_token("12345")
    ///     .parts()?;
    /// assert_eq!((p.method, p.body.as_slice()), ("POST", &b"Body=hi"[..]));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn post(url: &str) -> Self {
        Self::new(Kind::Form, url)
    }

    /// A GET to `url`: the parameters are appended to its query string, and the signature
    /// covers the whole URL.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::get("https://example.com/voice")
    ///     .param("CallSid", "CA1")
    ///     .auth_token("12345")
    ///     .parts()?;
    /// assert_eq!(p.url, "https://example.com/voice?CallSid=CA1");
    /// assert!(p.body.is_empty());
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn get(url: &str) -> Self {
        Self::new(Kind::Get, url)
    }

    /// The same request sent as a GET: its parameters move into the query string (Twilio
    /// calls Voice and status URLs configured for GET this way). A JSON request stays JSON.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::incoming_call().as_get().auth_token("12345").parts()?;
    /// assert_eq!(p.method, "GET");
    /// assert!(p.url.contains("CallSid=") && p.body.is_empty());
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn as_get(mut self) -> Self {
        if matches!(self.kind, Kind::Form) {
            self.kind = Kind::Get;
        }
        self
    }

    /// A JSON POST of `body` to `url`: `bodySHA256=<hex SHA-256 of body>` is appended to the
    /// URL (after any [`param`](Self::param), which become query parameters), and the
    /// signature covers that URL alone.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::json("https://example.com/events", br#"{"a":1}"#)
    ///     .auth_token("12345")
    ///     .parts()?;
    /// assert!(p.url.starts_with("https://example.com/events?bodySHA256="));
    /// assert_eq!(p.header("content-type"), Some("application/json"));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn json(url: &str, body: impl AsRef<[u8]>) -> Self {
        Self::new(Kind::Json(body.as_ref().to_vec()), url)
    }

    /// Replaces the URL Twilio calls (and signs).
    ///
    /// ```
    /// let r = twilio_webhook::testing::SignedRequest::incoming_message().url("https://example.com/in");
    /// # let _ = r;
    /// ```
    pub fn url(mut self, url: &str) -> Self {
        self.url = url.to_owned();
        self
    }

    /// Adds a parameter, after those already there: a repeated name is sent repeated, as
    /// Twilio sends `MediaUrl` lists.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://example.com/x")
    ///     .param("Digits", "1").param("Digits", "2")
    ///     .auth_token("12345").parts()?;
    /// assert_eq!(p.body, b"Digits=1&Digits=2");
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.params.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds several parameters, in order.
    ///
    /// ```
    /// let r = twilio_webhook::testing::SignedRequest::post("https://example.com/x")
    ///     .params([("To", "+1"), ("Body", "hi")]);
    /// # let _ = r;
    /// ```
    pub fn params<I, K, V>(mut self, params: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        for (k, v) in params {
            self = self.param(k.as_ref(), v.as_ref());
        }
        self
    }

    /// Sets a parameter: replaces the value of the first parameter of that name (and drops
    /// its repeats), or adds it at the end.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://example.com/x")
    ///     .param("Body", "a").set_param("Body", "b")
    ///     .auth_token("12345").parts()?;
    /// assert_eq!(p.body, b"Body=b");
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn set_param(mut self, name: &str, value: &str) -> Self {
        set_in(&mut self.params, name, value);
        self
    }

    /// Removes every parameter of that name.
    ///
    /// ```
    /// let r = twilio_webhook::testing::SignedRequest::incoming_message().remove_param("Body");
    /// # let _ = r;
    /// ```
    pub fn remove_param(mut self, name: &str) -> Self {
        self.params.retain(|(n, _)| n != name);
        self
    }

    /// Signs with an Auth Token (HMAC-SHA1, every classic webhook).
    ///
    /// ```
    /// let r = twilio_webhook::testing::SignedRequest::post("https://example.com/x").auth_token("12345");
    /// assert!(!format!("{r:?}").contains("12345"));
    /// ```
    pub fn auth_token(mut self, token: impl Into<Secret>) -> Self {
        self.key = Some(Key::AuthToken(token.into()));
        self
    }

    /// Signs with a SharedKey (HMAC-SHA256) and sends
    /// `X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=HMAC_SHA256`.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://example.com/x")
    ///     .shared_key("KS1", "shared secret")
    ///     .parts()?;
    /// assert_eq!(p.header("x-twilio-webhooks-signature-settings"), Some("key=KS1,algorithm=HMAC_SHA256"));
    /// assert_eq!(p.header("x-twilio-signature").unwrap().len(), 44);
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn shared_key(mut self, id: &str, secret: impl Into<Secret>) -> Self {
        self.key = Some(Key::SharedKey {
            id: id.to_owned(),
            secret: secret.into(),
        });
        self
    }

    /// Sends `I-Twilio-Idempotency-Token` (Twilio sends one with every delivery; the kit
    /// only when asked, so a test can also check its absence).
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://example.com/x")
    ///     .idempotency_token("idem-1").auth_token("12345").parts()?;
    /// assert_eq!(p.header("i-twilio-idempotency-token"), Some("idem-1"));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn idempotency_token(mut self, token: &str) -> Self {
        self.idempotency_token = Some(token.to_owned());
        self
    }

    /// Sets a header, replacing the kit's own of that name (`Host`, `User-Agent`,
    /// `Content-Type`, …) and any set before. Names are matched case-insensitively.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://example.com/x")
    ///     .insert_header("X-Forwarded-Proto", "https")
    ///     .insert_header("Host", "internal:8080")
    ///     .auth_token("12345").parts()?;
    /// assert_eq!(p.header("host"), Some("internal:8080"));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn insert_header(mut self, name: &str, value: &str) -> Self {
        self.header_edits.push(HeaderEdit::Insert(
            name.to_ascii_lowercase(),
            value.to_owned(),
        ));
        self
    }

    /// Adds a header after any of the same name (a repeated header).
    ///
    /// ```
    /// let r = twilio_webhook::testing::SignedRequest::post("https://example.com/x").auth_token("12345");
    /// let sig = r.signature()?;
    /// let p = r.append_header("X-Twilio-Signature", &sig).parts()?;
    /// assert_eq!(p.headers.iter().filter(|(n, _)| n == "x-twilio-signature").count(), 2);
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn append_header(mut self, name: &str, value: &str) -> Self {
        self.header_edits.push(HeaderEdit::Append(
            name.to_ascii_lowercase(),
            value.to_owned(),
        ));
        self
    }

    /// Removes every header of that name, the kit's own included.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://example.com/x")
    ///     .remove_header("User-Agent").auth_token("12345").parts()?;
    /// assert_eq!(p.header("user-agent"), None);
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn remove_header(mut self, name: &str) -> Self {
        self.header_edits
            .push(HeaderEdit::Remove(name.to_ascii_lowercase()));
        self
    }

    /// Sends the full URL as the request target and no `Host` header, as an HTTP/2
    /// request's `:authority` reaches a server.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://example.com:8443/x")
    ///     .as_http2().auth_token("12345").parts()?;
    /// assert_eq!(p.header("host"), None);
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn as_http2(mut self) -> Self {
        self.http2 = true;
        self
    }

    // ------------------------------------------------------------ after signing

    /// After signing, sends `value` for `name` instead (the first such parameter, or a new
    /// one): the signature no longer matches the body.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://example.com/x")
    ///     .param("Body", "hi").auth_token("12345")
    ///     .tamper_param("Body", "HI").parts()?;
    /// assert_eq!(p.body, b"Body=HI");
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn tamper_param(mut self, name: &str, value: &str) -> Self {
        self.tampered_params
            .push((name.to_owned(), value.to_owned()));
        self
    }

    /// After signing, sends the request to `target` instead of the signed URL: a path
    /// (`/other`, on the same host) or an absolute URL. A replay on another path, or what a
    /// proxy delivers after stripping a prefix or rewriting the host. Generated query
    /// parameters (GET parameters, `bodySHA256`) still follow.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://example.com/prod/sms")
    ///     .auth_token("12345").sent_to("/sms").parts()?;
    /// assert_eq!((p.url.as_str(), p.target().as_str()), ("https://example.com/sms", "/sms"));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn sent_to(mut self, target: &str) -> Self {
        self.sent_to = Some(target.to_owned());
        self
    }

    /// After signing, sends this `X-Twilio-Signature` instead of the computed one.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://example.com/x")
    ///     .auth_token("12345").tamper_signature("AAAA").parts()?;
    /// assert_eq!(p.header("x-twilio-signature"), Some("AAAA"));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn tamper_signature(self, signature: &str) -> Self {
        self.insert_header(names::SIGNATURE, signature)
    }

    /// Sends no `X-Twilio-Signature` at all.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://example.com/x")
    ///     .auth_token("12345").without_signature().parts()?;
    /// assert_eq!(p.header("x-twilio-signature"), None);
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn without_signature(self) -> Self {
        self.remove_header(names::SIGNATURE)
    }

    /// Sends these bytes as the body instead of the encoded parameters (or the JSON); the
    /// signature stays the one computed for the described request. A body changed after
    /// signing (refused), another encoding of the same form (`%20` for `+`, parameters
    /// reordered: still valid), or bytes that are no form at all.
    ///
    /// ```
    /// let p = twilio_webhook::testing::SignedRequest::post("https://example.com/x")
    ///     .param("Body", "a b").auth_token("12345")
    ///     .send_body("Body=a%20b").parts()?;
    /// assert_eq!(p.body, b"Body=a%20b");
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn send_body(mut self, body: impl AsRef<[u8]>) -> Self {
        self.sent_body = Some(body.as_ref().to_vec());
        self
    }
}

/// Replaces the first `name` (dropping its repeats) or appends it.
pub(crate) fn set_in(params: &mut Vec<(String, String)>, name: &str, value: &str) {
    match params.iter_mut().find(|(n, _)| n == name) {
        Some((_, first_value)) => {
            *first_value = value.to_owned();
            let mut seen = 0;
            params.retain(|(n, _)| {
                let keep = n != name || seen == 0;
                seen += usize::from(n == name);
                keep
            });
        }
        None => params.push((name.to_owned(), value.to_owned())),
    }
}

/// Header names the kit writes (lowercase, as `http` stores them).
pub(crate) mod names {
    pub(crate) const SIGNATURE: &str = "x-twilio-signature";
    pub(crate) const SETTINGS: &str = "x-twilio-webhooks-signature-settings";
    pub(crate) const IDEMPOTENCY: &str = "i-twilio-idempotency-token";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_in_replaces_first_and_drops_repeats() {
        let mut p = vec![
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned()),
            ("a".to_owned(), "3".to_owned()),
        ];
        set_in(&mut p, "a", "9");
        assert_eq!(p, [("a".into(), "9".into()), ("b".into(), "2".into())]);
        set_in(&mut p, "c", "0");
        assert_eq!(p.len(), 3);
    }
}
