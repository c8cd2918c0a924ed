//! Ordered delivery per room on SQLite (see `collabkit_domain::rules::ordering`): the mode of a
//! registration, and the pairs' heads and queues (`ordering_pairs`, `ordering_waits`, migration
//! 19). Only deliveries of ordered registrations (those with a `previous_room_seq`) come here;
//! the single writer serialises every change to a pair.

use rusqlite::{Connection, OptionalExtension, params};

use crate::errors::backend;
use crate::rows::ts;
use collabkit_domain::clock::Timestamp;
use collabkit_domain::rules::ordering::{self, Ordering, PairState};
use collabkit_domain::store::{StoreError, StoreResult};

/// The registration's mode; another account's registration is `NotFound("webhook")`.
pub fn mode(conn: &Connection, account_id: &str, webhook_id: &str) -> StoreResult<Ordering> {
    conn.prepare_cached("SELECT ordering FROM webhooks WHERE account_id = ?1 AND id = ?2")
        .and_then(|mut s| {
            s.query_row(params![account_id, webhook_id], |r| r.get::<_, i64>(0))
                .optional()
        })
        .map_err(backend)?
        .map(Ordering::from_code)
        .ok_or(StoreError::NotFound("webhook"))
}

/// Sets the mode; turning it off lets the registration's waiting deliveries go now, turning
/// it on starts every room afresh (its first delivery announces 0).
pub fn set_mode(
    conn: &Connection,
    account_id: &str,
    webhook_id: &str,
    mode: Ordering,
    now: Timestamp,
) -> StoreResult<Ordering> {
    let before = self::mode(conn, account_id, webhook_id)?;
    let seq: i64 = conn
        .prepare_cached(
            "UPDATE webhooks SET ordering = ?3 WHERE account_id = ?1 AND id = ?2 RETURNING seq",
        )
        .and_then(|mut s| {
            s.query_row(params![account_id, webhook_id, mode.code()], |r| r.get(0))
                .optional()
        })
        .map_err(backend)?
        .ok_or(StoreError::NotFound("webhook"))?;
    if mode == Ordering::None {
        release_all(conn, seq, Some(now))?;
    } else if before == Ordering::None {
        // Numbers kept from an earlier ordered period would announce the events delivered
        // unordered since as missed.
        conn.prepare_cached("DELETE FROM ordering_pairs WHERE webhook_seq = ?1")
            .and_then(|mut s| s.execute(params![seq]))
            .map_err(backend)?;
    }
    Ok(mode)
}

/// Empties the registration's queues and clears its heads (the pairs keep their last numbers):
/// the waiting deliveries become due at `due` (ordering turned off), or stay as the caller
/// leaves them (`None`: the caller failed them all, see `webhooks::fail_pending`).
pub fn release_all(conn: &Connection, webhook_seq: i64, due: Option<Timestamp>) -> StoreResult<()> {
    if let Some(due) = due {
        conn.prepare_cached(
            "UPDATE deliveries SET due_at = ?2
             WHERE seq IN (SELECT delivery_seq FROM ordering_waits WHERE webhook_seq = ?1)
               AND status = 'pending'",
        )
        .and_then(|mut s| s.execute(params![webhook_seq, ts(&due)]))
        .map_err(backend)?;
    }
    conn.prepare_cached("DELETE FROM ordering_waits WHERE webhook_seq = ?1")
        .and_then(|mut s| s.execute(params![webhook_seq]))
        .map_err(backend)?;
    conn.prepare_cached(
        "UPDATE ordering_pairs SET head_seq = NULL WHERE webhook_seq = ?1 AND head_seq IS NOT NULL",
    )
    .and_then(|mut s| s.execute(params![webhook_seq]))
    .map_err(backend)?;
    Ok(())
}

