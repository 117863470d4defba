//! Typed payloads of the Voice webhooks: an [`IncomingCall`], a [`CallStatusCallback`], a
//! [`GatherAction`] and a [`RecordingStatusCallback`].
//!
//! The decoding rules are the Messaging ones (see the [payload module](crate::payload)):
//! Twilio's field names, numbers parsed to `u32` with errors that name the field, text kept as
//! sent, unknown fields kept in `extra`, a named field sent twice refused. Value sets
//! ([`CallStatus`], [`CallDirection`], [`AnsweredBy`], [`RecordingStatus`],
//! [`RecordingSource`]) keep a value they do not know instead of failing.
//!
//! Status callbacks and `<Gather>` actions repeat the call's fields, so they hold an
//! [`IncomingCall`] as `call`, flattened: the wire shape stays one flat form, and the fields
//! neither type names land in `call.extra`.
//!
//! Voice webhooks may arrive as `POST` (a form body) or `GET` (the same parameters in the query
//! string); `from_form` decodes either, as do axum's `Form<T>` (which reads the query on
//! `GET`) and actix-web's `web::Form<T>` (bodies) and `web::Query<T>`.

mod call;
mod call_status;
mod gather;
mod recording;
mod status_callback;
mod wire_enum;

pub use call::IncomingCall;
pub use call_status::{CallDirection, CallStatus};
pub use gather::GatherAction;
pub use recording::{RecordingSource, RecordingStatus, RecordingStatusCallback};
pub use status_callback::{AnsweredBy, CallStatusCallback};
