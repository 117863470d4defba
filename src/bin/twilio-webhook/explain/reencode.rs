//! The re-encodings proxies and frameworks apply to a URL, each as the edit that undoes it.

pub(crate) type Edit = fn(&str) -> String;

/// The re-encodings proxies and frameworks make, each undone one way or the other.
pub(crate) const RE_ENCODINGS: [(&str, Edit); 7] = [
    ("the server saw %27 where Twilio signed '", |s| {
        s.replace("%27", "'")
    }),
    ("the server saw ' where Twilio signed %27", |s| {
        s.replace('\'', "%27")
    }),
    ("the server saw %20 where Twilio signed +", |s| {
        s.replace("%20", "+")
    }),
    ("the server saw + where Twilio signed %20", |s| {
        s.replace('+', "%20")
    }),
    (
        "percent-escapes of characters that need none were decoded",
        encode_sub_delims,
    ),
    (
        "characters that need no escape were percent-encoded",
        decode_needless_escapes,
    ),
    (
        "percent-escapes changed case (%2f vs %2F)",
        swap_escape_case,
    ),
];

/// Characters a URL may carry raw that some encoders escape anyway.
const NEEDLESS: [(char, &str); 9] = [
    ('!', "%21"),
    ('(', "%28"),
    (')', "%29"),
    ('*', "%2A"),
    ('~', "%7E"),
    ('@', "%40"),
    (':', "%3A"),
    (',', "%2C"),
    (';', "%3B"),
];

fn decode_needless_escapes(s: &str) -> String {
    let mut out = s.to_owned();
    for (c, esc) in NEEDLESS {
        out = out
            .replace(esc, &c.to_string())
            .replace(&esc.to_ascii_lowercase(), &c.to_string());
    }
    out
}

fn encode_sub_delims(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match NEEDLESS.iter().find(|(c, _)| *c == ch) {
            Some((_, esc)) => out.push_str(esc),
            None => out.push(ch),
        }
    }
    out
}

/// `%2f` → `%2F` if any escape is lowercase, else `%2F` → `%2f`.
fn swap_escape_case(s: &str) -> String {
    let b = s.as_bytes();
    let escapes: Vec<usize> = (0..b.len())
        .filter(|&i| b[i] == b'%' && i + 2 < b.len())
        .filter(|&i| b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit())
        .collect();
    let any_lower = escapes
        .iter()
        .any(|&i| b[i + 1].is_ascii_lowercase() || b[i + 2].is_ascii_lowercase());
    let mut out = b.to_vec();
    for i in escapes {
        for j in [i + 1, i + 2] {
            out[j] = if any_lower {
                out[j].to_ascii_uppercase()
            } else {
                out[j].to_ascii_lowercase()
            };
        }
    }
    // Only ASCII hex digits changed case: still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re_encodings() {
        assert_eq!(swap_escape_case("a%2fb%3A"), "a%2Fb%3A");
        assert_eq!(swap_escape_case("a%2Fb"), "a%2fb");
        assert_eq!(swap_escape_case("a%2"), "a%2");
        assert_eq!(decode_needless_escapes("a%21%7e"), "a!~");
        assert_eq!(encode_sub_delims("a!(b)"), "a%21%28b%29");
    }
}
