//! The one path from an axum request to a verdict, shared by [`super::TwilioWebhook`] and
//! [`super::verify_twilio`]: translate the request, precheck, read the body within the
//! smaller of both limits, check.

use core::convert::Infallible;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::net::SocketAddr;

use ::axum::body::{Body, Bytes, HttpBody};
use ::axum::extract::{ConnectInfo, OriginalUri, Request};
use ::axum::http::request::Parts;
use ::axum::RequestExt;

use crate::error::Error;
use crate::headers::WithAuthority;
use crate::pipeline::{declared_length, RequestParts, VerifiedRequest, WebhookConfig};

/// A verified request, taken apart: the handler side rebuilds it from these.
pub(super) struct Checked {
    pub(super) parts: Parts,
    pub(super) body: Bytes,
    pub(super) verified: VerifiedRequest,
}

impl Checked {
    /// The request again, with the exact bytes that were verified as its body.
    pub(super) fn into_request(self) -> (Request, VerifiedRequest) {
        (
            Request::from_parts(self.parts, Body::from(self.body)),
            self.verified,
        )
    }
}

/// Judges `req` with `config`. Every outcome is reported by the pipeline; callers only
/// turn the error into a response.
pub(super) async fn verify_request(config: &WebhookConfig, req: Request) -> Result<Checked, Error> {
    let (mut parts, body) = req.into_parts();
    let limit = effective_limit(config.body_limit(), &mut parts);
    let (verified, body) = {
        // Inside `Router::nest` the URI has lost its prefix; Twilio signed the full path.
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(&parts.uri, |o| &o.0);
        let request = RequestParts {
            method: parts.method.as_str(),
            path_and_query: uri.path_and_query().map_or("/", |p| p.as_str()),
            headers: &WithAuthority {
                headers: &parts.headers,
                authority: uri.authority().map(|a| a.as_str()),
            },
            peer: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        };
        config.precheck(&request)?;
        let body = read_body(body, limit, declared_length(&parts.headers)).await;
        let verified = config
            .check(&request, body.as_deref().map_err(Clone::clone))
            .await?;
        // `check` fails whenever the body could not be read, so `body?` never returns here.
        (verified, body?)
    };
    Ok(Checked {
        parts,
        body,
        verified,
    })
}

/// The smaller of our limit and axum's `DefaultBodyLimit` for this request.
///
/// axum keeps its setting private and applies it in `with_limited_body` by wrapping the body
/// in `http_body_util::Limited`, whose size hint on a body of unknown length is exactly the
/// limit. Reading it this way lets us reject on `Content-Length` before buffering and report
/// the limit that applied (a test guards this against axum changing).
fn effective_limit(ours: usize, parts: &mut Parts) -> usize {
    let mut probe = Request::new(Body::new(UnknownLength));
    *probe.extensions_mut() = core::mem::take(&mut parts.extensions);
    let mut probe = probe.with_limited_body();
    let axum_limit = probe.body().size_hint().upper();
    parts.extensions = core::mem::take(probe.extensions_mut());
    match axum_limit {
        Some(n) => ours.min(usize::try_from(n).unwrap_or(usize::MAX)),
        None => ours,
    }
}

/// An empty body that does not say it is empty.
struct UnknownLength;

impl HttpBody for UnknownLength {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        Poll::Ready(None)
    }
}

/// Buffers the body, refusing past `limit` bytes (declared or actual).
async fn read_body(body: Body, limit: usize, declared: Option<usize>) -> Result<Bytes, Error> {
    if declared.is_some_and(|n| n > limit) {
        return Err(Error::BodyTooLarge { limit });
    }
    crate::adapters::http_body::read_limited(body, limit).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::axum::extract::DefaultBodyLimit;
    use tower::{Layer as _, ServiceExt as _};

    /// The limit `effective_limit` reads behind an optional `DefaultBodyLimit` layer.
    async fn limit_seen(layer: Option<DefaultBodyLimit>) -> usize {
        let svc = tower::service_fn(|req: Request| async move {
            let (mut parts, _) = req.into_parts();
            Ok::<_, Infallible>(effective_limit(usize::MAX, &mut parts))
        });
        let req = Request::new(Body::empty());
        let seen = match layer {
            Some(layer) => layer.layer(svc).oneshot(req).await,
            None => svc.oneshot(req).await,
        };
        seen.unwrap_or_else(|never| match never {})
    }

    // Guards the size-hint reading of axum's private setting.
    #[tokio::test]
    async fn reads_axum_default_body_limit() {
        assert_eq!(limit_seen(None).await, 2 * 1024 * 1024);
        assert_eq!(limit_seen(Some(DefaultBodyLimit::max(10))).await, 10);
        assert_eq!(
            limit_seen(Some(DefaultBodyLimit::disable())).await,
            usize::MAX
        );
    }

    #[tokio::test]
    async fn extensions_survive_the_probe() {
        let mut req = Request::new(Body::empty());
        req.extensions_mut().insert(7u8);
        let (mut parts, _) = req.into_parts();
        assert_eq!(effective_limit(100, &mut parts), 100);
        assert_eq!(parts.extensions.get::<u8>(), Some(&7));
    }
}
