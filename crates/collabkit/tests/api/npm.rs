//! Running npm in one of the repository's Node packages (`packages/utils`, `dashboard`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// `npm …` in `dir`; panics with its output when it fails.
pub fn run(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("npm is needed for the tests of {}: {e}", dir.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "npm {args:?} in {} failed:\n{text}",
        dir.display()
    );
    text
}

/// Installs the package's dependencies from its lockfile, once per test run.
pub fn installed(dir: &Path) {
    static DONE: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if done.get_or_insert_with(HashSet::new).insert(dir.to_owned()) {
        run(dir, &["ci", "--no-audit", "--no-fund"]);
    }
}
