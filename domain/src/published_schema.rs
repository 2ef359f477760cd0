//! Tests that a JSON Schema published in docs/ matches the model it describes.

/// Fails when `docs/<file>` differs from `schema`; `UPDATE_SCHEMA=1` writes it instead.
pub(crate) fn assert_published(schema: &serde_json::Value, file: &str) {
    let schema = serde_json::to_string_pretty(schema).unwrap() + "\n";
    let path = format!("{}/../docs/{file}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &schema).unwrap();
    }
    let published = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("docs/{file} exists; run with UPDATE_SCHEMA=1 to write it"));
    assert_eq!(
        published, schema,
        "docs/{file} is stale; run `UPDATE_SCHEMA=1 cargo test -p domain`"
    );
}
