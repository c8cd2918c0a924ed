//! A small client of one account's API, for what drives a server from outside: `trigger` and
//! the benchmark.

use anyhow::Context;
use serde_json::Value;

use crate::accounts::bearer_token;

/// An argument of a command found wrong after parsing (it needed a look at the server, or
/// must not be echoed): the command exits with 2, as for an argument clap refuses.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The `--server` of the commands that drive a running server (`listen`, `trigger`): an http or
/// https URL, or a bare `host:port` read as `http://host:port` (what `serve` prints as its
/// address). Returned without a trailing slash.
pub fn server_url(s: &str) -> Result<String, String> {
    let hint = "expected the server's URL, such as http://127.0.0.1:8080 (or 127.0.0.1:8080)";
    // Without a scheme, `localhost:8080` would parse as the scheme `localhost`.
    let full = if s.contains("://") {
        s.to_owned()
    } else {
        format!("http://{s}")
    };
    let url = url::Url::parse(&full).map_err(|e| format!("{e}; {hint}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("not an http or https URL; {hint}"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("a server URL has no query or fragment; {hint}"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

pub struct AccountClient {
    http: reqwest::Client,
    /// `{server}/v1/accounts/{account_id}`.
    api: String,
    bearer: String,
}

impl AccountClient {
    pub fn new(http: reqwest::Client, server: &str, account_id: &str, api_key: &str) -> Self {
        AccountClient {
            http,
            api: format!("{}/v1/accounts/{account_id}", server.trim_end_matches('/')),
            bearer: bearer_token(account_id, api_key),
        }
    }

    /// Sends a JSON request to an account route (`path` after `/v1/accounts/{id}`) and returns
    /// the response's `data` (null for an empty answer), failing on any status but 2xx.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.api))
            .bearer_auth(&self.bearer);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let resp = request
            .send()
            .await
            .with_context(|| format!("cannot reach {}", self.api))?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        anyhow::ensure!(status.is_success(), "{path}: {status} {text}");
        Ok(if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str::<Value>(&text)?["data"].take()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::server_url;

    #[test]
    fn server_urls_take_a_bare_host_and_port() {
        assert_eq!(
            server_url("127.0.0.1:8090").as_deref(),
            Ok("http://127.0.0.1:8090")
        );
        assert_eq!(
            server_url("localhost:8090").as_deref(),
            Ok("http://localhost:8090")
        );
        assert_eq!(
            server_url("https://ck.example.com/").as_deref(),
            Ok("https://ck.example.com")
        );
        assert_eq!(
            server_url("http://10.0.0.2:80/base/").as_deref(),
            Ok("http://10.0.0.2/base")
        );
        for bad in ["ftp://x.example", "http://", "http://x?y=1", "::"] {
            let error = server_url(bad).unwrap_err();
            assert!(error.contains("http://127.0.0.1:8080"), "{bad}: {error}");
        }
    }
}