/// A new delivery of an ordered registration, just inserted due now and not leased: gives it
/// the previous room number and makes it the pair's head, or parks it behind the head
/// ([`ordering::plan_fanout`]). Called in the room's order (fan-out stores one event at a time).
pub fn on_fanout(
    conn: &Connection,
    webhook_seq: i64,
    room_id: &str,
    room_seq: i64,
    delivery_seq: i64,
) -> StoreResult<()> {
    let pair = lock_pair(conn, webhook_seq, room_id)?;
    let (plans, after) = ordering::plan_fanout(pair, &[room_seq]);
    let plan = plans[0];
    conn.prepare_cached(
        "UPDATE ordering_pairs SET last_room_seq = ?3,
                head_seq = CASE WHEN ?4 THEN ?5 ELSE head_seq END
         WHERE webhook_seq = ?1 AND room_id = ?2",
    )
    .and_then(|mut s| {
        s.execute(params![
            webhook_seq,
            room_id,
            after.last_room_seq,
            plan.head,
            delivery_seq
        ])
    })
    .map_err(backend)?;
    conn.prepare_cached(
        "UPDATE deliveries SET previous_room_seq = ?2,
                due_at = CASE WHEN ?3 THEN due_at END
         WHERE seq = ?1",
    )
    .and_then(|mut s| s.execute(params![delivery_seq, plan.previous_room_seq, plan.head]))
    .map_err(backend)?;
    if !plan.head {
        park(conn, webhook_seq, room_id, room_seq, delivery_seq)?;
    }
    Ok(())
}

/// The pair's row (created empty if new) and its state.
fn lock_pair(conn: &Connection, webhook_seq: i64, room_id: &str) -> StoreResult<PairState> {
    conn.prepare_cached(
        "INSERT INTO ordering_pairs (webhook_seq, room_id) VALUES (?1, ?2)
         ON CONFLICT (webhook_seq, room_id) DO UPDATE SET last_room_seq = last_room_seq
         RETURNING last_room_seq, head_seq IS NOT NULL",
    )
    .and_then(|mut s| {
        s.query_row(params![webhook_seq, room_id], |r| {
            Ok(PairState {
                last_room_seq: r.get(0)?,
                has_head: r.get(1)?,
            })
        })
    })
    .map_err(backend)
}

fn park(
    conn: &Connection,
    webhook_seq: i64,
    room_id: &str,
    room_seq: i64,
    delivery_seq: i64,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO ordering_waits (webhook_seq, room_id, room_seq, delivery_seq)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    )
    .and_then(|mut s| s.execute(params![webhook_seq, room_id, room_seq, delivery_seq]))
    .map_err(backend)?;
    conn.prepare_cached("UPDATE deliveries SET due_at = NULL, lease = NULL WHERE seq = ?1")
        .and_then(|mut s| s.execute(params![delivery_seq]))
        .map_err(backend)?;
    Ok(())
}

