//! The `http` translation shared by the axum and hyper adapters: an `http::Request<B>`
//! into the pipeline's parts and a bounded body reader, a refusal into an
//! `http::Response`.

use std::net::SocketAddr;

use bytes::Bytes;
use http::request::Parts;
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::error::Error;
use crate::headers::WithAuthority;
use crate::pipeline::{Accepted, RequestParts, WebhookConfig};

/// A body error, as [`Limited`] requires it.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs the pipeline's sequence on an `http` request. On success the parts come back with
/// the verdict in their extensions, beside the verified body.
pub(crate) async fn verify<B>(
    config: &WebhookConfig,
    req: http::Request<B>,
    framework_body_limit: Option<usize>,
) -> Result<(Parts, Accepted<Bytes>), Error>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let (mut parts, body) = req.into_parts();
    let accepted = {
        let uri = signed_uri(&parts);
        let request = RequestParts {
            method: parts.method.as_str(),
            // `http` keeps the request target's text as received; it is not re-encoded.
            path_and_query: uri.path_and_query().map_or("/", |p| p.as_str()),
            headers: &WithAuthority {
                headers: &parts.headers,
                authority: uri.authority().map(|a| a.as_str()),
            },
            peer: peer(&parts),
            framework_body_limit,
        };
        config
            .verify(&request, |limit| read_limited(body, limit))
            .await?
    };
    super::put_verdict(&mut parts.extensions, &accepted.request);
    Ok((parts, accepted))
}

/// The URI Twilio signed: inside axum's `Router::nest` the request URI has lost its
/// prefix, and axum keeps the full one as `OriginalUri`.
fn signed_uri(parts: &Parts) -> &http::Uri {
    #[cfg(feature = "axum")]
    if let Some(original) = parts.extensions.get::<::axum::extract::OriginalUri>() {
        return &original.0;
    }
    &parts.uri
}

/// The TCP peer: a plain `SocketAddr` extension (what a hyper server inserts), else
/// axum's `ConnectInfo<SocketAddr>`.
fn peer(parts: &Parts) -> Option<SocketAddr> {
    let plain = parts.extensions.get::<SocketAddr>().copied();
    #[cfg(feature = "axum")]
    let plain = plain.or_else(|| {
        parts
            .extensions
            .get::<::axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
    });
    plain
}

/// The refusal as an `http` response, for any body built from a static text.
pub(crate) fn refusal_response<B: From<&'static str>>(err: &Error) -> http::Response<B> {
    let (status, text) = super::refusal(err);
    let mut res = http::Response::new(B::from(text));
    *res.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(super::REFUSAL_CONTENT_TYPE),
    );
    res
}

/// Reads the whole body, failing with [`Error::BodyTooLarge`] as soon as it passes `limit`
/// (the rest is never read) and with [`Error::BodyRead`] if the transport fails.
pub(crate) async fn read_limited<B>(body: B, limit: usize) -> Result<Bytes, Error>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if is_length_limit(&*e) => Err(Error::BodyTooLarge { limit }),
        Err(_) => Err(Error::BodyRead),
    }
}

/// Whether a length limit is anywhere in the chain (axum wraps body errors in its own).
fn is_length_limit(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if e.is::<LengthLimitError>() {
            return true;
        }
        cur = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body that yields `chunks` and then fails, counting what was pulled.
    struct Chunks(std::collections::VecDeque<Result<Bytes, &'static str>>);

    impl Body for Chunks {
        type Data = Bytes;
        type Error = BoxError;
        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, BoxError>>> {
            std::task::Poll::Ready(
                self.0
                    .pop_front()
                    .map(|r| r.map(http_body::Frame::data).map_err(Into::into)),
            )
        }
    }

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn stops_at_the_limit_and_classifies_errors() {
        let chunk = || Ok(Bytes::from_static(b"0123456789"));
        let mut body = Chunks([chunk(), chunk(), chunk(), chunk()].into());
        let r = run(read_limited(&mut body, 25));
        assert_eq!(r, Err(Error::BodyTooLarge { limit: 25 }));
        // Two chunks fit, the third crossed the limit, the fourth was never pulled.
        assert_eq!(body.0.len(), 1);

        let body = Chunks([chunk(), Err("reset")].into());
        assert_eq!(run(read_limited(body, 100)), Err(Error::BodyRead));

        let body = Chunks([chunk(), chunk()].into());
        assert_eq!(
            &run(read_limited(body, 20)).unwrap()[..],
            b"01234567890123456789"
        );
    }
}
