//! The webhook URL as configured in the Twilio console against the one the server saw:
//! each difference named as the mistake it is.

use super::mistakes::Cause;
use super::url_parts::UrlParts;

/// Every difference between `console` (what Twilio signs) and `seen`, as causes.
pub(crate) fn differences(console: &UrlParts, seen: &UrlParts) -> Vec<Cause> {
    let mut out = Vec::new();
    if !console.scheme.eq_ignore_ascii_case(&seen.scheme) {
        out.push(Cause::Scheme {
            signed: console.scheme.clone(),
        });
    }
    if console.host != seen.host {
        out.push(if console.host.eq_ignore_ascii_case(&seen.host) {
            Cause::HostCase {
                signed: console.host.clone(),
            }
        } else {
            Cause::PublicHost {
                signed: console.host.clone(),
            }
        });
    }
    if console.port != seen.port {
        out.push(Cause::Port {
            signed: console.port.clone(),
        });
    }
    out.extend(path_difference(&console.path, &seen.path));
    out.extend(query_difference(console, seen));
    out
}

fn path_difference(console: &str, seen: &str) -> Option<Cause> {
    let trimmed = |p: &str| p.strip_suffix('/').unwrap_or(p).to_owned();
    if console == seen {
        None
    } else if trimmed(console) == trimmed(seen) {
        Some(Cause::TrailingSlash {
            signed_has_it: console.ends_with('/'),
        })
    } else if console.ends_with(seen) || (seen == "/" && !console.is_empty()) {
        let prefix = &console[..console.len() - seen.len().min(console.len())];
        Some(Cause::PathPrefix {
            prefix: prefix.to_owned(),
        })
    } else if decoded(console) == decoded(seen) {
        Some(Cause::ReEncoded {
            what: format!("the path is encoded differently ({console} vs {seen})"),
        })
    } else {
        Some(Cause::Other {
            what: format!("path: Twilio calls {console}, the server saw {seen}"),
        })
    }
}

fn query_difference(console: &UrlParts, seen: &UrlParts) -> Option<Cause> {
    match (&console.query, &seen.query) {
        (Some(c), None) => Some(Cause::QueryDropped { signed: c.clone() }),
        (None, Some(_)) => Some(Cause::QueryAdded),
        (Some(c), Some(s)) if c != s => {
            let (mut a, mut b) = (console.query_pieces(), seen.query_pieces());
            a.sort_unstable();
            b.sort_unstable();
            Some(if a == b {
                Cause::QueryReordered
            } else if decoded(c) == decoded(s) {
                Cause::ReEncoded {
                    what: format!("the query is encoded differently (?{c} vs ?{s})"),
                }
            } else {
                Cause::Other {
                    what: format!("query: Twilio calls ?{c}, the server saw ?{s}"),
                }
            })
        }
        _ => None,
    }
}

/// Percent-decoded, `+` as space: equal for two encodings of the same text.
fn decoded(s: &str) -> String {
    form_urlencoded::parse(s.as_bytes())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(console: &str, seen: &str) -> Vec<&'static str> {
        let (c, s) = (
            UrlParts::parse(console).unwrap(),
            UrlParts::parse(seen).unwrap(),
        );
        differences(&c, &s).iter().map(Cause::id).collect()
    }

    #[test]
    fn names_each_difference() {
        assert_eq!(ids("https://a/x", "https://a/x"), Vec::<&str>::new());
        assert_eq!(
            ids("https://abc.ngrok.app/sms", "http://localhost:3000/sms"),
            ["scheme", "public-host", "port"]
        );
        assert_eq!(
            ids("https://A/x/", "https://a/x"),
            ["host-case", "trailing-slash"]
        );
        assert_eq!(
            ids("https://a/prod/x?q=1", "https://a/x"),
            ["path-prefix", "query-dropped"]
        );
        assert_eq!(
            ids("https://a/x?b=1&a=2", "https://a/x?a=2&b=1"),
            ["query-reordered"]
        );
        assert_eq!(
            ids("https://a/x?n=O'B", "https://a/x?n=O%27B"),
            ["re-encoded"]
        );
        assert_eq!(ids("https://a/x", "https://a/y"), ["differs"]);
    }
}
