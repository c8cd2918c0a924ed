//! Ordered delivery per room on PostgreSQL (see `collabkit_domain::rules::ordering`): the mode
//! of a registration, and the pairs' heads and queues (`ordering_pairs`, `ordering_waits`,
//! migration 13). Only deliveries of ordered registrations (with a `previous_room_seq`) come
//! here.
//!
//! Why two nodes never hold two deliveries of one pair: a claim only sees deliveries with a due
//! time, and of a pair only its head has one (the others wait with `due_at` NULL). The head
//! moves only in a transaction that holds the pair's row lock: fan-out (an upsert of the row,
//! which locks it), the record of the head's end (`UPDATE … WHERE head_seq = …`, which locks
//! it) and a manual re-queue (`SELECT … FOR UPDATE`). Under READ COMMITTED each statement reads
//! a fresh snapshot, so the statement after the one that took the lock sees everything the
//! previous holder committed: the record's hand-over sees every delivery fan-out queued, and
//! fan-out sees the head the record chose. The record ends the old head (`success`/`failed`,
//! due time gone) in the same transaction that gives the next one its due time, so no claim
//! (`FOR UPDATE SKIP LOCKED`, whose rows are re-checked against `status`/`due_at` once
//! locked) can see both. A lease that runs out makes the same head due again, never the next.
//!
//! Lock order, so two transactions cannot wait for each other: fan-out takes room rows, then
//! pair rows; a record takes its deliveries, then registration rows (by id), then pair rows;
//! pair rows always in `(webhook_seq, room_id)` order within a statement. Two rare paths take
//! them otherwise — a manual retry (pairs, then the delivery: a retry of a head at the moment
//! its outcome is recorded) and disabling a registration from a record (its pairs after its
//! row) — where PostgreSQL's deadlock detection aborts one of the two: the API answers an
//! error, or the batch's deliveries are attempted again once their leases run out (at least
//! once, as always).

use std::collections::BTreeMap;

use collabkit_domain::clock::Timestamp;
use collabkit_domain::rules::ordering::{self, Ordering, PairState};
use collabkit_domain::store::{StoreError, StoreResult};
use deadpool_postgres::GenericClient;

use crate::sql::{execute, query, query_one, query_opt};

/// The registration's mode; another account's registration is `NotFound("webhook")`.
pub async fn mode<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
) -> StoreResult<Ordering> {
    query_opt(
        c,
        "SELECT ordering FROM webhooks WHERE account_id = $1 AND id = $2",
        &[&account_id, &webhook_id],
    )
    .await?
    .map(|r| Ordering::from_code(i64::from(r.get::<_, i16>(0))))
    .ok_or(StoreError::NotFound("webhook"))
}

/// Sets the mode (in a transaction); turning it off lets the waiting deliveries go at `now`,
/// turning it on starts every room afresh (its first delivery announces 0).
pub async fn set_mode<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
    mode: Ordering,
    now: Timestamp,
) -> StoreResult<Ordering> {
    // The row is locked first: two changes of the mode take turns.
    let (seq, before): (i64, i16) = query_opt(
        c,
        "SELECT seq, ordering FROM webhooks WHERE account_id = $1 AND id = $2 FOR NO KEY UPDATE",
        &[&account_id, &webhook_id],
    )
    .await?
    .map(|r| (r.get(0), r.get(1)))
    .ok_or(StoreError::NotFound("webhook"))?;
    execute(
        c,
        "UPDATE webhooks SET ordering = $2 WHERE seq = $1",
        &[&seq, &(mode.code() as i16)],
    )
    .await?;
    if mode == Ordering::None {
        release_all(c, seq, Some(now)).await?;
    } else if Ordering::from_code(i64::from(before)) == Ordering::None {
        // Numbers kept from an earlier ordered period would announce the events delivered
        // unordered since as missed.
        execute(
            c,
            "DELETE FROM ordering_pairs WHERE webhook_seq = $1",
            &[&seq],
        )
        .await?;
    }
    Ok(mode)
}

