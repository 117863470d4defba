// lint exceptions pending the parser rewrite (issue #15)
#![allow(clippy::indexing_slicing)]
//! [`Verifier`]: keys keyed once, then any number of requests judged against them.

use core::fmt;
use std::sync::Arc;

use crate::body_hash;
use crate::canonical::scratch;
use crate::canonical::{FormParams, Sink, SortedParams};
use crate::error::Error;
use crate::request::{Payload, WebhookRequest};
use crate::secret::Secret;
use crate::settings::SignatureSettings;
use crate::signature::{Algorithm, ExpectedSignature, KeyedMac};
use crate::url::{self as url_variants, Candidate, UrlVariant, VariantSet};

/// Default cap on form parameters; Twilio sends a few dozen.
const DEFAULT_MAX_PARAMS: usize = 1024;

/// Which key verified a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyUsed {
    /// An Auth Token: index 0 is the primary, then secondaries in the order added.
    AuthToken(usize),
    /// The SharedKey with this id.
    SharedKey(Arc<str>),
}

impl fmt::Display for KeyUsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyUsed::AuthToken(0) => f.write_str("auth_token:primary"),
            KeyUsed::AuthToken(i) => write!(f, "auth_token:secondary{i}"),
            KeyUsed::SharedKey(id) => write!(f, "shared_key:{id}"),
        }
    }
}

/// A successful verification: what matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The key whose MAC matched.
    pub key: KeyUsed,
    /// The URL variant the signature was computed over.
    pub url_variant: UrlVariant,
    /// The MAC algorithm.
    pub algorithm: Algorithm,
}

/// Verifies Twilio webhook signatures against one or more keys.
///
/// Build it once at start-up and share it (it is `Send + Sync`); each key's HMAC pads are
/// computed here, not per request.
///
/// ```
/// use twilio_webhook::{KeyUsed, Verifier};
///
/// let v = Verifier::builder()
///     .auth_token("new token")
///     .secondary_auth_token("12345") // the token being rotated out
///     .build();
/// let ok = v.verify_form(
///     "https://mycompany.com/myapp.php?foo=1&bar=2",
///     b"CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212",
///     "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
/// ).unwrap();
/// assert_eq!(ok.key, KeyUsed::AuthToken(1));
/// ```
#[derive(Clone)]
pub struct Verifier {
    auth_tokens: Vec<KeyedMac>,
    shared_keys: Vec<(Arc<str>, KeyedMac)>,
    node_normalized_urls: bool,
    max_params: usize,
    misconfigured: Option<&'static str>,
}

impl Verifier {
    /// A verifier for one Auth Token.
    ///
    /// An empty token yields a verifier that rejects every request as misconfigured
    /// (an unset environment variable must not turn into an HMAC key anyone can use).
    pub fn new(auth_token: impl Into<Secret>) -> Self {
        Self::builder().auth_token(auth_token).build()
    }

    /// A builder for several keys and options.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// Verifies a raw `application/x-www-form-urlencoded` body: the fast path.
    pub fn verify_form(&self, url: &str, body: &[u8], signature: &str) -> Result<Verified, Error> {
        self.verify(&WebhookRequest {
            url,
            signature: Some(signature),
            signature_settings: None,
            payload: Payload::Form(body),
        })
    }

    /// Verifies a JSON (or other non-form) body against the URL's `bodySHA256`.
    pub fn verify_body(&self, url: &str, body: &[u8], signature: &str) -> Result<Verified, Error> {
        self.verify(&WebhookRequest {
            url,
            signature: Some(signature),
            signature_settings: None,
            payload: Payload::Raw(body),
        })
    }

    /// Verifies any request: the one entry point adapters use.
    ///
    /// Order of checks: configuration, signature header shape, settings header, URL,
    /// payload shape, then the MACs, then (for body-hash requests) the body hash.
    ///
    /// Whenever the URL carries `bodySHA256`, the request is a body-hash request whatever
    /// its content type: the URL alone is signed and the raw body must hash to it (a
    /// JSON-signed request replayed as an empty form is refused).
    pub fn verify(&self, req: &WebhookRequest<'_>) -> Result<Verified, Error> {
        self.verify_bound(req, None)
    }

