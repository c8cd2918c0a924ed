//! A connection that stops answering is closed, even when nothing on this machine can tell.
//!
//! When the network drops packets instead of resetting connections (a partition, a database
//! failing over to another address), a request written to PostgreSQL simply gets no answer.
//! The kernel's TCP user timeout and keepalives notice that on a direct connection, but not
//! through a proxy on the way (pgbouncer, HAProxy, a cloud SQL proxy, docker-proxy) that keeps
//! our hop alive while its own upstream is gone. [`Watched`] wraps the socket: once bytes are
//! written, some answer must be read within its patience, or the stream fails. The driver then
//! closes the connection, every request waiting on it fails at once, and the pool, which only
//! hands out open connections, replaces it. An idle connection (a pooled one, the LISTEN one
//! between notifications) has nothing outstanding and is never cut.
//!
//! The patience is longer than the server's `statement_timeout`, so a statement that is merely
//! slow is cancelled by the server (an error the driver reads, the connection stays) before
//! the watchdog would give up on it.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

pub struct Watched<S> {
    inner: S,
    /// How long written bytes may go without any answer.
    patience: Duration,
    /// Whether bytes were written since the last read (the timer runs only then).
    waiting: bool,
    /// Fires `patience` after the oldest write still unanswered.
    timer: Pin<Box<Sleep>>,
}

impl<S> Watched<S> {
    pub fn new(inner: S, patience: Duration) -> Watched<S> {
        Watched {
            inner,
            patience,
            waiting: false,
            timer: Box::pin(tokio::time::sleep(patience)),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.waiting = false;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending if self.waiting && self.timer.as_mut().poll(cx).is_ready() => {
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "PostgreSQL left a request unanswered for {:?}; closing the connection",
                        self.patience
                    ),
                )))
            }
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) && !self.waiting {
            self.waiting = true;
            let deadline = Instant::now() + self.patience;
            self.timer.as_mut().reset(deadline);
            // Registers the driver's task with the timer: if no answer comes, the deadline
            // itself wakes the driver, whose next read then fails.
            let _ = self.timer.as_mut().poll(cx);
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const PATIENCE: Duration = Duration::from_millis(200);

    #[tokio::test]
    async fn an_unanswered_write_fails_the_stream_after_the_patience() {
        let (ours, _theirs) = tokio::io::duplex(1024);
        let mut stream = Watched::new(ours, PATIENCE);
        stream.write_all(b"SELECT 1").await.unwrap();
        let started = Instant::now();
        let mut buf = [0; 16];
        let err = stream.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        let waited = started.elapsed();
        assert!(
            waited >= PATIENCE * 9 / 10 && waited < PATIENCE * 3,
            "{waited:?}"
        );
    }

    #[tokio::test]
    async fn an_idle_stream_waits_for_as_long_as_it_takes() {
        let (ours, mut theirs) = tokio::io::duplex(1024);
        let mut stream = Watched::new(ours, PATIENCE);
        let reader = tokio::spawn(async move {
            let mut buf = [0; 16];
            let n = stream.read(&mut buf).await.unwrap();
            buf[..n].to_vec()
        });
        tokio::time::sleep(PATIENCE * 4).await;
        theirs.write_all(b"NOTIFY").await.unwrap();
        assert_eq!(
            reader.await.unwrap(),
            b"NOTIFY",
            "nothing was written: no deadline"
        );
    }

    #[tokio::test]
    async fn an_answer_stops_the_clock() {
        let (ours, mut theirs) = tokio::io::duplex(1024);
        let mut stream = Watched::new(ours, PATIENCE);
        let mut buf = [0; 16];
        for _ in 0..5 {
            stream.write_all(b"ask").await.unwrap();
            tokio::time::sleep(PATIENCE / 2).await;
            theirs.write_all(b"answer").await.unwrap();
            assert_eq!(stream.read(&mut buf).await.unwrap(), 6);
        }
        // Answered every time, then idle well past the patience: still open.
        tokio::time::sleep(PATIENCE * 3).await;
        theirs.write_all(b"later").await.unwrap();
        assert_eq!(stream.read(&mut buf).await.unwrap(), 5);
    }
}
