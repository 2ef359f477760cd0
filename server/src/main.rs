#[tokio::main]
async fn main() {
    if let Err(err) = server::run().await {
        eprintln!("platform-builder failed to start: {err}");
        std::process::exit(1);
    }
}
