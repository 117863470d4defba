//! What stops a command before any verdict: all bad usage (exit status 2).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    #[error("no secret: set TWILIO_AUTH_TOKEN or pass it on the first line of standard input")]
    NoSecret,
    #[error("could not read standard input: {0}")]
    Stdin(std::io::Error),
    #[error("could not read {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("not a name=value parameter: {0:?}")]
    NotAParam(String),
    #[error("{path} is not an attempt-log row (a JSON object): {source}")]
    LogRow {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("the request cannot be built: {0}")]
    Request(#[from] twilio_webhook::testing::BuildError),
}
