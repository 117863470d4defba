//! Voice payloads (`feature = "serde"`, plus `axum` for the end-to-end tests): the samples in
//! `tests/data/voice/samples.json` (each citing the Twilio documentation it follows) decode
//! field by field, every value set keeps unknown values, numbers and repeated keys fail
//! precisely, values round-trip, and each sample goes through a real axum server over TCP,
//! signed, as `POST` and as `GET`. (`voice_actix.rs` and `voice_hyper.rs` run the same
//! end-to-end checks through the other adapters.)

mod voice_support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::routing::{on, MethodFilter};
use axum::{Form, Json, Router};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use twilio_webhook::adapters::axum::TwilioWebhook;
use twilio_webhook::payload::{
    AnsweredBy, CallDirection, CallStatus, CallStatusCallback, GatherAction, IncomingCall,
    IncomingMessage, RecordingSource, RecordingStatus, RecordingStatusCallback,
};
use twilio_webhook::pipeline::WebhookConfig;
use twilio_webhook::Verifier;
use voice_support::*;

fn extra(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

// ---------------------------------------------------------------- the samples themselves

#[test]
fn every_sample_cites_twilio_and_decodes_as_its_type() {
    let all = samples();
    assert_eq!(all.len(), 12, "a sample was added or lost");
    for s in &all {
        assert!(!s.note.is_empty(), "{}", s.name);
        assert!(
            s.source
                .iter()
                .all(|u| u.starts_with("https://") || u.starts_with("http://www.twilio.com/")),
            "{}: {:?}",
            s.name,
            s.source
        );
        assert!(
            s.source.iter().any(|u| u.contains("twilio.com/docs/")),
            "{}: every sample follows a Twilio documentation page",
            s.name
        );
        let decoded = decode_as(&s.kind, s.body().as_bytes());
        // The SDK signing example is not a whole webhook (see its note).
        assert_eq!(
            decoded.is_ok(),
            s.name != "signature_vector",
            "{}: {decoded:?}",
            s.name
        );
    }
}

#[test]
fn incoming_pstn_call_decodes_every_documented_field() {
    let call = IncomingCall::from_form(sample("incoming_call_pstn").body().as_bytes()).unwrap();
    assert_eq!(call.call_sid, "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_eq!(call.account_sid, "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_eq!(call.from, "+16175551212");
    assert_eq!(call.to, "+18005551212");
    assert_eq!(call.call_status, CallStatus::Ringing);
    assert_eq!(call.api_version.as_deref(), Some("2010-04-01"));
    assert_eq!(call.direction, Some(CallDirection::Inbound));
    assert_eq!(call.forwarded_from.as_deref(), Some("+16175550000"));
    assert_eq!(call.caller_name.as_deref(), Some("LOVELACE ADA"));
    assert_eq!(call.from_city.as_deref(), Some("BOSTON"));
    assert_eq!(call.from_state.as_deref(), Some("MA"));
    assert_eq!(call.from_zip.as_deref(), Some("02108"), "kept as text");
    assert_eq!(call.from_country.as_deref(), Some("US"));
    // Empty carrier data stays as sent: present but empty.
    assert_eq!(call.to_city.as_deref(), Some(""));
    assert_eq!(call.to_state.as_deref(), Some(""));
    assert_eq!(call.to_zip.as_deref(), Some(""));
    assert_eq!(call.to_country.as_deref(), Some("US"));
    assert_eq!(call.parent_call_sid, None);
    assert_eq!(call.call_token, None);
    assert_eq!(call.sip_domain, None);
    assert_eq!(
        call.extra,
        extra(&[("Called", "+18005551212"), ("Caller", "+16175551212")])
    );
}

#[test]
fn client_call_leg_has_parent_and_token() {
    let call = IncomingCall::from_form(sample("incoming_call_client").body().as_bytes()).unwrap();
    assert_eq!(call.from, "client:tommy");
    assert_eq!(call.to, "client:jenny");
    assert_eq!(call.direction, Some(CallDirection::OutboundDial));
    assert_eq!(
        call.parent_call_sid.as_deref(),
        Some("CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    );
    assert_eq!(call.call_token.as_deref(), Some("opaque-call-token"));
    assert_eq!(call.from_country, None, "absent, not empty");
    assert!(call.extra.is_empty(), "{:?}", call.extra);
}

#[test]
fn sip_call_names_the_sip_fields_and_keeps_custom_headers() {
    let call = IncomingCall::from_form(sample("incoming_call_sip").body().as_bytes()).unwrap();
    assert_eq!(call.from, "sip:alice@example.sip.twilio.com");
    assert_eq!(call.sip_domain.as_deref(), Some("example.sip.twilio.com"));
    assert_eq!(call.sip_username.as_deref(), Some("alice"));
    assert_eq!(
        call.sip_call_id.as_deref(),
        Some("a84b4c76e66710@pc33.example.com")
    );
    assert_eq!(call.sip_source_ip.as_deref(), Some("192.0.2.10"));
    assert_eq!(call.extra, extra(&[("SipHeader_X-Customer-Id", "4711")]));
}

#[test]
fn status_callbacks_decode_their_own_fields_and_the_call() {
    let ringing =
        CallStatusCallback::from_form(sample("call_status_ringing").body().as_bytes()).unwrap();
    assert_eq!(ringing.call.call_status, CallStatus::Ringing);
    assert_eq!(ringing.call.direction, Some(CallDirection::OutboundApi));
    assert_eq!(ringing.call.from, "+18005551212");
    assert_eq!(
        ringing.callback_source.as_deref(),
        Some("call-progress-events")
    );
    assert_eq!(
        ringing.timestamp.as_deref(),
        Some("Mon, 16 Aug 2010 03:45:01 +0000")
    );
    assert_eq!(ringing.sequence_number, Some(1));
    assert_eq!(ringing.call_duration, None);
    assert_eq!(ringing.duration, None);
    assert_eq!(ringing.sip_response_code, None);
    assert_eq!(ringing.answered_by, None);
    assert!(ringing.call.extra.is_empty(), "{:?}", ringing.call.extra);

    let done =
        CallStatusCallback::from_form(sample("call_status_completed_human").body().as_bytes())
            .unwrap();
    assert_eq!(done.call.call_status, CallStatus::Completed);
    assert!(done.call.call_status.is_final());
    assert_eq!(done.sequence_number, Some(3));
    assert_eq!(done.call_duration, Some(49));
    assert_eq!(done.duration, Some(1));
    assert_eq!(done.sip_response_code, Some(200));
    assert_eq!(done.answered_by, Some(AnsweredBy::Human));
    // The callback's own named fields are not repeated in the call's `extra`.
    assert_eq!(
        done.call.extra,
        extra(&[("MachineDetectionDuration", "2790")])
    );

    let busy = CallStatusCallback::from_form(sample("call_status_busy").body().as_bytes()).unwrap();
    assert_eq!(busy.call.call_status, CallStatus::Busy);
    assert_eq!(busy.sip_response_code, Some(486));
    assert_eq!((busy.call_duration, busy.duration), (Some(0), Some(0)));

    let machine =
        CallStatusCallback::from_form(sample("call_status_machine").body().as_bytes()).unwrap();
    assert_eq!(machine.call.call_status, CallStatus::InProgress);
    assert!(!machine.call.call_status.is_final());
    assert_eq!(machine.answered_by, Some(AnsweredBy::MachineEndBeep));
    assert!(machine.answered_by.as_ref().unwrap().is_machine());
}

#[test]
fn gather_actions_decode_digits_and_speech() {
    let digits = GatherAction::from_form(sample("gather_digits").body().as_bytes()).unwrap();
    assert_eq!(digits.digits.as_deref(), Some("1234"));
    assert_eq!(digits.finished_on_key.as_deref(), Some("#"));
    assert_eq!(digits.speech_result, None);
    assert_eq!(digits.confidence_score(), None);
    assert_eq!(digits.call.call_status, CallStatus::InProgress);
    assert_eq!(digits.call.call_sid, "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert!(digits.call.extra.is_empty(), "{:?}", digits.call.extra);

    let speech = GatherAction::from_form(sample("gather_speech").body().as_bytes()).unwrap();
    assert_eq!(
        speech.speech_result.as_deref(),
        Some("I'd like to check my order status.")
    );
    assert_eq!(speech.confidence.as_deref(), Some("0.9128385782241821"));
    assert_eq!(speech.confidence_score(), Some(0.912_838_578_224_182_1));
    assert_eq!(speech.digits, None);

    let mut odd = speech.clone();
    odd.confidence = Some("high".into());
    assert_eq!(odd.confidence_score(), None, "not a number: no score");
}

#[test]
fn recording_callbacks_decode_completed_and_absent() {
    let done = RecordingStatusCallback::from_form(sample("recording_completed").body().as_bytes())
        .unwrap();
    assert_eq!(done.account_sid, "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_eq!(
        done.call_sid.as_deref(),
        Some("CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    );
    assert_eq!(done.conference_sid, None);
    assert_eq!(done.recording_sid, "REaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_eq!(
        done.recording_url.as_deref(),
        Some(
            "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\
             /Recordings/REaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        )
    );
    assert_eq!(done.recording_status, RecordingStatus::Completed);
    assert_eq!(done.recording_duration, Some(6));
    assert_eq!(done.recording_channels, Some(2));
    assert_eq!(
        done.recording_start_time.as_deref(),
        Some("Mon, 16 Aug 2010 03:45:02 +0000")
    );
    assert_eq!(done.recording_source, Some(RecordingSource::DialVerb));
    assert_eq!(done.recording_track.as_deref(), Some("both"));
    assert_eq!(done.error_code, None);
    assert!(done.extra.is_empty(), "{:?}", done.extra);

    let absent =
        RecordingStatusCallback::from_form(sample("recording_absent").body().as_bytes()).unwrap();
    assert_eq!(absent.recording_status, RecordingStatus::Absent);
    assert_eq!(absent.error_code, Some(16102));
    assert_eq!(absent.recording_duration, Some(0));
    assert_eq!(absent.recording_channels, Some(1));
    assert_eq!(absent.recording_source, Some(RecordingSource::RecordVerb));
}

#[test]
fn conference_recording_names_the_conference_not_a_call() {
    let s = sample("recording_completed");
    let params = s
        .params
        .iter()
        .filter(|(k, _)| k != "CallSid" && k != "RecordingSource")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain([
            ("ConferenceSid", "CFaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("RecordingSource", "Conference"),
        ]);
    let cb = RecordingStatusCallback::from_form(encode(params).as_bytes()).unwrap();
    assert_eq!(cb.call_sid, None);
    assert_eq!(
        cb.conference_sid.as_deref(),
        Some("CFaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    );
    assert_eq!(cb.recording_source, Some(RecordingSource::Conference));
}

#[test]
fn the_sdk_signing_example_verifies_but_is_not_a_whole_gather() {
    let s = sample("signature_vector");
    Verifier::new(s.auth_token.as_deref().unwrap())
        .verify_form(
            s.url.as_deref().unwrap(),
            s.body().as_bytes(),
            s.signature.as_deref().unwrap(),
        )
        .expect("the documented example verifies");
    let err = GatherAction::from_form(s.body().as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid webhook payload: missing field `AccountSid`"
    );
}

#[test]
fn a_webhook_of_the_other_product_is_a_precise_error() {
    // The issue's symptom, both ways round: the error names the field that told them apart.
    let voice = sample("incoming_call_pstn").body();
    let err = IncomingMessage::from_form(voice.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid webhook payload: missing field `MessageSid`"
    );
    let sms = b"MessageSid=SM1&AccountSid=AC1&From=%2B16175551212&To=%2B18005551212&Body=hi";
    let err = IncomingCall::from_form(sms).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid webhook payload: missing field `CallSid`"
    );
    // A recording callback is not a call status callback (no From, To, CallStatus).
    let rec = sample("recording_completed").body();
    let err = CallStatusCallback::from_form(rec.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid webhook payload: missing field `From`"
    );
}

// ---------------------------------------------------------------- value sets

fn check_wire_set<T>(table: &[(&str, T)], unknown: fn(String) -> T)
where
    T: Clone + PartialEq + std::fmt::Debug + std::fmt::Display + Serialize + DeserializeOwned,
    T: for<'a> From<&'a str> + From<String>,
{
    let unknown_wires = ["something-new", "", "Completed"];
    let mut all: Vec<(String, T)> = table
        .iter()
        .map(|(w, v)| ((*w).to_owned(), v.clone()))
        .collect();
    // Wire names are case-sensitive; other spellings are kept, not guessed at.
    all.extend(
        unknown_wires
            .iter()
            .map(|w| ((*w).to_owned(), unknown((*w).to_owned()))),
    );
    for (wire, expected) in all {
        assert_eq!(T::from(wire.as_str()), expected, "{wire:?}");
        assert_eq!(T::from(wire.clone()), expected, "{wire:?}");
        assert_eq!(expected.to_string(), wire);
        let json = serde_json::to_value(&expected).unwrap();
        assert_eq!(json, Value::String(wire.clone()));
        assert_eq!(serde_json::from_value::<T>(json).unwrap(), expected);
    }
}

#[test]
fn every_value_set_decodes_its_documented_values_and_keeps_others() {
    check_wire_set(
        &[
            ("queued", CallStatus::Queued),
            ("initiated", CallStatus::Initiated),
            ("ringing", CallStatus::Ringing),
            ("in-progress", CallStatus::InProgress),
            ("completed", CallStatus::Completed),
            ("busy", CallStatus::Busy),
            ("failed", CallStatus::Failed),
            ("no-answer", CallStatus::NoAnswer),
            ("canceled", CallStatus::Canceled),
        ],
        CallStatus::Unknown,
    );
    check_wire_set(
        &[
            ("inbound", CallDirection::Inbound),
            ("outbound-api", CallDirection::OutboundApi),
            ("outbound-dial", CallDirection::OutboundDial),
            ("trunking-terminating", CallDirection::TrunkingTerminating),
            ("trunking-originating", CallDirection::TrunkingOriginating),
        ],
        CallDirection::Unknown,
    );
    check_wire_set(
        &[
            ("human", AnsweredBy::Human),
            ("machine_start", AnsweredBy::MachineStart),
            ("machine_end_beep", AnsweredBy::MachineEndBeep),
            ("machine_end_silence", AnsweredBy::MachineEndSilence),
            ("machine_end_other", AnsweredBy::MachineEndOther),
            ("fax", AnsweredBy::Fax),
            // Twilio's own "could not tell" is a known value, not the catch-all.
            ("unknown", AnsweredBy::Unknown),
        ],
        AnsweredBy::Other,
    );
    check_wire_set(
        &[
            ("in-progress", RecordingStatus::InProgress),
            ("paused", RecordingStatus::Paused),
            ("stopped", RecordingStatus::Stopped),
            ("processing", RecordingStatus::Processing),
            ("completed", RecordingStatus::Completed),
            ("absent", RecordingStatus::Absent),
            ("failed", RecordingStatus::Failed),
        ],
        RecordingStatus::Unknown,
    );
    check_wire_set(
        &[
            ("DialVerb", RecordingSource::DialVerb),
            ("Conference", RecordingSource::Conference),
            ("OutboundAPI", RecordingSource::OutboundApi),
            ("Trunking", RecordingSource::Trunking),
            ("RecordVerb", RecordingSource::RecordVerb),
            (
                "StartCallRecordingAPI",
                RecordingSource::StartCallRecordingApi,
            ),
            (
                "StartConferenceRecordingAPI",
                RecordingSource::StartConferenceRecordingApi,
            ),
        ],
        RecordingSource::Unknown,
    );
}

#[test]
fn unknown_values_in_a_webhook_are_kept_not_refused() {
    let s = sample("call_status_completed_human");
    let body = s
        .with("CallStatus", "on-hold")
        .replace("AnsweredBy=human", "AnsweredBy=robot");
    let cb = CallStatusCallback::from_form(body.as_bytes()).unwrap();
    assert_eq!(cb.call.call_status, CallStatus::Unknown("on-hold".into()));
    assert_eq!(cb.answered_by, Some(AnsweredBy::Other("robot".into())));
}

// ---------------------------------------------------------------- numbers, duplicates, absence

#[test]
fn invalid_numbers_name_their_field_and_do_not_echo_the_value() {
    let status = sample("call_status_completed_human");
    let recording = sample("recording_absent");
    let cases = [
        (&status, "CallDuration"),
        (&status, "Duration"),
        (&status, "SequenceNumber"),
        (&status, "SipResponseCode"),
        (&recording, "RecordingDuration"),
        (&recording, "RecordingChannels"),
    ];
    for (s, field) in cases {
        for bad in ["forty", "-1", "+5", "4294967296", "1.5"] {
            let err = decode_as(&s.kind, s.with(field, bad).as_bytes()).unwrap_err();
            assert_eq!(
                err,
                format!(
                    "invalid webhook payload: invalid {field}: expected a whole number from 0 \
                     to 4294967295"
                ),
                "{field}={bad}"
            );
        }
        decode_as(&s.kind, s.with(field, "").as_bytes()).expect("empty is absent");
    }
    let err = RecordingStatusCallback::from_form(recording.with("ErrorCode", "x").as_bytes())
        .unwrap_err();
    assert!(err.to_string().contains("invalid ErrorCode:"), "{err}");

    let cb = CallStatusCallback::from_form(status.with("CallDuration", "").as_bytes()).unwrap();
    assert_eq!(cb.call_duration, None);
}

#[test]
fn a_named_field_twice_is_refused_wherever_it_lives() {
    let status = sample("call_status_completed_human").body();
    // A field of the callback itself, and a field of the flattened call.
    for (field, value) in [
        ("SequenceNumber", "4"),
        ("CallSid", "CA2"),
        ("CallStatus", "failed"),
    ] {
        let body = format!("{status}&{field}={value}");
        let err = CallStatusCallback::from_form(body.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("invalid webhook payload: duplicate field `{field}`"),
        );
    }
    let gather = format!("{}&Digits=9", sample("gather_digits").body());
    assert_eq!(
        GatherAction::from_form(gather.as_bytes())
            .unwrap_err()
            .to_string(),
        "invalid webhook payload: duplicate field `Digits`"
    );
    let call = format!(
        "{}&From=%2B15550000000",
        sample("incoming_call_pstn").body()
    );
    assert_eq!(
        IncomingCall::from_form(call.as_bytes())
            .unwrap_err()
            .to_string(),
        "invalid webhook payload: duplicate field `From`"
    );
    let rec = format!(
        "{}&RecordingStatus=completed",
        sample("recording_absent").body()
    );
    assert_eq!(
        RecordingStatusCallback::from_form(rec.as_bytes())
            .unwrap_err()
            .to_string(),
        "invalid webhook payload: duplicate field `RecordingStatus`"
    );

    // An unnamed key twice: `extra` keeps the last value, as for Messaging.
    let body = format!("{status}&Tag=first&Tag=second");
    let cb = CallStatusCallback::from_form(body.as_bytes()).unwrap();
    assert_eq!(cb.call.extra["Tag"], "second");
}

#[test]
fn missing_required_fields_are_errors_naming_them() {
    let cases = [
        ("incoming_call_pstn", "CallStatus"),
        ("call_status_busy", "CallSid"),
        ("gather_digits", "To"),
        ("recording_completed", "RecordingSid"),
        ("recording_completed", "AccountSid"),
    ];
    for (name, field) in cases {
        let s = sample(name);
        let body = encode(
            s.params
                .iter()
                .filter(|(k, _)| k != field)
                .map(|(k, v)| (k, v)),
        );
        assert_eq!(
            decode_as(&s.kind, body.as_bytes()),
            Err(format!("invalid webhook payload: missing field `{field}`")),
            "{name} without {field}"
        );
    }
}

// ---------------------------------------------------------------- round trips

fn round_trips<T>(value: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_value(value).unwrap();
    assert!(
        json.get("call").is_none() && json.get("extra").is_none(),
        "wire shape: {json}"
    );
    assert_eq!(&serde_json::from_value::<T>(json).unwrap(), value);
    let form = serde_urlencoded::to_string(value).unwrap();
    assert_eq!(
        &serde_urlencoded::from_str::<T>(&form).unwrap(),
        value,
        "{form}"
    );
}

#[test]
fn every_sample_round_trips_through_json_and_form_in_the_wire_shape() {
    for s in samples().iter().filter(|s| s.name != "signature_vector") {
        let body = s.body();
        match s.kind.as_str() {
            "IncomingCall" => round_trips(&IncomingCall::from_form(body.as_bytes()).unwrap()),
            "CallStatusCallback" => {
                let cb = CallStatusCallback::from_form(body.as_bytes()).unwrap();
                let json = serde_json::to_value(&cb).unwrap();
                // Numbers are written as numbers in JSON, and flat beside the call fields.
                if let Some(n) = cb.sequence_number {
                    assert_eq!(json["SequenceNumber"], n);
                }
                assert_eq!(json["CallSid"], cb.call.call_sid.as_str());
                round_trips(&cb)
            }
            "GatherAction" => round_trips(&GatherAction::from_form(body.as_bytes()).unwrap()),
            _ => round_trips(&RecordingStatusCallback::from_form(body.as_bytes()).unwrap()),
        }
    }
    // Values built in code round-trip too (absent fields are omitted, not written empty).
    let call = IncomingCall::new("CA1", "AC1", "+1", "+2", CallStatus::Queued);
    assert_eq!(
        serde_json::to_string(&call).unwrap(),
        r#"{"CallSid":"CA1","AccountSid":"AC1","From":"+1","To":"+2","CallStatus":"queued"}"#
    );
    round_trips(&CallStatusCallback::new(call.clone()));
    round_trips(&GatherAction::new(call));
    round_trips(&RecordingStatusCallback::new(
        "AC1",
        "RE1",
        RecordingStatus::InProgress,
    ));
}

// ---------------------------------------------------------------- end to end over TCP

#[derive(Clone)]
struct AppState {
    config: Arc<WebhookConfig>,
    handled: Arc<AtomicUsize>,
}

impl FromRef<AppState> for Arc<WebhookConfig> {
    fn from_ref(s: &AppState) -> Self {
        s.config.clone()
    }
}

impl FromRef<AppState> for Arc<AtomicUsize> {
    fn from_ref(s: &AppState) -> Self {
        s.handled.clone()
    }
}

/// Verifies, decodes the typed payload (from the body for POST, the query for GET, as axum's
/// `Form` does) and echoes it back as JSON.
async fn echo<T: Serialize>(
    State(handled): State<Arc<AtomicUsize>>,
    hook: TwilioWebhook<Form<T>>,
) -> Json<T> {
    handled.fetch_add(1, Ordering::SeqCst);
    Json(hook.payload.0)
}

async fn serve() -> (SocketAddr, Arc<AtomicUsize>) {
    let config = WebhookConfig::single_token(TOKEN, PUBLIC_BASE).expect("config");
    let handled = Arc::new(AtomicUsize::new(0));
    let both = MethodFilter::GET.or(MethodFilter::POST);
    let app = Router::new()
        .route(route_of("IncomingCall"), on(both, echo::<IncomingCall>))
        .route(
            route_of("CallStatusCallback"),
            on(both, echo::<CallStatusCallback>),
        )
        .route(route_of("GatherAction"), on(both, echo::<GatherAction>))
        .route(
            route_of("RecordingStatusCallback"),
            on(both, echo::<RecordingStatusCallback>),
        )
        .with_state(AppState {
            config: Arc::new(config),
            handled: handled.clone(),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, handled)
}

#[tokio::test]
async fn every_sample_verifies_and_decodes_through_axum_as_post_and_get() {
    let (addr, handled) = serve().await;
    let sent = every_sample_as_post_and_get(addr).await;
    assert_eq!(handled.load(Ordering::SeqCst), sent);
}

#[tokio::test]
async fn tampered_or_mismatched_voice_webhooks_never_reach_the_handler() {
    let (addr, handled) = serve().await;
    tampered_requests_are_refused(addr).await;
    // Authentic but of another kind: refused by axum's form rejection, naming the field.
    let (status, body) = recording_callback_to_the_status_route(addr).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("missing field `From`"), "{body}");
    assert_eq!(handled.load(Ordering::SeqCst), 0);
}
