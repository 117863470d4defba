//! The URL texts a signature may have been computed over.
//!
//! Twilio signs the URL it called, but is inconsistent about ports: some signatures cover
//! `https://host/x`, some `https://host:443/x`, and a request that arrived on
//! `https://host:8443/x` may have been signed without the port. Every official helper
//! library therefore tries the URL as received, with its explicit port removed, and with the
//! scheme's default port added.
//!
//! The variants are made by editing only the authority's port inside the received text.
//! The URL is never re-serialised through a URL parser: that would percent-encode `'`,
//! lowercase the host or drop `:443`, and the signature covers the exact bytes Twilio sent
//! (the bug class of twilio-node #1059/#1183 and twilio-java #601).

use core::fmt;

use crate::canonical::Sink;

/// Which edit of the received URL a signature matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UrlVariant {
    /// The URL exactly as received.
    AsReceived,
    /// The URL with its explicit port removed.
    PortRemoved,
    /// The URL with the scheme's default port (`:443`, `:80`) added.
    DefaultPortAdded,
    /// The WHATWG-normalised URL (`'` as `%27` …) that only twilio-node produces; tried only
    /// with [`crate::VerifierBuilder::insecure_accept_node_normalized_urls`].
    NodeNormalized,
}

impl UrlVariant {
    const ALL: [UrlVariant; 4] = [
        UrlVariant::AsReceived,
        UrlVariant::PortRemoved,
        UrlVariant::DefaultPortAdded,
        UrlVariant::NodeNormalized,
    ];

    /// A short stable name, for logs and events.
    ///
    /// ```
    /// assert_eq!(twilio_webhook::UrlVariant::PortRemoved.as_str(), "port_removed");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            UrlVariant::AsReceived => "as_received",
            UrlVariant::PortRemoved => "port_removed",
            UrlVariant::DefaultPortAdded => "default_port_added",
            UrlVariant::NodeNormalized => "node_normalized",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for UrlVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`UrlVariant`]s: the ones tried for a rejected request.
///
/// ```
/// use twilio_webhook::{UrlVariant, VariantSet};
/// let mut s = VariantSet::default();
/// s.insert(UrlVariant::AsReceived);
/// assert!(s.contains(UrlVariant::AsReceived));
/// assert_eq!(s.to_string(), "as_received");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct VariantSet(u8);

impl VariantSet {
    /// Adds a variant.
    pub fn insert(&mut self, v: UrlVariant) {
        self.0 |= v.bit();
    }

    /// Whether the set holds `v`.
    pub fn contains(self, v: UrlVariant) -> bool {
        self.0 & v.bit() != 0
    }

    /// The variants in the set, in a fixed order.
    pub fn iter(self) -> impl Iterator<Item = UrlVariant> {
        UrlVariant::ALL
            .into_iter()
            .filter(move |v| self.contains(*v))
    }
}

impl fmt::Display for VariantSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(v.as_str())?;
        }
        Ok(())
    }
}

/// One candidate signed URL, as up to three borrowed pieces (no allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate<'a> {
    /// Which edit this is.
    pub variant: UrlVariant,
    head: &'a str,
    insert: &'a str,
    tail: &'a str,
}

impl<'a> Candidate<'a> {
    fn whole(variant: UrlVariant, url: &'a str) -> Self {
        Candidate {
            variant,
            head: url,
            insert: "",
            tail: "",
        }
    }

    /// Writes the candidate's text into `sink`.
    pub fn write_to<S: Sink + ?Sized>(&self, sink: &mut S) {
        sink.write(self.head.as_bytes());
        sink.write(self.insert.as_bytes());
        sink.write(self.tail.as_bytes());
    }

    /// The candidate's text, allocated (for tests, display and debugging).
    ///
    /// ```
    /// use twilio_webhook::url::{candidates, UrlVariant};
    /// let c = candidates("https://example.com/x?y=1").unwrap();
    /// let texts: Vec<_> = c.iter().map(|c| c.to_text()).collect();
    /// assert_eq!(texts, ["https://example.com/x?y=1", "https://example.com:443/x?y=1"]);
    /// ```
    pub fn to_text(&self) -> String {
        [self.head, self.insert, self.tail].concat()
    }
}

/// The port-variant candidates of a received URL: at most two distinct texts, the URL as
/// received first.
///
/// The second is made only when asked for: a request signed over the URL as received, the
/// common case, never needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidates<'a> {
    url: &'a str,
    /// Just past the host, and the authority's end.
    host_end: usize,
    authority_end: usize,
    has_port: bool,
}