/// Empties the registration's queues and clears its heads (the pairs keep their last numbers):
/// the waiting deliveries become due at `due` (ordering turned off), or stay as the caller left
/// them (`None`: it failed them all, see `fail_pending`).
pub async fn release_all<C: GenericClient + Sync>(
    c: &C,
    webhook_seq: i64,
    due: Option<Timestamp>,
) -> StoreResult<()> {
    // The pairs first, in key order: the lock every other writer of a pair takes first too.
    execute(
        c,
        "UPDATE ordering_pairs SET head_seq = NULL WHERE (webhook_seq, room_id) IN (
            SELECT webhook_seq, room_id FROM ordering_pairs WHERE webhook_seq = $1
            ORDER BY room_id FOR UPDATE)",
        &[&webhook_seq],
    )
    .await?;
    if let Some(due) = due {
        execute(
            c,
            "UPDATE deliveries SET due_at = $2
             WHERE seq IN (SELECT delivery_seq FROM ordering_waits WHERE webhook_seq = $1)
               AND status = 'pending'",
            &[&webhook_seq, &due],
        )
        .await?;
    }
    execute(
        c,
        "DELETE FROM ordering_waits WHERE webhook_seq = $1",
        &[&webhook_seq],
    )
    .await?;
    Ok(())
}

/// A new delivery of an ordered registration, stored due now and not leased.
pub struct NewDelivery {
    pub delivery_id: String,
    pub webhook_seq: i64,
    pub room_id: String,
    pub room_seq: i64,
}

/// Gives the new deliveries of ordered registrations their previous room numbers and makes
/// each pair's first one its head when it has none, the others waiting
/// ([`ordering::plan_fanout`]): two statements for any number of them, after the events are
/// stored in the same transaction (whose room rows are locked, so a room's deliveries come in
/// its order).
pub async fn on_fanout<C: GenericClient + Sync>(c: &C, new: Vec<NewDelivery>) -> StoreResult<()> {
    if new.is_empty() {
        return Ok(());
    }
    let mut by_pair: BTreeMap<(i64, String), Vec<NewDelivery>> = BTreeMap::new();
    for d in new {
        by_pair
            .entry((d.webhook_seq, d.room_id.clone()))
            .or_default()
            .push(d);
    }
    let (webhooks, rooms): (Vec<i64>, Vec<String>) = by_pair.keys().cloned().unzip();
    // Takes (or creates) each pair's row, in key order.
    let rows = query(
        c,
        "INSERT INTO ordering_pairs AS p (webhook_seq, room_id)
         SELECT w, r FROM UNNEST($1::bigint[], $2::text[]) AS x(w, r) ORDER BY w, r
         ON CONFLICT (webhook_seq, room_id) DO UPDATE SET last_room_seq = p.last_room_seq
         RETURNING webhook_seq, room_id, last_room_seq, head_seq IS NOT NULL",
        &[&webhooks, &rooms],
    )
    .await?;
    let mut states: BTreeMap<(i64, String), PairState> = BTreeMap::new();
    for r in &rows {
        states.insert(
            (r.get(0), r.get(1)),
            PairState {
                last_room_seq: r.get(2),
                has_head: r.get(3),
            },
        );
    }
    let (mut d_ids, mut d_previous, mut d_head) = (Vec::new(), Vec::new(), Vec::new());
    let (mut d_webhooks, mut d_rooms, mut d_seqs) = (Vec::new(), Vec::new(), Vec::new());
    let (mut p_webhooks, mut p_rooms, mut p_last) = (Vec::new(), Vec::new(), Vec::new());
    for (key, mut deliveries) in by_pair {
        deliveries.sort_by_key(|d| d.room_seq);
        let seqs: Vec<i64> = deliveries.iter().map(|d| d.room_seq).collect();
        let state = states.get(&key).copied().unwrap_or_default();
        let (plans, after) = ordering::plan_fanout(state, &seqs);
        for (d, plan) in deliveries.into_iter().zip(plans) {
            d_ids.push(d.delivery_id);
            d_previous.push(plan.previous_room_seq);
            d_head.push(plan.head);
            d_webhooks.push(d.webhook_seq);
            d_rooms.push(d.room_id);
            d_seqs.push(d.room_seq);
        }
        p_webhooks.push(key.0);
        p_rooms.push(key.1);
        p_last.push(after.last_room_seq);
    }
    execute(
        c,
        "WITH x AS (
            SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bool[], $4::bigint[], $5::text[],
                                 $6::bigint[]) AS x(id, previous, head, webhook_seq, room_id, room_seq)),
         d AS (
            UPDATE deliveries d SET previous_room_seq = x.previous,
                   due_at = CASE WHEN x.head THEN d.due_at END
            FROM x WHERE d.id = x.id
            RETURNING d.seq, x.head, x.webhook_seq, x.room_id, x.room_seq),
         w AS (
            INSERT INTO ordering_waits (webhook_seq, room_id, room_seq, delivery_seq)
            SELECT webhook_seq, room_id, room_seq, seq FROM d WHERE NOT head
            ON CONFLICT DO NOTHING)
         UPDATE ordering_pairs p SET last_room_seq = GREATEST(p.last_room_seq, y.last),
                head_seq = COALESCE((SELECT d.seq FROM d WHERE d.head AND d.webhook_seq = y.w
                                     AND d.room_id = y.r), p.head_seq)
         FROM UNNEST($7::bigint[], $8::text[], $9::bigint[]) AS y(w, r, last)
         WHERE p.webhook_seq = y.w AND p.room_id = y.r",
        &[
            &d_ids,
            &d_previous,
            &d_head,
            &d_webhooks,
            &d_rooms,
            &d_seqs,
            &p_webhooks,
            &p_rooms,
            &p_last,
        ],
    )
    .await?;
    Ok(())
}

