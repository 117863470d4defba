//! What [`WebhookConfig::verify`](super::WebhookConfig::verify) hands an adapter once a
//! request verified: run the handler ([`Verdict::Run`]) or answer for it
//! ([`Verdict::Answer`], a repeat the replay guard answers), and the [`Completion`] the
//! adapter owes once the handler has answered.

use std::time::SystemTime;

/// Whether the handler runs, or the pipeline answers for it.
///
/// Without a replay guard ([`WebhookConfig::with_replay_guard`](super::WebhookConfig)),
/// every verified request is [`Verdict::Run`].
///
/// ```
/// use twilio_webhook::pipeline::{Answer, Verdict};
/// let v: Verdict<u8> = Verdict::Run(7);
/// assert_eq!(v.map(|n| n + 1).into_run().ok(), Some(8));
/// let a: Verdict<u8> = Verdict::Answer(Answer::status(503));
/// assert_eq!(a.into_run().unwrap_err().status, 503);
/// ```
#[derive(Debug)]
pub enum Verdict<T> {
    /// Run the handler with this (the verified request).
    Run(T),
    /// Do not run the handler: answer with this.
    Answer(Answer),
}

impl<T> Verdict<T> {
    /// The same verdict with the run case transformed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Verdict<U> {
        match self {
            Verdict::Run(t) => Verdict::Run(f(t)),
            Verdict::Answer(a) => Verdict::Answer(a),
        }
    }

    /// The run case, or the answer as the error.
    pub fn into_run(self) -> Result<T, Answer> {
        match self {
            Verdict::Run(t) => Ok(t),
            Verdict::Answer(a) => Err(a),
        }
    }
}

/// A response the pipeline gives instead of the handler: a repeat's stored first response
/// (status, content type, body), or a bare status (the first delivery still in progress,
/// or the guard's store failed under `guard::StoreErrorPolicy::Refuse`).
///
/// ```
/// use twilio_webhook::pipeline::Answer;
/// let a = Answer::status(503);
/// assert_eq!((a.status, a.content_type, a.body.len()), (503, None, 0));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`, if the answer has a body type.
    pub content_type: Option<String>,
    /// The body (empty for a bare status, or when the first response was over the cap).
    pub body: Vec<u8>,
    /// When the first delivery was seen, for a repeat.
    pub first_seen: Option<SystemTime>,
}

impl Answer {
    /// A bare status, without body or content type.
    pub fn status(status: u16) -> Self {
        Answer {
            status,
            content_type: None,
            body: Vec::new(),
            first_seen: None,
        }
    }
}

impl core::fmt::Debug for Answer {
    // A stored body may carry personal data: only its size is shown.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .field("first_seen", &self.first_seen)
            .finish()
    }
}

/// Which delivery of a webhook this is, as the replay guard judged it.
///
/// ```
/// use twilio_webhook::pipeline::Delivery;
/// assert_eq!(Delivery::default(), Delivery::Unguarded);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// No guard on this route, or its store failed and the request runs unguarded.
    #[default]
    Unguarded,
    /// The first delivery: the guard holds its claim until the handler answers.
    First,
    /// A repeat, run anyway because the guard is in pass-through mode
    /// (`guard::GuardMode::PassThrough`).
    Repeat {
        /// When the first delivery was seen.
        first_seen: SystemTime,
        /// Whether the first delivery had completed (else it was still in progress).
        completed: bool,
    },
}

/// What an adapter owes the pipeline once the handler has answered: its response.
///
/// The middleware and the layer complete it from the handler's response; an extractor,
/// which never sees the response, hands it to the handler (`hook.completion`), which calls
/// `hook.completion.complete(status, content_type, body).await` with what it answers.
/// With a replay guard, a 2xx completes the claim and stores the response (status,
/// content type, and the body up to the guard's cap) for repeats; any other status, or
/// dropping the completion (the handler failed or panicked), releases the claim so that
/// Twilio's retry runs the handler again. Without a guard it does nothing and costs
/// nothing.
///
/// ```
/// # fn accepted() -> twilio_webhook::pipeline::Completion { unimplemented!() }
/// # async fn demo() {
/// let completion = accepted();
/// completion.complete(200, Some("text/xml"), b"<Response/>").await;
/// # }
/// ```
#[derive(Debug)]
#[must_use = "complete it with the handler's response; dropping it means the handler failed"]
pub struct Completion {
    #[cfg(feature = "guard")]
    claim: Option<crate::guard::ClaimHandle>,
    #[cfg(feature = "guard")]
    response_cap: usize,
    /// For the attempt log, when the completion fails (route with an attempt log only).
    #[cfg(feature = "guard")]
    report: Option<super::replay::CompletionReport>,
}

impl Completion {
    /// A completion with nothing to complete.
    pub(crate) fn none() -> Self {
        Completion {
            #[cfg(feature = "guard")]
            claim: None,
            #[cfg(feature = "guard")]
            response_cap: 0,
            #[cfg(feature = "guard")]
            report: None,
        }
    }

    #[cfg(feature = "guard")]
    pub(crate) fn claim(claim: crate::guard::ClaimHandle, response_cap: usize) -> Self {
        Completion {
            claim: Some(claim),
            response_cap,
            report: None,
        }
    }

    #[cfg(feature = "guard")]
    pub(crate) fn with_report(mut self, report: super::replay::CompletionReport) -> Self {
        self.report = Some(report);
        self
    }

    /// The guard's response cap when there is a claim to complete, else `None` (then the
    /// response need not be read at all).
    // Read by the middleware and the layer only.
    #[cfg_attr(
        not(any(feature = "axum", feature = "hyper", feature = "actix")),
        allow(dead_code)
    )]
    pub(crate) fn response_cap(&self) -> Option<usize> {
        #[cfg(feature = "guard")]
        if self.claim.is_some() {
            return Some(self.response_cap);
        }
        None
    }

    /// The handler answered `status` with this content type and body. A body over the
    /// guard's cap is not stored (repeats get the status and content type).
    ///
    /// A completion that fails, because the handler outlived the guard's lease (another
    /// replica may have taken the delivery over) or the store failed, is reported, never
    /// returned: a `webhook_guard_error` event at `error` (operation `complete`), and, on a
    /// route with an attempt log, a record of its own with status `error`, that event type
    /// and the reason (no headers or payload: the delivery's first record has them).
    pub async fn complete(self, status: u16, content_type: Option<&str>, body: &[u8]) {
        #[cfg(feature = "guard")]
        if let Some(claim) = self.claim {
            use crate::guard::GuardError;
            // A non-2xx releases the claim: the handler failed, Twilio's retry runs it.
            let result = claim.complete(status, content_type, body).await;
            if let Err(e @ (GuardError::LeaseLost | GuardError::Store(_))) = result {
                if let Some(report) = &self.report {
                    report.record(&e);
                }
            }
        }
        let _ = (status, content_type, body);
    }
}
