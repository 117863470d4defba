//! Bodies in and out: reading a request body within the limit, and the fixed rejection.

use bytes::Bytes;
use http_body::Body;
use http_body_util::{BodyExt, Either, Full, LengthLimitError, Limited};

use super::BoxError;
use crate::error::Error;
use crate::pipeline::response_text;

/// The response body of a [`TwilioWebhookService`](super::TwilioWebhookService) wrapping a
/// service whose responses carry `B`: `Either::Left(B)` when the request was verified
/// and passed on, `Either::Right(Full<Bytes>)` for the fixed rejection text.
///
/// Its error type is `Box<dyn Error + Send + Sync>`; axum accepts
/// `http::Response<ResponseBody<B>>` as a response as is.
///
/// ```
/// use http_body_util::{BodyExt, Either, Full};
/// use twilio_webhook::adapters::hyper::ResponseBody;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let body: ResponseBody<Full<bytes::Bytes>> = Either::Left(Full::from("<Response/>"));
/// assert_eq!(&body.collect().await.unwrap().to_bytes()[..], b"<Response/>");
/// # });
/// ```
pub type ResponseBody<B> = Either<B, Full<Bytes>>;

/// The response for a refused request: status [`Error::http_status`], `Content-Type:
/// text/plain; charset=utf-8`, body [`response_text`] (`Forbidden`, `Bad Request`,
/// `Payload Too Large` or `Internal Server Error`). Nothing about the error itself is
/// sent: the reason is in the events and the attempt log.
///
/// ```
/// use twilio_webhook::{adapters::hyper::error_response, Error};
/// let res = error_response(&Error::BodyTooLarge { limit: 1024 });
/// assert_eq!(res.status(), 413);
/// assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
/// ```
pub fn error_response(err: &Error) -> http::Response<Full<Bytes>> {
    let status = err.http_status();
    let mut res = http::Response::new(Full::new(Bytes::from_static(
        response_text(status).as_bytes(),
    )));
    *res.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

/// Reads the whole body, failing with [`Error::BodyTooLarge`] as soon as it passes `limit`
/// (the rest is never read) and with [`Error::BodyRead`] if the transport fails.
pub(super) async fn read_limited<B>(body: B, limit: usize) -> Result<Bytes, Error>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(Error::BodyTooLarge { limit }),
        Err(_) => Err(Error::BodyRead),
    }
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
