//! The realtime SDK `@collab-kit/client` (`packages/client`): installed from its lockfile,
//! built, type-checked and tested (`npm test`: node:test in Node and in Debian's Chromium,
//! against this very binary, on SQLite files and two nodes on PostgreSQL) as part of this test
//! command.

use std::path::{Path, PathBuf};
use std::process::Command;

fn package_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packages/client")
}

fn npm(args: &[&str]) -> String {
    crate::npm::run(&package_dir(), args)
}

fn installed() {
    crate::npm::installed(&package_dir());
}

/// `npm test` with `COLLABKIT_BIN` set to the binary cargo built (the tests start their own
/// servers with it; `COLLABKIT_TEST_POSTGRES_URL` and `CHROMIUM` pass through), then `npm pack`
/// would ship the built code and its types.
#[test]
fn the_client_sdk_builds_and_passes_its_tests_against_the_binary() {
    installed();
    let out = Command::new("npm")
        .arg("test")
        .current_dir(package_dir())
        .env("COLLABKIT_BIN", env!("CARGO_BIN_EXE_collabkit"))
        .output()
        .unwrap_or_else(|e| panic!("npm is needed for the tests of packages/client: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(
        out.status.success(),
        "npm test in packages/client failed:\n{text}"
    );
    assert!(text.contains("# fail 0"), "{text}");
    let packed = npm(&["pack", "--dry-run"]);
    for file in [
        "dist/index.js",
        "dist/index.d.ts",
        "README.md",
        "CHANGELOG.md",
    ] {
        assert!(packed.contains(file), "{file} not packed:\n{packed}");
    }
}
