//! The room protocol over channels: each client is a pair of channels given to
//! [`connection::serve`], against a hub on a real SQLite store. No socket, no sleep: every
//! wait is for a frame, bounded so a missing one fails the test instead of hanging it.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message};
use futures_util::{sink, stream};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{Hub, RealtimeConfig, connection};
use crate::delivery::handoff::Handoff;
use crate::metrics::Metrics;
use crate::store::*;

/// Longest wait for a frame that must come.
const PATIENCE: Duration = Duration::from_secs(10);

struct World {
    hub: Hub,
    store: SharedStore,
    room: Room,
    metrics: Arc<Metrics>,
    _dir: tempfile::TempDir,
}

async fn world(config: RealtimeConfig) -> World {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = DatabaseUrl::Sqlite(dir.path().join("realtime.db"));
    let store = open(&url, &StorageOptions::default())
        .await
        .expect("a SQLite store");
    let account = store.create_account("acme", "hash").await.expect("account");
    let new = NewRoom {
        custom_id: None,
        name: "Design review".into(),
    };
    let room = store.create_room(&account.id, new).await.expect("room");
    // No backlog: deliveries (there are no webhooks anyway) wait in the queue.
    let (handoff, _deliveries) = Handoff::new(Duration::from_secs(30), 0);
    let metrics = Arc::new(Metrics::new());
    let changes = crate::changes::Changes::new(store.clone(), handoff, metrics.clone());
    let hub = Hub::new(
        store.clone(),
        changes,
        Arc::from("node-test"),
        metrics.clone(),
        config,
        crate::user_tokens::UserTokens::new(&Default::default(), [1; 32]).expect("tokens"),
        (CancellationToken::new(), TaskTracker::new()),
    );
    World {
        hub,
        store,
        room,
        metrics,
        _dir: dir,
    }
}

/// A config without leave grace, so a last disconnection is a leave at once.
fn no_grace() -> RealtimeConfig {
    RealtimeConfig {
        leave_grace: Duration::ZERO,
        ..RealtimeConfig::default()
    }
}

impl World {
    async fn user(&self, name: &str) -> User {
        let new = NewUser {
            room_id: self.room.id.clone(),
            custom_id: None,
            name: name.into(),
            profile_picture: None,
            token: format!("tok_{name}"),
            token_sealed: format!("sealed_{name}"),
        };
        let change = self
            .store
            .create_user(&self.room.account_id, new, None)
            .await
            .expect("user");
        change.value
    }

    /// A client whose incoming side holds at most `buffer` frames the test has not read.
    fn connect(&self, user: &User, buffer: usize) -> Client {
        let (to_server, from_client) = mpsc::channel::<Result<Message, Infallible>>(16);
        let (to_client, from_server) = mpsc::channel::<Message>(buffer);
        let sink = Box::pin(sink::unfold(to_client, |tx, m: Message| async move {
            tx.send(m).await.map(|()| tx)
        }));
        let stream = Box::pin(stream::unfold(from_client, |mut rx| async move {
            rx.recv().await.map(|m| (m, rx))
        }));
        tokio::spawn(connection::serve(
            sink,
            stream,
            |_: &Infallible| false,
            self.hub.clone(),
            self.room.clone(),
            user.clone(),
        ));
        Client {
            to_server,
            from_server,
        }
    }
}

struct Client {
    to_server: mpsc::Sender<Result<Message, Infallible>>,
    from_server: mpsc::Receiver<Message>,
}

impl Client {
    /// The next frame but pings; `None` once the server let the connection go.
    async fn frame(&mut self) -> Option<Message> {
        loop {
            let next = tokio::time::timeout(PATIENCE, self.from_server.recv()).await;
            match next.expect("a frame in time") {
                Some(Message::Ping(_)) => continue,
                other => return other,
            }
        }
    }

