//! Typed payloads (`feature = "serde"`): the two webhooks of the original system decoded from
//! real-looking bodies, every status, numbers, media, unknown and repeated keys, round trips.

use serde_json::Value;
use std::collections::BTreeMap;
use twilio_webhook::payload::{IncomingMessage, Media, MessageStatus, StatusCallback};
use twilio_webhook::Verifier;

const WORKLOAD: &str = include_str!("../benches/workload.json");

struct Case {
    auth_token: String,
    url: String,
    body: String,
    signature: String,
}

fn workload(name: &str) -> Case {
    let all: Vec<Value> = serde_json::from_str(WORKLOAD).expect("workload parses");
    let case = all
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no workload case {name}"));
    let field = |k: &str| case[k].as_str().expect(k).to_owned();
    Case {
        auth_token: field("auth_token"),
        url: field("url"),
        body: field("body"),
        signature: field("signature"),
    }
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

fn incoming(pairs: &[(&str, &str)]) -> IncomingMessage {
    IncomingMessage::from_form(form(pairs).as_bytes()).expect("decodes")
}

fn status(pairs: &[(&str, &str)]) -> StatusCallback {
    StatusCallback::from_form(form(pairs).as_bytes()).expect("decodes")
}

const BASE: &[(&str, &str)] = &[
    ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
    ("AccountSid", "AC3edf87da6dc2bd9a148492b81d6e1f89"),
    ("From", "whatsapp:+17622158664"),
    ("To", "whatsapp:+14155238886"),
];

fn with_base(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    BASE.iter().chain(extra).copied().collect()
}

#[test]
fn whatsapp_inbound_from_workload_verifies_then_decodes() {
    let case = workload("whatsapp_inbound");
    // The intended order: verify the raw body, then decode the typed view of it.
    Verifier::new(case.auth_token.as_str())
        .verify_form(&case.url, case.body.as_bytes(), &case.signature)
        .expect("workload body verifies");

    let msg = IncomingMessage::from_form(case.body.as_bytes()).expect("decodes");
    assert_eq!(msg.message_sid, "SM62847ac1d94938ad0267cdf6a2d778cd");
    assert_eq!(
        msg.sms_sid.as_deref(),
        Some("SM62847ac1d94938ad0267cdf6a2d778cd")
    );
    assert_eq!(
        msg.sms_message_sid.as_deref(),
        Some("SM62847ac1d94938ad0267cdf6a2d778cd")
    );
    assert_eq!(msg.account_sid, "AC3edf87da6dc2bd9a148492b81d6e1f89");
    assert_eq!(
        msg.messaging_service_sid.as_deref(),
        Some("MGa65c857c4eaf2bc61c8ae9e3018f4122")
    );
    assert_eq!(msg.from, "whatsapp:+17622158664");
    assert_eq!(msg.to, "whatsapp:+14155238886");
    assert_eq!(
        msg.body,
        "Hi there 👋 I'd like to reschedule my appointment from Tuesday 3pm to Thursday \
         morning if possible 🙏 Thanks so much! ✅"
    );
    assert_eq!(msg.num_media(), 0);
    assert!(msg.media.is_empty());
    assert_eq!(msg.num_segments, Some(1));
    assert_eq!(msg.referral_num_media, Some(0));
    assert_eq!(msg.profile_name.as_deref(), Some("María José 🌵"));
    assert_eq!(msg.wa_id.as_deref(), Some("17622158664"));
    assert_eq!(msg.message_type.as_deref(), Some("text"));
    assert_eq!(msg.sms_status.as_deref(), Some("received"));
    assert_eq!(msg.api_version.as_deref(), Some("2010-04-01"));
    // Empty carrier data stays as sent: present but empty.
    assert_eq!(msg.from_city.as_deref(), Some(""));
    assert_eq!(msg.from_state.as_deref(), Some(""));
    assert_eq!(msg.from_zip.as_deref(), Some(""));
    assert_eq!(msg.from_country.as_deref(), Some("US"));
    assert_eq!(msg.to_city, None);
    assert_eq!(msg.button_text, None);
    assert_eq!(msg.latitude, None);
    // The only field without a name of its own.
    assert_eq!(
        msg.extra.keys().collect::<Vec<_>>(),
        ["ChannelMetadata"],
        "{:?}",
        msg.extra
    );
    let meta: Value = serde_json::from_str(&msg.extra["ChannelMetadata"]).unwrap();
    assert_eq!(meta["data"]["context"]["WaId"], "17622158664");
}

#[test]
fn status_callback_from_workload_verifies_then_decodes() {
    let case = workload("status_callback");
    Verifier::new(case.auth_token.as_str())
        .verify_form(&case.url, case.body.as_bytes(), &case.signature)
        .expect("workload body verifies");

    let cb = StatusCallback::from_form(case.body.as_bytes()).expect("decodes");
    assert_eq!(cb.message_sid, "SMebd96fe8eaa2496572a6d70ec7f5c01f");
    assert_eq!(cb.message_status, MessageStatus::Delivered);
    assert_eq!(cb.sms_status, Some(MessageStatus::Delivered));
    assert_eq!(
        cb.sms_sid.as_deref(),
        Some("SMebd96fe8eaa2496572a6d70ec7f5c01f")
    );
    assert_eq!(cb.account_sid, "AC4e5b3173535c997be5a057d5c689c29b");
    assert_eq!(cb.to.as_deref(), Some("whatsapp:+14155550123"));
    assert_eq!(cb.from.as_deref(), Some("whatsapp:+14155238886"));
    assert_eq!(cb.api_version.as_deref(), Some("2010-04-01"));
    assert_eq!(cb.channel_prefix.as_deref(), Some("whatsapp"));
    assert_eq!(
        cb.channel_install_sid.as_deref(),
        Some("XE899692fa519ea350471af803e4fdf3a1")
    );
    assert_eq!(cb.channel_to_address.as_deref(), Some("+14155550123"));
    assert_eq!(cb.error_code, None);
    assert_eq!(cb.error_message, None);
    assert_eq!(cb.messaging_service_sid, None);
    assert!(cb.extra.is_empty(), "{:?}", cb.extra);
}

#[test]
fn whatsapp_media_message_builds_the_media_list_in_index_order() {
    let msg = incoming(&with_base(&[
        ("Body", ""),
        ("NumMedia", "2"),
        ("MessageType", "image"),
        // Index order, not key order, decides the list order.
        ("MediaContentType1", "application/pdf"),
        (
            "MediaUrl1",
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2",
        ),
        (
            "MediaUrl0",
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        ),
        ("MediaContentType0", "image/jpeg"),
    ]));
    assert_eq!(msg.num_media(), 2);
    assert_eq!(
        msg.media,
        vec![
            Media {
                url: "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1".into(),
                content_type: "image/jpeg".into(),
            },
            Media {
                url: "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2".into(),
                content_type: "application/pdf".into(),
            },
        ]
    );
    assert_eq!(msg.body, "");
    assert!(
        msg.extra.is_empty(),
        "media keys are moved out: {:?}",
        msg.extra
    );
}

#[test]
fn media_entries_beyond_num_media_stay_in_extra() {
    let msg = incoming(&with_base(&[
        ("NumMedia", "1"),
        ("MediaUrl0", "https://example.com/0"),
        ("MediaContentType0", "image/png"),
        ("MediaUrl3", "https://example.com/3"),
        ("MediaUrl", "https://example.com/unindexed"),
    ]));
    assert_eq!(msg.media.len(), 1);
    assert_eq!(msg.extra["MediaUrl3"], "https://example.com/3");
    assert_eq!(msg.extra["MediaUrl"], "https://example.com/unindexed");
}

#[test]
fn missing_media_entry_is_an_error_naming_it() {
    let body = form(&with_base(&[
        ("NumMedia", "2"),
        ("MediaUrl0", "https://example.com/0"),
        ("MediaContentType0", "image/png"),
        ("MediaUrl1", "https://example.com/1"),
    ]));
    let err = IncomingMessage::from_form(body.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid webhook payload: NumMedia is 2 but MediaContentType1 is missing"
    );

    // A huge count stops at the first missing entry instead of looping.
    let body = form(&with_base(&[("NumMedia", "4294967295")]));
    let err = IncomingMessage::from_form(body.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("MediaUrl0 is missing"), "{err}");
}

#[test]
fn location_message() {
    let msg = incoming(&with_base(&[
        ("MessageType", "location"),
        ("Latitude", "37.7749"),
        ("Longitude", "-122.4194"),
        ("Address", "1 Market St, San Francisco, CA 94105"),
        ("Label", "Twilio HQ"),
        ("NumMedia", "0"),
        ("Body", ""),
    ]));
    assert_eq!(msg.message_type.as_deref(), Some("location"));
    assert_eq!(msg.latitude.as_deref(), Some("37.7749"));
    assert_eq!(msg.longitude.as_deref(), Some("-122.4194"));
    assert_eq!(msg.coordinates(), Some((37.7749, -122.4194)));
    assert_eq!(
        msg.address.as_deref(),
        Some("1 Market St, San Francisco, CA 94105")
    );
    assert_eq!(msg.label.as_deref(), Some("Twilio HQ"));

    let mut no_fix = msg.clone();
    no_fix.longitude = Some("east".into());
    assert_eq!(no_fix.coordinates(), None);
}

#[test]
fn button_reply() {
    let msg = incoming(&with_base(&[
        ("MessageType", "button"),
        ("Body", "Yes, confirm"),
        ("ButtonText", "Yes, confirm"),
        ("ButtonPayload", "confirm_appointment_4711"),
        (
            "OriginalRepliedMessageSid",
            "SMfeedfacefeedfacefeedfacefeedface",
        ),
        ("OriginalRepliedMessageSender", "whatsapp:+14155238886"),
    ]));
    assert_eq!(msg.message_type.as_deref(), Some("button"));
    assert_eq!(msg.button_text.as_deref(), Some("Yes, confirm"));
    assert_eq!(
        msg.button_payload.as_deref(),
        Some("confirm_appointment_4711")
    );
    assert_eq!(
        msg.extra["OriginalRepliedMessageSid"],
        "SMfeedfacefeedfacefeedfacefeedface"
    );
    assert_eq!(msg.extra.len(), 2);
}

#[test]
fn every_message_status_and_an_unknown_one() {
    let table = [
        ("accepted", MessageStatus::Accepted),
        ("scheduled", MessageStatus::Scheduled),
        ("canceled", MessageStatus::Canceled),
        ("queued", MessageStatus::Queued),
        ("sending", MessageStatus::Sending),
        ("sent", MessageStatus::Sent),
        ("failed", MessageStatus::Failed),
        ("delivered", MessageStatus::Delivered),
        ("undelivered", MessageStatus::Undelivered),
        ("receiving", MessageStatus::Receiving),
        ("received", MessageStatus::Received),
        ("read", MessageStatus::Read),
        ("partially_delivered", MessageStatus::PartiallyDelivered),
        (
            "weird_new_status",
            MessageStatus::Unknown("weird_new_status".into()),
        ),
        // Wire names are lowercase; other spellings are kept, not guessed at.
        ("Delivered", MessageStatus::Unknown("Delivered".into())),
        ("", MessageStatus::Unknown(String::new())),
    ];
    for (wire, expected) in table {
        let cb = status(&[
            ("MessageSid", "SM1"),
            ("AccountSid", "AC1"),
            ("MessageStatus", wire),
            ("SmsStatus", wire),
        ]);
        assert_eq!(cb.message_status, expected, "{wire}");
        assert_eq!(cb.sms_status.as_ref(), Some(&expected), "{wire}");
        assert_eq!(cb.message_status.as_str(), wire);
        assert_eq!(cb.message_status.to_string(), wire);
        assert_eq!(
            serde_json::to_value(&cb.message_status).unwrap(),
            Value::String(wire.into())
        );
        let failure = matches!(wire, "failed" | "undelivered");
        assert_eq!(cb.message_status.is_failure(), failure, "{wire}");
    }
}

#[test]
fn error_code_present_empty_absent_and_invalid() {
    let with_code = |code: Option<&'static str>| {
        let mut pairs = vec![
            ("MessageSid", "SM1"),
            ("AccountSid", "AC1"),
            ("MessageStatus", "undelivered"),
        ];
        if let Some(code) = code {
            pairs.push(("ErrorCode", code));
        }
        StatusCallback::from_form(form(&pairs).as_bytes())
    };
    let cb = with_code(Some("30008")).unwrap();
    assert_eq!(cb.error_code, Some(30008));
    assert_eq!(with_code(Some("0")).unwrap().error_code, Some(0));
    assert_eq!(with_code(Some("")).unwrap().error_code, None);
    assert_eq!(with_code(None).unwrap().error_code, None);

    for bad in ["abc", "-1", "+5", " 5", "4294967296", "3.0"] {
        let err = with_code(Some(bad)).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid webhook payload: invalid ErrorCode: expected a whole number from 0 to \
             4294967295",
            "{bad:?}"
        );
    }
}