    /// [`Verifier::verify`], also requiring that the parameters (form, decoded pairs, or the
    /// query of a bodyless request) hold `binding.name` exactly once, with `binding.value`:
    /// the pipeline binds a tenant chosen by `AccountSid` to the request's own.
    pub(crate) fn verify_bound(
        &self,
        req: &WebhookRequest<'_>,
        binding: Option<Binding<'_>>,
    ) -> Result<Verified, Error> {
        if let Some(why) = self.misconfigured {
            return Err(Error::Misconfigured(why));
        }
        let header = req.signature.ok_or(Error::MissingSignature)?;
        let settings = SignatureSettings::parse(req.signature_settings)?;
        let expected = ExpectedSignature::decode(header, settings.algorithm)
            .map_err(Error::MalformedSignature)?;
        let keys = self.keys_for(settings.key_id)?;
        let candidates = url_variants::candidates(req.url).map_err(Error::InvalidUrl)?;
        let body_sha256 = body_hash::find_in_url(req.url);
        let signed = Signed::of(req.payload.resolve(), body_sha256.is_some())?;

        // The form lives in this frame and is parsed where it lies: returning it by value
        // would copy its ~3.5 KiB of inline pairs and scratch.
        let mut form;
        let params = match signed {
            Signed::Form(body) => {
                form = FormParams::unparsed(body);
                form.fill(self.max_params).map_err(Error::InvalidForm)?;
                Params::Form(&form)
            }
            Signed::Pairs(pairs) => Params::Decoded(SortedParams::new(pairs.iter().copied())),
            Signed::UrlOnly { .. } => Params::None,
        };
        if let Some(binding) = binding {
            binding.check(&params, signed, req.url)?;
        }

        let verified =
            self.find_match(&keys, &candidates, &params, &expected, settings, req.url)?;
        if let (Signed::UrlOnly { body: Some(body) }, Some(hex)) = (signed, body_sha256) {
            body_hash::check(&hex, body)?;
        }
        Ok(verified)
    }

    /// The key × URL-variant search: the first (variant, key) whose MAC over the URL and
    /// the canonical parameters equals the received signature.
    fn find_match(
        &self,
        keys: &KeyList<'_>,
        candidates: &url_variants::Candidates<'_>,
        params: &Params<'_, '_>,
        expected: &ExpectedSignature,
        settings: SignatureSettings<'_>,
        url: &str,
    ) -> Result<Verified, Error> {
        // The parameters are laid out once, then each (URL variant x key) MAC takes them in
        // one update: streaming each small piece into every MAC cost more (benches/verify.rs).
        let mut canonical = scratch::take();
        params.write_to(&mut canonical);
        let mut tried = VariantSet::default();
        let mut check = |candidate: Candidate<'_>| -> Option<Verified> {
            tried.insert(candidate.variant);
            (0..keys.len()).find_map(|i| {
                let (mac, key_used) = keys.get(i);
                let mut state = mac.begin(settings.algorithm);
                candidate.write_to(&mut state);
                state.write(&canonical);
                state.matches(expected).then(|| Verified {
                    key: key_used(),
                    url_variant: candidate.variant,
                    algorithm: settings.algorithm,
                })
            })
        };
        let mut verified = candidates.iter().find_map(&mut check);
        if verified.is_none() && self.node_normalized_urls {
            if let Some(normalized) = url_variants::node_normalized(url) {
                // Only the query changed, and the received URL parsed: this cannot fail.
                if let Ok(c) = url_variants::candidates(&normalized) {
                    verified = c.iter().find_map(|c| {
                        check(c).map(|v| Verified {
                            url_variant: UrlVariant::NodeNormalized,
                            ..v
                        })
                    });
                    tried.insert(UrlVariant::NodeNormalized);
                }
            }
        }
        scratch::put_back(canonical);
        verified.ok_or(Error::SignatureMismatch { tried })
    }

    /// The keys a request may be signed with: the named SharedKey, or every Auth Token.
    fn keys_for(&self, key_id: Option<&str>) -> Result<KeyList<'_>, Error> {
        match key_id {
            Some(id) => self
                .shared_keys
                .iter()
                .find(|(k, _)| &**k == id)
                .map(|(id, mac)| KeyList::Shared(id, mac))
                .ok_or(Error::UnknownKey),
            // A verifier of SharedKeys only: a request signed the Auth Token way is simply
            // not signed by a key we hold (403), not our fault (500, an alert anyone could
            // trigger at will).
            None if self.auth_tokens.is_empty() => Err(Error::UnknownKey),
            None => Ok(KeyList::Tokens(&self.auth_tokens)),
        }
    }
}

