//! Shared by the reporting tests: requests as an adapter builds them, and `tracing`
//! capture (structured, and as the JSON formatter prints it).
#![allow(dead_code)] // each test file uses a different subset

#[path = "../tracing_anchor/mod.rs"]
mod tracing_anchor;
pub(crate) use tracing_anchor::scoped_subscriber;

#[path = "../support/resolver.rs"]
mod resolver;
#[allow(unused_imports)] // guard_events.rs takes what it needs by name
pub(crate) use resolver::FailingResolver;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http::{HeaderMap, HeaderName, HeaderValue};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::Layer;
use twilio_webhook::pipeline::{
    PublicUrl, RequestParts, StaticKeys, VerifiedRequest, WebhookConfig,
};
use twilio_webhook::{Error, Verifier};

pub(crate) const TOKEN: &str = "tok-3c9f1e7a5b2d4c6e8f0a1b2c3d4e5f60";
pub(crate) const BASE: &str = "https://api.example.com";
pub(crate) const PATH: &str = "/v1/webhooks/twilio";
pub(crate) const QUERY: &str = "?tenant=acme-private-tag";
pub(crate) const TENANT: &str = "acme";
pub(crate) const USER_AGENT: &str = "TwilioProxy/1.1";
pub(crate) const PEER: &str = "203.0.113.7";
/// Personal data in the body: must reach the attempt log, never an event.
pub(crate) const BODY_SECRET: &str = "my PIN is 4921";

/// The public URL Twilio signs for `PATH` + `QUERY`.
pub(crate) fn signed_url() -> String {
    format!("{BASE}{PATH}{QUERY}")
}

/// The form parameters of an inbound message.
pub(crate) fn params(body_text: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("AccountSid", "AC3edf87da6dc2bd9a148492b81d6e1f89"),
        ("Body", body_text),
        ("From", "whatsapp:+17622158664"),
        ("MessageSid", "SM62847ac1d94938ad0267cdf6a2d778cd"),
    ]
}

pub(crate) fn encode(params: &[(&str, &str)]) -> Vec<u8> {
    serde_urlencoded::to_string(params)
        .expect("strings encode")
        .into_bytes()
}

/// The signature Twilio would send for `params` at [`signed_url`].
pub(crate) fn sign(params: &[(&str, &str)]) -> String {
    twilio_webhook::compute_twilio_signature(&signed_url(), params.iter().copied(), TOKEN)
}

/// One request as an adapter sees it.
pub(crate) struct Req {
    pub(crate) path_and_query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) peer: Option<SocketAddr>,
}

impl Req {
    /// A form POST to `PATH` + `QUERY` from `PEER`, with a user agent, signed with
    /// `signature` if given.
    pub(crate) fn form(body: Vec<u8>, signature: Option<&str>) -> Self {
        let mut r = Req {
            path_and_query: format!("{PATH}{QUERY}"),
            headers: HeaderMap::new(),
            body,
            peer: Some(SocketAddr::new(PEER.parse().unwrap(), 41234)),
        };
        r = r
            .header("host", "api.example.com")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("user-agent", USER_AGENT);
        match signature {
            Some(s) => r.header("x-twilio-signature", s),
            None => r,
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.append(
            HeaderName::from_static(name),
            HeaderValue::from_str(value).expect("test header values are visible ASCII"),
        );
        self
    }

    /// What an adapter does: the pipeline's sequence, with the body as read.
    /// Through a config that may carry a replay guard: `None` when the guard answered.
    #[allow(dead_code)] // Used by the guard's tests only.
    pub(crate) async fn send_guarded(
        &self,
        config: &WebhookConfig,
    ) -> Result<Option<VerifiedRequest>, Error> {
        let parts = RequestParts {
            method: "POST",
            path_and_query: &self.path_and_query,
            headers: &self.headers,
            peer: self.peer,
            framework_body_limit: None,
        };
        match config
            .verify(&parts, |_limit| async { Ok(&self.body[..]) })
            .await?
            .into_run()
        {
            Ok(accepted) => {
                accepted.completion.complete(200, None, b"").await;
                Ok(Some(accepted.request))
            }
            Err(_answer) => Ok(None),
        }
    }

    pub(crate) async fn send(&self, config: &WebhookConfig) -> Result<VerifiedRequest, Error> {
        let parts = RequestParts {
            method: "POST",
            path_and_query: &self.path_and_query,
            headers: &self.headers,
            peer: self.peer,
            framework_body_limit: None,
        };
        let accepted = config
            .verify(&parts, |_limit| async { Ok(&self.body[..]) })
            .await?
            .into_run()
            .expect("no replay guard");
        accepted.completion.complete(200, None, b"").await;
        Ok(accepted.request)
    }
}

/// One tenant, `acme`, holding `TOKEN`, behind `BASE`.
pub(crate) fn config() -> WebhookConfig {
    WebhookConfig::new(
        StaticKeys::with_tenant_id(Verifier::new(TOKEN), TENANT),
        PublicUrl::base(BASE).unwrap(),
    )
}

/// One `tracing` event as a layer saw it.
#[derive(Debug, Clone)]
pub(crate) struct Captured {
    pub(crate) level: Level,
    pub(crate) target: String,
    pub(crate) name: String,
    pub(crate) fields: BTreeMap<String, String>,
}

impl Captured {
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    pub(crate) fn names(&self) -> Vec<&str> {
        self.fields.keys().map(String::as_str).collect()
    }
}

struct FieldMap<'a>(&'a mut BTreeMap<String, String>);

impl Visit for FieldMap<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

pub(crate) type Events = Arc<Mutex<Vec<Captured>>>;

struct CaptureLayer(Events);

impl<S: Subscriber> Layer<S> for CaptureLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut FieldMap(&mut fields));
        let meta = event.metadata();
        self.0.lock().unwrap().push(Captured {
            level: *meta.level(),
            target: meta.target().to_owned(),
            name: meta.name().to_owned(),
            fields,
        });
    }
}

/// A subscriber that records every event, and the records.
pub(crate) fn capture() -> (impl Subscriber + Send + Sync, Events) {
    let events = Events::default();
    let subscriber = tracing_subscriber::registry().with(CaptureLayer(events.clone()));
    (subscriber, events)
}

/// Only the security events captured so far.
pub(crate) fn security(events: &Events) -> Vec<Captured> {
    events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.target == "twilio_webhook::security")
        .cloned()
        .collect()
}

#[derive(Clone, Default)]
pub(crate) struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A subscriber printing every event (all levels) as the demo servers do with
/// `LOG_FORMAT=json`: one flattened JSON object per line.
pub(crate) fn json_capture() -> (impl Subscriber + Send + Sync, Buffer) {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_max_level(Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    (subscriber, buffer)
}
