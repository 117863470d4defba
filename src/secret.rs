//! A secret (Auth Token or SharedKey secret) that never shows itself.

use core::fmt;

/// An Auth Token or SharedKey secret. `Debug` and `Display` print `Secret(***)`, so a
/// configuration struct holding one can derive `Debug` safely.
///
/// ```
/// use twilio_webhook::Secret;
/// let s = Secret::from("0123456789abcdef");
/// assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
/// assert_eq!(s.expose(), "0123456789abcdef");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Box<str>);

impl Secret {
    /// The secret's text. Named so that every use stands out in review.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty (an unset environment variable, typically).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.into())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s.into_boxed_str())
    }
}

impl From<&String> for Secret {
    fn from(s: &String) -> Self {
        Secret(s.as_str().into())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}
