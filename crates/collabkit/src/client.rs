//! A small client of one account's API, for what drives a server from outside: `trigger`,
//! `listen` and the benchmark. Every answer is the API's envelope (`{type: "response", success,
//! description, data, error, requestId}`); a failure is an [`ApiFailure`] with the error's
//! `code`, `reason` and `message`.

use anyhow::Context;
use serde::Deserialize;
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

/// The API refused a request: its status and the envelope's error (`{module, code, message,
/// reason}`), or what could be made of an answer that was not the envelope (a proxy's page).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{method} {path}: {status} {code} ({reason}): {message}{}", request_id.as_ref().map(|id| format!(" [request {id}]")).unwrap_or_default())]
pub struct ApiFailure {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// `NOT_FOUND`, `VALIDATION_ERROR`, … (`HTTP_ERROR` when the answer had no error object).
    pub code: String,
    /// The precise cause: `not_found`, `invalid_body`, `room_full`, …
    pub reason: String,
    pub message: String,
    pub module: Option<String>,
    pub request_id: Option<String>,
}

impl ApiFailure {
    /// Whether the API answered 404 `NOT_FOUND`.
    pub fn is_not_found(&self) -> bool {
        self.status == 404 && self.code == "NOT_FOUND"
    }

    /// Reads a failed answer's body: the envelope's error, or the body's start as the message.
    pub fn parse(method: &str, path: &str, status: reqwest::StatusCode, body: &str) -> ApiFailure {
        #[derive(Deserialize)]
        struct Envelope {
            error: Option<ErrorObject>,
            #[serde(rename = "requestId")]
            request_id: Option<String>,
        }
        #[derive(Deserialize)]
        struct ErrorObject {
            module: Option<String>,
            code: String,
            message: String,
            reason: Option<String>,
        }
        let parsed = serde_json::from_str::<Envelope>(body).ok();
        let request_id = parsed.as_ref().and_then(|e| e.request_id.clone());
        match parsed.and_then(|e| e.error) {
            Some(e) => ApiFailure {
                method: method.to_owned(),
                path: path.to_owned(),
                status: status.as_u16(),
                reason: e.reason.unwrap_or_else(|| e.code.to_lowercase()),
                code: e.code,
                message: e.message,
                module: e.module,
                request_id,
            },
            None => ApiFailure {
                method: method.to_owned(),
                path: path.to_owned(),
                status: status.as_u16(),
                code: "HTTP_ERROR".to_owned(),
                reason: "http_error".to_owned(),
                message: body.chars().take(200).collect::<String>().trim().to_owned(),
                module: None,
                request_id,
            },
        }
    }
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
    /// the envelope's `data` (null for an empty answer). Any status but 2xx fails with an
    /// [`ApiFailure`] (`err.downcast_ref::<ApiFailure>()`); an unreachable server or an answer
    /// that is not the envelope fails with what went wrong.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let verb = method.to_string();
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
        if !status.is_success() {
            return Err(ApiFailure::parse(&verb, path, status, &text).into());
        }
        if text.is_empty() {
            return Ok(Value::Null);
        }
        data_of(&text).with_context(|| format!("{verb} {path}: {status}"))
    }
}

/// The `data` of a successful answer, checked to be the envelope.
fn data_of(text: &str) -> anyhow::Result<Value> {
    let mut answer: Value = serde_json::from_str(text).context("the answer is not JSON")?;
    anyhow::ensure!(
        answer["type"] == "response" && answer["success"] == true,
        "the answer is not the API's envelope: {}",
        text.chars().take(200).collect::<String>()
    );
    Ok(answer["data"].take())
}

#[cfg(test)]
mod tests {
    use super::{ApiFailure, data_of, server_url};

    #[test]
    fn a_failure_carries_the_envelopes_error() {
        let body = r#"{"type":"response","success":false,"description":"Room not found","data":{},"error":{"module":"Rooms","code":"NOT_FOUND","message":"room not found","reason":"not_found"},"requestId":"req_1"}"#;
        let f = ApiFailure::parse("GET", "/rooms/x", reqwest::StatusCode::NOT_FOUND, body);
        assert_eq!(
            (f.code.as_str(), f.reason.as_str(), f.module.as_deref()),
            ("NOT_FOUND", "not_found", Some("Rooms"))
        );
        assert!(f.is_not_found());
        assert_eq!(
            f.to_string(),
            "GET /rooms/x: 404 NOT_FOUND (not_found): room not found [request req_1]"
        );
        // A proxy's page: the status, and the body's start as the message.
        let f = ApiFailure::parse(
            "POST",
            "/rooms",
            reqwest::StatusCode::BAD_GATEWAY,
            "<html>bad gateway</html>",
        );
        assert_eq!((f.status, f.code.as_str()), (502, "HTTP_ERROR"));
        assert!(f.message.contains("bad gateway") && !f.is_not_found());
    }

    #[test]
    fn a_success_is_its_data() {
        let body = r#"{"type":"response","success":true,"description":"OK","data":{"room":{"id":"room_1"}},"error":null,"requestId":"req_1"}"#;
        assert_eq!(data_of(body).unwrap()["room"]["id"], "room_1");
        assert!(data_of(r#"{"data":{}}"#).is_err(), "not the envelope");
    }

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
