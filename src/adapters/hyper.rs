//! hyper adapter (being written).
