//! `explain`: the verdict, and on a mismatch what was signed and which mistake explains it.

mod diff;
mod judge;
mod log_row;
mod mistakes;
mod reencode;
mod url_parts;

use std::path::PathBuf;

use clap::Args;
use serde_json::Value;
use twilio_webhook::{Error, Secret, SignatureSettings, UrlVariant};

use crate::error::CliError;
use crate::input::{Received, RequestArgs};
use crate::{secret, verify, Outcome};
use judge::{fingerprint, Evidence, Judge, Reading};
use mistakes::{Attempt, Cause};
use url_parts::UrlParts;

#[derive(Args)]
pub(crate) struct ExplainArgs {
    /// The URL the request arrived at, as your server reconstructs it (the row's with --log-row).
    #[arg(required_unless_present = "log_row")]
    url: Option<String>,
    /// The X-Twilio-Signature header (the row's fingerprint with --log-row).
    #[arg(long, required_unless_present = "log_row")]
    signature: Option<String>,
    #[command(flatten)]
    request: RequestArgs,
    /// The webhook URL as configured in the Twilio console.
    #[arg(long, value_name = "URL")]
    twilio_url: Option<String>,
    /// An attempt-log row to explain: a JSON object with the webhook_log columns.
    #[arg(long, value_name = "FILE")]
    log_row: Option<PathBuf>,
}

pub(crate) fn run(args: &ExplainArgs) -> Result<Outcome, CliError> {
    let console = args.twilio_url.as_deref();
    let Some(path) = &args.log_row else {
        let url = args.url.as_deref().unwrap_or_default();
        let received = Received::from_args(url, &args.request)?;
        let signature = args.signature.clone().unwrap_or_default();
        return explain(&received, Evidence::Signature(signature), console, true);
    };
    let row = log_row::read(path)?;
    println!("log row:{}", row.summary());
    let given = args
        .url
        .as_deref()
        .map(|u| Received::from_args(u, &args.request))
        .transpose()?;
    let mut from = row.to_request(given.as_ref(), args.signature.as_deref());
    if let (Some(r), Some(url)) = (&mut from.received, &args.url) {
        r.url.clone_from(url);
    }
    for note in &from.notes {
        println!("note: {note}");
    }
    match (from.received, from.evidence) {
        (Some(received), Some(evidence)) if from.lacks.is_empty() => {
            explain(&received, evidence, console, false)
        }
        _ => {
            for lack in &from.lacks {
                println!("cannot decide: {lack}");
            }
            Ok(Outcome::Refused)
        }
    }
}

/// Judges `received`, and on a mismatch tries the mistakes. `crate_verdict`: the evidence
/// is the whole request, so the crate's own verifier gives the verdict.
fn explain(
    received: &Received,
    evidence: Evidence,
    console: Option<&str>,
    crate_verdict: bool,
) -> Result<Outcome, CliError> {
    let secret = secret::read()?;
    let algorithm = match SignatureSettings::parse(received.settings.as_deref()) {
        Ok(s) => s.algorithm,
        Err(e) => {
            println!("verdict: refused: {e}");
            return Ok(Outcome::Refused);
        }
    };
    let reading = reading_of(received);
    let judge = Judge {
        secret: &secret,
        algorithm,
        evidence,
    };
    match first_verdict(&judge, received, &reading, &secret, crate_verdict) {
        Some(outcome) => return Ok(outcome),
        None => show_signed_texts(&judge, received, &reading),
    }
    let Some(seen) = UrlParts::parse(&received.url) else {
        println!("the URL is not absolute (scheme://host/…): nothing more to try");
        return Ok(Outcome::Refused);
    };
    let mut attempts = mistakes::attempts(&seen, &reading, json_as_form(received));
    if let Some(console) = console {
        attempts.extend(compare_console(console, &seen, &reading));
    }
    let matched: Vec<&Attempt> = attempts
        .iter()
        .filter(|a| judge.matching_variant(&a.url, &a.reading).is_some())
        .collect();
    if matched.is_empty() {
        println!("\nno listed mistake reproduces the signature. Check the secret (the Auth Token of the \
                  account that owns the number: a subaccount has its own; after a rotation the old one), \
                  whether the body was changed on the way{}",
                 if console.is_none() { ", and pass --twilio-url to compare with the console's URL (path prefixes, public hosts)" } else { "" });
    } else {
        println!("\nwould have matched:");
        for a in matched {
            println!(
                "  [{}] {}\n      signed: {}",
                a.cause.id(),
                a.cause.advice(),
                a.url
            );
        }
    }
    Ok(Outcome::Refused)
}

