//! The server `benches/throughput/run.sh` loads with wrk: one axum 0.8 app, two routes that
//! do the same handler work on the same form body, one of them behind `TwilioWebhook`.
//!
//! ```sh
//! TWILIO_AUTH_TOKEN=... PORT=3000 WORKERS=1 \
//!   cargo run --release --example throughput_server --features axum
//! ```
//!
//! The routes (`/plain`, `/verified` with public URL `http://127.0.0.1:PORT`) are in
//! `benches/support/throughput_app.rs`.
//!
//! Environment: `TWILIO_AUTH_TOKEN` (required), `PORT` (3000), `WORKERS` (tokio worker
//! threads, 1 so the server can be pinned to one core with `taskset`).

#[path = "../support/throughput_app.rs"]
mod throughput_app;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = env_or("PORT", 3000);
    let workers: usize = env_or("WORKERS", 1);
    // No default token: a benchmark signed with one token and served with another would
    // measure 403s.
    let token = std::env::var("TWILIO_AUTH_TOKEN")
        .map_err(|_| "TWILIO_AUTH_TOKEN must be set (run.sh takes it from the workload)")?;
    let app = throughput_app::app(&token, &format!("http://127.0.0.1:{port}"))?;

    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            // run.sh waits for this line before loading the server.
            println!("throughput_server listening on 127.0.0.1:{port} with {workers} worker(s)");
            axum::serve(listener, app).await?;
            Ok(())
        })
}