#[test]
fn invalid_numbers_in_incoming_name_their_field() {
    for (field, value) in [
        ("NumMedia", "two"),
        ("NumSegments", "-3"),
        ("ReferralNumMedia", "1e3"),
    ] {
        let body = form(&with_base(&[(field, value)]));
        let err = IncomingMessage::from_form(body.as_bytes()).unwrap_err();
        assert!(
            err.to_string().contains(&format!("invalid {field}:")),
            "{field}: {err}"
        );
        // Values are not echoed back.
        assert!(!err.to_string().contains(value), "{err}");
    }
    let msg = incoming(&with_base(&[("NumSegments", "")]));
    assert_eq!(msg.num_segments, None);
}

#[test]
fn missing_required_fields_are_errors_naming_them() {
    let err = IncomingMessage::from_form(b"AccountSid=AC1&From=a&To=b").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid webhook payload: missing field `MessageSid`"
    );
    let err = StatusCallback::from_form(b"MessageSid=SM1&AccountSid=AC1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid webhook payload: missing field `MessageStatus`"
    );
    // Body may be absent (media-only messages): it decodes as empty.
    assert_eq!(incoming(BASE).body, "");
}

#[test]
fn unknown_fields_are_kept_in_extra() {
    let msg = incoming(&with_base(&[
        ("Body", "hi"),
        ("ReferralBody", "Spring sale"),
        ("ReferralSourceUrl", "https://fb.me/abc"),
        ("Forwarded", "true"),
    ]));
    assert_eq!(
        msg.extra,
        BTreeMap::from([
            ("Forwarded".to_owned(), "true".to_owned()),
            ("ReferralBody".to_owned(), "Spring sale".to_owned()),
            (
                "ReferralSourceUrl".to_owned(),
                "https://fb.me/abc".to_owned()
            ),
        ])
    );

    let cb = status(&[
        ("MessageSid", "SM1"),
        ("AccountSid", "AC1"),
        ("MessageStatus", "sent"),
        ("ChannelStatusMessage", "ok"),
        ("RawDlrDoneDate", "2406011230"),
        ("StructuredMessage", "false"),
        ("Price", ""),
    ]);
    assert_eq!(cb.channel_status_message.as_deref(), Some("ok"));
    assert_eq!(cb.raw_dlr_done_date.as_deref(), Some("2406011230"));
    assert_eq!(
        cb.extra,
        BTreeMap::from([
            ("Price".to_owned(), String::new()),
            ("StructuredMessage".to_owned(), "false".to_owned()),
        ])
    );
}