/// Deliveries of ordered registrations that may just have ended (`delivery_ids`, recorded
/// earlier in the same transaction): the pairs they headed, if they did end, lose their head
/// and stay locked (in key order) until the transaction ends. Returns those pairs, for
/// [`hand_over`]. Sent in the record's pipeline: nothing to send for unordered deliveries.
pub async fn free_heads<C: GenericClient + Sync>(
    c: &C,
    delivery_ids: &[&str],
) -> StoreResult<Vec<(i64, String)>> {
    if delivery_ids.is_empty() {
        return Ok(Vec::new());
    }
    let freed = query(
        c,
        "UPDATE ordering_pairs SET head_seq = NULL WHERE (webhook_seq, room_id) IN (
            SELECT p.webhook_seq, p.room_id FROM ordering_pairs p
            JOIN deliveries d ON d.seq = p.head_seq
            WHERE d.id = ANY($1) AND d.status != 'pending'
            ORDER BY p.webhook_seq, p.room_id FOR UPDATE OF p)
         RETURNING webhook_seq, room_id",
        &[&delivery_ids],
    )
    .await?;
    Ok(freed.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The pairs [`free_heads`] freed each get their lowest waiting delivery as the head, due
/// `now`. Returns how many became due.
pub async fn hand_over<C: GenericClient + Sync>(
    c: &C,
    freed: &[(i64, String)],
    now: Timestamp,
) -> StoreResult<u64> {
    if freed.is_empty() {
        return Ok(0);
    }
    let webhooks: Vec<i64> = freed.iter().map(|(w, _)| *w).collect();
    let rooms: Vec<String> = freed.iter().map(|(_, r)| r.clone()).collect();
    advance(c, &webhooks, &rooms, now).await
}

/// Makes the lowest waiting delivery of each pair (locked, without a head) its head, due
/// `now`. A new statement, so it sees what the pairs' previous lock holders committed.
async fn advance<C: GenericClient + Sync>(
    c: &C,
    webhooks: &[i64],
    rooms: &[String],
    now: Timestamp,
) -> StoreResult<u64> {
    let n: i64 = query_one(
        c,
        "WITH n AS (
            SELECT DISTINCT ON (o.webhook_seq, o.room_id) o.webhook_seq, o.room_id, o.room_seq,
                   o.delivery_seq
            FROM ordering_waits o
            JOIN UNNEST($1::bigint[], $2::text[]) AS f(w, r) ON o.webhook_seq = f.w AND o.room_id = f.r
            ORDER BY o.webhook_seq, o.room_id, o.room_seq),
         gone AS (
            DELETE FROM ordering_waits o USING n
            WHERE o.webhook_seq = n.webhook_seq AND o.room_id = n.room_id AND o.room_seq = n.room_seq),
         due AS (
            UPDATE deliveries d SET due_at = $3 FROM n
            WHERE d.seq = n.delivery_seq AND d.status = 'pending'
            RETURNING d.seq),
         heads AS (
            UPDATE ordering_pairs p SET head_seq = n.delivery_seq FROM n
            WHERE p.webhook_seq = n.webhook_seq AND p.room_id = n.room_id
              AND n.delivery_seq IN (SELECT seq FROM due))
         SELECT COUNT(*) FROM due",
        &[&webhooks, &rooms, &now],
    )
    .await?
    .get(0);
    Ok(n as u64)
}

