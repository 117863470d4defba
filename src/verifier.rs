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
    /// payload shape, then the MACs, then (for non-form bodies) the body hash.
    pub fn verify(&self, req: &WebhookRequest<'_>) -> Result<Verified, Error> {
        if let Some(why) = self.misconfigured {
            return Err(Error::Misconfigured(why));
        }
        let header = req.signature.ok_or(Error::MissingSignature)?;
        let settings = SignatureSettings::parse(req.signature_settings)?;
        let expected = ExpectedSignature::decode(header, settings.algorithm)
            .map_err(Error::MalformedSignature)?;
        let keys = self.keys_for(settings.key_id)?;
        let candidates = url_variants::candidates(req.url).map_err(Error::InvalidUrl)?;

        let payload = req.payload.resolve();
        // Only a non-form body is covered by bodySHA256; a form request skips the query scan.
        let body_sha256 = match payload {
            Payload::Raw(_) | Payload::Empty => body_hash::find_in_url(req.url),
            _ => None,
        };
        let raw_body: Option<&[u8]> = match payload {
            // Nothing signed covers a non-form body unless the URL carries its hash.
            Payload::Raw(_) if body_sha256.is_none() => return Err(Error::MissingBodyHash),
            Payload::Raw(b) => Some(b),
            // A bodyless request on a bodySHA256 URL must hash as empty, or a signed JSON
            // request could be replayed with its body stripped.
            Payload::Empty => Some(b""),
            _ => None,
        };
        // The form lives in this frame and is parsed where it lies: returning it by value
        // would copy its ~3.5 KiB of inline pairs and scratch.
        let mut form;
        let params = match payload {
            Payload::Form(body) => {
                form = FormParams::unparsed(body);
                form.fill(self.max_params).map_err(Error::InvalidForm)?;
                Params::Form(&form)
            }
            Payload::Params(pairs) => Params::Decoded(SortedParams::new(pairs.iter().copied())),
            // JSON bodies are covered by bodySHA256 in the URL; the URL alone is signed.
            _ => Params::None,
        };

        // The parameters are laid out once, then each (URL variant x key) MAC takes them in
        // one update: streaming ~40 small pieces into every MAC cost ~1,500 instructions
        // more per accepted whatsapp_inbound and ~5,700 per rejected one (callgrind).
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
                state.matches(&expected).then(|| Verified {
                    key: key_used(),
                    url_variant: candidate.variant,
                    algorithm: settings.algorithm,
                })
            })
        };
        let mut verified = candidates.iter().find_map(&mut check);
        if verified.is_none() && self.node_normalized_urls {
            if let Some(normalized) = url_variants::node_normalized(req.url) {
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
        let verified = verified.ok_or(Error::SignatureMismatch { tried })?;

        if let (Some(body), Some(hex)) = (raw_body, body_sha256) {
            body_hash::check(&hex, body)?;
        }
        Ok(verified)
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
            None if self.auth_tokens.is_empty() => {
                Err(Error::Misconfigured("no Auth Token configured"))
            }
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