#[test]
fn repeated_keys_named_field_rejected_unknown_field_last_wins() {
    // A named field twice is ambiguous: rejected rather than silently picking one.
    let body = form(&with_base(&[("Body", "first"), ("Body", "second")]));
    let err = IncomingMessage::from_form(body.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid webhook payload: duplicate field `Body`"
    );
    let err = StatusCallback::from_form(
        b"MessageSid=SM1&AccountSid=AC1&MessageStatus=sent&MessageStatus=read",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid webhook payload: duplicate field `MessageStatus`"
    );

    // An unknown key twice: `extra` keeps the last value.
    let msg = incoming(&with_base(&[("Tag", "first"), ("Tag", "second")]));
    assert_eq!(msg.extra["Tag"], "second");
    assert_eq!(msg.extra.len(), 1);

    // The workload's repeated-params case (unindexed `MediaUrl` twice, signed as such) is a
    // verification vector, not an incoming message: `MediaUrl0` is missing.
    let case = workload("repeated_params");
    let err = IncomingMessage::from_form(case.body.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("missing field"), "{err}");
}

#[test]
fn incoming_round_trips_through_json_and_form() {
    let case = workload("whatsapp_inbound");
    let mut msg = IncomingMessage::from_form(case.body.as_bytes()).unwrap();
    msg.media = vec![
        Media {
            url: "https://example.com/a".into(),
            content_type: "image/jpeg".into(),
        },
        Media {
            url: "https://example.com/b".into(),
            content_type: "video/mp4".into(),
        },
    ];
    msg.latitude = Some("37.7749".into());

    let json = serde_json::to_value(&msg).unwrap();
    // The stored shape is the wire shape.
    assert_eq!(json["MessageSid"], "SM62847ac1d94938ad0267cdf6a2d778cd");
    assert_eq!(json["NumMedia"], 2);
    assert_eq!(json["NumSegments"], 1);
    assert_eq!(json["MediaUrl1"], "https://example.com/b");
    assert_eq!(json["MediaContentType0"], "image/jpeg");
    assert_eq!(
        json["ChannelMetadata"],
        msg.extra["ChannelMetadata"].as_str()
    );
    assert_eq!(json["FromCity"], "");
    assert!(json.get("ToCity").is_none(), "absent fields are omitted");
    assert!(json.get("media").is_none() && json.get("extra").is_none());
    let back: IncomingMessage = serde_json::from_value(json).unwrap();
    assert_eq!(back, msg);

    let encoded = serde_urlencoded::to_string(&msg).unwrap();
    assert!(encoded.contains("NumMedia=2&"), "{encoded}");
    assert_eq!(IncomingMessage::from_form(encoded.as_bytes()).unwrap(), msg);

    // Numbers stored as text (the form's own shape) decode from JSON too.
    let text_numbers: IncomingMessage = serde_json::from_str(
        r#"{"MessageSid":"SM1","AccountSid":"AC1","From":"a","To":"b","NumMedia":"0","NumSegments":"3"}"#,
    )
    .unwrap();
    assert_eq!(text_numbers.num_segments, Some(3));

    let built = IncomingMessage::default();
    let back: IncomingMessage =
        serde_json::from_str(&serde_json::to_string(&built).unwrap()).unwrap();
    assert_eq!(back, built);
}

