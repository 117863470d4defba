//! The replay guard's step of the sequence: after a request verified, claim its delivery
//! and decide whether the handler runs.

use super::{Answer, Completion, Delivery, WebhookConfig};

/// What the guard made of a verified request.
pub(super) struct Guarded {
    pub(super) delivery: Delivery,
    pub(super) completion: Completion,
    /// `Some` when the handler does not run.
    pub(super) answer: Option<Answer>,
    /// The attempt's event type when the guard's verdict replaces the verified one.
    pub(super) event_type: Option<&'static str>,
    /// The store failed and the policy refuses: the attempt's status is `error`.
    pub(super) refused: bool,
}

impl Guarded {
    fn unguarded() -> Self {
        Guarded {
            delivery: Delivery::Unguarded,
            completion: Completion::none(),
            answer: None,
            event_type: None,
            refused: false,
        }
    }
}

impl WebhookConfig {
    /// Claims the delivery of a verified request whose `X-Twilio-Signature` is `signature`.
    #[cfg(not(feature = "guard"))]
    pub(super) async fn claim(&self, _tenant: Option<&str>, _signature: &str) -> Guarded {
        Guarded::unguarded()
    }

    /// Claims the delivery of a verified request whose `X-Twilio-Signature` is `signature`:
    /// the MAC is its decoded bytes, the key a digest of (tenant, MAC).
    #[cfg(feature = "guard")]
    pub(super) async fn claim(&self, tenant: Option<&str>, signature: &str) -> Guarded {
        use crate::guard::Claim;
        use base64::Engine as _;

        let Some(guard) = &self.guard else {
            return Guarded::unguarded();
        };
        let mut buf = [0u8; 64];
        // It verified, so it decodes; were it not to, its text is still one key per delivery.
        let decoded = base64::engine::general_purpose::STANDARD.decode_slice(signature, &mut buf);
        let mac = decoded
            .ok()
            .and_then(|n| buf.get(..n))
            .unwrap_or(signature.as_bytes());
        let claim = guard.claim(tenant, mac).await;
        let event_type = claim.event_type();
        let refused = matches!(claim, Claim::Refused(_));
        let (delivery, completion, answer) = match claim {
            Claim::First(handle) => (
                Delivery::First,
                Completion::claim(handle, guard.config().response_cap()),
                None,
            ),
            Claim::Duplicate(d) => (
                Delivery::Unguarded,
                Completion::none(),
                Some(Answer {
                    status: d.response.status,
                    content_type: d.response.content_type,
                    body: d.response.body,
                    first_seen: Some(d.first_seen),
                }),
            ),
            Claim::InProgress(p) => {
                let mut answer = Answer::status(p.status);
                answer.first_seen = Some(p.first_seen);
                (Delivery::Unguarded, Completion::none(), Some(answer))
            }
            Claim::Repeat(r) => (
                Delivery::Repeat {
                    first_seen: r.first_seen,
                    completed: r.response.is_some(),
                },
                Completion::none(),
                None,
            ),
            // The store failed; the guard reported it. The request runs as without a guard.
            Claim::Unguarded(_) => return Guarded::unguarded(),
            Claim::Refused(_) => {
                let status = crate::guard::REFUSED_STATUS;
                let answer = Answer {
                    content_type: Some(super::REFUSAL_CONTENT_TYPE.to_owned()),
                    body: super::response_text(status).as_bytes().to_vec(),
                    ..Answer::status(status)
                };
                (Delivery::Unguarded, Completion::none(), Some(answer))
            }
        };
        Guarded {
            delivery,
            completion,
            answer,
            event_type,
            refused,
        }
    }
}

impl WebhookConfig {
    /// Without the `guard` feature there is no claim to complete.
    #[cfg(not(feature = "guard"))]
    pub(super) fn report_failed_completion<H: crate::headers::HeaderSource>(
        &self,
        completion: Completion,
        _parts: &super::RequestParts<'_, H>,
        _url: Option<&str>,
        _tenant_id: Option<&str>,
    ) -> Completion {
        completion
    }

