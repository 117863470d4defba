//! The bodies going out: the fixed rejection, the replay guard's answer and the layer's
//! response body type.

use bytes::Bytes;
use http_body_util::{Either, Full};

use crate::error::Error;

/// The response body of a [`TwilioWebhookService`](super::TwilioWebhookService) wrapping a
/// service whose responses carry `B`: `Either::Left(B)` when the request was verified
/// and passed on; `Either::Right(Either::Left(Replay<B>))` when it was passed on under a
/// replay guard, which read the response (up to its cap) to store it; and
/// `Either::Right(Either::Right(Full<Bytes>))` for the fixed rejection text or the guard's
/// answer to a repeat.
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
pub type ResponseBody<B> = Either<B, Either<Replay<B>, Full<Bytes>>>;

pub use crate::adapters::http::Replay;

/// The response for a refused request: status [`Error::http_status`], `Content-Type:
/// text/plain; charset=utf-8`, body the fixed text (`Forbidden`, `Bad Request`,
/// `Payload Too Large` or `Internal Server Error`; see
/// [`response_text`](crate::pipeline::response_text)). Nothing about the error itself is
/// sent: the reason is in the events and the attempt log.
///
/// ```
/// use twilio_webhook::{adapters::hyper::error_response, Error};
/// let res = error_response(&Error::BodyTooLarge { limit: 1024 });
/// assert_eq!(res.status(), 413);
/// assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
/// ```
pub fn error_response(err: &Error) -> http::Response<Full<Bytes>> {
    crate::adapters::http::refusal_response(err)
}

/// The response for a repeat the replay guard answers (see
/// [`WebhookConfig::with_replay_guard`](crate::pipeline::WebhookConfig)): the first
/// delivery's stored status, content type and body, or a bare status.
///
/// ```
/// use twilio_webhook::adapters::hyper::answer_response;
/// use twilio_webhook::pipeline::Answer;
/// assert_eq!(answer_response(Answer::status(503)).status(), 503);
/// ```
pub fn answer_response(answer: crate::pipeline::Answer) -> http::Response<Full<Bytes>> {
    crate::adapters::http::answer_response(answer)
}
