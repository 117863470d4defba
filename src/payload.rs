//! Typed Twilio webhook payloads (being written).
