//! What the runs measure with: concurrency, percentiles, memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Runs `f(i)` for `i` in `0..n` on `width` concurrent tasks; the results in order of `i`.
pub(crate) async fn in_parallel<T, F, Fut>(n: usize, width: usize, f: F) -> anyhow::Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<T>> + Send,
{
    let f = Arc::new(f);
    let next = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..width)
        .map(|_| {
            let (f, next) = (f.clone(), next.clone());
            tokio::spawn(async move {
                let mut out = vec![];
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    if i >= n {
                        return Ok::<_, anyhow::Error>(out);
                    }
                    out.push((i, f(i).await?));
                }
            })
        })
        .collect();
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, v)| v).collect())
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub(crate) fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Starts this benchmark's own binary with `args` (a hidden subcommand), its stdin and stdout
/// piped (closing stdin tells it to finish; it is killed when dropped), and returns it with the
/// first line it prints and the rest of its stdout.
pub(crate) async fn child_process(
    args: &[&str],
    envs: &[(&str, &str)],
) -> anyhow::Result<(
    tokio::process::Child,
    String,
    tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
)> {
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .args(args)
        .envs(envs.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(
        child.stdout.take().expect("piped"),
    ));
    let first = lines
        .next_line()
        .await?
        .ok_or_else(|| anyhow::anyhow!("the child process {args:?} died before its first line"))?;
    Ok((child, first, lines))
}
