//! The axum side of the one sequence: find axum's body limit, then run the shared `http`
//! translation ([`crate::adapters::http::verify`]); hand the handler the verified bytes.

use core::convert::Infallible;
use core::pin::Pin;
use core::task::{Context, Poll};

use ::axum::body::{Body, Bytes, HttpBody};
use ::axum::extract::Request;
use ::axum::http::request::Parts;
use ::axum::RequestExt;

use crate::error::Error;
use crate::pipeline::{Completion, Verdict, VerifiedRequest, WebhookConfig};

/// Judges `req` with `config` within the smaller of both body limits. Every outcome is
/// reported by the pipeline; callers only turn the error into a response. On success the
/// request comes back with the exact bytes that were verified as its body and the verdict
/// in its extensions.
pub(super) async fn verify_request(
    config: &WebhookConfig,
    req: Request,
) -> Result<Verdict<(Request, VerifiedRequest, Completion)>, Error> {
    let (mut parts, body) = req.into_parts();
    let limit = axum_limit(&mut parts);
    let req = Request::from_parts(parts, body);
    let (parts, verdict) = crate::adapters::http::verify(config, req, limit).await?;
    Ok(verdict.map(|accepted| {
        (
            Request::from_parts(parts, Body::from(accepted.body)),
            accepted.request,
            accepted.completion,
        )
    }))
}

/// axum's `DefaultBodyLimit` for this request, if any.
///
/// axum keeps its setting private and applies it in `with_limited_body` by wrapping the body
/// in `http_body_util::Limited`, whose size hint on a body of unknown length is exactly the
/// limit. Reading it this way lets us reject on `Content-Length` before buffering and report
/// the limit that applied (a test guards this against axum changing).
fn axum_limit(parts: &mut Parts) -> Option<usize> {
    let mut probe = Request::new(Body::new(UnknownLength));
    *probe.extensions_mut() = core::mem::take(&mut parts.extensions);
    let mut probe = probe.with_limited_body();
    let limit = probe.body().size_hint().upper();
    parts.extensions = core::mem::take(probe.extensions_mut());
    limit.map(|n| usize::try_from(n).unwrap_or(usize::MAX))
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

#[cfg(test)]
mod tests {
    use super::*;
    use ::axum::extract::DefaultBodyLimit;
    use tower::{Layer as _, ServiceExt as _};

    /// The limit `effective_limit` reads behind an optional `DefaultBodyLimit` layer.
    async fn limit_seen(layer: Option<DefaultBodyLimit>) -> usize {
        let svc = tower::service_fn(|req: Request| async move {
            let (mut parts, _) = req.into_parts();
            Ok::<_, Infallible>(axum_limit(&mut parts).unwrap_or(usize::MAX))
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
        assert_eq!(axum_limit(&mut parts), Some(2 * 1024 * 1024));
        assert_eq!(parts.extensions.get::<u8>(), Some(&7));
    }
}
