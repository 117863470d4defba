//! The secret, from `TWILIO_AUTH_TOKEN` or standard input: never an argument (it would show
//! in `ps` and shell history), never printed.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use twilio_webhook::Secret;

use crate::error::CliError;

pub(crate) const ENV: &str = "TWILIO_AUTH_TOKEN";

/// The secret, or [`CliError::NoSecret`] when neither source gives a non-empty one.
pub(crate) fn read() -> Result<Secret, CliError> {
    if let Some(token) = std::env::var_os(ENV).and_then(|v| v.into_string().ok()) {
        if !token.is_empty() {
            return Ok(Secret::from(token));
        }
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Auth Token (or set {ENV}): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(CliError::Stdin)?;
    let token = line.trim_end_matches(['\r', '\n']);
    if token.is_empty() {
        return Err(CliError::NoSecret);
    }
    Ok(Secret::from(token))
}
