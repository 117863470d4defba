//! The headers the pipeline reads, behind a small trait each framework implements once.

/// Header names the pipeline reads (lowercase, as HTTP/2 and `http` store them).
pub mod names {
    /// The request signature.
    pub const SIGNATURE: &str = "x-twilio-signature";
    /// SharedKey id and algorithm.
    pub const SIGNATURE_SETTINGS: &str = "x-twilio-webhooks-signature-settings";
    /// Twilio's per-delivery id; equal on retries.
    pub const IDEMPOTENCY_TOKEN: &str = "i-twilio-idempotency-token";
    /// Body type.
    pub const CONTENT_TYPE: &str = "content-type";
    /// Body length, when declared.
    pub const CONTENT_LENGTH: &str = "content-length";
    /// Host the client asked for.
    pub const HOST: &str = "host";
    /// Client software.
    pub const USER_AGENT: &str = "user-agent";
    /// RFC 7239 proxy header.
    pub const FORWARDED: &str = "forwarded";
    /// De-facto proxy header: original scheme.
    pub const X_FORWARDED_PROTO: &str = "x-forwarded-proto";
    /// De-facto proxy header: original host.
    pub const X_FORWARDED_HOST: &str = "x-forwarded-host";
    /// De-facto proxy header: client address chain.
    pub const X_FORWARDED_FOR: &str = "x-forwarded-for";
}

/// What a header lookup found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderValue<'a> {
    /// Not present.
    Absent,
    /// Present once, visible ASCII (or at least UTF-8).
    One(&'a str),
    /// Present once but not UTF-8.
    NotText,
    /// Present more than once.
    Many,
}

impl<'a> HeaderValue<'a> {
    /// The value if present exactly once as text.
    pub fn text(self) -> Option<&'a str> {
        match self {
            HeaderValue::One(s) => Some(s),
            _ => None,
        }
    }

    /// Builds a lookup result from a header's values in order.
    pub fn from_values<I: IntoIterator<Item = &'a [u8]>>(values: I) -> Self {
        let mut it = values.into_iter();
        match (it.next(), it.next()) {
            (None, _) => HeaderValue::Absent,
            (Some(_), Some(_)) => HeaderValue::Many,
            (Some(v), None) => {
                core::str::from_utf8(v).map_or(HeaderValue::NotText, HeaderValue::One)
            }
        }
    }
}

/// A framework's header map, as the pipeline sees it.
///
/// ```
/// use twilio_webhook::headers::{HeaderSource, HeaderValue};
///
/// struct Pairs(Vec<(&'static str, &'static str)>);
/// impl HeaderSource for Pairs {
///     fn get(&self, name: &str) -> HeaderValue<'_> {
///         HeaderValue::from_values(
///             self.0.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_bytes()),
///         )
///     }
///     fn for_each(&self, f: &mut dyn FnMut(&str, &[u8])) {
///         self.0.iter().for_each(|(n, v)| f(n, v.as_bytes()))
///     }
/// }
/// let h = Pairs(vec![("X-Twilio-Signature", "abc")]);
/// assert_eq!(h.get("x-twilio-signature"), HeaderValue::One("abc"));
/// ```
pub trait HeaderSource {
    /// Looks up a header by lowercase name.
    fn get(&self, name: &str) -> HeaderValue<'_>;
    /// Calls `f` with every header (name, raw value), for the attempt log.
    fn for_each(&self, f: &mut dyn FnMut(&str, &[u8]));
}

#[cfg(feature = "http")]
impl HeaderSource for http::HeaderMap {
    fn get(&self, name: &str) -> HeaderValue<'_> {
        let values = match known_name(name) {
            Some(known) => self.get_all(known),
            None => self.get_all(name),
        };
        HeaderValue::from_values(values.iter().map(|v| v.as_bytes()))
    }

    fn for_each(&self, f: &mut dyn FnMut(&str, &[u8])) {
        for (name, value) in self {
            f(name.as_str(), value.as_bytes());
        }
    }
}

