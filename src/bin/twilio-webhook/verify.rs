//! `verify`: the crate's verdict on one request.

use twilio_webhook::{Error, Secret, SignatureSettings, Verified, Verifier};

use crate::input::{Received, RequestArgs};
use crate::{error::CliError, secret, Outcome};

pub(crate) fn run(url: &str, signature: &str, args: &RequestArgs) -> Result<Outcome, CliError> {
    let received = Received::from_args(url, args)?;
    let verdict = verdict(&received, signature, &secret::read()?);
    println!("{}", describe(&verdict));
    Ok(outcome(&verdict))
}

/// The crate's verdict, with the secret as Auth Token or as the settings header's SharedKey.
pub(crate) fn verdict(
    received: &Received,
    signature: &str,
    secret: &Secret,
) -> Result<Verified, Error> {
    let mut builder = Verifier::builder().auth_token(secret.clone());
    if let Ok(SignatureSettings {
        key_id: Some(id), ..
    }) = SignatureSettings::parse(received.settings.as_deref())
    {
        builder = builder.shared_key(id, secret.clone());
    }
    builder.build().verify(&received.as_request(signature))
}

pub(crate) fn describe(verdict: &Result<Verified, Error>) -> String {
    match verdict {
        Ok(v) => format!(
            "match: key {}, URL variant {}, {}",
            v.key, v.url_variant, v.algorithm
        ),
        Err(e) => format!("refused (HTTP {}): {e}", e.http_status()),
    }
}

pub(crate) fn outcome(verdict: &Result<Verified, Error>) -> Outcome {
    match verdict {
        Ok(_) => Outcome::Match,
        Err(_) => Outcome::Refused,
    }
}