#[test]
fn status_round_trips_through_json_and_form() {
    let case = workload("status_callback");
    let mut cb = StatusCallback::from_form(case.body.as_bytes()).unwrap();
    cb.error_code = Some(63016);
    cb.extra.insert("Price".into(), "-0.0050".into());

    let json = serde_json::to_value(&cb).unwrap();
    assert_eq!(json["MessageStatus"], "delivered");
    assert_eq!(json["ErrorCode"], 63016);
    assert_eq!(json["Price"], "-0.0050");
    assert!(json.get("ErrorMessage").is_none());
    assert_eq!(serde_json::from_value::<StatusCallback>(json).unwrap(), cb);

    let encoded = serde_urlencoded::to_string(&cb).unwrap();
    assert!(encoded.contains("ErrorCode=63016"), "{encoded}");
    assert_eq!(StatusCallback::from_form(encoded.as_bytes()).unwrap(), cb);

    let mut unknown = StatusCallback::new("SM1", "AC1", "weird_new_status".into());
    unknown.error_code = None;
    let json = serde_json::to_string(&unknown).unwrap();
    assert_eq!(
        json,
        r#"{"MessageSid":"SM1","MessageStatus":"weird_new_status","AccountSid":"AC1"}"#
    );
    assert_eq!(
        serde_json::from_str::<StatusCallback>(&json).unwrap(),
        unknown
    );
}

