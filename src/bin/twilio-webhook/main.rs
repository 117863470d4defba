//! `twilio-webhook`: sign test requests, verify one, and explain why Twilio's are refused.
//!
//! The secret (Auth Token, or SharedKey secret with `--shared-key`/a settings header) comes
//! from `TWILIO_AUTH_TOKEN` or the first line of standard input, never from an argument,
//! and is never printed. Exit status: 0 the signature matches, 1 it does not, 2 bad usage.

mod error;
mod explain;
mod input;
mod secret;
mod sign;
mod verify;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Sign, verify and explain Twilio webhook signatures (X-Twilio-Signature).
///
/// The Auth Token is read from TWILIO_AUTH_TOKEN, or else from the first line of standard
/// input; it is never taken from an argument and never printed.
#[derive(Parser)]
#[command(name = "twilio-webhook", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the signature Twilio would send, and a ready curl command.
    Sign(sign::SignArgs),
    /// Verify one request: which key and URL variant matched, or the precise error.
    Verify(VerifyArgs),
    /// Verify, and on a mismatch show what was signed and which common mistake explains it.
    Explain(explain::ExplainArgs),
}

/// One request as the server received it.
#[derive(Args)]
struct VerifyArgs {
    /// The URL the request arrived at, as your server reconstructs it.
    url: String,
    /// The X-Twilio-Signature header.
    #[arg(long)]
    signature: String,
    #[command(flatten)]
    request: input::RequestArgs,
}

/// What a command concluded, as the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Match,
    Refused,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sign(args) => sign::run(&args).map(|()| Outcome::Match),
        Command::Verify(args) => verify::run(&args.url, &args.signature, &args.request),
        Command::Explain(args) => explain::run(&args),
    };
    match result {
        Ok(Outcome::Match) => ExitCode::SUCCESS,
        Ok(Outcome::Refused) => ExitCode::from(1),
        Err(e) => {
            eprintln!("twilio-webhook: {e}");
            ExitCode::from(2)
        }
    }
}