    /// Gives a first delivery's completion what the attempt log needs to record its
    /// failure (a lost lease, a store error) once the request is gone. Only a claim on a
    /// route with an attempt log pays for it.
    #[cfg(feature = "guard")]
    pub(super) fn report_failed_completion<H: crate::headers::HeaderSource>(
        &self,
        completion: Completion,
        parts: &super::RequestParts<'_, H>,
        url: Option<&str>,
        tenant_id: Option<&str>,
    ) -> Completion {
        let Some(log) = &self.attempt_log else {
            return completion;
        };
        if completion.response_cap().is_none() {
            return completion;
        }
        let client = match (self.forwarded_client(parts), parts.peer) {
            (Some(f), _) => OwnedClient::Forwarded(f),
            (None, Some(p)) => OwnedClient::Peer(p.ip()),
            (None, None) => OwnedClient::Unknown,
        };
        let text = |name| parts.headers.get(name).text().map(str::to_owned);
        completion.with_report(CompletionReport {
            log: std::sync::Arc::clone(log),
            clock: self.clock,
            tenant_id: tenant_id.map(str::to_owned),
            method: parts.method.to_owned(),
            endpoint: parts
                .path_and_query
                .split('?')
                .next()
                .unwrap_or("")
                .to_owned(),
            url: url.map(str::to_owned),
            client,
            user_agent: text(crate::headers::names::USER_AGENT),
            idempotency_token: text(crate::headers::names::IDEMPOTENCY_TOKEN),
        })
    }
}

#[cfg(feature = "guard")]
enum OwnedClient {
    Unknown,
    Peer(std::net::IpAddr),
    Forwarded(String),
}

/// The request a first delivery came with, owned, for the attempt-log record of a
/// completion that failed after the request was gone.
#[cfg(feature = "guard")]
pub(crate) struct CompletionReport {
    log: std::sync::Arc<dyn crate::report::AttemptLog>,
    clock: fn() -> std::time::SystemTime,
    tenant_id: Option<String>,
    method: String,
    endpoint: String,
    url: Option<String>,
    client: OwnedClient,
    user_agent: Option<String>,
    idempotency_token: Option<String>,
}

#[cfg(feature = "guard")]
impl core::fmt::Debug for CompletionReport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CompletionReport")
            .field("tenant_id", &self.tenant_id)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// No headers: the failed completion's record carries none (the delivery's own record
/// has them).
#[cfg(feature = "guard")]
struct NoHeaders;

#[cfg(feature = "guard")]
impl crate::headers::HeaderSource for NoHeaders {
    fn get(&self, _name: &str) -> crate::headers::HeaderValue<'_> {
        crate::headers::HeaderValue::Absent
    }
    fn for_each(&self, _f: &mut dyn FnMut(&str, &[u8])) {}
}

#[cfg(feature = "guard")]
impl CompletionReport {
    /// Records the failed completion: status `error`, event type `webhook_guard_error`,
    /// the reason, no headers or payload. The guard already emitted its `tracing` event.
    pub(crate) fn record(&self, error: &crate::guard::GuardError) {
        use crate::report::{Attempt, AttemptStatus, ClientAddr};
        let reason = error.to_string();
        let redaction = crate::redact::Redaction::default();
        let attempt = Attempt {
            time: (self.clock)(),
            provider: "twilio",
            tenant_id: self.tenant_id.as_deref(),
            method: &self.method,
            endpoint: &self.endpoint,
            url: self.url.as_deref(),
            status: AttemptStatus::Error,
            error: None,
            verified: None,
            url_variants_tried: crate::url::VariantSet::default(),
            client: match &self.client {
                OwnedClient::Unknown => ClientAddr::Unknown,
                OwnedClient::Peer(ip) => ClientAddr::Peer(*ip),
                OwnedClient::Forwarded(f) => ClientAddr::Forwarded(f),
            },
            user_agent: self.user_agent.as_deref(),
            idempotency_token: self.idempotency_token.as_deref(),
            body: b"",
            redaction: &redaction,
            headers: &NoHeaders,
            guard_event: Some("webhook_guard_error"),
            guard_reason: Some(&reason),
        };
        crate::report::report(&attempt, Some(&*self.log));
    }
}
