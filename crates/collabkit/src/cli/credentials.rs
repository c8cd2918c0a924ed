//! A new API key's only showing: printed (`accounts create`, `rotate-key`) or written to
//! `--initial-credentials-file`.

use crate::accounts;

/// The JSON line of a key's only showing (stdout), and how to use it (stderr).
pub(super) fn show_key(created: &accounts::NewAccount, server: Option<&str>) {
    println!(
        "{}",
        serde_json::json!({"account_id": created.account.id, "api_key": created.api_key})
    );
    let bearer = accounts::bearer_token(&created.account.id, &created.api_key);
    eprintln!("Keep the API key: it is shown only this once.");
    eprintln!("Bearer token: {bearer}");
    if let Some(server) = server {
        eprintln!(
            "Try it: curl -s -H 'Authorization: Bearer {bearer}' {}/v1/accounts/{}/rooms",
            server.trim_end_matches('/'),
            created.account.id
        );
    }
}

/// `--initial-credentials-file`: `{"account_id", "api_key"}` as one JSON line (as `accounts
/// create` prints it), written to a temporary file made owner-only and then renamed over the
/// path, so no reader ever sees a partial or world-readable file.
pub(super) struct CredentialsFile {
    path: std::path::PathBuf,
    partial: std::path::PathBuf,
    file: std::fs::File,
}

impl CredentialsFile {
    pub(super) fn create(path: &std::path::Path) -> anyhow::Result<CredentialsFile> {
        use std::os::unix::fs::OpenOptionsExt;
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = std::path::PathBuf::from(partial);
        // Left by a start that died between creating and renaming it.
        let _ = std::fs::remove_file(&partial);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&partial)
            .map_err(|e| {
                anyhow::anyhow!(
                    "--initial-credentials-file: cannot create {}: {e}",
                    partial.display()
                )
            })?;
        Ok(CredentialsFile {
            path: path.to_owned(),
            partial,
            file,
        })
    }

    pub(super) fn write(mut self, created: &accounts::NewAccount) -> anyhow::Result<()> {
        use std::io::Write;
        let line =
            serde_json::json!({"account_id": created.account.id, "api_key": created.api_key});
        let written = writeln!(self.file, "{line}")
            .and_then(|()| self.file.sync_all())
            .and_then(|()| std::fs::rename(&self.partial, &self.path));
        written.map_err(|e| {
            anyhow::anyhow!(
                "cannot write {}: {e}; the first account {} exists: give it a key with \
                 `collabkit accounts rotate-key --account {}`",
                self.path.display(),
                created.account.id,
                created.account.id
            )
        })
    }

    /// The database had accounts already: nothing to write, and an earlier file stays.
    pub(super) fn discard(self) {
        let _ = std::fs::remove_file(&self.partial);
    }
}
