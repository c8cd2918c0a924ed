#!/usr/bin/env bash
# Every check a change must pass, in the order that fails fastest: formatting, lints (warnings
# are errors), then every test of the workspace. The README's test command and .ci/run both run
# exactly this.
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