// The extractors apps already use decode these types (both are built on serde_urlencoded;
// axum adds serde_path_to_error, which must cope with our hand-written `Deserialize`).

#[tokio::test]
async fn axum_form_extractor_decodes_incoming_message() {
    use axum::extract::{Form, FromRequest};
    let case = workload("whatsapp_inbound");
    let req = axum::http::Request::post("/v1/webhooks/twilio")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(case.body))
        .unwrap();
    let Form(msg) = Form::<IncomingMessage>::from_request(req, &())
        .await
        .expect("axum decodes");
    assert_eq!(msg.wa_id.as_deref(), Some("17622158664"));
    assert!(msg.extra.contains_key("ChannelMetadata"));

    let req = axum::http::Request::post("/v1/webhooks/twilio/status")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(
            "MessageSid=SM1&AccountSid=AC1&MessageStatus=read&ErrorCode=x",
        ))
        .unwrap();
    let rejection = Form::<StatusCallback>::from_request(req, &())
        .await
        .unwrap_err();
    assert!(
        rejection.body_text().contains("invalid ErrorCode"),
        "{}",
        rejection.body_text()
    );
}

#[actix_web::test]
async fn actix_form_extractor_decodes_status_callback() {
    use actix_web::{test::TestRequest, web::Form, FromRequest};
    let case = workload("status_callback");
    let (req, mut payload) = TestRequest::post()
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(case.body)
        .to_http_parts();
    let Form(cb) = Form::<StatusCallback>::from_request(&req, &mut payload)
        .await
        .expect("actix decodes");
    assert_eq!(cb.message_status, MessageStatus::Delivered);
    assert_eq!(cb.channel_prefix.as_deref(), Some("whatsapp"));
}

