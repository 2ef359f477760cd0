#[tokio::main]
async fn main() {
    let result = match std::env::args().nth(1).as_deref() {
        None | Some("serve") => server::run().await,
        Some("rotate-secrets") => server::rotate_secrets().await,
        Some("verify-audit") => server::verify_audit().await,
        Some(other) => {
            eprintln!(
                "unknown command {other:?}; use `serve` (default), `rotate-secrets` or `verify-audit`"
            );
            std::process::exit(2);
        }
    };
    if let Err(err) = result {
        eprintln!("platform-builder: {err}");
        std::process::exit(1);
    }
}
