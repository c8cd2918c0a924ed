//! `TestApp`: the real server on an ephemeral port against a fresh database of the backend
//! `COLLABKIT_TEST_BACKEND` names (`sqlite`, the default: a file in a temporary directory).

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Once};

use collabkit::app::App;
use collabkit::config::Config;
use collabkit::store::DatabaseUrl;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

static TRACING: Once = Once::new();

/// The storage backends the tests can run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The test binary's backend when it has one (`api_postgres`), else `COLLABKIT_TEST_BACKEND`:
/// `sqlite` (the default) or `postgres`.
pub fn backend() -> Backend {
    if let Some(forced) = crate::FORCED_BACKEND {
        return forced;
    }
    match std::env::var("COLLABKIT_TEST_BACKEND").as_deref() {
        Err(_) | Ok("") | Ok("sqlite") => Backend::Sqlite,
        Ok("postgres") => Backend::Postgres,
        Ok(other) => panic!("COLLABKIT_TEST_BACKEND={other}: expected `sqlite` or `postgres`"),
    }
}

/// The PostgreSQL database of the servers run in `dir`, created on first use. Databases left
/// by an earlier run of the tests are dropped the first time.
pub async fn postgres_database(dir: &tempfile::TempDir) -> String {
    use collabkit_store_postgres::admin;
    static CLEANED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    let admin_url = admin::test_server_url();
    CLEANED
        .get_or_init(|| async {
            let client = admin::admin_client(&admin_url).await.unwrap_or_else(|e| {
                panic!("{e} (set COLLABKIT_TEST_POSTGRES_URL to another server)")
            });
            let stale = client
                .query(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'collabkit_api_%'
                     AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = pg_database.datname)",
                    &[],
                )
                .await
                .unwrap();
            for row in stale {
                let name: String = row.get(0);
                let _ = admin::drop_database(&admin_url, &name).await;
            }
        })
        .await;
    admin::create_database(&admin_url, &database_name(dir))
        .await
        .unwrap_or_else(|e| panic!("{e} (set COLLABKIT_TEST_POSTGRES_URL to another server)"))
}

/// Waits for what a test observes, never for a fixed time: calls `probe` every 20 ms until it
/// returns `Ok` (its value is returned), and fails the test with `what` and the state the last
/// `Err` described once `within` has passed.
pub async fn eventually<T, Fut>(
    within: std::time::Duration,
    what: &str,
    mut probe: impl FnMut() -> Fut,
) -> T
where
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match probe().await {
            Ok(done) => return done,
            Err(seen) => assert!(
                tokio::time::Instant::now() < deadline,
                "{what}: not within {within:?}; last seen: {seen}"
            ),
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The probe of an [`eventually`] that waits for a value to get somewhere: `Ok(value)` when
/// `done` holds of it, else `Err` showing it (so a timeout says what was seen last).
pub fn ok_if<T: std::fmt::Debug>(value: T, done: impl FnOnce(&T) -> bool) -> Result<T, String> {
    if done(&value) {
        Ok(value)
    } else {
        Err(format!("{value:?}"))
    }
}

/// Waits (at most 10 s) until `check` holds; `what` names it in the failure.
pub async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    eventually(std::time::Duration::from_secs(10), what, || {
        let checked = check();
        async move {
            if checked.await {
                Ok(())
            } else {
                Err("not yet".to_owned())
            }
        }
    })
    .await
}

/// A resource's `id` in an answer.
pub fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// A user's realtime `token` in an answer.
pub fn token(user: &Value) -> &str {
    user["token"].as_str().unwrap()
}

