//! One-call functions for a single token, mirroring the official helpers' `validate` and
//! `compute_signature`. For many requests, build a [`Verifier`] once instead: these key the
//! HMAC on every call.

use crate::canonical::write_canonical;
use crate::error::Error;
use crate::request::{Payload, WebhookRequest};
use crate::signature::{Algorithm, KeyedMac};
use crate::verifier::{Verified, Verifier};

/// Verifies already-decoded form parameters against `X-Twilio-Signature`.
///
/// ```
/// let params = [
///     ("CallSid", "CA1234567890ABCDE"),
///     ("Caller", "+14158675309"),
///     ("Digits", "1234"),
///     ("From", "+14158675309"),
///     ("To", "+18005551212"),
/// ];
/// let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
/// assert!(twilio_webhook::verify_twilio_signature(url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", "12345").is_ok());
/// assert!(twilio_webhook::verify_twilio_signature(url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", "54321").is_err());
/// ```
pub fn verify_twilio_signature<I, K, V>(
    url: &str,
    params: I,
    signature: &str,
    auth_token: &str,
) -> Result<Verified, Error>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let owned: Vec<(K, V)> = params.into_iter().collect();
    let pairs: Vec<(&str, &str)> = owned
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    Verifier::new(auth_token).verify(&WebhookRequest {
        url,
        signature: Some(signature),
        signature_settings: None,
        payload: Payload::Params(&pairs),
    })
}

/// Verifies a JSON (or other non-form) body: the URL signature and its `bodySHA256`.
///
/// ```
/// let url = "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
/// let body = br#"{"property": "value", "boolean": true}"#;
/// assert!(twilio_webhook::verify_twilio_body(url, body, "a9nBmqA0ju/hNViExpshrM61xv4=", "12345").is_ok());
/// assert_eq!(
///     twilio_webhook::verify_twilio_body(url, b"{}", "a9nBmqA0ju/hNViExpshrM61xv4=", "12345"),
///     Err(twilio_webhook::Error::BodyHashMismatch),
/// );
/// ```
pub fn verify_twilio_body(
    url: &str,
    body: &[u8],
    signature: &str,
    auth_token: &str,
) -> Result<Verified, Error> {
    Verifier::new(auth_token).verify_body(url, body, signature)
}

/// The `X-Twilio-Signature` Twilio would send for a request to `url` (exactly as given)
/// with these form parameters: for testing your own endpoints.
///
/// ```
/// let sig = twilio_webhook::compute_twilio_signature(
///     "https://mycompany.com/myapp.php?foo=1&bar=2",
///     [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
///      ("From", "+14158675309"), ("To", "+18005551212")],
///     "12345",
/// );
/// assert_eq!(sig, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
/// ```
pub fn compute_twilio_signature<I, K, V>(url: &str, params: I, auth_token: &str) -> String
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    compute_signature_with(Algorithm::HmacSha1, url, params, auth_token)
}

/// As [`compute_twilio_signature`], with the algorithm chosen (HMAC-SHA256 for SharedKeys).
///
/// ```
/// use twilio_webhook::{compute_signature_with, Algorithm};
/// let sig = compute_signature_with(Algorithm::HmacSha256, "https://h/x", [("a", "1")], "secret");
/// assert_eq!(sig.len(), 44);
/// ```
pub fn compute_signature_with<I, K, V>(
    algorithm: Algorithm,
    url: &str,
    params: I,
    secret: &str,
) -> String
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut state = KeyedMac::new(secret.as_bytes()).begin(algorithm);
    write_canonical(url, params, &mut state);
    state.into_base64()
}
