//! Shared by the demo servers (`axum_server`, `actix_server`, `hyper_server`): the two
//! endpoints of a WhatsApp service (incoming messages, status callbacks), configuration from
//! the environment, and ready-to-paste `curl` commands carrying valid signatures.

use std::fmt::Write as _;

/// Incoming WhatsApp/SMS messages.
pub const INCOMING_PATH: &str = "/v1/webhooks/twilio";
/// Message status callbacks.
pub const STATUS_PATH: &str = "/v1/webhooks/twilio/status";
/// What the incoming-message endpoint answers: an empty TwiML document.
pub const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";
/// Used when `TWILIO_AUTH_TOKEN` is unset. Never use it outside a demo.
pub const DEMO_TOKEN: &str = "demo-auth-token-0123456789abcdef";

/// Demo configuration, from `TWILIO_AUTH_TOKEN`, `PUBLIC_URL`, `PORT`, `BIND`, `TENANT_ID`.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    pub auth_token: String,
    /// Reported as `tenant_id` in events and the attempt log (default `demo`).
    pub tenant_id: String,
    pub token_is_demo: bool,
    pub public_url: String,
    pub port: u16,
    pub bind: String,
}

impl DemoConfig {
    pub fn from_env() -> Self {
        let port = std::env::var("PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(3000);
        let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1".into());
        let (auth_token, token_is_demo) = match std::env::var("TWILIO_AUTH_TOKEN") {
            Ok(t) if !t.is_empty() => (t, false),
            _ => (DEMO_TOKEN.to_owned(), true),
        };
        let public_url = std::env::var("PUBLIC_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
        let tenant_id = std::env::var("TENANT_ID").unwrap_or_else(|_| "demo".into());
        DemoConfig {
            auth_token,
            tenant_id,
            token_is_demo,
            public_url: public_url.trim_end_matches('/').to_owned(),
            port,
            bind,
        }
    }

    /// `BIND:PORT`.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.bind, self.port)
    }

    /// What a demo prints at start-up: where it listens, the token in use, and one signed
    /// `curl` command per endpoint (plus a tampered one that must get 403).
    pub fn banner(&self, framework: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "twilio-webhook {framework} demo listening on http://{}",
            self.addr()
        );
        let _ = writeln!(out, "public URL (what Twilio signs): {}", self.public_url);
        if self.token_is_demo {
            let _ = writeln!(
                out,
                "TWILIO_AUTH_TOKEN unset: using the demo token {DEMO_TOKEN}"
            );
        }
        let incoming = format!("{}{INCOMING_PATH}", self.public_url);
        let status = format!("{}{STATUS_PATH}", self.public_url);
        let _ = writeln!(out, "\n# incoming message (expect 200 with <Response/>):");
        let _ = writeln!(
            out,
            "{}",
            curl_command(&incoming, &sample_incoming(), &self.auth_token)
        );
        let _ = writeln!(out, "\n# status callback (expect 204):");
        let _ = writeln!(
            out,
            "{}",
            curl_command(&status, &sample_status(), &self.auth_token)
        );
        let mut forged = sample_incoming();
        forged[3].1 = "Forged body";
        let sig = twilio_webhook::compute_twilio_signature(
            &incoming,
            sample_incoming(),
            &self.auth_token,
        );
        let _ = writeln!(out, "\n# tampered body, original signature (expect 403):");
        let _ = writeln!(out, "{}", curl_with_signature(&incoming, &forged, &sig));
        out
    }
}

/// A realistic inbound WhatsApp message.
pub fn sample_incoming() -> Vec<(&'static str, &'static str)> {
    vec![
        ("MessageSid", "SM62847ac1d94938ad0267cdf6a2d778cd"),
        ("AccountSid", "AC3edf87da6dc2bd9a148492b81d6e1f89"),
        ("From", "whatsapp:+17622158664"),
        ("Body", "Hi there, can I reschedule?"),
        ("To", "whatsapp:+14155238886"),
        ("NumMedia", "0"),
        ("ProfileName", "Maria Jose"),
        ("WaId", "17622158664"),
    ]
}

/// A delivered-message status callback.
pub fn sample_status() -> Vec<(&'static str, &'static str)> {
    vec![
        ("MessageSid", "SMebd96fe8eaa2496572a6d70ec7f5c01f"),
        ("MessageStatus", "delivered"),
        ("AccountSid", "AC3edf87da6dc2bd9a148492b81d6e1f89"),
        ("To", "whatsapp:+14155550123"),
        ("From", "whatsapp:+14155238886"),
    ]
}

/// A `curl` command that POSTs `params` to `url` with the signature Twilio would send.
pub fn curl_command(url: &str, params: &[(&str, &str)], auth_token: &str) -> String {
    let sig = twilio_webhook::compute_twilio_signature(url, params.iter().copied(), auth_token);
    curl_with_signature(url, params, &sig)
}

/// A `curl` command with a given signature header.
pub fn curl_with_signature(url: &str, params: &[(&str, &str)], signature: &str) -> String {
    let mut cmd = format!(
        "curl -i -X POST {} -H {}",
        sh_quote(url),
        sh_quote(&format!("X-Twilio-Signature: {signature}"))
    );
    for (k, v) in params {
        let _ = write!(cmd, " --data-urlencode {}", sh_quote(&format!("{k}={v}")));
    }
    cmd
}

/// Single-quotes for a POSIX shell.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