/// Deliveries of ordered registrations that just ended (`success` or `failed`): each pair they
/// headed hands over to its lowest waiting delivery, due `now`. Returns how many became due.
pub fn on_ended(conn: &Connection, delivery_seqs: &[i64], now: Timestamp) -> StoreResult<u64> {
    let mut due = 0;
    for seq in delivery_seqs {
        let freed: Option<(i64, String)> = conn
            .prepare_cached(
                "UPDATE ordering_pairs SET head_seq = NULL WHERE head_seq = ?1
                 RETURNING webhook_seq, room_id",
            )
            .and_then(|mut s| {
                s.query_row(params![seq], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(backend)?;
        if let Some((webhook_seq, room_id)) = freed {
            due += u64::from(advance(conn, webhook_seq, &room_id, now)?);
        }
    }
    Ok(due)
}

/// Makes the lowest waiting delivery of a pair without a head its head, due `now`; `false`
/// when none waits.
fn advance(
    conn: &Connection,
    webhook_seq: i64,
    room_id: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    loop {
        let next: Option<i64> = conn
            .prepare_cached(
                "DELETE FROM ordering_waits WHERE webhook_seq = ?1 AND room_id = ?2 AND room_seq = (
                    SELECT room_seq FROM ordering_waits WHERE webhook_seq = ?1 AND room_id = ?2
                    ORDER BY room_seq LIMIT 1)
                 RETURNING delivery_seq",
            )
            .and_then(|mut s| {
                s.query_row(params![webhook_seq, room_id], |r| r.get(0))
                    .optional()
            })
            .map_err(backend)?;
        let Some(next) = next else {
            return Ok(false);
        };
        let made_due = conn
            .prepare_cached(
                "UPDATE deliveries SET due_at = ?2 WHERE seq = ?1 AND status = 'pending'",
            )
            .and_then(|mut s| s.execute(params![next, ts(&now)]))
            .map_err(backend)?;
        // A waiting delivery is always pending; one that is not (never expected) is dropped
        // rather than made a head that would never end.
        if made_due == 1 {
            conn.prepare_cached(
                "UPDATE ordering_pairs SET head_seq = ?3 WHERE webhook_seq = ?1 AND room_id = ?2",
            )
            .and_then(|mut s| s.execute(params![webhook_seq, room_id, next]))
            .map_err(backend)?;
            return Ok(true);
        }
    }
}

/// Deliveries just made pending and due by hand (a retry, a recover, a replay): those of an
/// ordered registration with a room number keep the order, going now only when their pair has
/// no head and waiting their turn otherwise ([`ordering::requeued_goes_now`]).
pub fn on_requeued(conn: &Connection, delivery_seqs: &[i64]) -> StoreResult<()> {
    for &seq in delivery_seqs {
        let found: Option<(i64, String, i64)> = conn
            .prepare_cached(
                "SELECT d.webhook_seq, e.room_id, e.room_seq
                 FROM deliveries d JOIN events e ON e.seq = d.event_seq
                 JOIN webhooks w ON w.seq = d.webhook_seq
                 WHERE d.seq = ?1 AND d.previous_room_seq IS NOT NULL AND w.ordering = 1
                   AND e.room_seq IS NOT NULL",
            )
            .and_then(|mut s| {
                s.query_row(params![seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
            })
            .map_err(backend)?;
        let Some((webhook_seq, room_id, room_seq)) = found else {
            continue;
        };
        let head: Option<i64> = conn
            .prepare_cached(
                "SELECT head_seq FROM ordering_pairs WHERE webhook_seq = ?1 AND room_id = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![webhook_seq, room_id], |r| r.get(0))
                    .optional()
            })
            .map_err(backend)?
            .flatten();
        if head == Some(seq) {
            continue;
        }
        let pair = lock_pair(conn, webhook_seq, &room_id)?;
        if ordering::requeued_goes_now(pair) {
            conn.prepare_cached(
                "UPDATE ordering_pairs SET head_seq = ?3 WHERE webhook_seq = ?1 AND room_id = ?2",
            )
            .and_then(|mut s| s.execute(params![webhook_seq, room_id, seq]))
            .map_err(backend)?;
            conn.prepare_cached("DELETE FROM ordering_waits WHERE delivery_seq = ?1")
                .and_then(|mut s| s.execute(params![seq]))
                .map_err(backend)?;
        } else {
            park(conn, webhook_seq, &room_id, room_seq, seq)?;
        }
    }
    Ok(())
}

/// The previous room number for a delivery queued late (a replay) of an ordered registration:
/// the newest event of the room before it that the registration matches (by event kind).
pub fn previous_for_replay(
    conn: &Connection,
    room_id: &str,
    room_seq: i64,
    event_names: &[&str],
) -> StoreResult<i64> {
    conn.prepare_cached(
        "SELECT COALESCE(MAX(room_seq), 0) FROM events
         WHERE room_id = ?1 AND room_seq < ?2 AND event IN (SELECT value FROM json_each(?3))",
    )
    .and_then(|mut s| {
        s.query_row(
            params![room_id, room_seq, crate::rows::json(&event_names)],
            |r| r.get(0),
        )
    })
    .map_err(backend)
}

/// The delivery a waiting one waits behind (its pair's head), `None` when it does not wait.
pub fn waiting_behind(conn: &Connection, delivery_seq: i64) -> StoreResult<Option<String>> {
    conn.prepare_cached(
        "SELECT h.id FROM ordering_waits w
         JOIN ordering_pairs p ON p.webhook_seq = w.webhook_seq AND p.room_id = w.room_id
         JOIN deliveries h ON h.seq = p.head_seq
         WHERE w.delivery_seq = ?1",
    )
    .and_then(|mut s| s.query_row(params![delivery_seq], |r| r.get(0)).optional())
    .map_err(backend)
}
