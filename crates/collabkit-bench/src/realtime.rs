//! The realtime runs: many connections at once, join/leave churn, presence fan-out latency.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::receiver::BenchReceiver;
use super::{BenchArgs, Server, in_parallel, percentile, rss_mib};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl Server {
    pub(crate) async fn room(&self, custom_id: &str) -> anyhow::Result<String> {
        let v: Value = self
            .http
            .post(format!("{}/rooms", self.api))
            .bearer_auth(&self.bearer)
            .json(&json!({"name": custom_id, "customId": custom_id}))
            .send()
            .await?
            .json()
            .await?;
        Ok(v["data"]["room"]["id"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("room creation failed: {v}"))?
            .to_owned())
    }

    /// Creates a user in `room` and returns its token.
    pub(crate) async fn user(&self, room: &str, custom_id: &str) -> anyhow::Result<String> {
        let v: Value = self
            .http
            .post(format!("{}/users", self.api))
            .bearer_auth(&self.bearer)
            .json(&json!({"name": custom_id, "customId": custom_id, "roomId": room}))
            .send()
            .await?
            .json()
            .await?;
        Ok(v["data"]["token"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("user creation failed: {v}"))?
            .to_owned())
    }

    /// Connects as a user and reads up to the welcome.
    async fn connect(&self, token: &str) -> anyhow::Result<Socket> {
        connect(&self.base, token).await
    }
}

async fn connect(base: &str, token: &str) -> anyhow::Result<Socket> {
    {
        let url = format!(
            "{}/v1/connect?token={token}",
            base.replace("http://", "ws://")
        );
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .read_buffer_size(4 * 1024)
            .write_buffer_size(0);
        let (mut ws, _) =
            tokio_tungstenite::connect_async_with_config(url, Some(config), false).await?;
        while let Some(frame) = ws.next().await {
            if let Message::Text(t) = frame?
                && t.contains(r#""type":"welcome""#)
            {
                return Ok(ws);
            }
        }
        anyhow::bail!("closed before the welcome")
    }
}

/// Client and server sockets both live in this process: two descriptors per connection.
// The workspace denies unsafe code; raising a process limit has no safe std API.
#[allow(unsafe_code)]
pub(crate) fn raise_fd_limit(want: u64) -> u64 {
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 1024;
        }
        if lim.rlim_cur < want {
            let raised = libc::rlimit {
                rlim_cur: want,
                rlim_max: lim.rlim_max.max(want),
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return want;
            }
            let capped = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &capped) == 0 {
                return lim.rlim_max;
            }
        }
        lim.rlim_cur
    }
}

/// `collabkit-bench clients`: opens a connection per token, reports `opened <seconds>`, and
/// holds them until its standard input closes.
#[derive(clap::Args, Debug)]
pub struct ClientsArgs {
    #[arg(long)]
    base: String,
    #[arg(long)]
    tokens: std::path::PathBuf,
}

pub async fn clients(args: ClientsArgs) -> anyhow::Result<()> {
    let tokens: Vec<String> = std::fs::read_to_string(&args.tokens)?
        .lines()
        .map(str::to_owned)
        .collect();
    raise_fd_limit(tokens.len() as u64 + 1024);
    let base = Arc::new(args.base);
    let n = tokens.len();
    let tokens = Arc::new(tokens);
    let started = Instant::now();
    let sockets = in_parallel(n, 64, move |i| {
        let (base, tokens) = (base.clone(), tokens.clone());
        async move { connect(&base, &tokens[i]).await }
    })
    .await?;
    println!("opened {}", started.elapsed().as_secs_f64());
    let mut sink = String::new();
    let _ = tokio::io::AsyncReadExt::read_to_string(&mut tokio::io::stdin(), &mut sink).await;
    drop(sockets);
    Ok(())
}

pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let limit = raise_fd_limit(args.connections as u64 + 4096);
    let connections = args.connections.min((limit as usize).saturating_sub(4096));
    if connections < args.connections {
        println!("(descriptor limit {limit}: running {connections} connections)");
    }
    // No leave grace: every close is a leave, so churn produces its events at once.
    let server = Arc::new(
        Server::start_with(args, |c| {
            c.realtime.leave_grace = Duration::ZERO;
            c.realtime.max_per_account = usize::MAX;
        })
        .await?,
    );
    let rx = BenchReceiver::start().await?;
    server
        .register_for(
            &rx.url,
            json!([
                "participant.joined",
                "participant.left",
                "session.started",
                "session.closed"
            ]),
        )
        .await?;

    // 1. Many connections at once.
    let rooms = connections.div_ceil(args.per_room.max(1));
    let room_ids = {
        let s = server.clone();
        in_parallel(rooms, 32, move |i| {
            let s = s.clone();
            async move { s.room(&format!("rt{i}")).await }
        })
        .await?
    };
    let tokens = {
        let (s, room_ids, per_room) = (server.clone(), Arc::new(room_ids), args.per_room.max(1));
        in_parallel(connections, 32, move |i| {
            let (s, room_ids) = (s.clone(), room_ids.clone());
            async move { s.user(&room_ids[i / per_room], &format!("c{i}")).await }
        })
        .await?
    };
    // The client sockets live in a child process: each process has its own descriptor limit.
    let rss_before = rss_mib();
    let tokens_file = tempfile::NamedTempFile::new()?;
    std::fs::write(tokens_file.path(), tokens.join("\n"))?;
    let tokens_path = tokens_file.path().to_string_lossy().into_owned();
    let (mut child, report, _lines) = crate::measure::child_process(
        &["clients", "--base", &server.base, "--tokens", &tokens_path],
        &[],
    )
    .await?;
    let secs: f64 = report
        .strip_prefix("opened ")
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("client process: {report}"))?;
    println!(
        "realtime: {connections} connections in {rooms} rooms:     open in {secs:.2}s ({:.0} joins/s); server RSS {:.0} → {:.0} MiB",
        connections as f64 / secs,
        rss_before,
        rss_mib()
    );
    drop(child.stdin.take()); // the client process closes its sockets and exits
    let _ = child.wait().await;

    // 2. Join/leave churn: each cycle connects and closes one user alone in their room, which
    //    stores session.started, participant.joined, participant.left and session.closed.
    let churn_rooms = 64;
    let mut churn_tokens = vec![];
    for i in 0..churn_rooms {
        let room = server.room(&format!("churn{i}")).await?;
        churn_tokens.push(server.user(&room, &format!("churner{i}")).await?);
    }
    let cycles = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.churn_secs);
    let started = Instant::now();
    let tasks: Vec<_> = churn_tokens
        .into_iter()
        .map(|token| {
            let (s, cycles) = (server.clone(), cycles.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let mut ws = s.connect(&token).await?;
                    ws.close(None).await?;
                    // Wait for the server's side of the close, so the leave is under way.
                    while ws.next().await.is_some() {}
                    cycles.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<_, anyhow::Error>(())
            })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    let cycles = cycles.load(Ordering::Relaxed) as f64;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "join/leave churn (events stored and delivered): {:>7.0} joins+leaves/s ({:.0} session events/s)",
        cycles * 2.0 / secs,
        cycles * 4.0 / secs
    );

    // 3. Presence fan-out in a 50-user room: one sender, 49 receivers.
    let room = server.room("presence").await?;
    let mut sockets = vec![];
    for i in 0..50 {
        let token = server.user(&room, &format!("p{i}")).await?;
        sockets.push(server.connect(&token).await?);
    }
    let mut sender = sockets.remove(0);
    let latencies = Arc::new(std::sync::Mutex::new(Vec::<f64>::new()));
    let epoch = Instant::now();
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|mut ws| {
            let latencies = latencies.clone();
            tokio::spawn(async move {
                while let Some(Ok(frame)) = ws.next().await {
                    if let Message::Text(t) = frame
                        && let Ok(v) = serde_json::from_str::<Value>(&t)
                        && v["type"] == "presence"
                    {
                        if v["presence"]["done"] == true {
                            return;
                        }
                        let sent = v["presence"]["sentMicros"].as_f64().unwrap_or(0.0);
                        let now = epoch.elapsed().as_micros() as f64;
                        latencies.lock().unwrap().push((now - sent) / 1e6);
                    }
                }
            })
        })
        .collect();
    let updates = 200;
    for _ in 0..updates {
        let sent = epoch.elapsed().as_micros() as u64;
        let msg = json!({"type": "presence", "presence": {"sentMicros": sent, "cursor": [10, 20]}});
        sender.send(Message::Text(msg.to_string().into())).await?;
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let done = json!({"type": "presence", "presence": {"done": true}});
    sender.send(Message::Text(done.to_string().into())).await?;
    for r in readers {
        let _ = tokio::time::timeout(Duration::from_secs(10), r).await;
    }
    let mut l = std::mem::take(&mut *latencies.lock().unwrap());
    l.sort_by(f64::total_cmp);
    println!(
        "presence fan-out in a 50-user room:           p50 {:>6.2} ms   p99 {:>6.2} ms ({} receipts, 40 updates/s)",
        percentile(&l, 0.5) * 1e3,
        percentile(&l, 0.99) * 1e3,
        l.len()
    );
    Ok(())
}
