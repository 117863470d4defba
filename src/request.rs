//! The request description every entry point and adapter hands to [`crate::Verifier::verify`].

/// What a verifier needs to know of one HTTP request. Adapters build this from their
/// framework's request; nothing else of the request is looked at.
///
/// ```
/// use twilio_webhook::{Payload, Verifier, WebhookRequest};
///
/// let v = Verifier::new("12345");
/// let req = WebhookRequest {
///     url: "https://mycompany.com/myapp.php?foo=1&bar=2",
///     signature: Some("RSOYDt4T1cUTdK1PDd93/VVr8B8="),
///     signature_settings: None,
///     payload: Payload::Form(
///         b"CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212",
///     ),
/// };
/// assert!(v.verify(&req).is_ok());
/// ```
#[derive(Clone, Copy)]
pub struct WebhookRequest<'a> {
    /// The public URL Twilio requested, byte for byte (scheme, host, port, path, query).
    pub url: &'a str,
    /// The `X-Twilio-Signature` header, if present.
    pub signature: Option<&'a str>,
    /// The `X-Twilio-Webhooks-Signature-Settings` header, if present.
    pub signature_settings: Option<&'a str>,
    /// The body.
    pub payload: Payload<'a>,
}

impl core::fmt::Debug for WebhookRequest<'_> {
    // The signature shows only as present: a valid one, logged next to the URL and body,
    // lets anyone replay the request (Twilio's signatures carry no timestamp).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebhookRequest")
            .field("url", &self.url)
            .field("signature", &self.signature.map(|_| "***"))
            .field("signature_settings", &self.signature_settings)
            .field("payload", &self.payload)
            .finish()
    }
}

/// The body of a webhook request.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Payload<'a> {
    /// No body (a GET, or a POST without one): the URL alone is signed.
    Empty,
    /// A raw `application/x-www-form-urlencoded` body.
    Form(&'a [u8]),
    /// Form parameters already decoded by a framework, repeats kept.
    Params(&'a [(&'a str, &'a str)]),
    /// A raw non-form body (JSON or anything else), covered by the URL's `bodySHA256`.
    Raw(&'a [u8]),
    /// A raw body with its `Content-Type`, dispatched to `Form`, `Raw` or `Empty`.
    Body {
        /// The raw body.
        bytes: &'a [u8],
        /// The `Content-Type` header, if any.
        content_type: Option<&'a str>,
    },
}

impl<'a> Payload<'a> {
    /// Resolves [`Payload::Body`] by content type: form-urlencoded is a form, no body and
    /// no content type is empty, anything else is a body that `bodySHA256` must cover.
    ///
    /// ```
    /// use twilio_webhook::Payload;
    /// let p = Payload::Body { bytes: b"a=1", content_type: Some("application/x-www-form-urlencoded; charset=utf-8") };
    /// assert!(matches!(p.resolve(), Payload::Form(b"a=1")));
    /// let p = Payload::Body { bytes: b"{}", content_type: Some("application/json") };
    /// assert!(matches!(p.resolve(), Payload::Raw(b"{}")));
    /// ```
    pub fn resolve(self) -> Payload<'a> {
        match self {
            Payload::Body {
                bytes,
                content_type,
            } => match content_type {
                Some(ct) if is_form(ct) => Payload::Form(bytes),
                None if bytes.is_empty() => Payload::Empty,
                _ => Payload::Raw(bytes),
            },
            other => other,
        }
    }
}

/// Whether a `Content-Type` is `application/x-www-form-urlencoded` (parameters ignored).
pub fn is_form(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

impl core::fmt::Debug for Payload<'_> {
    // Bodies are personal data: show the kind and size only.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Payload::Empty => f.write_str("Empty"),
            Payload::Form(b) => write!(f, "Form({} bytes)", b.len()),
            Payload::Params(p) => write!(f, "Params({} pairs)", p.len()),
            Payload::Raw(b) => write!(f, "Raw({} bytes)", b.len()),
            Payload::Body {
                bytes,
                content_type,
            } => {
                write!(f, "Body({} bytes, {:?})", bytes.len(), content_type)
            }
        }
    }
}
