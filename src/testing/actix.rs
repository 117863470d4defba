//! [`SignedRequest`] as an actix-web `test::TestRequest`.

use actix_web::test::TestRequest;

use super::{BuildError, SignedRequest};

impl SignedRequest {
    /// The request as an actix-web [`TestRequest`], for `test::call_service` and friends,
    /// or `to_http_request()` with an extractor.
    ///
    /// ```
    /// use twilio_webhook::testing::SignedRequest;
    /// let req = SignedRequest::incoming_message().auth_token("12345").actix_request()?.to_http_request();
    /// assert_eq!(req.path(), "/twilio");
    /// assert!(req.headers().contains_key("x-twilio-signature"));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn actix_request(&self) -> Result<TestRequest, BuildError> {
        let parts = self.parts()?;
        let uri = if self.http2 {
            parts.url.clone()
        } else {
            parts.target()
        };
        let method = match parts.method {
            "GET" => actix_web::http::Method::GET,
            _ => actix_web::http::Method::POST,
        };
        // TestRequest::uri panics on a URI it cannot parse: check it first.
        if uri.parse::<actix_web::http::Uri>().is_err() {
            return Err(BuildError::InvalidTarget { target: uri });
        }
        let mut req = TestRequest::default().method(method).uri(&uri);
        for (name, value) in parts.headers {
            if actix_web::http::header::HeaderValue::from_str(&value).is_err()
                || actix_web::http::header::HeaderName::from_bytes(name.as_bytes()).is_err()
            {
                return Err(BuildError::InvalidHeader { name });
            }
            req = req.append_header((name, value));
        }
        Ok(req.set_payload(parts.body))
    }
}