/// The session and participant events of an `/events` answer, oldest first, as `name` or
/// `name:userCustomId`.
pub fn session_event_names(body: &Value) -> Vec<String> {
    body["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["event"].as_str().unwrap().starts_with("user."))
        .map(|e| {
            let name = e["event"].as_str().unwrap();
            match e["payload"]["user"]["custom_id"].as_str() {
                Some(user) => format!("{name}:{user}"),
                None => name.to_string(),
            }
        })
        .collect()
}

/// A user of an answer without its `token` (asserted to be a JWT): every read issues a fresh
/// one, so two reads of a user agree on everything else.
pub fn untokened(user: &Value) -> Value {
    assert_eq!(token(user).split('.').count(), 3, "a JWT: {user}");
    let mut user = user.clone();
    user.as_object_mut().unwrap().remove("token");
    user
}

/// The PostgreSQL database of the servers run in `dir`: named after the directory, so that a
/// server restarted in it finds its database again.
fn database_name(dir: &tempfile::TempDir) -> String {
    let suffix: String = dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    format!("collabkit_api_{}", suffix.to_lowercase())
}

/// Drops the PostgreSQL database of a directory's servers when the last [`TestApp`] on it
/// goes, so a run leaves no databases behind (the sweep of `postgres_database` only catches
/// those of a run that was killed). Shared by every live server of the directory; a server
/// stopped for a restart parks it until the next one starts in the directory.
pub struct DatabaseGuard {
    admin_url: String,
    name: String,
}

/// The guards of the directories with live servers (weak: the servers hold them), and those
/// parked by [`TestApp::stop`] for a restart.
static GUARDS: std::sync::Mutex<
    std::collections::BTreeMap<PathBuf, std::sync::Weak<DatabaseGuard>>,
> = std::sync::Mutex::new(std::collections::BTreeMap::new());
/// A parked guard goes with its directory when no restart came: it is dropped at the next
/// server start of the run once its directory is gone.
type Parked = (std::sync::Weak<tempfile::TempDir>, Arc<DatabaseGuard>);
static PARKED: std::sync::Mutex<std::collections::BTreeMap<PathBuf, Parked>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

impl DatabaseGuard {
    /// The guard of `dir`'s database: the live one, the parked one, or a new one.
    fn of(dir: &tempfile::TempDir) -> Arc<DatabaseGuard> {
        let key = dir.path().to_owned();
        let mut guards = GUARDS.lock().unwrap();
        // A parked guard is taken back first: the park must not outlive the restart.
        let parked = {
            let mut parked = PARKED.lock().unwrap();
            parked.retain(|_, (dir, _)| dir.strong_count() > 0);
            parked.remove(&key).map(|(_, guard)| guard)
        };
        let live = || guards.get(&key).and_then(std::sync::Weak::upgrade);
        let guard = parked.or_else(live).unwrap_or_else(|| {
            Arc::new(DatabaseGuard {
                admin_url: collabkit_store_postgres::admin::test_server_url(),
                name: database_name(dir),
            })
        });
        guards.insert(key, Arc::downgrade(&guard));
        guard
    }
}

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // A drop cannot await: a thread with a runtime of its own, joined so the database is
        // gone when the test ends. `WITH (FORCE)` ends a server's connections still open.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(collabkit_store_postgres::admin::drop_database(&url, &name))
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

/// The server key of the servers run in `dir`: the same for every restart in it (on
/// PostgreSQL there is no key file; every node is given the key).
pub fn secret_key_for(dir: &tempfile::TempDir) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(dir.path().to_string_lossy().as_bytes());
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// Whether the backend is SQLite: tests about its files (the WAL, the key file, the bytes on
/// disk) run only there.
pub fn on_sqlite() -> bool {
    backend() == Backend::Sqlite
}

/// Logs only when `TEST_LOG` is set, so test output stays readable.
fn init_tracing() {
    TRACING.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            tracing_subscriber::fmt()
                .with_env_filter("info,collabkit=debug")
                .with_test_writer()
                .init();
        }
    });
}

pub struct TestApp {
    pub base: String,
    pub account_id: String,
    pub api_key: String,
    pub client: reqwest::Client,
    pub dir: Arc<tempfile::TempDir>,
    /// The running server's store, for setting up accounts.
    pub store: collabkit::store::SharedStore,
    shutdown: CancellationToken,
    server: JoinHandle<anyhow::Result<()>>,
    /// On PostgreSQL, drops the directory's database after its last server.
    database: Option<Arc<DatabaseGuard>>,
}

impl TestApp {
    /// A server on a fresh database, with one account.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Like [`TestApp::spawn`], with receivers on loopback allowed and a fast retry schedule,
    /// after `tune` adjusts the config.
    pub async fn spawn_for_delivery(tune: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_with(|c| {
            c.delivery.allow_private_destinations = true;
            c.delivery.retry_schedule = "100ms,100ms".parse().unwrap();
            c.delivery.counter_flush = std::time::Duration::from_millis(20);
            c.delivery.timeout = std::time::Duration::from_secs(5);
            tune(c)
        })
        .await
    }

