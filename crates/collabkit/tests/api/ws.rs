//! A WebSocket test client for the realtime protocol.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::TestApp;

pub struct Ws {
    stream: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
}

impl std::fmt::Debug for Ws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ws")
    }
}

impl Ws {
    /// A client over a socket already open (its welcome not read yet).
    pub fn from_stream(stream: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>) -> Ws {
        Ws { stream }
    }

    /// The next text frame as it came (panics after 5 s or if the socket closes).
    pub async fn recv_text(&mut self) -> String {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(5), self.stream.next())
                .await
                .expect("a frame within 5 s")
                .expect("the socket is open")
                .unwrap();
            if let Message::Text(t) = frame {
                return t.to_string();
            }
        }
    }

    /// Connects as the user with this token and returns the client and its welcome.
    pub async fn connect(app: &TestApp, token: &str) -> (Ws, Value) {
        Self::connect_to(&app.base, token).await
    }

    /// Like [`Ws::connect`], to the server at `base` (`http://host:port`).
    pub async fn connect_to(base: &str, token: &str) -> (Ws, Value) {
        let url = format!(
            "{}/v1/connect?token={token}",
            base.replace("http://", "ws://")
        );
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connects");
        let mut ws = Ws { stream };
        let welcome = ws.recv().await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        (ws, welcome)
    }

    /// Opens a protocol version 2 socket to the server at `base`, not authenticated yet.
    pub async fn open_v2(base: &str) -> Ws {
        let url = format!("{}/v1/connect?v=2", base.replace("http://", "ws://"));
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connects");
        Ws { stream }
    }

    /// A version 2 connection authenticated with `token` (not joined), and the
    /// `authenticated` frame.
    pub async fn authenticated(base: &str, token: &str) -> (Ws, Value) {
        let mut ws = Self::open_v2(base).await;
        ws.send(serde_json::json!({"type": "auth", "token": token}))
            .await;
        let hello = ws.recv().await;
        assert_eq!(hello["type"], "authenticated", "{hello}");
        (ws, hello)
    }

    /// A version 2 connection authenticated with `token` and joined, and its welcome.
    pub async fn joined(base: &str, token: &str) -> (Ws, Value) {
        let (mut ws, _) = Self::authenticated(base, token).await;
        ws.send(serde_json::json!({"type": "join", "id": 1})).await;
        let welcome = ws.recv().await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        (ws, welcome)
    }

    /// The next JSON message (panics after 5 s or if the socket closes).
    pub async fn recv(&mut self) -> Value {
        match self.next(Duration::from_secs(5)).await {
            Some(v) => v,
            None => panic!("expected a message"),
        }
    }

    /// The next JSON message within `wait`, or `None` when none came or the socket closed.
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .ok()??;
            match frame.ok()? {
                Message::Text(t) => return Some(serde_json::from_str(&t).unwrap()),
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// The next message of type `kind`, skipping others.
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        loop {
            let m = self.recv().await;
            if m["type"] == kind {
                return m;
            }
        }
    }

    pub async fn send(&mut self, v: Value) {
        self.send_text(v.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.stream.send(Message::Text(text.into())).await.unwrap();
    }

    /// Waits until the server closes the socket; returns its close code.
    pub async fn closed(&mut self) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => panic!("the socket was not closed"),
                Ok(None) | Ok(Some(Err(_))) => return None,
                Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| f.code.into()),
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Closes as a browser does: sends a Close frame and waits for the server's answer, so
    /// closes made one after the other reach the server in that order.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
        let _ = self.closed().await;
    }

    /// Sends a Close frame with `code` (as a browser's `ws.close(code)`) and returns the code
    /// of the server's Close frame in answer, `None` if the connection ended without one.
    pub async fn close_with(mut self, code: u16) -> Option<u16> {
        use tokio_tungstenite::tungstenite::protocol::CloseFrame;
        self.stream
            .send(Message::Close(Some(CloseFrame {
                code: code.into(),
                reason: "bye".into(),
            })))
            .await
            .unwrap();
        self.closed().await
    }
}