/// The pipeline's header names as `http` constants. Looking a header up by `&str` makes
/// `http` parse and validate the name each time, and a request takes about ten lookups
/// (measured in benches/README.md).
#[cfg(feature = "http")]
fn known_name(name: &str) -> Option<&'static http::HeaderName> {
    use http::header::{self, HeaderName};
    static SIGNATURE: HeaderName = HeaderName::from_static(names::SIGNATURE);
    static SIGNATURE_SETTINGS: HeaderName = HeaderName::from_static(names::SIGNATURE_SETTINGS);
    static IDEMPOTENCY_TOKEN: HeaderName = HeaderName::from_static(names::IDEMPOTENCY_TOKEN);
    static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static(names::X_FORWARDED_PROTO);
    static X_FORWARDED_HOST: HeaderName = HeaderName::from_static(names::X_FORWARDED_HOST);
    static X_FORWARDED_FOR: HeaderName = HeaderName::from_static(names::X_FORWARDED_FOR);
    Some(match name {
        names::SIGNATURE => &SIGNATURE,
        names::SIGNATURE_SETTINGS => &SIGNATURE_SETTINGS,
        names::IDEMPOTENCY_TOKEN => &IDEMPOTENCY_TOKEN,
        names::CONTENT_TYPE => &header::CONTENT_TYPE,
        names::CONTENT_LENGTH => &header::CONTENT_LENGTH,
        names::HOST => &header::HOST,
        names::USER_AGENT => &header::USER_AGENT,
        names::FORWARDED => &header::FORWARDED,
        names::X_FORWARDED_PROTO => &X_FORWARDED_PROTO,
        names::X_FORWARDED_HOST => &X_FORWARDED_HOST,
        names::X_FORWARDED_FOR => &X_FORWARDED_FOR,
        _ => return None,
    })
}

/// Headers, with the request target's authority standing in for a missing `Host`.
///
/// HTTP/2 carries the host in the `:authority` pseudo-header, which frameworks expose in
/// the request URI rather than as a header; without this, [`PublicUrl::host_header`] and
/// the forwarded-headers mode refused every HTTP/2 request. A `Host` header, when there is
/// one, still wins (RFC 9113 §8.3.1 requires both to agree).
///
/// [`PublicUrl::host_header`]: crate::pipeline::PublicUrl::host_header
#[cfg(any(feature = "axum", feature = "actix", feature = "hyper"))]
pub(crate) struct WithAuthority<'a, H: ?Sized> {
    pub(crate) headers: &'a H,
    pub(crate) authority: Option<&'a str>,
}

#[cfg(any(feature = "axum", feature = "actix", feature = "hyper"))]
impl<H: HeaderSource + ?Sized> HeaderSource for WithAuthority<'_, H> {
    fn get(&self, name: &str) -> HeaderValue<'_> {
        match self.headers.get(name) {
            HeaderValue::Absent if name == names::HOST => {
                self.authority.map_or(HeaderValue::Absent, HeaderValue::One)
            }
            found => found,
        }
    }

    fn for_each(&self, f: &mut dyn FnMut(&str, &[u8])) {
        // The attempt log records the headers as received, without the stand-in.
        self.headers.for_each(f)
    }
}

#[cfg(all(test, feature = "http"))]
mod tests {
    use super::*;

    #[test]
    fn known_names_are_the_names_looked_up() {
        for name in [
            names::SIGNATURE,
            names::SIGNATURE_SETTINGS,
            names::IDEMPOTENCY_TOKEN,
            names::CONTENT_TYPE,
            names::CONTENT_LENGTH,
            names::HOST,
            names::USER_AGENT,
            names::FORWARDED,
            names::X_FORWARDED_PROTO,
            names::X_FORWARDED_HOST,
            names::X_FORWARDED_FOR,
        ] {
            assert_eq!(known_name(name).map(|n| n.as_str()), Some(name));
        }
        assert!(known_name("x-other").is_none());
        let mut h = http::HeaderMap::new();
        h.append("X-Twilio-Signature", "a".parse().unwrap());
        h.append("x-other", "b".parse().unwrap());
        assert_eq!(
            HeaderSource::get(&h, names::SIGNATURE),
            HeaderValue::One("a")
        );
        assert_eq!(HeaderSource::get(&h, "x-other"), HeaderValue::One("b"));
    }
}
