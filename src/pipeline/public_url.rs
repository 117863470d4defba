//! The public URL Twilio requested, which a server behind a proxy or TLS terminator does
//! not see: the first cause of "legitimate webhooks rejected".

use crate::error::{Error, UrlError};
use crate::headers::{names, HeaderSource};

/// How the pipeline reconstructs the URL Twilio signed. Opaque: built only by its
/// constructors, which validate what they are given.
///
/// ```
/// use twilio_webhook::pipeline::PublicUrl;
/// let p = PublicUrl::base("https://api.example.com/").unwrap();
/// assert!(PublicUrl::base("not a url").is_err());
/// # let _ = p;
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PublicUrl(Strategy);

#[derive(Clone, PartialEq, Eq)]
enum Strategy {
    /// See [`PublicUrl::base`].
    Base(String),
    /// See [`PublicUrl::host_header`].
    HostHeader { scheme: &'static str },
    /// See [`PublicUrl::insecure_trust_forwarded_headers`].
    InsecureForwardedHeaders { default_scheme: &'static str },
}

impl std::fmt::Debug for PublicUrl {
    // A base URL may carry HTTP Basic credentials (`https://user:password@host`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Strategy::Base(base) => f
                .debug_tuple("Base")
                .field(&crate::redact::mask_password(base))
                .finish(),
            Strategy::HostHeader { scheme } => f
                .debug_struct("HostHeader")
                .field("scheme", scheme)
                .finish(),
            Strategy::InsecureForwardedHeaders { default_scheme } => f
                .debug_struct("InsecureForwardedHeaders")
                .field("default_scheme", default_scheme)
                .finish(),
        }
    }
}

impl PublicUrl {
    /// A configured public base URL: `http(s)://host[:port][/prefix]`, no query or fragment,
    /// followed by the raw path and query as received. The default and the safe choice. The
    /// text is kept as written (minus a trailing `/`), never re-serialised.
    pub fn base(base: &str) -> Result<Self, Error> {
        let parsed =
            ::url::Url::parse(base).map_err(|_| Error::InvalidUrl(UrlError::InvalidBase))?;
        let ok = matches!(parsed.scheme(), "http" | "https")
            && parsed.host().is_some()
            && parsed.query().is_none()
            && parsed.fragment().is_none()
            && !base.trim_end_matches('/').is_empty();
        if !ok {
            return Err(Error::InvalidUrl(UrlError::InvalidBase));
        }
        Ok(PublicUrl(Strategy::Base(
            base.trim_end_matches('/').to_owned(),
        )))
    }

    /// `scheme://` + the request's `Host` header (in HTTP/2, which has none, the
    /// `:authority` the adapters take from the request URI) + path and query. For local
    /// development, where the server is reached directly, and for [`HostMap`] tenants.
    ///
    /// [`HostMap`]: super::HostMap
    pub fn host_header(https: bool) -> Self {
        PublicUrl(Strategy::HostHeader {
            scheme: if https { "https" } else { "http" },
        })
    }

    /// `Forwarded` (`proto=`, `host=`), else `X-Forwarded-Proto` / `X-Forwarded-Host`, else
    /// `Host`, with `https` or `http` when no forwarded proto is present. Also takes the
    /// client address from `Forwarded: for=` or `X-Forwarded-For`. **Anyone can send these
    /// headers**: use this only behind a proxy that overwrites them.
    pub fn insecure_trust_forwarded_headers(https_by_default: bool) -> Self {
        PublicUrl(Strategy::InsecureForwardedHeaders {
            default_scheme: if https_by_default { "https" } else { "http" },
        })
    }

    /// Whether proxy headers are trusted (also for the client address).
    pub fn trusts_forwarded_headers(&self) -> bool {
        matches!(self.0, Strategy::InsecureForwardedHeaders { .. })
    }

    /// The URL for a request with this raw path and query and these headers.
    pub fn reconstruct<H: HeaderSource + ?Sized>(
        &self,
        path_and_query: &str,
        headers: &H,
    ) -> Result<String, Error> {
        let path = match path_and_query {
            "" => "/",
            p if p.starts_with('/') => p,
            _ => return Err(Error::InvalidUrl(UrlError::InvalidPath)),
        };
        let (scheme, host) = match &self.0 {
            Strategy::Base(base) => return Ok(format!("{base}{path}")),
            Strategy::HostHeader { scheme } => (*scheme, host_header(headers)?),
            Strategy::InsecureForwardedHeaders { default_scheme } => {
                let fwd = headers
                    .get(names::FORWARDED)
                    .text()
                    .and_then(first_forwarded);
                let proto = fwd
                    .and_then(|f| forwarded_param(f, "proto"))
                    .or_else(|| first_of_list(headers.get(names::X_FORWARDED_PROTO).text()));
                let scheme = match proto {
                    Some(p) if p.eq_ignore_ascii_case("https") => "https",
                    Some(p) if p.eq_ignore_ascii_case("http") => "http",
                    Some(_) => return Err(Error::InvalidUrl(UrlError::MissingScheme)),
                    None => default_scheme,
                };
                let host = fwd
                    .and_then(|f| forwarded_param(f, "host"))
                    .or_else(|| first_of_list(headers.get(names::X_FORWARDED_HOST).text()));
                let host = match host {
                    Some(h) => valid_host(h)?,
                    None => host_header(headers)?,
                };
                (scheme, host)
            }
        };
        Ok(format!("{scheme}://{host}{path}"))
    }
}

