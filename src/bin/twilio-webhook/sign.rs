//! `sign`: the signature Twilio would send for a request, and a curl command that sends it.

use std::path::PathBuf;

use clap::Args;
use twilio_webhook::testing::{SignedParts, SignedRequest};

use crate::error::CliError;
use crate::{input, secret};

#[derive(Args)]
pub(crate) struct SignArgs {
    /// The webhook URL as configured in Twilio (query included).
    url: String,
    /// Form parameters, in order (repeats allowed): name=value.
    params: Vec<String>,
    /// Sign a JSON body from this file instead (bodySHA256 is added to the URL).
    #[arg(long, conflicts_with_all = ["get", "params"])]
    json: Option<PathBuf>,
    /// A GET: the parameters go into the query string.
    #[arg(long)]
    get: bool,
    /// Sign with this SharedKey id (HMAC-SHA256; the secret is read as the token is).
    #[arg(long, value_name = "KEY_ID")]
    shared_key: Option<String>,
}

pub(crate) fn run(args: &SignArgs) -> Result<(), CliError> {
    let mut req = match (&args.json, args.get) {
        (Some(path), _) => SignedRequest::json(&args.url, input::read_file(path)?),
        (None, true) => SignedRequest::get(&args.url),
        (None, false) => SignedRequest::post(&args.url),
    };
    for kv in &args.params {
        let (name, value) = kv
            .split_once('=')
            .ok_or_else(|| CliError::NotAParam(kv.clone()))?;
        req = req.param(name, value);
    }
    let secret = secret::read()?;
    req = match &args.shared_key {
        Some(id) => req.shared_key(id, secret),
        None => req.auth_token(secret),
    };
    let parts = req.parts()?;
    println!("URL: {}", parts.url);
    for name in ["x-twilio-signature", "x-twilio-webhooks-signature-settings"] {
        if let Some(value) = parts.header(name) {
            println!("{}: {value}", header_case(name));
        }
    }
    println!("\n{}", curl(&parts));
    Ok(())
}

/// A curl command sending exactly these parts.
fn curl(parts: &SignedParts) -> String {
    let mut cmd = format!("curl -i -X {} {}", parts.method, sh_quote(&parts.url));
    for (name, value) in &parts.headers {
        // curl writes Host from the URL and computes Content-Length itself.
        if name != "host" {
            cmd.push_str(&format!(
                " -H {}",
                sh_quote(&format!("{}: {value}", header_case(name)))
            ));
        }
    }
    if !parts.body.is_empty() {
        let body = String::from_utf8_lossy(&parts.body);
        cmd.push_str(&format!(" --data-binary {}", sh_quote(&body)));
    }
    cmd
}

/// `x-twilio-signature` as `X-Twilio-Signature`, for reading.
fn header_case(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Single-quoted for POSIX shells.
pub(crate) fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_header_case() {
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(header_case("x-twilio-signature"), "X-Twilio-Signature");
        assert_eq!(
            header_case("i-twilio-idempotency-token"),
            "I-Twilio-Idempotency-Token"
        );
    }
}
