//! The crate is ready to publish: `cargo package` accepts it (metadata, no path dependencies,
//! its files), without building it again.

#[test]
fn cargo_package_accepts_the_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "package",
            "-p",
            "collabkit-webhooks",
            "--allow-dirty",
            "--no-verify",
            "--offline",
            "--list",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{listed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in ["Cargo.toml", "README.md", "src/lib.rs", "src/receive.rs"] {
        assert!(
            listed.lines().any(|l| l == file),
            "{file} missing:\n{listed}"
        );
    }
}
