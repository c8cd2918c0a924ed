//! The SDK runs (`--sdk`): `packages/client/bench/presence.mjs` under Node, against the real
//! server binary. The SDK is JavaScript, so its clients run where apps run them, in a Node
//! process; the script starts the server and prints its figures.

use std::path::PathBuf;

use anyhow::Context;

pub async fn run() -> anyhow::Result<()> {
    let package = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../packages/client");
    // The server binary cargo builds beside this one (`cargo build --release`).
    let binary = std::env::current_exe()?.with_file_name("collabkit");
    anyhow::ensure!(
        binary.exists(),
        "no server binary at {}: run `cargo build --release -p collabkit` first",
        binary.display()
    );
    if !package.join("dist/index.js").exists() {
        let built = tokio::process::Command::new("npm")
            .args(["run", "build"])
            .current_dir(&package)
            .status()
            .await
            .context("npm is needed for the SDK runs")?;
        anyhow::ensure!(built.success(), "building packages/client failed");
    }
    let status = tokio::process::Command::new("node")
        .arg("bench/presence.mjs")
        .current_dir(&package)
        .env("COLLABKIT_BIN", &binary)
        .status()
        .await
        .context("node (20 or later) is needed for the SDK runs")?;
    anyhow::ensure!(status.success(), "the SDK benchmark failed");
    Ok(())
}
