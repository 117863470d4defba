//! What the body is, decided once from `Content-Type`, so the verifier and the handler's
//! extractors cannot read the same bytes two ways.

use crate::error::Error;
use crate::headers::{names, HeaderSource, HeaderValue};
use crate::request::is_form;

/// The request's one `Content-Type`, if any, after refusing what two readers could
/// disagree on: a repeated header, a list (`a, b`: each framework takes a different one),
/// a value that is not text, and a form whose `charset` is not UTF-8 (no charset means
/// UTF-8, as Twilio sends it).
pub(crate) fn decide<H: HeaderSource + ?Sized>(headers: &H) -> Result<Option<&str>, Error> {
    let content_type = match headers.get(names::CONTENT_TYPE) {
        HeaderValue::Absent => return Ok(None),
        HeaderValue::One(ct) => ct,
        HeaderValue::Many | HeaderValue::NotText => return Err(Error::AmbiguousContentType),
    };
    if content_type.contains(',') {
        return Err(Error::AmbiguousContentType);
    }
    if is_form(content_type) && !charset_is_utf8(content_type) {
        return Err(Error::UnsupportedCharset);
    }
    Ok(Some(content_type))
}

/// Whether every `charset` parameter (there should be at most one) names UTF-8.
fn charset_is_utf8(content_type: &str) -> bool {
    content_type.split(';').skip(1).all(|param| {
        let Some((name, value)) = param.split_once('=') else {
            return true;
        };
        if !name.trim().eq_ignore_ascii_case("charset") {
            return true;
        }
        let value = value.trim().trim_matches('"');
        value.eq_ignore_ascii_case("utf-8") || value.eq_ignore_ascii_case("utf8")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct H(Vec<&'static str>);
    impl HeaderSource for H {
        fn get(&self, name: &str) -> HeaderValue<'_> {
            assert_eq!(name, names::CONTENT_TYPE);
            HeaderValue::from_values(self.0.iter().map(|v| v.as_bytes()))
        }
        fn for_each(&self, _: &mut dyn FnMut(&str, &[u8])) {}
    }

    #[test]
    fn one_unambiguous_type_or_an_error() {
        let form = "application/x-www-form-urlencoded";
        assert_eq!(decide(&H(vec![])), Ok(None));
        assert_eq!(decide(&H(vec![form])), Ok(Some(form)));
        for ok in [
            "application/x-www-form-urlencoded; charset=UTF-8",
            "application/x-www-form-urlencoded;charset=\"utf-8\"",
            "application/json; charset=iso-8859-1",
        ] {
            assert_eq!(decide(&H(vec![ok])), Ok(Some(ok)), "{ok}");
        }
        assert_eq!(
            decide(&H(vec![form, "application/json"])),
            Err(Error::AmbiguousContentType)
        );
        assert_eq!(
            decide(&H(vec![
                "application/x-www-form-urlencoded, application/json"
            ])),
            Err(Error::AmbiguousContentType)
        );
        assert_eq!(
            decide(&H(vec![
                "application/x-www-form-urlencoded; charset=iso-8859-1"
            ])),
            Err(Error::UnsupportedCharset)
        );
    }
}
