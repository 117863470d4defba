//! The request a `verify` or `explain` judges, from the command line.

use std::path::PathBuf;

use clap::Args;
use twilio_webhook::{Payload, WebhookRequest};

use crate::error::CliError;

/// The body and settings header of the request.
#[derive(Args, Default)]
pub(crate) struct RequestArgs {
    /// The form body as received (`a=1&b=2`), sent as application/x-www-form-urlencoded.
    #[arg(long, conflicts_with_all = ["body", "content_type"])]
    pub(crate) form: Option<String>,
    /// A file holding the raw body as received (JSON or anything else).
    #[arg(long, requires = "content_type")]
    pub(crate) body: Option<PathBuf>,
    /// The Content-Type the body arrived with.
    #[arg(long, requires = "body")]
    pub(crate) content_type: Option<String>,
    /// The X-Twilio-Webhooks-Signature-Settings header, if the request had one.
    #[arg(long)]
    pub(crate) settings: Option<String>,
}

/// A received request, owned.
#[derive(Debug, Clone, Default)]
pub(crate) struct Received {
    pub(crate) url: String,
    pub(crate) settings: Option<String>,
    pub(crate) body: Vec<u8>,
    pub(crate) content_type: Option<String>,
}

impl Received {
    pub(crate) fn from_args(url: &str, args: &RequestArgs) -> Result<Self, CliError> {
        let (body, content_type) = match (&args.form, &args.body) {
            (Some(form), _) => (
                form.clone().into_bytes(),
                Some("application/x-www-form-urlencoded".to_owned()),
            ),
            (None, Some(path)) => (read_file(path)?, args.content_type.clone()),
            (None, None) => (Vec::new(), None),
        };
        Ok(Received {
            url: url.to_owned(),
            settings: args.settings.clone(),
            body,
            content_type,
        })
    }

    /// The crate's view of this request, with `signature`.
    pub(crate) fn as_request<'a>(&'a self, signature: &'a str) -> WebhookRequest<'a> {
        WebhookRequest {
            url: &self.url,
            signature: Some(signature),
            signature_settings: self.settings.as_deref(),
            payload: Payload::Body {
                bytes: &self.body,
                content_type: self.content_type.as_deref(),
            },
        }
    }

    /// Whether the body is a form (by its content type).
    pub(crate) fn is_form(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(twilio_webhook::is_form)
    }
}

pub(crate) fn read_file(path: &PathBuf) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::ReadFile {
        path: path.clone(),
        source,
    })
}
