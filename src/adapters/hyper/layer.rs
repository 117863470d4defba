//! The tower middleware: verify, then call the inner service or answer the rejection.

use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Body;
use http_body_util::{Either, Full};
use tower_layer::Layer;
use tower_service::Service;

use super::{answer_response, error_response, BoxError, ResponseBody};
use crate::pipeline::{BoxFuture, Verdict, WebhookConfig};

/// A tower [`Layer`] that puts Twilio signature verification in front of a service; it
/// produces a [`TwilioWebhookService`]. Cheap to clone (the config is in an [`Arc`]).
///
/// With a hyper 1 server (the peer address is inserted for the attempt log):
///
/// ```no_run
/// use std::convert::Infallible;
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use hyper_util::rt::TokioIo;
/// use tower::{Layer, ServiceExt};
/// use twilio_webhook::adapters::hyper::TwilioWebhookLayer;
/// use twilio_webhook::pipeline::{VerifiedRequest, WebhookConfig};
///
/// async fn handle(req: http::Request<Full<Bytes>>) -> Result<http::Response<Full<Bytes>>, Infallible> {
///     let verified = req.extensions().get::<VerifiedRequest>().expect("set by the layer");
///     # let _ = verified;
///     Ok(http::Response::new(Full::from("<Response/>")))
/// }
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let config = WebhookConfig::single_token("auth token", "https://api.example.com")?;
/// let svc = TwilioWebhookLayer::new(config).layer(tower::service_fn(handle));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// loop {
///     let (stream, peer) = listener.accept().await?;
///     let svc = svc.clone();
///     tokio::spawn(async move {
///         let hyper_svc = hyper::service::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
///             req.extensions_mut().insert(peer);
///             svc.clone().oneshot(req)
///         });
///         let _ = hyper::server::conn::http1::Builder::new()
///             .serve_connection(TokioIo::new(stream), hyper_svc)
///             .await;
///     });
/// }
/// # }
/// ```
///
/// As an axum layer (the handler extracts `Extension<VerifiedRequest>`):
///
/// ```
/// use axum::{routing::post, Extension, Router};
/// use twilio_webhook::adapters::hyper::TwilioWebhookLayer;
/// use twilio_webhook::pipeline::{VerifiedRequest, WebhookConfig};
///
/// let config = WebhookConfig::single_token("auth token", "https://api.example.com").unwrap();
/// let app: Router = Router::new()
///     .route("/hook", post(|Extension(v): Extension<VerifiedRequest>| async move { v.url }))
///     .layer(TwilioWebhookLayer::new(config));
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct TwilioWebhookLayer {
    config: Arc<WebhookConfig>,
}

impl TwilioWebhookLayer {
    /// A layer judging requests by `config` (a [`WebhookConfig`] or an
    /// `Arc<WebhookConfig>` shared with other code).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use twilio_webhook::{adapters::hyper::TwilioWebhookLayer, pipeline::WebhookConfig};
    /// let config = Arc::new(WebhookConfig::single_token("t", "https://api.example.com").unwrap());
    /// let layer = TwilioWebhookLayer::new(config.clone());
    /// # let _ = layer;
    /// ```
    pub fn new(config: impl Into<Arc<WebhookConfig>>) -> Self {
        TwilioWebhookLayer {
            config: config.into(),
        }
    }
}

impl<S> Layer<S> for TwilioWebhookLayer {
    type Service = TwilioWebhookService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TwilioWebhookService {
            inner,
            config: self.config.clone(),
        }
    }
}

/// The service [`TwilioWebhookLayer`] produces.
///
/// Accepts `http::Request<B>` for any body `B` (hyper's `Incoming`, axum's `Body` …). A
/// verified request reaches the inner service as `http::Request<Full<Bytes>>`: the same
/// bytes that were verified, with the [`VerifiedRequest`](crate::pipeline::VerifiedRequest)
/// in its extensions. A refused request never reaches it: the service answers
/// [`error_response`] itself. Responses carry a [`ResponseBody`] (the inner body, or the
/// rejection text). The future is boxed and `Send`.
///
/// ```
/// use std::convert::Infallible;
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use tower::{Layer, ServiceExt};
/// use twilio_webhook::{adapters::hyper::TwilioWebhookLayer, pipeline::WebhookConfig};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let config = WebhookConfig::single_token("t", "https://api.example.com").unwrap();
/// let svc = TwilioWebhookLayer::new(config).layer(tower::service_fn(
///     |_req: http::Request<Full<Bytes>>| async { Ok::<_, Infallible>(http::Response::new(Full::<Bytes>::default())) },
/// ));
/// let unsigned = http::Request::post("/hook").body(Full::<Bytes>::default()).unwrap();
/// let res = svc.oneshot(unsigned).await.unwrap();
/// assert_eq!(res.status(), 403);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct TwilioWebhookService<S> {
    inner: S,
    config: Arc<WebhookConfig>,
}

impl<S, B, ResBody> Service<http::Request<B>> for TwilioWebhookService<S>
where
    S: Service<http::Request<Full<Bytes>>, Response = http::Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Send,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        // The instance that was polled ready goes into the future; a fresh clone stays
        // behind and will be polled ready before the next call (tower's contract).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = self.config.clone();
        Box::pin(async move {
            let fixed =
                |res: http::Response<Full<Bytes>>| res.map(|b| Either::Right(Either::Right(b)));
            match crate::adapters::http::verify(&config, req, None).await {
                Ok((parts, Verdict::Run(accepted))) => {
                    let req = http::Request::from_parts(parts, Full::new(accepted.body));
                    // A failed call drops the completion: the handler did not answer.
                    let res = inner.call(req).await?;
                    match crate::adapters::http::complete(accepted.completion, res).await {
                        Ok(res) => Ok(res.map(|b| Either::Right(Either::Left(b)))),
                        Err((_none, res)) => Ok(res.map(Either::Left)),
                    }
                }
                Ok((_, Verdict::Answer(answer))) => Ok(fixed(answer_response(answer))),
                Err(err) => Ok(fixed(error_response(&err))),
            }
        })
    }
}
