//! A URL split into the pieces the mistakes edit, and joined back byte for byte.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlParts {
    pub(crate) scheme: String,
    /// `user:pass@`, or empty.
    pub(crate) userinfo: String,
    pub(crate) host: String,
    pub(crate) port: Option<String>,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) fragment: Option<String>,
}

impl UrlParts {
    /// Splits `scheme://[userinfo@]host[:port]path[?query][#fragment]` where it lies, as
    /// the crate's own URL handling does: nothing is decoded or normalised.
    pub(crate) fn parse(url: &str) -> Option<Self> {
        let (scheme, rest) = url.split_once("://")?;
        let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if !scheme_ok {
            return None;
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, rest) = rest.split_at(end);
        // Userinfo ends at the last '@': a password may hold ':' or '@'.
        let (userinfo, host_port) = match authority.rfind('@') {
            Some(i) => authority.split_at(i + 1),
            None => ("", authority),
        };
        let host_end = if host_port.starts_with('[') {
            host_port.find(']')? + 1
        } else {
            host_port.find(':').unwrap_or(host_port.len())
        };
        let (host, port) = host_port.split_at(host_end);
        if host.is_empty() {
            return None;
        }
        let port = match port.strip_prefix(':') {
            Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => Some(p.to_owned()),
            Some(_) => return None,
            None if port.is_empty() => None,
            None => return None,
        };
        let (rest, fragment) = match rest.split_once('#') {
            Some((r, f)) => (r, Some(f.to_owned())),
            None => (rest, None),
        };
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q.to_owned())),
            None => (rest, None),
        };
        Some(UrlParts {
            scheme: scheme.to_owned(),
            userinfo: userinfo.to_owned(),
            host: host.to_owned(),
            port,
            path: path.to_owned(),
            query,
            fragment,
        })
    }

    pub(crate) fn to_url(&self) -> String {
        let mut s = format!("{}://{}{}", self.scheme, self.userinfo, self.host);
        if let Some(p) = &self.port {
            s.push(':');
            s.push_str(p);
        }
        s.push_str(&self.path);
        if let Some(q) = &self.query {
            s.push('?');
            s.push_str(q);
        }
        if let Some(f) = &self.fragment {
            s.push('#');
            s.push_str(f);
        }
        s
    }

    /// The query's `name=value` pieces as written.
    pub(crate) fn query_pieces(&self) -> Vec<&str> {
        self.query
            .as_deref()
            .map(|q| q.split('&').collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for url in [
            "https://u:p@Host.example:8443/a/b/?x=1&y=%27#f",
            "http://h",
            "https://h?x",
        ] {
            assert_eq!(UrlParts::parse(url).unwrap().to_url(), url);
        }
        let p = UrlParts::parse("https://h:1/p?q").unwrap();
        assert_eq!((p.port.as_deref(), p.path.as_str()), (Some("1"), "/p"));
        let v6 = UrlParts::parse("https://u:p@w@[2001:db8::1]:8443/x").unwrap();
        assert_eq!(
            (v6.userinfo.as_str(), v6.host.as_str()),
            ("u:p@w@", "[2001:db8::1]")
        );
        assert_eq!(v6.port.as_deref(), Some("8443"));
        for bad in [
            "not a url",
            "https:///x",
            "https://h:8x/",
            "https://[::1/x",
            "1a://h",
        ] {
            assert!(UrlParts::parse(bad).is_none(), "{bad}");
        }
    }
}