/// The pair of a delivery of an ordered registration (ordered now, and created ordered), with
/// its room number; `None` for any other delivery.
async fn pair_of<C: GenericClient + Sync>(
    c: &C,
    delivery_seq: i64,
) -> StoreResult<Option<(i64, String, i64)>> {
    Ok(query_opt(
        c,
        "SELECT d.webhook_seq, e.room_id, e.room_seq
         FROM deliveries d JOIN events e ON e.seq = d.event_seq
         JOIN webhooks w ON w.seq = d.webhook_seq
         WHERE d.seq = $1 AND d.previous_room_seq IS NOT NULL AND w.ordering = 1
           AND e.room_seq IS NOT NULL",
        &[&delivery_seq],
    )
    .await?
    .map(|r| (r.get(0), r.get(1), r.get(2))))
}

/// Takes the row lock of every pair of the registration, in key order, before a re-queue
/// changes its deliveries (the order fan-out and the record take them in).
pub async fn lock_pairs<C: GenericClient + Sync>(c: &C, webhook_seq: i64) -> StoreResult<()> {
    execute(
        c,
        "SELECT 1 FROM ordering_pairs WHERE webhook_seq = $1 ORDER BY room_id FOR UPDATE",
        &[&webhook_seq],
    )
    .await?;
    Ok(())
}

/// Deliveries just made pending and due by hand (a retry, a recover, a replay), oldest first:
/// those of an ordered registration keep the order, going now only when their pair has no
/// head and waiting their turn otherwise ([`ordering::requeued_goes_now`]).
pub async fn on_requeued<C: GenericClient + Sync>(c: &C, delivery_seqs: &[i64]) -> StoreResult<()> {
    for &seq in delivery_seqs {
        let Some((webhook_seq, room_id, room_seq)) = pair_of(c, seq).await? else {
            continue;
        };
        let row = query_one(
            c,
            "INSERT INTO ordering_pairs AS p (webhook_seq, room_id) VALUES ($1, $2)
             ON CONFLICT (webhook_seq, room_id) DO UPDATE SET last_room_seq = p.last_room_seq
             RETURNING head_seq",
            &[&webhook_seq, &room_id],
        )
        .await?;
        let head: Option<i64> = row.get(0);
        if head == Some(seq) {
            continue;
        }
        let pair = PairState {
            last_room_seq: 0,
            has_head: head.is_some(),
        };
        if ordering::requeued_goes_now(pair) {
            execute(
                c,
                "UPDATE ordering_pairs SET head_seq = $3 WHERE webhook_seq = $1 AND room_id = $2",
                &[&webhook_seq, &room_id, &seq],
            )
            .await?;
            execute(
                c,
                "DELETE FROM ordering_waits WHERE delivery_seq = $1",
                &[&seq],
            )
            .await?;
        } else {
            execute(
                c,
                "INSERT INTO ordering_waits (webhook_seq, room_id, room_seq, delivery_seq)
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&webhook_seq, &room_id, &room_seq, &seq],
            )
            .await?;
            execute(
                c,
                "UPDATE deliveries SET due_at = NULL, lease = NULL WHERE seq = $1",
                &[&seq],
            )
            .await?;
        }
    }
    Ok(())
}

/// The previous room number for a delivery queued late (a replay) of an ordered registration:
/// the newest event of the room before it that the registration matches (by event kind).
pub async fn previous_for_replay<C: GenericClient + Sync>(
    c: &C,
    room_id: &str,
    room_seq: i64,
    event_names: &[&str],
) -> StoreResult<i64> {
    Ok(query_one(
        c,
        "SELECT COALESCE(MAX(room_seq), 0) FROM events
         WHERE room_id = $1 AND room_seq < $2 AND event = ANY($3::text[])",
        &[&room_id, &room_seq, &event_names],
    )
    .await?
    .get(0))
}

/// The delivery a waiting one waits behind (its pair's head), `None` when it does not wait.
pub async fn waiting_behind<C: GenericClient + Sync>(
    c: &C,
    delivery_seq: i64,
) -> StoreResult<Option<String>> {
    Ok(query_opt(
        c,
        "SELECT h.id FROM ordering_waits w
         JOIN ordering_pairs p ON p.webhook_seq = w.webhook_seq AND p.room_id = w.room_id
         JOIN deliveries h ON h.seq = p.head_seq
         WHERE w.delivery_seq = $1",
        &[&delivery_seq],
    )
    .await?
    .map(|r| r.get(0)))
}
