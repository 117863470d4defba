//! axum adapter (being written).