/// The keys to try for one request.
#[derive(Clone, Copy)]
enum KeyList<'a> {
    Tokens(&'a [KeyedMac]),
    Shared(&'a Arc<str>, &'a KeyedMac),
}

impl<'a> KeyList<'a> {
    fn len(self) -> usize {
        match self {
            KeyList::Tokens(t) => t.len(),
            KeyList::Shared(..) => 1,
        }
    }

    fn get(self, i: usize) -> (&'a KeyedMac, impl FnOnce() -> KeyUsed + 'a) {
        let (mac, shared) = match self {
            KeyList::Tokens(t) => (&t[i], None),
            KeyList::Shared(id, mac) => (mac, Some(id)),
        };
        (mac, move || {
            shared.map_or(KeyUsed::AuthToken(i), |id| KeyUsed::SharedKey(id.clone()))
        })
    }
}

/// What the signature covers besides the URL, decided once from the payload and whether
/// the URL carries `bodySHA256`.
#[derive(Clone, Copy)]
enum Signed<'a> {
    /// A form body: its decoded parameters follow the URL.
    Form(&'a [u8]),
    /// Parameters a framework already decoded.
    Pairs(&'a [(&'a str, &'a str)]),
    /// The URL alone; `body` (if any) must match the URL's `bodySHA256`.
    UrlOnly { body: Option<&'a [u8]> },
}

impl<'a> Signed<'a> {
    fn of(payload: Payload<'a>, has_body_hash: bool) -> Result<Self, Error> {
        Ok(match (payload, has_body_hash) {
            // A bodyless request on a bodySHA256 URL must hash as empty, or a signed JSON
            // request could be replayed with its body stripped.
            (Payload::Empty, true) => Signed::UrlOnly { body: Some(b"") },
            (Payload::Empty, false) => Signed::UrlOnly { body: None },
            // Whatever the content type says, a bodySHA256 URL signs the URL alone and the
            // body through its hash: a form sent there is hashed, never parsed.
            (Payload::Form(b) | Payload::Raw(b), true) => Signed::UrlOnly { body: Some(b) },
            (Payload::Form(b), false) => Signed::Form(b),
            (Payload::Raw(_), false) => return Err(Error::MissingBodyHash),
            (Payload::Params(_), true) => return Err(Error::ParamsWithBodyHash),
            (Payload::Params(p), false) => Signed::Pairs(p),
            // `resolve` leaves no `Body`.
            (Payload::Body { .. }, _) => return Err(Error::MissingBodyHash),
        })
    }
}

/// A parameter the request must carry exactly once, with this value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Binding<'a> {
    pub(crate) name: &'a str,
    pub(crate) value: &'a str,
}

impl Binding<'_> {
    /// Checks the binding on the parameters the handler will see: the verifier's own
    /// decode of the form, the decoded pairs, or (bodyless, or a body hashed as a whole)
    /// the URL's query and the body decoded as a form.
    fn check(&self, params: &Params<'_, '_>, signed: Signed<'_>, url: &str) -> Result<(), Error> {
        let (name, value) = (self.name.as_bytes(), self.value.as_bytes());
        let mut seen = 0usize;
        let mut equal = true;
        let mut count = |n: &[u8], v: &[u8]| {
            if n == name {
                seen += 1;
                equal &= v == value;
            }
        };
        match (params, signed) {
            (Params::Form(form), _) => form.for_each_pair(&mut count),
            // The pairs as given, repeats included (the sorted set drops exact repeats).
            (_, Signed::Pairs(pairs)) => {
                for (n, v) in pairs {
                    count(n.as_bytes(), v.as_bytes());
                }
            }
            _ => {
                let query = url.split_once('?').map_or("", |(_, q)| q);
                let query = query.split('#').next().unwrap_or("");
                let body = match signed {
                    Signed::UrlOnly { body: Some(b) } => b,
                    _ => b"",
                };
                for part in [query.as_bytes(), body] {
                    for (n, v) in form_urlencoded::parse(part) {
                        count(n.as_bytes(), v.as_bytes());
                    }
                }
            }
        }
        if seen == 1 && equal {
            Ok(())
        } else {
            Err(Error::TenantMismatch)
        }
    }
}

