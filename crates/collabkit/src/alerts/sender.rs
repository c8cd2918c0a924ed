//! The alert sender: claims due alerts (a short lease, its own transaction), signs each with
//! its destination's secret (Standard Webhooks, as deliveries are), POSTs it outside any
//! transaction with the deliveries' HTTP client rules (timeout, no redirects, private
//! destinations refused), then records the attempt and the next try.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use collabkit_webhooks::Signer;
use tokio_util::sync::CancellationToken;

use super::AlertConfig;
use crate::clock;
use crate::delivery::DeliveryConfig;
use crate::delivery::sender::{Response, Sender};
use crate::metrics::{Metrics, OutcomeLabels};
use crate::secrets::SecretBox;
use crate::store::{AlertOutcome, Attempt, ClaimedAlert, NextStep, SharedStore};

/// Most alerts taken by one claim.
const CLAIM_BATCH: u32 = 32;

/// Most alerts deleted by one retention pass.
const PRUNE_BATCH: u32 = 10_000;

pub struct AlertSender {
    store: SharedStore,
    config: AlertConfig,
    /// The deliveries' HTTP client rules, and their timeout.
    http: Sender,
    timeout: Duration,
    secrets: SecretBox,
    /// Alerts are kept as long as deliveries (`--delivery-retention`), pruned this often.
    retention: Duration,
    prune_interval: Duration,
    metrics: Arc<Metrics>,
}

