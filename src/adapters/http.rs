//! The `http` translation shared by the axum and hyper adapters: an `http::Request<B>`
//! into the pipeline's parts and a bounded body reader, a refusal or the replay guard's
//! answer into an `http::Response`, and the handler's response into its completion.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::request::Parts;
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::error::Error;
use crate::headers::WithAuthority;
use crate::pipeline::{Accepted, Answer, Completion, RequestParts, Verdict, WebhookConfig};

/// A body error, as [`Limited`] requires it.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs the pipeline's sequence on an `http` request. On success the parts come back with
/// the verdict in their extensions (when the handler is to run), beside the verdict.
pub(crate) async fn verify<B>(
    config: &WebhookConfig,
    req: http::Request<B>,
    framework_body_limit: Option<usize>,
) -> Result<(Parts, Verdict<Accepted<Bytes>>), Error>
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
    if let Verdict::Run(accepted) = &accepted {
        super::put_verdict(&mut parts.extensions, &accepted.request);
    }
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

/// The replay guard's answer (a repeat's stored response, or a bare status) as an `http`
/// response.
pub(crate) fn answer_response<B: From<Bytes>>(answer: Answer) -> http::Response<B> {
    let mut res = http::Response::new(B::from(Bytes::from(answer.body)));
    *res.status_mut() =
        http::StatusCode::from_u16(answer.status).unwrap_or(http::StatusCode::SERVICE_UNAVAILABLE);
    if let Some(ct) = answer
        .content_type
        .and_then(|ct| http::HeaderValue::from_str(&ct).ok())
    {
        res.headers_mut().insert(http::header::CONTENT_TYPE, ct);
    }
    res
}

/// Completes the claim with the handler's response: reads the body up to the guard's cap
/// and one byte more, stores it if it fits (else only status and content type), and hands
/// back the response with the same bytes followed by whatever was not read. `None` when
/// there is no claim: the response goes out untouched.
pub(crate) async fn complete<B>(
    completion: Completion,
    res: http::Response<B>,
) -> Result<http::Response<Replay<B>>, (Completion, http::Response<B>)>
where
    B: Body<Data = Bytes>,
{
    let Some(cap) = completion.response_cap() else {
        return Err((completion, res));
    };
    let (parts, body) = res.into_parts();
    let mut rest = Box::pin(body);
    let mut read = VecDeque::new();
    let mut len = 0usize;
    let mut ended = false;
    while len <= cap {
        match rest.frame().await {
            Some(Ok(frame)) => {
                len += frame.data_ref().map_or(0, Bytes::len);
                read.push_back(Ok(frame));
            }
            Some(Err(e)) => {
                // The response failed: the client gets the error, the claim is released.
                read.push_back(Err(e));
                drop(completion);
                let body = Replay { read, rest: None };
                return Ok(http::Response::from_parts(parts, body));
            }
            None => {
                ended = true;
                break;
            }
        }
    }
    let content_type = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    // Over the cap, the guard sees more than its cap and stores no body.
    let read_data = data(&read);
    completion
        .complete(parts.status.as_u16(), content_type, &read_data)
        .await;
    let rest = (!ended).then_some(rest);
    Ok(http::Response::from_parts(parts, Replay { read, rest }))
}

/// The data of the frames read, as one buffer.
fn data<E>(frames: &VecDeque<Result<Frame<Bytes>, E>>) -> Bytes {
    let mut chunks = frames
        .iter()
        .filter_map(|f| f.as_ref().ok().and_then(Frame::data_ref));
    match (chunks.next(), chunks.next()) {
        (None, _) => Bytes::new(),
        (Some(one), None) => one.clone(),
        _ => frames
            .iter()
            .filter_map(|f| f.as_ref().ok().and_then(Frame::data_ref))
            .flat_map(|b| b.iter().copied())
            .collect::<Vec<u8>>()
            .into(),
    }
}

/// A response body the replay guard read (up to its cap) before it went out: the frames
/// read, then the rest of the handler's body. The client gets every byte, unchanged.
///
/// ```
/// # #[cfg(feature = "hyper")]
/// # fn main() {
/// use http_body_util::Full;
/// use twilio_webhook::adapters::hyper::{Replay, ResponseBody};
/// // What the tower layer answers when a guard read the handler's response.
/// fn replayed(b: Replay<Full<bytes::Bytes>>) -> ResponseBody<Full<bytes::Bytes>> {
///     http_body_util::Either::Right(http_body_util::Either::Left(b))
/// }
/// # let _ = replayed;
/// # }
/// # #[cfg(not(feature = "hyper"))]
/// # fn main() {}
/// ```
// Public through `adapters::hyper` (its `ResponseBody`); axum boxes it.
#[cfg_attr(not(feature = "hyper"), allow(unreachable_pub))]
pub struct Replay<B: Body> {
    read: VecDeque<Result<Frame<Bytes>, B::Error>>,
    rest: Option<Pin<Box<B>>>,
}

impl<B: Body> core::fmt::Debug for Replay<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Replay")
            .field("frames_read", &self.read.len())
            .field("rest", &self.rest.is_some())
            .finish()
    }
}

// Nothing in it is pinned in place: the rest of the body is pinned in its own box.
impl<B: Body> Unpin for Replay<B> {}

impl<B: Body<Data = Bytes>> Body for Replay<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        if let Some(frame) = self.read.pop_front() {
            return Poll::Ready(Some(frame));
        }
        match self.rest.as_mut() {
            Some(rest) => rest.as_mut().poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.read.is_empty() && self.rest.as_ref().is_none_or(|r| r.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        let read: usize = self
            .read
            .iter()
            .filter_map(|f| f.as_ref().ok().and_then(Frame::data_ref))
            .map(Bytes::len)
            .sum();
        let mut hint = self
            .rest
            .as_ref()
            .map_or(SizeHint::with_exact(0), |r| r.size_hint());
        let read = read as u64;
        let lower = hint.lower().saturating_add(read);
        match hint.upper() {
            Some(upper) => {
                hint.set_upper(upper.saturating_add(read));
                hint.set_lower(lower);
            }
            None => hint.set_lower(lower),
        }
        hint
    }
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