/// The parameters that follow the URL in the signed stream.
enum Params<'f, 'a> {
    None,
    Form(&'f FormParams<'a>),
    Decoded(SortedParams<'a>),
}

impl Params<'_, '_> {
    fn write_to<S: Sink>(&self, sink: &mut S) {
        match self {
            Params::None => {}
            Params::Form(f) => f.write_to(sink),
            Params::Decoded(p) => p.write_to(sink),
        }
    }
}

impl fmt::Debug for Verifier {
    // Shows the shape of the configuration, never a key or its HMAC state.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("auth_tokens", &self.auth_tokens.len())
            .field(
                "shared_keys",
                &self
                    .shared_keys
                    .iter()
                    .map(|(id, _)| id)
                    .collect::<Vec<_>>(),
            )
            .field("node_normalized_urls", &self.node_normalized_urls)
            .field("max_params", &self.max_params)
            .field("misconfigured", &self.misconfigured)
            .finish()
    }
}

/// Builds a [`Verifier`] with several keys.
///
/// ```
/// use twilio_webhook::Verifier;
/// let v = Verifier::builder()
///     .auth_token("primary")
///     .shared_key("KS1234", "shared secret")
///     .try_build()
///     .expect("keys are valid");
/// # let _ = v;
/// ```
#[derive(Default)]
pub struct VerifierBuilder {
    auth_tokens: Vec<KeyedMac>,
    shared_keys: Vec<(Arc<str>, KeyedMac)>,
    node_normalized_urls: bool,
    max_params: Option<usize>,
    misconfigured: Option<&'static str>,
}

impl VerifierBuilder {
    /// Adds an Auth Token. The first one added is the primary; later ones are secondaries
    /// (a rotated-out token still in use), tried in order.
    pub fn auth_token(mut self, token: impl Into<Secret>) -> Self {
        let token = token.into();
        if token.is_empty() {
            self.misconfigured = Some("empty Auth Token");
        }
        self.auth_tokens
            .push(KeyedMac::new(token.expose().as_bytes()));
        self
    }

    /// Adds a secondary Auth Token (same as [`VerifierBuilder::auth_token`] after a primary).
    pub fn secondary_auth_token(self, token: impl Into<Secret>) -> Self {
        self.auth_token(token)
    }

    /// Adds a SharedKey (Twilio Webhooks API), selected by the `key=` of
    /// `X-Twilio-Webhooks-Signature-Settings`.
    pub fn shared_key(mut self, id: impl Into<Arc<str>>, secret: impl Into<Secret>) -> Self {
        let (id, secret) = (id.into(), secret.into());
        if secret.is_empty() || id.is_empty() {
            self.misconfigured = Some("empty SharedKey id or secret");
        }
        self.shared_keys
            .push((id, KeyedMac::new(secret.expose().as_bytes())));
        self
    }

    /// Refuses forms with more than `n` parameters (default 1024).
    pub fn max_params(mut self, n: usize) -> Self {
        self.max_params = Some(n);
        self
    }

    /// Also accepts signatures over the WHATWG-normalised URL (`'` as `%27` in the query)
    /// that only twilio-node computes. Twilio itself signs the raw URL (twilio-node
    /// #1059/#1183), so this is off by default; turn it on only to accept requests signed
    /// by a node-based test harness.
    pub fn insecure_accept_node_normalized_urls(mut self) -> Self {
        self.node_normalized_urls = true;
        self
    }

