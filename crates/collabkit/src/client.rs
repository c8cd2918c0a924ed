//! A small client of one account's API, for what drives a server from outside: `trigger` and
//! the benchmark.

use anyhow::Context;
use serde_json::Value;

use crate::accounts::bearer_token;

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
