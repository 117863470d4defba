//! The mistakes that make a legitimate request fail, each as an edit of what the server saw
//! back into what Twilio may have signed.

use super::judge::Reading;
use super::reencode::RE_ENCODINGS;
use super::url_parts::UrlParts;

/// Why a signature was computed over something other than what the server checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cause {
    Scheme {
        signed: String,
    },
    TrailingSlash {
        signed_has_it: bool,
    },
    HostCase {
        signed: String,
    },
    Port {
        signed: Option<String>,
    },
    QueryDropped {
        signed: String,
    },
    QueryAdded,
    QueryReordered,
    ReEncoded {
        what: String,
    },
    /// A difference none of the named mistakes describes.
    Other {
        what: String,
    },
    PathPrefix {
        prefix: String,
    },
    PublicHost {
        signed: String,
    },
    FormAsJson,
    ConsoleUrl,
}

impl Cause {
    /// A stable short name, printed in brackets (scripts and tests match on it).
    pub(crate) fn id(&self) -> &'static str {
        match self {
            Cause::Scheme { .. } => "scheme",
            Cause::TrailingSlash { .. } => "trailing-slash",
            Cause::HostCase { .. } => "host-case",
            Cause::Port { .. } => "port",
            Cause::QueryDropped { .. } => "query-dropped",
            Cause::QueryAdded => "query-added",
            Cause::QueryReordered => "query-reordered",
            Cause::ReEncoded { .. } => "re-encoded",
            Cause::PathPrefix { .. } => "path-prefix",
            Cause::PublicHost { .. } => "public-host",
            Cause::FormAsJson => "form-as-json",
            Cause::ConsoleUrl => "console-url",
            Cause::Other { .. } => "differs",
        }
    }

    /// What happened and what to change.
    pub(crate) fn advice(&self) -> String {
        match self {
            Cause::Scheme { signed } => format!(
                "http vs https: Twilio signed a {signed}:// URL; TLS probably ends at a proxy. \
                 Configure the public base URL, or trust that proxy's X-Forwarded-Proto"
            ),
            Cause::TrailingSlash {
                signed_has_it: true,
            } => "trailing slash: Twilio's URL ends with '/', the server's does not (a router \
                 redirect or normalisation removed it). Use the URL exactly as in the console"
                .into(),
            Cause::TrailingSlash {
                signed_has_it: false,
            } => "trailing slash: the server's URL ends with '/', Twilio's does not".into(),
            Cause::HostCase { signed } => format!(
                "host case: Twilio signed the host as {signed:?}; the server saw it in another \
                 case (proxies lowercase it). The signature covers the exact text: configure \
                 the host as written in the console"
            ),
            Cause::Port { signed: Some(p) } => format!(
                "port: Twilio's URL has port {p}, which the server does not see (a proxy or load \
                 balancer maps it). Configure the public base URL with :{p}"
            ),
            Cause::Port { signed: None } => {
                "port: Twilio's URL has no port; the server sees one that is not the scheme's \
                 default"
                    .into()
            }
            Cause::QueryDropped { signed } => format!(
                "query string dropped: Twilio signed the URL with ?{signed}, which the server \
                 did not include (the query is part of what is signed)"
            ),
            Cause::QueryAdded => {
                "query string added: the server's URL has a query Twilio's does not (a proxy \
                 or framework appended it)"
                    .into()
            }
            Cause::QueryReordered => {
                "query reordered: the same query parameters in another order (a framework \
                 rebuilt the query from a map). Use the raw request target"
                    .into()
            }
            Cause::ReEncoded { what } => format!(
                "re-encoded: {what} (a proxy or framework re-encoded the URL). Use the raw \
                 request target, byte for byte"
            ),
            Cause::PathPrefix { prefix } => format!(
                "path prefix stripped: Twilio called {prefix}… and a proxy or router removed \
                 {prefix:?} before the server saw it. Configure the base URL with the prefix"
            ),
            Cause::PublicHost { signed } => format!(
                "public host: Twilio called {signed} (a tunnel such as ngrok, or a load \
                 balancer), the server saw another host. Configure the public base URL"
            ),
            Cause::FormAsJson => {
                "form sent as JSON: Twilio signed a form (URL + parameters), but the body was \
                 checked as JSON (re-serialised by a gateway, or the wrong Content-Type). \
                 Verify the raw form body"
                    .into()
            }
            Cause::Other { what } => what.clone(),
            Cause::ConsoleUrl => {
                "the console URL matches: the server reconstructs its public URL wrongly \
                 (see the differences above)"
                    .into()
            }
        }
    }
}

