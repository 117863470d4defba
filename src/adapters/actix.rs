//! actix adapter (being written).
