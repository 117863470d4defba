//! [`SignedRequest`] as an `http::Request`, for axum's `Router`, tower layers and hyper.

use super::{BuildError, SignedParts, SignedRequest};

impl SignedRequest {
    /// The request as an `http::Request<B>` for any body type built from [`bytes::Bytes`]
    /// (`axum::body::Body`, `http_body_util::Full<Bytes>`, …), ready for
    /// `tower::ServiceExt::oneshot`. The URI is the path and query (or the full URL after
    /// [`as_http2`](Self::as_http2)).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use twilio_webhook::testing::SignedRequest;
    /// let req: http::Request<Bytes> = SignedRequest::incoming_message().auth_token("12345").http_request()?;
    /// assert_eq!(req.uri(), "/twilio");
    /// assert_eq!(req.headers()["host"], "example.com");
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn http_request<B: From<bytes::Bytes>>(&self) -> Result<http::Request<B>, BuildError> {
        let parts = self.parts()?;
        let uri = if self.http2 {
            parts.url.clone()
        } else {
            parts.target()
        };
        let SignedParts {
            method,
            headers,
            body,
            ..
        } = parts;
        let mut builder = http::Request::builder().method(method).uri(uri.as_str());
        for (name, value) in &headers {
            let value = http::HeaderValue::from_str(value)
                .map_err(|_| BuildError::InvalidHeader { name: name.clone() })?;
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| BuildError::InvalidHeader { name: name.clone() })?;
            builder = builder.header(name, value);
        }
        // Every header was checked above; what remains is the URI.
        builder
            .body(B::from(bytes::Bytes::from(body)))
            .map_err(|_| BuildError::InvalidTarget { target: uri })
    }
}
