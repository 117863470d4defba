//! A URL split into the pieces the mistakes edit, and joined back byte for byte.

use twilio_webhook::url::authority;

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
    pub(crate) fn parse(url: &str) -> Option<Self> {
        let a = authority(url).ok()?;
        let rest = &url[a.range.end..];
        let (rest, fragment) = match rest.split_once('#') {
            Some((r, f)) => (r, Some(f.to_owned())),
            None => (rest, None),
        };
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q.to_owned())),
            None => (rest, None),
        };
        Some(UrlParts {
            scheme: url[..a.range.start - 3].to_owned(),
            userinfo: url[a.range.start..a.host_start].to_owned(),
            host: url[a.host_start..a.host_end].to_owned(),
            port: a
                .has_port
                .then(|| url[a.host_end + 1..a.range.end].to_owned()),
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
        assert!(UrlParts::parse("not a url").is_none());
    }
}