impl<'a> Candidates<'a> {
    /// The candidates in the order they are tried.
    pub fn iter(&self) -> impl Iterator<Item = Candidate<'a>> {
        let this = *self;
        core::iter::once(Candidate::whole(UrlVariant::AsReceived, self.url))
            .chain(core::iter::once_with(move || this.second()).flatten())
    }

    /// The URL with its port removed (when it has one) or the default port added.
    fn second(self) -> Option<Candidate<'a>> {
        let url = self.url;
        let (head, tail) = (url.get(..self.host_end)?, url.get(self.authority_end..)?);
        if self.has_port {
            Some(Candidate {
                variant: UrlVariant::PortRemoved,
                head,
                insert: "",
                tail,
            })
        } else {
            Some(Candidate {
                variant: UrlVariant::DefaultPortAdded,
                head: url.get(..self.authority_end)?,
                insert: default_port(url)?,
                tail,
            })
        }
    }
}

/// Where the parts of a URL's authority lie in its text.
///
/// Internal: public only for the fuzz targets, hidden from the docs and not covered by
/// semver.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    /// Byte range of the whole authority (`user:pass@host:port`).
    pub range: core::ops::Range<usize>,
    /// Byte offset where the host starts (after any userinfo and `@`).
    pub host_start: usize,
    /// Byte offset just past the host (at the port's `:` or the authority's end).
    pub host_end: usize,
    /// Whether an explicit port (`:` and digits, maybe none) follows the host.
    pub has_port: bool,
}

/// Locates the authority of `url` without re-serialising anything.
///
/// Internal: public only for the fuzz targets, hidden from the docs and not covered by
/// semver.
#[doc(hidden)]
pub fn authority(url: &str) -> Result<Authority, UrlError> {
    let bytes = url.as_bytes();
    let scheme_end = scheme_len(bytes).ok_or(UrlError::MissingScheme)?;
    let start = scheme_end + 3;
    // The ranges below are in bounds (`scheme_len` saw the `://`, every other end is a
    // position found in `bytes`); an empty slice stands in where one could not be.
    let slice = |from: usize, to: usize| bytes.get(from..to).unwrap_or_default();
    // The authority ends at the first '/', '?' or '#' (RFC 3986 §3.2).
    let end = slice(start, bytes.len())
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .map_or(bytes.len(), |p| start + p);
    // Userinfo ends at the last '@' (as WHATWG parsers do): a password may hold ':'.
    let host_start = slice(start, end)
        .iter()
        .rposition(|&b| b == b'@')
        .map_or(start, |p| start + p + 1);
    let host_and_port = slice(host_start, end);
    let host_end = if host_and_port.first() == Some(&b'[') {
        let close = host_and_port
            .iter()
            .position(|&b| b == b']')
            .ok_or(UrlError::UnterminatedIpv6)?;
        host_start + close + 1
    } else {
        host_and_port
            .iter()
            .position(|&b| b == b':')
            .map_or(end, |p| host_start + p)
    };
    if host_end == host_start {
        return Err(UrlError::EmptyHost);
    }
    let has_port = host_end < end;
    if has_port {
        match slice(host_end, end).split_first() {
            Some((b':', digits)) if digits.iter().all(u8::is_ascii_digit) => {}
            _ => return Err(UrlError::InvalidPort),
        }
    }
    Ok(Authority {
        range: start..end,
        host_start,
        host_end,
        has_port,
    })
}

/// The length of `scheme` when `url` starts with `scheme://`.
fn scheme_len(bytes: &[u8]) -> Option<usize> {
    let colon = bytes.iter().position(|&b| b == b':')?;
    let (scheme, rest) = bytes.split_at_checked(colon)?;
    let valid = scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    (valid && rest.starts_with(b"://")).then_some(colon)
}

/// The default port of a scheme, compared case-insensitively (`HTTP://` occurs in the wild).
fn default_port(url: &str) -> Option<&'static str> {
    let (scheme, _) = url.split_once(':')?;
    let scheme = scheme.as_bytes();
    if scheme.eq_ignore_ascii_case(b"https") {
        Some(":443")
    } else if scheme.eq_ignore_ascii_case(b"http") {
        Some(":80")
    } else {
        None
    }
}

/// The candidate signed URLs for a received URL: as received, then with its port removed
/// (when it has one) or with the default port added (when it has none).
///
/// ```
/// use twilio_webhook::url::{candidates, UrlVariant};
/// let c = candidates("https://user:pass@example.com:8443/x").unwrap();
/// let v: Vec<_> = c.iter().map(|c| (c.variant, c.to_text())).collect();
/// assert_eq!(v[1], (UrlVariant::PortRemoved, "https://user:pass@example.com/x".to_string()));
/// ```
pub fn candidates(url: &str) -> Result<Candidates<'_>, UrlError> {
    let a = authority(url)?;
    Ok(Candidates {
        url,
        host_end: a.host_end,
        authority_end: a.range.end,
        has_port: a.has_port,
    })
}

