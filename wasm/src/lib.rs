//! Nothing to use: this crate exists so that `cargo test --target wasm32-unknown-unknown`
//! (run from `wasm/`, see `.ci/run`) builds the core of `twilio-webhook` for WebAssembly and
//! runs its tests there. The tests are in `tests/`.
#![forbid(unsafe_code)]
