//! axum 0.8: verify Twilio webhooks per handler ([`TwilioWebhook`]) or for a whole router
//! ([`verify_twilio`] + [`TwilioVerified`]).
//!
//! Both read the [`WebhookConfig`](crate::pipeline::WebhookConfig) you built (keys, public
//! URL, body limit, attempt log) from an `Arc<WebhookConfig>`: the extractor from the router
//! state (via `FromRef`), the middleware from `from_fn_with_state`. Both run the same code:
//! precheck the headers, read the body within the smaller of the config's limit and axum's
//! `DefaultBodyLimit`, check, and hand the handler the exact bytes that were verified.
//! Refusals carry a status and a fixed text only; the reason goes to the attempt report.
//!
//! ```
//! use std::{collections::HashMap, sync::Arc};
//! use axum::{routing::post, Form, Router};
//! use twilio_webhook::adapters::axum::TwilioWebhook;
//! use twilio_webhook::pipeline::WebhookConfig;
//!
//! async fn incoming(hook: TwilioWebhook<Form<HashMap<String, String>>>) -> &'static str {
//!     let Form(params) = hook.payload;
//!     let _ = params.get("Body");
//!     "<Response/>"
//! }
//!
//! // The URL Twilio calls, as configured in the Twilio console (without the path).
//! let config = WebhookConfig::single_token("your auth token", "https://api.example.com")?;
//! let app: Router = Router::new()
//!     .route("/v1/webhooks/twilio", post(incoming))
//!     .with_state(Arc::new(config));
//! # let _ = app;
//! # Ok::<(), twilio_webhook::Error>(())
//! ```

mod extractor;
mod middleware;
mod rejection;
mod verify;

pub use extractor::TwilioWebhook;
pub use middleware::{verify_twilio, TwilioVerified};
pub use rejection::TwilioWebhookRejection;
