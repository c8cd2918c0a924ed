//! A TCP proxy a test can cut (every connection dropped, new ones refused), blackhole (every
//! connection kept open but nothing forwarded: packets dropped rather than reset, the usual
//! partition) and restore: a database or a server going away for a while.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const UP: u8 = 0;
const CUT: u8 = 1;
const BLACKHOLE: u8 = 2;

/// Forwards to `upstream` (`host:port`) while up.
pub struct Proxy {
    pub addr: String,
    mode: Arc<AtomicU8>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    /// Cancelled when a blackhole starts: the links made before it go silent.
    silence: Arc<Mutex<CancellationToken>>,
    /// Sockets kept open, forwarding nothing, for as long as the proxy lives: connections that
    /// met a blackhole never carry another byte, as when their packets are lost for good.
    held: Arc<Mutex<Vec<TcpStream>>>,
    acceptor: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let mode = Arc::new(AtomicU8::new(UP));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let silence = Arc::new(Mutex::new(CancellationToken::new()));
        let held: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (flag, list, hush, keep) = (mode.clone(), links.clone(), silence.clone(), held.clone());
        let acceptor = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                match flag.load(Ordering::SeqCst) {
                    CUT => continue, // dropped: the connection is refused
                    BLACKHOLE => {
                        // Accepted (the handshake is the kernel's), then silence.
                        keep.lock().unwrap().push(client);
                        continue;
                    }
                    _ => {}
                }
                let upstream = upstream.clone();
                let (quiet, keep) = (hush.lock().unwrap().clone(), keep.clone());
                let link = tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = quiet.cancelled() => {
                            let mut keep = keep.lock().unwrap();
                            keep.push(client);
                            keep.push(server);
                        }
                    }
                });
                list.lock().unwrap().push(link);
            }
        });
        Proxy {
            addr,
            mode,
            links,
            silence,
            held,
            acceptor,
        }
    }

    pub fn cut(&self) {
        self.mode.store(CUT, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
        self.held.lock().unwrap().clear();
    }

    /// Every connection stays open and forwards nothing, from now on and for good; new ones
    /// are accepted and then hear nothing. Nothing is closed or reset.
    pub fn blackhole(&self) {
        self.mode.store(BLACKHOLE, Ordering::SeqCst);
        self.silence.lock().unwrap().cancel();
    }

    /// New connections are forwarded again (those that met a blackhole stay silent).
    pub fn restore(&self) {
        *self.silence.lock().unwrap() = CancellationToken::new();
        self.mode.store(UP, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.acceptor.abort();
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
        self.held.lock().unwrap().clear();
    }
}