    /// A server on a fresh database with a config adjusted by `tune`, with one account.
    pub async fn spawn_with(tune: impl FnOnce(&mut Config)) -> TestApp {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let mut app = Self::start(dir, None, tune).await;
        let created = collabkit::accounts::create(app.store.as_ref(), "test")
            .await
            .unwrap();
        app.account_id = created.account.id;
        app.api_key = created.api_key;
        app
    }

    /// The SQLite file of a server run in `dir` (tests about SQLite's files only).
    pub fn db_path(dir: &tempfile::TempDir) -> PathBuf {
        dir.path().join("collabkit.db")
    }

    /// The database of the servers run in `dir` and its config: the same for every restart
    /// in it.
    pub async fn config(dir: &tempfile::TempDir) -> Config {
        match backend() {
            Backend::Sqlite => Config::new(DatabaseUrl::Sqlite(Self::db_path(dir))),
            Backend::Postgres => {
                let url = postgres_database(dir).await;
                let mut config = Config::new(url.parse().expect("a PostgreSQL URL"));
                config.secret_key = Some(secret_key_for(dir).into());
                config.store.postgres.pool_size = 8;
                config
            }
        }
    }

    /// A server on the database in `dir`, acting as `creds` (account id, key) if given.
    pub async fn spawn_in(dir: Arc<tempfile::TempDir>, creds: Option<(String, String)>) -> TestApp {
        Self::start(dir, creds, |_| {}).await
    }

    /// Like [`TestApp::spawn_in`], after `tune` adjusts the config.
    pub async fn spawn_in_with(
        dir: Arc<tempfile::TempDir>,
        creds: Option<(String, String)>,
        tune: impl FnOnce(&mut Config),
    ) -> TestApp {
        Self::start(dir, creds, tune).await
    }

    async fn start(
        dir: Arc<tempfile::TempDir>,
        creds: Option<(String, String)>,
        tune: impl FnOnce(&mut Config),
    ) -> TestApp {
        init_tracing();
        let mut config = Self::config(&dir).await;
        config.shutdown_timeout = std::time::Duration::from_secs(5);
        // A loaded CI machine must not shed the tests' writes (the overload tests lower it).
        config.store.sqlite.max_write_wait = std::time::Duration::from_secs(10);
        tune(&mut config);
        let app = App::build(config).await.expect("app builds");
        let store = app.store().clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(app.run(listener, shutdown.clone()));
        let (account_id, api_key) = creds.unwrap_or_default();
        let database = (backend() == Backend::Postgres).then(|| DatabaseGuard::of(&dir));
        TestApp {
            base,
            account_id,
            api_key,
            client: client(),
            dir,
            store,
            shutdown,
            server,
            database,
        }
    }

    /// Stops the server gracefully and returns its data directory.
    pub async fn stop(self) -> Arc<tempfile::TempDir> {
        self.shutdown.cancel();
        self.server.await.unwrap().unwrap();
        // The directory's last server keeps its database for the next start in it.
        if let Some(guard) = self.database.filter(|g| Arc::strong_count(g) == 1) {
            PARKED.lock().unwrap().insert(
                self.dir.path().to_owned(),
                (Arc::downgrade(&self.dir), guard),
            );
        }
        self.dir
    }

    pub fn bearer(&self) -> String {
        collabkit::accounts::bearer_token(&self.account_id, &self.api_key)
    }