#[test]
fn invalid_utf8_is_replaced_not_a_panic() {
    let msg = IncomingMessage::from_form(b"MessageSid=SM%FF1&AccountSid=AC1&From=a&To=b&Body=\xff")
        .expect("decodes lossily");
    assert_eq!(msg.message_sid, "SM\u{FFFD}1");
    assert_eq!(msg.body, "\u{FFFD}");
}

/// `CallToken` lets whoever holds it forward the call with the caller's ID: `Debug` (of the
/// call, and of the Voice webhooks that repeat it) says that one came, never what it is.
#[test]
fn call_token_is_redacted_in_debug() {
    use twilio_webhook::payload::{CallStatusCallback, IncomingCall};
    const TOKEN: &str = "%7B%22parentCallInfoToken%22%3A%22eyJhbGciOiJFUzI1NiJ9.SECRET%22%7D";
    let fields = format!(
        "CallSid=CA1&AccountSid=AC1&From=%2B16175551212&To=%2B18005551212\
         &CallStatus=completed&CallToken={TOKEN}&CallDuration=7"
    );
    let call = IncomingCall::from_form(fields.as_bytes()).unwrap();
    let token = call.call_token.as_deref().unwrap();
    assert!(token.contains("SECRET"), "decoded: {token}");
    let callback = CallStatusCallback::from_form(fields.as_bytes()).unwrap();
    assert!(!format!("{call:#?}").contains("SECRET"));
    for debug in [format!("{call:?}"), format!("{callback:?}")] {
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(debug.contains("call_token: Some([redacted])"), "{debug}");
        assert!(debug.contains("call_sid: \"CA1\""), "{debug}");
    }
    let mut without = call.clone();
    without.call_token = None;
    assert!(format!("{without:?}").contains("call_token: None"));
}
