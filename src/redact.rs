//! What never leaves the process as received: URL userinfo, credential headers, the
//! received signature (only its fingerprint is reported).

use sha2::{Digest, Sha256};

/// `url` with the password of its userinfo (`user:password@`) replaced by `***`: webhook
/// URLs may carry HTTP Basic credentials, which must not reach logs.
pub(crate) fn mask_password(url: &str) -> std::borrow::Cow<'_, str> {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.into();
    };
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    let Some(at) = url[start..end].rfind('@').map(|i| start + i) else {
        return url.into();
    };
    match url[start..at].find(':').map(|i| start + i) {
        Some(colon) => format!("{}:***{}", &url[..colon], &url[at..]).into(),
        None => url.into(),
    }
}

/// Headers whose values are secrets in their own right.
pub(crate) const CREDENTIAL_HEADERS: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];

/// `sha256:` and the first 12 hex digits of the SHA-256 of `value`: enough to spot a
/// replayed signature, useless for forging one.
pub(crate) fn fingerprint(value: &[u8]) -> String {
    let d = Sha256::digest(value);
    let hex: String = d.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

#[cfg(test)]
mod tests {
    use super::mask_password;

    #[test]
    fn masks_only_a_userinfo_password() {
        assert_eq!(
            mask_password("https://u:p@h:1/x?a=b@c"),
            "https://u:***@h:1/x?a=b@c"
        );
        assert_eq!(mask_password("https://u:p:q@r@h/x"), "https://u:***@h/x");
        assert_eq!(mask_password("https://u@h/x"), "https://u@h/x");
        assert_eq!(mask_password("https://h/x?u:p@q"), "https://h/x?u:p@q");
        assert_eq!(mask_password("no scheme u:p@h"), "no scheme u:p@h");
    }
}