/// The verdict on the request as received; `None` when it is a mismatch worth explaining.
fn first_verdict(
    judge: &Judge<'_>,
    received: &Received,
    reading: &Reading,
    secret: &Secret,
    crate_verdict: bool,
) -> Option<Outcome> {
    if let (true, Evidence::Signature(sig)) = (crate_verdict, &judge.evidence) {
        let verdict = verify::verdict(received, sig, secret);
        println!("verdict: {}", verify::describe(&verdict));
        return match verdict {
            Ok(v) => {
                note_port_variant(v.url_variant);
                Some(Outcome::Match)
            }
            Err(Error::SignatureMismatch { .. } | Error::MissingBodyHash) => None,
            Err(Error::BodyHashMismatch) => {
                println!("the URL and signature match: the body changed after it was signed (its SHA-256 \
                          is not the URL's bodySHA256; a proxy re-serialised the JSON?)");
                Some(Outcome::Refused)
            }
            Err(_) => Some(Outcome::Refused),
        };
    }
    match judge.matching_variant(&received.url, reading) {
        Some(v) => {
            println!("verdict: match: URL variant {v}, {}", judge.algorithm);
            note_port_variant(v);
            Some(Outcome::Match)
        }
        None => {
            println!("verdict: refused: the signature matches no URL variant");
            None
        }
    }
}

/// A match on a port variant is accepted, but worth knowing about.
fn note_port_variant(variant: UrlVariant) {
    let what = match variant {
        UrlVariant::PortRemoved => "without the port the server sees",
        UrlVariant::DefaultPortAdded => "with the scheme's default port added",
        _ => return,
    };
    println!(
        "note: [port] Twilio signed the URL {what}; accepted, as by every official helper library"
    );
}

fn show_signed_texts(judge: &Judge<'_>, received: &Received, reading: &Reading) {
    println!("\nsigned text for each URL variant tried ({}, key withheld), and the fingerprint of its signature:",
             judge.algorithm);
    for (variant, text, fp) in judge.signed_texts(&received.url, reading) {
        println!("  {:<19} {fp}  {text:?}", variant.as_str());
    }
    let got = match &judge.evidence {
        Evidence::Signature(s) => fingerprint(s),
        Evidence::Fingerprint(f) => f.clone(),
    };
    println!("  {:<19} {got}", "received signature");
}

/// Names each difference between the console URL and the server's, and the attempt with
/// the console URL itself.
fn compare_console(console: &str, seen: &UrlParts, reading: &Reading) -> Option<Attempt> {
    let Some(mut c) = UrlParts::parse(console) else {
        println!("\n--twilio-url {console:?} is not an absolute URL: not compared");
        return None;
    };
    // Twilio appends bodySHA256 to the console URL for a JSON body.
    let seen_plain = mistakes::without_body_hash(seen);
    let differences = diff::differences(&c, &seen_plain);
    if differences.is_empty() {
        println!("\nthe console URL and the server's are the same");
    } else {
        println!("\nthe Twilio console URL against the server's:");
        for d in &differences {
            println!("  [{}] {}", d.id(), d.advice());
        }
    }
    if let Some(hash) = seen
        .query_pieces()
        .into_iter()
        .find(|p| p.starts_with("bodySHA256="))
    {
        c.query = Some(match c.query {
            Some(q) => format!("{q}&{hash}"),
            None => hash.to_owned(),
        });
    }
    Some(Attempt {
        cause: Cause::ConsoleUrl,
        url: c.to_url(),
        reading: reading.clone(),
    })
}

fn reading_of(received: &Received) -> Reading {
    if received.is_form() {
        Reading::Form(
            form_urlencoded::parse(&received.body)
                .into_owned()
                .collect(),
        )
    } else {
        Reading::UrlOnly
    }
}

/// A non-form body read as the form it may have been: a flat JSON object's members, or a
/// body that parses as `name=value` pairs.
fn json_as_form(received: &Received) -> Option<Reading> {
    if received.is_form() || received.body.is_empty() {
        return None;
    }
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&received.body) {
        let mut pairs = Vec::new();
        for (name, value) in map {
            let values = match value {
                Value::Array(items) => items,
                other => vec![other],
            };
            for v in values {
                let text = match v {
                    Value::String(s) => s,
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                pairs.push((name.clone(), text));
            }
        }
        return Some(Reading::Form(pairs));
    }
    let text = std::str::from_utf8(&received.body).ok()?;
    (text.contains('=') && !text.contains(char::is_whitespace)).then(|| {
        Reading::Form(
            form_urlencoded::parse(text.as_bytes())
                .into_owned()
                .collect(),
        )
    })
}