    /// The verifier. A misconfiguration (empty secret) makes it reject every request with
    /// [`Error::Misconfigured`]; use [`VerifierBuilder::try_build`] to catch that at start-up.
    pub fn build(self) -> Verifier {
        let misconfigured = self
            .misconfigured
            .or((self.auth_tokens.is_empty() && self.shared_keys.is_empty())
                .then_some("no key configured"));
        Verifier {
            auth_tokens: self.auth_tokens,
            shared_keys: self.shared_keys,
            node_normalized_urls: self.node_normalized_urls,
            max_params: self.max_params.unwrap_or(DEFAULT_MAX_PARAMS),
            misconfigured,
        }
    }

    /// The verifier, or [`Error::Misconfigured`] if a secret is empty or no key was added.
    pub fn try_build(self) -> Result<Verifier, Error> {
        let v = self.build();
        match v.misconfigured {
            Some(why) => Err(Error::Misconfigured(why)),
            None => Ok(v),
        }
    }
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field("auth_tokens", &self.auth_tokens.len())
            .field("shared_keys", &self.shared_keys.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{body_sha256_hex, compute_twilio_signature};

    const URL: &str = "https://h/hook";

    fn request<'a>(url: &'a str, sig: &'a str, payload: Payload<'a>) -> WebhookRequest<'a> {
        WebhookRequest {
            url,
            signature: Some(sig),
            signature_settings: None,
            payload,
        }
    }

    #[test]
    fn a_binding_needs_exactly_one_equal_value_in_what_the_handler_sees() {
        let v = Verifier::new("t");
        let bind = Some(Binding {
            name: "AccountSid",
            value: "AC1",
        });
        let pairs = [("AccountSid", "AC1"), ("AccountSid", "AC1")];
        let sig = compute_twilio_signature(URL, pairs, "t");
        // The sorted set counts an exact repeat once; the binding counts the pairs given.
        assert!(v
            .verify(&request(URL, &sig, Payload::Params(&pairs)))
            .is_ok());
        assert_eq!(
            v.verify_bound(&request(URL, &sig, Payload::Params(&pairs)), bind),
            Err(Error::TenantMismatch)
        );
        let one = [("AccountSid", "AC1"), ("Body", "x")];
        let sig = compute_twilio_signature(URL, one, "t");
        assert!(v
            .verify_bound(&request(URL, &sig, Payload::Params(&one)), bind)
            .is_ok());
        let body = b"AccountSid=AC1&Body=x";
        assert!(v
            .verify_bound(&request(URL, &sig, Payload::Form(body)), bind)
            .is_ok());
        let other = Some(Binding {
            name: "AccountSid",
            value: "AC2",
        });
        assert_eq!(
            v.verify_bound(&request(URL, &sig, Payload::Form(body)), other),
            Err(Error::TenantMismatch)
        );
    }

    #[test]
    fn a_body_hash_url_takes_the_raw_body_never_pairs() {
        let v = Verifier::new("t");
        let url = format!("{URL}?bodySHA256={}", body_sha256_hex(b"{}"));
        let sig = compute_twilio_signature(&url, std::iter::empty::<(&str, &str)>(), "t");
        let pairs = [("a", "1")];
        assert_eq!(
            v.verify(&request(&url, &sig, Payload::Params(&pairs))),
            Err(Error::ParamsWithBodyHash)
        );
        assert!(v.verify(&request(&url, &sig, Payload::Form(b"{}"))).is_ok());
        assert_eq!(
            v.verify(&request(&url, &sig, Payload::Form(b""))),
            Err(Error::BodyHashMismatch)
        );
    }

    #[test]
    fn shared_keys_only_refuse_auth_token_requests_as_unknown_key() {
        let v = Verifier::builder().shared_key("KS1", "s").build();
        let sig = compute_twilio_signature(URL, [("a", "1")], "s");
        let err = v
            .verify(&request(URL, &sig, Payload::Form(b"a=1")))
            .unwrap_err();
        assert_eq!(err, Error::UnknownKey);
        assert_eq!(err.http_status(), 403);
    }
}