    /// The next text frame, as JSON.
    async fn json(&mut self) -> Value {
        match self.frame().await {
            Some(Message::Text(t)) => serde_json::from_str(&t).expect("JSON"),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// The code of the close frame that comes, after any text frames.
    async fn close_code(&mut self) -> u16 {
        loop {
            match self.frame().await {
                Some(Message::Text(_)) => continue,
                Some(Message::Close(Some(CloseFrame { code, .. }))) => return code,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    }

    async fn send(&self, frame: Value) {
        let text = Message::Text(frame.to_string().into());
        self.to_server
            .send(Ok(text))
            .await
            .expect("connection open");
    }

    /// Proves the room sent this client nothing for what it sent so far. A pong means the
    /// connection passed its earlier frames to the room; a participants page, answered by
    /// the room after those, means the room handled them; a second pong comes after anything
    /// the room queued meanwhile.
    async fn nothing_pending(&mut self, w: &World) {
        self.send(json!({"type": "ping"})).await;
        assert_eq!(self.json().await, json!({"type": "pong"}));
        w.hub.participants(&w.room.id, None, 1).await;
        self.send(json!({"type": "ping"})).await;
        assert_eq!(self.json().await, json!({"type": "pong"}));
    }
}

#[tokio::test]
async fn a_joiner_is_welcomed_with_the_others_who_hear_of_it() {
    let w = world(no_grace()).await;
    let (ada, bob) = (w.user("ada").await, w.user("bob").await);
    let mut a = w.connect(&ada, 64);
    let welcome = a.json().await;
    assert_eq!(welcome["type"], "welcome");
    assert_eq!(welcome["room"]["id"], json!(w.room.id));
    assert_eq!(welcome["user"]["id"], json!(ada.id));
    assert_eq!(welcome["participants"], json!([]));

    let mut b = w.connect(&bob, 64);
    let welcome = b.json().await;
    assert_eq!(welcome["user"]["id"], json!(bob.id));
    let listed: Vec<&Value> = welcome["participants"].as_array().unwrap().iter().collect();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["user"]["id"], json!(ada.id));
    let joined = a.json().await;
    assert_eq!(joined["type"], "participant_joined");
    assert_eq!(joined["user"]["id"], json!(bob.id));
    b.nothing_pending(&w).await;

    let (page, more, total) = w.hub.participants(&w.room.id, None, 10).await;
    assert_eq!((page.len(), more, total), (2, false, 2));
    assert_eq!(w.metrics.connections.get(), 2);
}

#[tokio::test]
async fn presence_goes_to_the_others_and_into_later_welcomes() {
    let w = world(no_grace()).await;
    let (ada, bob, cy) = (w.user("ada").await, w.user("bob").await, w.user("cy").await);
    let mut a = w.connect(&ada, 64);
    a.json().await;
    let mut b = w.connect(&bob, 64);
    b.json().await;
    a.json().await; // bob joined

    a.send(json!({"type": "presence", "presence": {"cursor": [1, 2]}}))
        .await;
    assert_eq!(
        b.json().await,
        json!({"type": "presence", "userId": ada.id, "presence": {"cursor": [1, 2]},
               "color": super::protocol::color(&ada.id)})
    );
    a.nothing_pending(&w).await; // not echoed to its sender

    // A presence that is not an object is refused and changes nothing.
    a.send(json!({"type": "presence", "presence": 3})).await;
    assert_eq!(a.json().await["code"], "invalid_message");

    let mut c = w.connect(&cy, 64);
    let welcome = c.json().await;
    let of_ada = welcome["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user"]["id"] == json!(ada.id))
        .expect("ada listed")
        .clone();
    assert_eq!(of_ada["presence"], json!({"cursor": [1, 2]}));
}

#[tokio::test]
async fn a_broadcast_reaches_everyone_but_its_sender() {
    let w = world(no_grace()).await;
    let (ada, bob) = (w.user("ada").await, w.user("bob").await);
    let mut a = w.connect(&ada, 64);
    a.json().await;
    let mut b = w.connect(&bob, 64);
    b.json().await;
    a.json().await;
    // A second tab of ada's hears it too.
    let mut a2 = w.connect(&ada, 64);
    a2.json().await;

    b.send(json!({"type": "broadcast", "data": {"emoji": "🎉"}}))
        .await;
    let expected = json!({"type": "broadcast", "userId": bob.id, "data": {"emoji": "🎉"}});
    assert_eq!(a.json().await, expected);
    assert_eq!(a2.json().await, expected);
    b.nothing_pending(&w).await;
}

#[tokio::test]
async fn a_closed_last_connection_leaves_and_the_others_hear_it() {
    let w = world(no_grace()).await;
    let (ada, bob) = (w.user("ada").await, w.user("bob").await);
    let mut a = w.connect(&ada, 64);
    a.json().await;
    let mut b = w.connect(&bob, 64);
    b.json().await;
    a.json().await;

    let close = Message::Close(Some(CloseFrame {
        code: 1000,
        reason: "".into(),
    }));
    b.to_server.send(Ok(close)).await.unwrap();
    let left = a.json().await;
    assert_eq!(left["type"], "participant_left");
    assert_eq!(left["user"]["id"], json!(bob.id));
    assert!(b.frame().await.is_none(), "bob's connection ended");

    let (page, _, total) = w.hub.participants(&w.room.id, None, 10).await;
    assert_eq!(total, 1);
    assert_eq!(page[0].user.id, ada.id);
    assert_eq!(w.metrics.connections.get(), 1);
}

#[tokio::test]
async fn a_removed_user_is_closed_with_4001_and_a_full_room_refuses_with_4029() {
    let config = RealtimeConfig {
        room_max_participants: 2,
        ..no_grace()
    };
    let w = world(config).await;
    let (ada, bob, cy) = (w.user("ada").await, w.user("bob").await, w.user("cy").await);
    let mut a = w.connect(&ada, 64);
    a.json().await;
    let mut b = w.connect(&bob, 64);
    b.json().await;
    a.json().await;

    let mut c = w.connect(&cy, 64);
    assert_eq!(c.close_code().await, 4029);

    w.hub.remove_user(&w.room.id, &bob.id).await.unwrap();
    assert_eq!(b.close_code().await, 4001);
    assert_eq!(a.json().await["type"], "participant_left");
    assert_eq!(w.metrics.connections.get(), 1);
}

#[tokio::test]
async fn a_reader_too_slow_is_closed_with_4008_and_leaves() {
    let config = RealtimeConfig {
        send_queue_bytes: 4 * 1024,
        ..no_grace()
    };
    let w = world(config).await;
    let (ada, bob) = (w.user("ada").await, w.user("bob").await);
    let mut a = w.connect(&ada, 64);
    a.json().await;
    // Bob's side takes one frame and then is not read until the end.
    let mut b = w.connect(&bob, 1);
    assert_eq!(a.json().await["type"], "participant_joined");

    let data = "x".repeat(1024);
    let (mut left, mut gone) = (None, false);
    for _ in 0..40 {
        a.send(json!({"type": "broadcast", "data": data})).await;
        a.send(json!({"type": "ping"})).await;
        // Ada hears pongs and, once bob's queue overflowed, his leave.
        loop {
            let frame = a.json().await;
            if frame == json!({"type": "pong"}) {
                break;
            }
            assert_eq!(frame["type"], "participant_left");
            left = Some(frame);
        }
        // The pong came after the broadcast reached the room's inbox: this page is asked
        // after the room handled it.
        let (_, _, total) = w.hub.participants(&w.room.id, None, 10).await;
        if total == 1 {
            gone = true;
            break;
        }
    }
    assert!(gone, "bob was let go");
    let left = match left {
        Some(left) => left,
        None => a.json().await,
    };
    assert_eq!(left["type"], "participant_left");
    assert_eq!(left["user"]["id"], json!(bob.id));
    assert_eq!(b.close_code().await, 4008);
    assert_eq!(w.metrics.realtime_too_slow.get(), 1);
    assert_eq!(w.metrics.connections.get(), 1);
}