impl AlertSender {
    pub fn new(
        store: SharedStore,
        config: AlertConfig,
        delivery: &DeliveryConfig,
        secrets: SecretBox,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<AlertSender> {
        Ok(AlertSender {
            store,
            config,
            http: Sender::new(
                delivery.timeout,
                delivery.allow_private_destinations,
                CLAIM_BATCH as usize,
            )?,
            timeout: delivery.timeout,
            secrets,
            retention: delivery.retention,
            prune_interval: delivery.prune_interval,
            metrics,
        })
    }

    /// Sends until `shutdown`; an alert in flight then is finished (its lease would bring it
    /// back anyway).
    pub async fn run(self, shutdown: CancellationToken) {
        let mut prune_at = tokio::time::Instant::now();
        while !shutdown.is_cancelled() {
            if tokio::time::Instant::now() >= prune_at {
                self.prune().await;
                prune_at = tokio::time::Instant::now() + self.prune_interval;
            }
            let sent = match self.send_due().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming delivery alerts failed; trying again");
                    0
                }
            };
            if sent < CLAIM_BATCH as usize {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(self.config.poll) => {}
                }
            }
        }
    }

    /// Retention: finished alerts older than `--delivery-retention` go, a batch at a time.
    async fn prune(&self) {
        let before = clock::before(clock::now(), self.retention);
        loop {
            match self.store.prune_alerts(before, PRUNE_BATCH).await {
                Ok(n) if n == u64::from(PRUNE_BATCH) => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "pruning delivery alerts failed; trying again later");
                    break;
                }
            }
        }
    }

    /// One unit of work: claims the due alerts, sends them at once, records each; returns how
    /// many were claimed.
    pub async fn send_due(&self) -> anyhow::Result<usize> {
        let lease_for = self.timeout + Duration::from_secs(5);
        let claim = self
            .store
            .claim_alerts(clock::now(), lease_for, CLAIM_BATCH, self.config.limits())
            .await?;
        self.metrics.alerts_suppressed.inc_by(claim.suppressed);
        let claimed = claim.claimed;
        let n = claimed.len();
        futures_util::future::join_all(claimed.into_iter().map(|a| self.send(a))).await;
        Ok(n)
    }

    async fn send(&self, alert: ClaimedAlert) {
        let now = clock::now();
        let response = match self.signature(&alert, now.timestamp()) {
            // The destination is the URL of the registration the alert is about: an alert is
            // never sent to the failing receiver, so this one fails without a request.
            Ok(_) if about_its_destination(&alert) => Response {
                status: None,
                body: String::new(),
                error: Some(
                    "not sent: the alert destination is the URL of the registration this alert \
                     is about (alerts never go to the failing receiver)"
                        .into(),
                ),
                duration: Duration::ZERO,
                retry_after: None,
            },
            Ok(signature) => {
                self.http
                    .send(
                        &alert.url,
                        &alert.alert_id,
                        now.timestamp(),
                        &signature,
                        None,
                        None,
                        &[],
                        Bytes::from(alert.payload.clone()),
                    )
                    .await
            }
            Err(e) => Response {
                status: None,
                body: String::new(),
                error: Some(format!("could not sign the alert: {e}")),
                duration: Duration::ZERO,
                retry_after: None,
            },
        };
        let next = if about_its_destination(&alert) {
            NextStep::Failed
        } else {
            self.next_step(alert.attempts, &response)
        };
        let outcome = AlertOutcome {
            alert_id: alert.alert_id.clone(),
            lease: alert.lease,
            attempt: Attempt {
                attempted_at: now,
                status_code: response.status,
                duration_ms: response.duration.as_millis() as u64,
                error: response.error.clone(),
                response_body: response.body.clone(),
            },
            next,
        };
        let outcome_label = match next {
            NextStep::Succeeded => "success",
            NextStep::RetryAt(_) => "retry",
            NextStep::Failed | NextStep::Gone => "failed",
        };
        self.metrics
            .alert_attempts
            .get_or_create(&OutcomeLabels {
                outcome: outcome_label,
            })
            .inc();
        if next != NextStep::Succeeded {
            tracing::warn!(alert = %alert.alert_id, account = %alert.account_id, status = ?response.status, error = ?response.error, "a delivery alert was not accepted by its destination");
        }
        if let Err(e) = self.store.record_alert_attempt(outcome).await {
            // Its lease runs out and it is sent again: nothing lost.
            tracing::error!(error = %e, alert = %alert.alert_id, "recording an alert attempt failed");
        }
    }

    /// `v1,…` with the destination's secret, and its previous one while it still signs.
    fn signature(&self, alert: &ClaimedAlert, timestamp: i64) -> anyhow::Result<String> {
        let mut out = Vec::new();
        for sealed in std::iter::once(&alert.secret_sealed).chain(&alert.previous_secret_sealed) {
            let signer = Signer::new(&self.secrets.open(sealed)?)?;
            out.push(signer.sign(&alert.alert_id, timestamp, alert.payload.as_bytes()));
        }
        Ok(out.join(" "))
    }

    /// A 2xx without error succeeded; anything else (a 410 too: an alert destination is not
    /// disabled) is retried on the alert schedule until it is exhausted.
    fn next_step(&self, attempts: u32, r: &Response) -> NextStep {
        if r.status.is_some_and(|s| (200..300).contains(&s)) && r.error.is_none() {
            return NextStep::Succeeded;
        }
        let retry_after = match r.status {
            Some(429) | Some(503) => r.retry_after,
            _ => None,
        };
        match self
            .config
            .retry_schedule
            .delay_after(attempts + 1, retry_after)
        {
            Some(delay) => NextStep::RetryAt(clock::after(clock::now(), delay)),
            None => NextStep::Failed,
        }
    }
}

/// Whether the alert is about the registration whose URL is the destination's.
fn about_its_destination(alert: &ClaimedAlert) -> bool {
    #[derive(serde::Deserialize)]
    struct About {
        url: String,
    }
    serde_json::from_str::<About>(&alert.payload).is_ok_and(|a| a.url == alert.url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claimed(url: &str, payload: &str) -> ClaimedAlert {
        ClaimedAlert {
            alert_id: "alr_1".into(),
            lease: 1,
            account_id: "acct_1".into(),
            url: url.into(),
            secret_sealed: String::new(),
            previous_secret_sealed: None,
            payload: payload.into(),
            attempts: 0,
        }
    }

    #[test]
    fn an_alert_about_the_destinations_own_url_is_recognised() {
        let body = r#"{"event":"registration.recovered","url":"https://a.example/hook"}"#;
        assert!(about_its_destination(&claimed(
            "https://a.example/hook",
            body
        )));
        assert!(!about_its_destination(&claimed(
            "https://b.example/alerts",
            body
        )));
        assert!(!about_its_destination(&claimed(
            "https://a.example/hook",
            "not json"
        )));
    }
}
