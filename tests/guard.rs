#[tokio::test]
async fn debug_output_shows_no_body_and_no_full_key() {
    let g = Guard::new(MemoryStore::new(10), GuardConfig::default()).unwrap();
    let Claim::First(h) = g.claim(Some("acme"), b"secret-mac").await else {
        panic!("first")
    };
    let key_hex = h.key().to_hex();
    let handle = format!("{h:?}");
    assert!(
        !handle.contains(&key_hex) && !handle.contains("secret-mac"),
        "{handle}"
    );
    h.complete(200, Some("text/xml"), b"<Say>PIN 4921</Say>")
        .await
        .unwrap();
    let claim = g.claim(Some("acme"), b"secret-mac").await;
    let shown = format!("{claim:?}");
    assert!(
        !shown.contains("4921") && !shown.contains(&key_hex),
        "{shown}"
    );
    assert!(shown.contains("body_len: 19"), "{shown}");
}
