//! A throw-away PostgreSQL database per test, on the server `.ci/run` starts.
#![allow(dead_code)]

use sqlx::Connection;

/// The server's superuser URL, from `TWILIO_WEBHOOK_TEST_PG_URL`.
pub(crate) fn admin_url() -> String {
    std::env::var("TWILIO_WEBHOOK_TEST_PG_URL").expect(
        "TWILIO_WEBHOOK_TEST_PG_URL must name a PostgreSQL superuser URL (.ci/run starts a server and sets it)",
    )
}

/// A new, empty database on the test server; its URL.
pub(crate) async fn fresh_database() -> String {
    let admin = admin_url();
    let name = format!(
        "twh_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}