/// One guess: this URL and reading of the body would be what Twilio signed.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub(crate) cause: Cause,
    pub(crate) url: String,
    pub(crate) reading: Reading,
}

/// Ports public endpoints commonly use besides the defaults.
const COMMON_PORTS: [&str; 5] = ["8443", "8080", "3000", "5000", "8000"];

/// The edits that need nothing but the URL the server saw and the body.
pub(crate) fn attempts(
    seen: &UrlParts,
    reading: &Reading,
    json_as_form: Option<Reading>,
) -> Vec<Attempt> {
    let mut out = Vec::new();
    let mut push = |cause: Cause, url: UrlParts| {
        out.push(Attempt {
            cause,
            url: url.to_url(),
            reading: reading.clone(),
        })
    };
    let swapped = match seen.scheme.to_ascii_lowercase().as_str() {
        "http" => Some("https"),
        "https" => Some("http"),
        _ => None,
    };
    if let Some(s) = swapped {
        push(
            Cause::Scheme { signed: s.into() },
            UrlParts {
                scheme: s.into(),
                ..seen.clone()
            },
        );
    }
    let has_slash = seen.path.len() > 1 && seen.path.ends_with('/');
    let path = if has_slash {
        seen.path[..seen.path.len() - 1].to_owned()
    } else {
        format!("{}/", seen.path)
    };
    push(
        Cause::TrailingSlash {
            signed_has_it: !has_slash,
        },
        UrlParts {
            path,
            ..seen.clone()
        },
    );
    let lower = seen.host.to_ascii_lowercase();
    if lower != seen.host {
        push(
            Cause::HostCase {
                signed: lower.clone(),
            },
            UrlParts {
                host: lower,
                ..seen.clone()
            },
        );
    }
    for port in COMMON_PORTS
        .iter()
        .filter(|p| seen.port.as_deref() != Some(**p))
    {
        let port = Some((*port).to_owned());
        push(
            Cause::Port {
                signed: port.clone(),
            },
            UrlParts {
                port,
                ..seen.clone()
            },
        );
    }
    let pieces = seen.query_pieces();
    if !pieces.is_empty() {
        push(
            Cause::QueryAdded,
            UrlParts {
                query: None,
                ..seen.clone()
            },
        );
        let mut sorted = pieces.clone();
        sorted.sort_unstable();
        let reversed: Vec<&str> = pieces.iter().rev().copied().collect();
        for order in [sorted, reversed] {
            if order != pieces {
                push(
                    Cause::QueryReordered,
                    UrlParts {
                        query: Some(order.join("&")),
                        ..seen.clone()
                    },
                );
            }
        }
    }
    for (what, edit) in RE_ENCODINGS {
        let path = edit(&seen.path);
        let query = seen.query.as_deref().map(edit);
        if path != seen.path || query != seen.query {
            push(
                Cause::ReEncoded { what: what.into() },
                UrlParts {
                    path,
                    query,
                    ..seen.clone()
                },
            );
        }
    }
    if let Some(form) = json_as_form {
        out.push(Attempt {
            cause: Cause::FormAsJson,
            url: without_body_hash(seen).to_url(),
            reading: form,
        });
    }
    out
}

/// `seen` without any `bodySHA256` query parameter (a form has none).
pub(crate) fn without_body_hash(seen: &UrlParts) -> UrlParts {
    let kept: Vec<&str> = seen
        .query_pieces()
        .into_iter()
        .filter(|p| !p.starts_with("bodySHA256="))
        .collect();
    UrlParts {
        query: (!kept.is_empty()).then(|| kept.join("&")),
        ..seen.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_cover_the_url_edits() {
        let seen = UrlParts::parse("http://Api.example.com/sms/?b=2&a=1").unwrap();
        let ids: Vec<&str> = attempts(&seen, &Reading::UrlOnly, None)
            .iter()
            .map(|a| a.cause.id())
            .collect();
        for id in [
            "scheme",
            "trailing-slash",
            "host-case",
            "port",
            "query-added",
            "query-reordered",
        ] {
            assert!(ids.contains(&id), "{id}: {ids:?}");
        }
    }
}