fn host_header<H: HeaderSource + ?Sized>(headers: &H) -> Result<&str, Error> {
    let host = headers
        .get(names::HOST)
        .text()
        .ok_or(Error::InvalidUrl(UrlError::InvalidHost))?;
    valid_host(host)
}

/// A host header must be `host[:port]` and nothing that could reshape the URL.
fn valid_host(host: &str) -> Result<&str, Error> {
    let ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'/' | b'?' | b'#' | b'@' | b'\\'));
    ok.then_some(host)
        .ok_or(Error::InvalidUrl(UrlError::InvalidHost))
}

/// The first element of a comma-separated list header (the one the outermost proxy added
/// is last; the first is what the client-facing proxy saw).
fn first_of_list(v: Option<&str>) -> Option<&str> {
    v.and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn first_forwarded(v: &str) -> Option<&str> {
    first_of_list(Some(v))
}

/// `name=value` (value maybe quoted) from one `Forwarded` element.
pub(crate) fn forwarded_param<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    element.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"'))
            .filter(|v| !v.is_empty())
    })
}

/// The client address from proxy headers (first `Forwarded: for=`, else first
/// `X-Forwarded-For`), for events when forwarded headers are trusted.
pub(crate) fn forwarded_client<H: HeaderSource + ?Sized>(headers: &H) -> Option<String> {
    let from_forwarded = headers
        .get(names::FORWARDED)
        .text()
        .and_then(first_forwarded)
        .and_then(|f| forwarded_param(f, "for"));
    from_forwarded
        .or_else(|| first_of_list(headers.get(names::X_FORWARDED_FOR).text()))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::HeaderValue;

    struct H(Vec<(&'static str, &'static str)>);
    impl HeaderSource for H {
        fn get(&self, name: &str) -> HeaderValue<'_> {
            HeaderValue::from_values(
                self.0
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_bytes()),
            )
        }
        fn for_each(&self, f: &mut dyn FnMut(&str, &[u8])) {
            self.0.iter().for_each(|(n, v)| f(n, v.as_bytes()))
        }
    }

    #[test]
    fn base_keeps_text_and_appends_raw_path() {
        let p = PublicUrl::base("https://API.example.com:443/prefix/").unwrap();
        let h = H(vec![("host", "evil.example")]);
        assert_eq!(
            p.reconstruct("/hook?a='b'&c=%2B", &h).unwrap(),
            "https://API.example.com:443/prefix/hook?a='b'&c=%2B"
        );
        assert!(PublicUrl::base("https://h/x?q=1").is_err());
        assert!(PublicUrl::base("ftp://h").is_err());
    }

    #[test]
    fn forwarded_headers_only_when_trusted() {
        let h = H(vec![
            ("host", "internal:8080"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "api.example.com, internal"),
        ]);
        let dev = PublicUrl::host_header(false);
        assert_eq!(dev.reconstruct("/x", &h).unwrap(), "http://internal:8080/x");
        let trusted = PublicUrl::insecure_trust_forwarded_headers(false);
        assert_eq!(
            trusted.reconstruct("/x", &h).unwrap(),
            "https://api.example.com/x"
        );
        let rfc = H(vec![
            ("host", "i"),
            (
                "forwarded",
                "for=1.2.3.4;proto=https;host=\"a.example\", for=5.6.7.8",
            ),
        ]);
        assert_eq!(
            trusted.reconstruct("/x", &rfc).unwrap(),
            "https://a.example/x"
        );
        assert_eq!(forwarded_client(&rfc).as_deref(), Some("1.2.3.4"));
    }

    #[test]
    fn hostile_hosts_are_refused() {
        for bad in ["", "a/b", "a@b", "a b", "a?b", "a#b"] {
            let h = H(vec![("host", bad)]);
            assert!(
                PublicUrl::host_header(true).reconstruct("/x", &h).is_err(),
                "{bad:?}"
            );
        }
        let two = H(vec![("host", "a"), ("host", "b")]);
        assert!(PublicUrl::host_header(true)
            .reconstruct("/x", &two)
            .is_err());
    }
}
