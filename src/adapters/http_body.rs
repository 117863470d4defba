//! Reading an `http_body::Body` within a limit: shared by the axum and hyper adapters.

use bytes::Bytes;
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::error::Error;

/// A body error, as [`Limited`] requires it.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

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