/// twilio-node's view of a URL: the query percent-encoded as the WHATWG URL standard does
/// for special schemes (`'` → `%27`, space → `%20`, `"`, `<`, `>`), or `None` when that
/// changes nothing. Only for [`UrlVariant::NodeNormalized`].
pub(crate) fn node_normalized(url: &str) -> Option<String> {
    // Both split points are found in `url`, so they are in range and on char boundaries.
    let (head, rest) = url.split_at_checked(url.find('?')?)?;
    let (query, fragment) = rest.split_at_checked(rest.find('#').unwrap_or(rest.len()))?;
    let needs = |b: u8| matches!(b, b' ' | b'"' | b'<' | b'>' | b'\'');
    if !query.bytes().any(needs) {
        return None;
    }
    let mut out = String::with_capacity(url.len() + 8);
    out.push_str(head);
    for ch in query.chars() {
        if ch.is_ascii() && needs(ch as u8) {
            out.push_str(&format!("%{:02X}", ch as u8));
        } else {
            out.push(ch);
        }
    }
    out.push_str(fragment);
    Some(out)
}

/// Why a URL was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// No `scheme://` prefix.
    #[error("no scheme:// prefix")]
    MissingScheme,
    /// The authority has no host.
    #[error("empty host")]
    EmptyHost,
    /// The port is not a decimal number.
    #[error("port is not a number")]
    InvalidPort,
    /// An IPv6 literal without its closing `]`.
    #[error("unterminated IPv6 literal")]
    UnterminatedIpv6,
    /// A request target that is not an absolute path (`/…`).
    #[error("request path does not start with '/'")]
    InvalidPath,
    /// A `Host` (or forwarded host) header that is not a plain `host[:port]`.
    #[error("invalid host header")]
    InvalidHost,
    /// A configured base URL could not be parsed, or has a query or fragment.
    #[error("invalid base URL")]
    InvalidBase,
}

#[cfg(test)]
mod tests {
    #[test]
    fn authority_locates_the_host_after_userinfo() {
        let url = "https://u:p@[2001:db8::1]:8443/x";
        let a = super::authority(url).unwrap();
        assert_eq!(&url[a.host_start..a.host_end], "[2001:db8::1]");
        assert!(a.has_port);
    }

    use super::*;

    fn texts(url: &str) -> Vec<String> {
        candidates(url)
            .unwrap()
            .iter()
            .map(|c| c.to_text())
            .collect()
    }

    #[test]
    fn variants_edit_only_the_port() {
        assert_eq!(
            texts("https://Ex.COM/a'b?x=%2B&y='"),
            [
                "https://Ex.COM/a'b?x=%2B&y='",
                "https://Ex.COM:443/a'b?x=%2B&y='"
            ]
        );
        assert_eq!(texts("http://h:8080"), ["http://h:8080", "http://h"]);
        assert_eq!(texts("HTTP://h/x"), ["HTTP://h/x", "HTTP://h:80/x"]);
        assert_eq!(texts("https://h:443/x"), ["https://h:443/x", "https://h/x"]);
        assert_eq!(texts("ftp://h/x"), ["ftp://h/x"]);
    }

    #[test]
    fn userinfo_and_ipv6() {
        assert_eq!(
            texts("https://user:pass@host:8443/x"),
            ["https://user:pass@host:8443/x", "https://user:pass@host/x"]
        );
        assert_eq!(
            texts("https://user:pass@host/x"),
            ["https://user:pass@host/x", "https://user:pass@host:443/x"]
        );
        assert_eq!(
            texts("https://[2001:db8::1]:8443/x"),
            ["https://[2001:db8::1]:8443/x", "https://[2001:db8::1]/x"]
        );
        assert_eq!(
            texts("https://[2001:db8::1]/x"),
            ["https://[2001:db8::1]/x", "https://[2001:db8::1]:443/x"]
        );
        // '@' in the query is not userinfo.
        assert_eq!(
            texts("https://h/x?a=b@c"),
            ["https://h/x?a=b@c", "https://h:443/x?a=b@c"]
        );
    }

    #[test]
    fn bad_urls_are_errors() {
        assert_eq!(authority("example.com/x"), Err(UrlError::MissingScheme));
        assert_eq!(authority("https:///x"), Err(UrlError::EmptyHost));
        assert_eq!(authority("https://u@:1/x"), Err(UrlError::EmptyHost));
        assert_eq!(authority("https://h:8x/x"), Err(UrlError::InvalidPort));
        assert_eq!(authority("https://[::1/x"), Err(UrlError::UnterminatedIpv6));
        assert_eq!(authority("https://[::1]x/"), Err(UrlError::InvalidPort));
        assert_eq!(authority("1https://h"), Err(UrlError::MissingScheme));
    }

    #[test]
    fn node_normalisation_only_touches_the_query() {
        assert_eq!(
            node_normalized("https://h/it's?Body=It's+ok#f'").as_deref(),
            Some("https://h/it's?Body=It%27s+ok#f'")
        );
        assert_eq!(node_normalized("https://h/x?a=1"), None);
    }
}
