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