    /// An account-scoped URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}/v1/accounts/{}{}", self.base, self.account_id, path)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = req.bearer_auth(self.bearer()).send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
        };
        if status.is_client_error() || status.is_server_error() {
            assert_error_shape(&body);
        } else if !body.is_null() {
            assert_success_shape(&body);
        }
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.client.get(self.url(path))).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.client.post(self.url(path)).json(&body))
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.client.put(self.url(path)).json(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.client.patch(self.url(path)).json(&body))
            .await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.client.delete(self.url(path))).await
    }

    pub async fn create_room(&self, custom_id: &str) -> Value {
        let (status, body) = self
            .post(
                "/rooms",
                json!({"name": format!("Room {custom_id}"), "customId": custom_id}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["data"]["room"].clone()
    }

    pub async fn create_user(&self, room_id: &str, custom_id: &str) -> Value {
        let (status, body) = self
            .post(
                "/users",
                json!({"name": format!("User {custom_id}"), "roomId": room_id, "customId": custom_id}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["data"]["user"].clone()
    }

    /// Registers a webhook; returns the registration (with its secret).
    pub async fn create_webhook(&self, body: Value) -> Value {
        let (status, resp) = self.post("/webhooks", body).await;
        assert_eq!(status, StatusCode::CREATED, "{resp}");
        resp["data"]["webhook"].clone()
    }

    /// The deliveries of a registration, newest first.
    pub async fn deliveries(&self, webhook_id: &str) -> Vec<Value> {
        let (status, body) = self
            .get(&format!("/webhooks/{webhook_id}/deliveries?limit=100"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"]["deliveries"].as_array().unwrap().clone()
    }

    /// Polls a delivery until `done` holds (panics after 10 s).
    pub async fn delivery_until(
        &self,
        webhook_id: &str,
        delivery_id: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let path = format!("/webhooks/{webhook_id}/deliveries/{delivery_id}");
        let what = format!("delivery {delivery_id} got there");
        eventually(std::time::Duration::from_secs(10), &what, || async {
            let (status, body) = self.get(&path).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let delivery = body["data"]["delivery"].clone();
            if done(&delivery) {
                Ok(delivery)
            } else {
                Err(delivery.to_string())
            }
        })
        .await
    }

    pub async fn attempts(&self, webhook_id: &str, delivery_id: &str) -> Vec<Value> {
        let (status, body) = self
            .get(&format!(
                "/webhooks/{webhook_id}/deliveries/{delivery_id}/attempts"
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"]["attempts"].as_array().unwrap().clone()
    }

    /// The Prometheus text of `/metrics`.
    pub async fn metrics_text(&self) -> String {
        self.public_text("/metrics").await
    }

    /// The OpenAPI document of `/openapi.json`.
    pub async fn openapi(&self) -> Value {
        let text = self.public_text("/openapi.json").await;
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }

    /// The text of a path outside the accounts' API (no credentials), which must answer 200.
    async fn public_text(&self, path: &str) -> String {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        resp.text().await.unwrap()
    }

    /// Every stored event of the account, oldest first.
    pub async fn events(&self) -> Vec<Value> {
        let (status, body) = self.get("/events?limit=200").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"]["events"].as_array().unwrap().clone()
    }
}

/// The value of the sample `name` in the Prometheus text of `/metrics`: a metric's name, with
/// its labels as they are printed when it has any (`name{label="value"}`); `None` when absent.
pub fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// An HTTP client for tests. Tests speak plain HTTP to loopback, so the TLS set-up is made once
/// with no trusted roots: reading the platform's certificates for every client cost ~30 ms of CPU
/// per client in a debug build, which dominated tests that make a client per request.
pub fn client() -> reqwest::Client {
    static TLS: std::sync::OnceLock<rustls::ClientConfig> = std::sync::OnceLock::new();
    let tls = TLS.get_or_init(|| {
        rustls::ClientConfig::builder_with_provider(rustls::crypto::ring::default_provider().into())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth()
    });
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls.clone())
        .build()
        .expect("a plain HTTP client")
}

/// The envelope every JSON answer has: `{type: "response", success, description, data, error,
/// requestId}`, exactly those fields.
pub fn assert_envelope(body: &Value) {
    let fields = body
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {body}"));
    let mut keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "data",
            "description",
            "error",
            "requestId",
            "success",
            "type"
        ],
        "{body}"
    );
    assert_eq!(body["type"], "response", "{body}");
    assert!(body["success"].is_boolean(), "{body}");
    assert!(body["description"].is_string(), "{body}");
    assert!(
        !body["requestId"].as_str().unwrap_or_default().is_empty(),
        "{body}"
    );
}

/// A successful answer: the envelope with `success` true and `error` null.
pub fn assert_success_shape(body: &Value) {
    assert_envelope(body);
    assert_eq!(body["success"], true, "{body}");
    assert!(body["error"].is_null(), "{body}");
    assert!(body["data"].is_object(), "{body}");
}

/// Every error answer is the envelope with `success` false, `data` `{}` and an `error` of
/// exactly `{module, code, message, reason}`: an UPPER_CASE documented code, a snake_case reason.
pub fn assert_error_shape(body: &Value) {
    assert_envelope(body);
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["data"], json!({}), "{body}");
    let err = body["error"]
        .as_object()
        .unwrap_or_else(|| panic!("no error object: {body}"));
    assert_eq!(err.len(), 4, "{body}");
    let code = err["code"].as_str().unwrap();
    assert!(
        code.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
        "{code}"
    );
    let reason = err["reason"].as_str().unwrap();
    assert!(
        !reason.is_empty() && reason.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
        "{reason}"
    );
    assert!(!err["module"].as_str().unwrap().is_empty(), "{body}");
    assert!(!err["message"].as_str().unwrap().is_empty());
    assert_eq!(body["description"], err["message"], "{body}");
}

/// An open event stream (`/events/stream`) and what it has said so far, as text.
pub struct Follower {
    pub body: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    pub text: String,
}

impl Follower {
    /// Follows the stream `resp` opened (which must have answered 200).
    pub fn of(resp: reqwest::Response) -> Follower {
        use futures_util::StreamExt;
        assert_eq!(resp.status(), StatusCode::OK);
        Follower {
            body: resp.bytes_stream().boxed(),
            text: String::new(),
        }
    }

    /// Reads until the stream has said `needle` (panics after 10 s).
    pub async fn until(&mut self, needle: &str) {
        self.until_within(needle, std::time::Duration::from_secs(10))
            .await
    }

    /// Reads until the stream has said `needle` (panics after `within`).
    pub async fn until_within(&mut self, needle: &str, within: std::time::Duration) {
        use futures_util::StreamExt;
        tokio::time::timeout(within, async {
            while !self.text.contains(needle) {
                let chunk = self.body.next().await.expect("the stream stays open");
                self.text
                    .push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            }
        })
        .await
        .unwrap_or_else(|_| {
            panic!(
                "no {needle:?} within {within:?}; the stream said {:?}",
                self.text
            )
        });
    }
}

/// A `collabkit serve` process of the real binary (tests of the binary, the cluster and an
/// app backend's find-or-create).
pub struct Server {
    pub child: Child,
    pub stdout: Lines<BufReader<ChildStdout>>,
    pub base: String,
    /// The first account's (id, key) when this start created it.
    pub first_account: Option<(String, String)>,
}

impl Server {
    /// SIGTERM, and the exit it leads to (panics when it takes over 20 s).
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().unwrap().to_string();
        let killed = tokio::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(killed.success());
        // Drain stdout so the child never blocks on a full pipe.
        while let Ok(Some(_)) = self.stdout.next_line().await {}
        tokio::time::timeout(std::time::Duration::from_secs(20), self.child.wait())
            .await
            .expect("the server stops on SIGTERM")
            .unwrap()
    }
}

/// `collabkit serve` on `database` with `extra` flags, logging problems to `log`.
pub async fn start_binary(database: &str, log: std::path::PathBuf, extra: &[&str]) -> Server {
    start_binary_logging(database, log, extra, "warn").await
}

/// Like [`start_binary`], logging at `level` (a `COLLABKIT_LOG` filter).
pub async fn start_binary_logging(
    database: &str,
    log: std::path::PathBuf,
    extra: &[&str],
    level: &str,
) -> Server {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_collabkit"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
        .args(extra)
        .env("COLLABKIT_LOG", level)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut id, mut key) = (None, None);
    let base = loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), stdout.next_line())
            .await
            .expect("the server prints its address")
            .unwrap()
            .expect("the server exited early");
        if let Some(v) = line.trim().strip_prefix("account_id:") {
            id = Some(v.trim().to_string());
        }
        if let Some(v) = line.trim().strip_prefix("api_key:") {
            key = Some(v.trim().to_string());
        }
        if let Some(rest) = line.strip_prefix("CollabKit listening on ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    Server {
        child,
        stdout,
        base,
        first_account: id.zip(key),
    }
}
