//! The delivery queue on PostgreSQL: fan-out of new events, claims shared by every node
//! (`FOR UPDATE SKIP LOCKED`), attempt records in batches, stats, pruning.

use std::collections::HashMap;
use std::time::Duration;

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::ids;
use collabkit_domain::rules;
use collabkit_domain::store::{
    AttemptRecord, ClaimedDelivery, Event, InlineLease, QueueStats, Room, RoomCounters, StoreError,
    StoreResult, event_bit, event_code,
};
use deadpool_postgres::GenericClient;

use crate::sql::{execute, notify_due, query, query_one, query_opt};

pub use collabkit_domain::model::Fanout;

/// The registrations each event goes to (enabled, subscribed to it, account-wide or scoped to
/// its room): `$1` accounts, `$2` rooms, `$3` the events' bits, `$4` their times (a previous
/// secret still valid then signs too). One row per event (its 1-based index) and registration.
///
/// Two index seeks per event — the account-wide registrations and the room's — so its cost
/// follows the registrations that match, not the account's total (one scan over an account with
/// 10,000 room registrations halved the end-to-end rate).
const MATCHING: &str = "SELECT b.i, w.seq, w.id, w.url, w.secret_sealed,
            CASE WHEN w.previous_secret_until > b.at THEN w.previous_secret_sealed END
     FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::timestamptz[])
          WITH ORDINALITY AS b(account_id, room_id, bit, at, i)
     CROSS JOIN LATERAL (
          SELECT * FROM webhooks a
          WHERE a.account_id = b.account_id AND a.room_id IS NULL AND a.enabled
            AND (a.events_mask & b.bit) != 0
          UNION ALL
          SELECT * FROM webhooks r
          WHERE r.room_id = b.room_id AND r.account_id = b.account_id AND r.enabled
            AND (r.events_mask & b.bit) != 0
     ) w
     ORDER BY b.i, w.seq";

/// Numbers the events in their rooms and stores them with their deliveries, in one statement:
/// `$1`‥`$6` the events' columns, `$7` each event's rank among the batch's events of its room
/// (1, 2…), `$8`/`$9` the rooms (sorted) and how many events each gets, `$10`‥`$16` the
/// deliveries (with their event's id), `$17`‥`$21` the rooms' counters after the change. Returns
/// each event's id and number.
///
/// Raising a room's last number (`room_sequences`) holds its row until the transaction ends, so
/// a room's numbers follow the order its changes commit in, on every node. The caller locked
/// that row when it read the room (see `RoomLock`), since the payloads carry the counters kept
/// there; this statement writes them with the number. Each registration's delivery count
/// grows on this connection's shard of it (`sql::SHARD`: no other connection writes that row).
const INSERT_EVENTS: &str = "WITH numbered AS (
        INSERT INTO room_sequences AS s (room_id, last_event_seq, users_created, users,
                                         participants, closed_ms, live_since)
        SELECT c.id, c.n, c.uc, c.u, c.p, c.ms, c.ls
        FROM UNNEST($8::text[], $9::bigint[], $17::bigint[], $18::bigint[], $19::bigint[],
                    $20::bigint[], $21::timestamptz[]) AS c(id, n, uc, u, p, ms, ls)
        ORDER BY c.id
        ON CONFLICT (room_id) DO UPDATE SET last_event_seq = s.last_event_seq + excluded.last_event_seq,
            users_created = excluded.users_created, users = excluded.users,
            participants = excluded.participants, closed_ms = excluded.closed_ms,
            live_since = excluded.live_since
        RETURNING s.room_id AS id, s.last_event_seq),
     counts AS (
        INSERT INTO delivery_counters AS k (webhook_seq, shard, deliveries)
        SELECT w, COALESCE(current_setting('collabkit.shard', true)::smallint,
                           (pg_backend_pid() % 64)::smallint), COUNT(*)
        FROM UNNEST($12::bigint[]) AS w
        GROUP BY w ORDER BY w
        ON CONFLICT (webhook_seq, shard) DO UPDATE SET deliveries = k.deliveries + excluded.deliveries),
     counted AS (
        SELECT numbered.id, numbered.last_event_seq - c.n AS base
        FROM numbered JOIN UNNEST($8::text[], $9::bigint[]) AS c(id, n) ON c.id = numbered.id),
     e AS (
        INSERT INTO events (id, account_id, room_id, event, payload, created_at, room_seq)
        SELECT i.id, i.account_id, i.room_id, i.event, i.payload, i.created_at, counted.base + i.k
        FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                    $7::bigint[]) WITH ORDINALITY AS i(id, account_id, room_id, event, payload, created_at, k, ord)
        JOIN counted ON counted.id = i.room_id
        ORDER BY i.ord
        RETURNING seq, id, room_seq),
     d AS (
        INSERT INTO deliveries (id, webhook_seq, event_seq, event_code, status, created_at, due_at, lease)
        SELECT x.id, x.webhook_seq, e.seq, x.event_code, 'pending', x.created_at, x.due_at, x.lease
        FROM UNNEST($10::text[], $11::text[], $12::bigint[], $13::smallint[], $14::timestamptz[],
                    $15::timestamptz[], $16::bigint[])
             AS x(id, event_id, webhook_seq, event_code, created_at, due_at, lease)
        JOIN e ON e.id = x.event_id)
     SELECT id, room_seq FROM e";

/// Stores one event and one pending delivery per matching registration (see
/// [`insert_events`]).
pub async fn insert_event<C: GenericClient + Sync>(
    c: &C,
    event: &mut Event,
    inline: Option<InlineLease>,
    room: &Room,
) -> StoreResult<Fanout> {
    let mut fanouts = insert_events(c, &mut [(event, inline)], &[room]).await?;
    Ok(fanouts.pop().unwrap_or_default())
}

/// Stores the events and one pending delivery per matching registration, leased inline when
/// the event comes with a lease: two statements for any number of events and deliveries. Gives
/// each event its room's next number and writes each room's counters as `rooms` has them (the
/// rooms after the change, locked by the caller; every event's room must be there); returns
/// each event's fan-out, in the order of `events`.
pub async fn insert_events<C: GenericClient + Sync>(
    c: &C,
    with_leases: &mut [(&mut Event, Option<InlineLease>)],
    after: &[&Room],
) -> StoreResult<Vec<Fanout>> {
    if with_leases.is_empty() {
        return Ok(Vec::new());
    }
    let events: Vec<&Event> = with_leases.iter().map(|(e, _)| &**e).collect();
    let col = |f: fn(&Event) -> String| events.iter().map(|e| f(e)).collect::<Vec<String>>();
    let (ids, rooms) = (col(|e| e.id.clone()), col(|e| e.room_id.clone()));
    let accounts = col(|e| e.account_id.clone());
    let created: Vec<Timestamp> = events.iter().map(|e| e.created_at).collect();
    let bits: Vec<i64> = events.iter().map(|e| event_bit(e.event)).collect();
    let matching = query(c, MATCHING, &[&accounts, &rooms, &bits, &created]).await?;

    let mut fanouts: Vec<Fanout> = events.iter().map(|_| Fanout::default()).collect();
    let (mut d_ids, mut d_events, mut d_webhooks, mut d_codes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut d_created, mut d_due, mut d_lease) = (Vec::new(), Vec::new(), Vec::new());
    // Leased deliveries wait for their event's number (known once stored); the deliveries of
    // one event share its payload rather than copy it.
    let mut leased: Vec<(usize, ClaimedDelivery)> = Vec::new();
    let mut payloads: Vec<Option<bytes::Bytes>> = vec![None; events.len()];
    for r in &matching {
        let i = r.get::<_, i64>(0) as usize - 1;
        let (event, inline) = (events[i], with_leases[i].1);
        let delivery_id = ids::new_id(ids::DELIVERY);
        d_ids.push(delivery_id.clone());
        d_events.push(event.id.clone());
        d_webhooks.push(r.get::<_, i64>(1));
        d_codes.push(event_code(event.event) as i16);
        d_created.push(event.created_at);
        d_due.push(inline.map_or(event.created_at, |l| l.until));
        d_lease.push(inline.map(|l| l.token));
        fanouts[i].count += 1;
        if let Some(l) = inline {
            leased.push((
                i,
                ClaimedDelivery {
                    delivery_id,
                    lease: l.token,
                    lease_until: l.until,
                    webhook_id: r.get(2),
                    url: r.get(3),
                    secret_sealed: r.get(4),
                    previous_secret_sealed: r.get(5),
                    event_id: event.id.clone(),
                    room_seq: None,
                    payload: payloads[i]
                        .get_or_insert_with(|| bytes::Bytes::from(event.payload.clone()))
                        .clone(),
                    cycle_attempts: 0,
                },
            ));
        }
    }
    let (ranks, room_list, counts) = room_ranks(&events);
    let mut counters = Vec::with_capacity(room_list.len());
    for id in &room_list {
        let room = after
            .iter()
            .find(|r| &r.id == id)
            .ok_or_else(|| StoreError::backend(format!("no counters for room {id}")))?;
        counters.push(room.counters);
    }
    let big =
        |f: fn(&RoomCounters) -> u64| counters.iter().map(|k| f(k) as i64).collect::<Vec<i64>>();
    let live_since: Vec<Option<Timestamp>> = counters.iter().map(|k| k.live_since).collect();
    let stored = query(
        c,
        INSERT_EVENTS,
        &[
            &ids,
            &accounts,
            &rooms,
            &col(|e| e.event.as_str().to_owned()),
            &col(|e| e.payload.clone()),
            &created,
            &ranks,
            &room_list,
            &counts,
            &d_ids,
            &d_events,
            &d_webhooks,
            &d_codes,
            &d_created,
            &d_due,
            &d_lease,
            &big(|k| k.users_created),
            &big(|k| k.users),
            &big(|k| k.participants),
            &big(|k| k.closed_ms),
            &live_since,
        ],
    )
    .await?;
    let numbers: HashMap<String, Option<i64>> =
        stored.iter().map(|r| (r.get(0), r.get(1))).collect();
    for (event, _) in with_leases.iter_mut() {
        event.room_seq = numbers.get(&event.id).copied().flatten();
    }
    for (i, mut delivery) in leased {
        delivery.room_seq = with_leases[i].0.room_seq;
        fanouts[i].leased.push(delivery);
    }
    Ok(fanouts)
}

/// Each event's rank among the events of its room (1, 2… in the order given), and the rooms,
/// sorted, with how many events each gets.
fn room_ranks(events: &[&Event]) -> (Vec<i64>, Vec<String>, Vec<i64>) {
    let mut counts: HashMap<&str, i64> = HashMap::new();
    let ranks = events
        .iter()
        .map(|e| {
            let n = counts.entry(e.room_id.as_str()).or_default();
            *n += 1;
            *n
        })
        .collect();
    let mut counts: Vec<(&str, i64)> = counts.into_iter().collect();
    counts.sort_unstable();
    let (rooms, counts) = counts.into_iter().map(|(r, n)| (r.to_owned(), n)).unzip();
    (ranks, rooms, counts)
}

/// Leases due deliveries: `$1` lease end, `$2` lease token, `$3` now, `$4` excluded
/// registration ids, `$5` most to take, `$6` most of one registration.
///
/// The window of the `$5` oldest due rows is locked with SKIP LOCKED, so nodes claiming at the
/// same moment take different rows instead of waiting for each other; of that window at most
/// `$6` per registration are leased (one busy receiver cannot fill a whole claim).
const CLAIM: &str = "WITH window_rows AS (
        SELECT seq, webhook_seq, due_at FROM deliveries
        WHERE status = 'pending' AND due_at <= $3
          AND webhook_seq NOT IN (SELECT seq FROM webhooks WHERE id = ANY($4))
        ORDER BY due_at LIMIT $5
        FOR UPDATE SKIP LOCKED),
     picked AS (
        SELECT seq FROM (
            SELECT seq, ROW_NUMBER() OVER (PARTITION BY webhook_seq ORDER BY due_at, seq) AS rn
            FROM window_rows) ranked
        WHERE rn <= $6)
     UPDATE deliveries d SET due_at = $1, lease = $2
     FROM picked, webhooks w, events e
     WHERE d.seq = picked.seq AND w.seq = d.webhook_seq AND e.seq = d.event_seq
     RETURNING d.id, w.id, e.id, d.cycle_attempts, e.payload, w.url, w.secret_sealed,
               CASE WHEN w.previous_secret_until > $3 THEN w.previous_secret_sealed END, e.room_seq";

pub async fn claim_due<C: GenericClient + Sync>(
    c: &C,
    now: Timestamp,
    lease_for: Duration,
    limit: u32,
    per_webhook: u32,
    exclude: &[String],
) -> StoreResult<Vec<ClaimedDelivery>> {
    let lease_until = clock::after(now, lease_for);
    let lease: i64 = rand::random::<i64>() & i64::MAX;
    let rows = query(
        c,
        CLAIM,
        &[
            &lease_until,
            &lease,
            &now,
            &exclude,
            &(limit as i64),
            &(per_webhook as i64),
        ],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| ClaimedDelivery {
            delivery_id: r.get(0),
            lease,
            lease_until,
            webhook_id: r.get(1),
            event_id: r.get(2),
            cycle_attempts: r.get::<_, i32>(3) as u32,
            payload: bytes::Bytes::from(r.get::<_, String>(4)),
            url: r.get(5),
            secret_sealed: r.get(6),
            previous_secret_sealed: r.get(7),
            room_seq: r.get(8),
        })
        .collect())
}

/// Records a batch of outcomes in a few statements for the whole batch, then the
/// registrations' health (see the SQLite backend, which does the same).
pub async fn record_attempts<C: GenericClient + Sync>(
    c: &C,
    records: &[AttemptRecord],
) -> StoreResult<Vec<String>> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids = Vec::new();
    let mut leases = Vec::new();
    let mut at = Vec::new();
    let mut codes: Vec<Option<i32>> = Vec::new();
    let mut statuses = Vec::new();
    let mut next: Vec<Option<Timestamp>> = Vec::new();
    for rec in records {
        let (status, next_retry) = rules::delivery_after(rec.next);
        ids.push(rec.delivery_id.clone());
        leases.push(rec.lease);
        at.push(rec.attempt.attempted_at);
        codes.push(rec.attempt.status_code.map(i32::from));
        statuses.push(status.as_str().to_owned());
        next.push(next_retry);
    }
    let updated = query(
        c,
        "UPDATE deliveries d SET attempts = d.attempts + 1, cycle_attempts = d.cycle_attempts + 1,
                last_attempt_at = r.at, status_code = r.code, status = r.status,
                next_retry_at = r.next, due_at = r.next, lease = NULL
         FROM UNNEST($1::text[], $2::bigint[], $3::timestamptz[], $4::int[], $5::text[], $6::timestamptz[])
              AS r(id, lease, at, code, status, next)
         WHERE d.id = r.id AND d.lease = r.lease
         RETURNING d.id, d.seq",
        &[&ids, &leases, &at, &codes, &statuses, &next],
    )
    .await?;
    let mut seqs: HashMap<String, i64> = updated.iter().map(|r| (r.get(0), r.get(1))).collect();
    for rec in records {
        if seqs.contains_key(&rec.delivery_id) {
            continue;
        }
        // The lease ran out and someone else owns the delivery now (or it was retried by
        // hand): count the attempt, leave the state to the current owner.
        if let Some(row) = query_opt(
            c,
            "UPDATE deliveries SET attempts = attempts + 1, last_attempt_at = $1, status_code = $2
             WHERE id = $3 RETURNING seq",
            &[
                &rec.attempt.attempted_at,
                &rec.attempt.status_code.map(i32::from),
                &rec.delivery_id,
            ],
        )
        .await?
        {
            seqs.insert(rec.delivery_id.clone(), row.get(0));
        }
    }
    // A delivery missing from `seqs` was deleted with its registration while in flight.
    let mut a_seq = Vec::new();
    let mut a_at = Vec::new();
    let mut a_code: Vec<Option<i32>> = Vec::new();
    let mut a_ms = Vec::new();
    let mut a_err: Vec<Option<String>> = Vec::new();
    let mut a_body = Vec::new();
    for rec in records {
        if let Some(seq) = seqs.get(&rec.delivery_id) {
            let a = &rec.attempt;
            a_seq.push(*seq);
            a_at.push(a.attempted_at);
            a_code.push(a.status_code.map(i32::from));
            a_ms.push(a.duration_ms as i64);
            a_err.push(a.error.clone());
            a_body.push(a.response_body.clone());
        }
    }
    execute(
        c,
        "INSERT INTO attempts (delivery_seq, attempted_at, status_code, duration_ms, error, response_body)
         SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::int[], $4::bigint[], $5::text[], $6::text[])",
        &[&a_seq, &a_at, &a_code, &a_ms, &a_err, &a_body],
    )
    .await?;

    // Registration health ([`rules::plan_health`]).
    let plan = rules::plan_health(records);
    let mut disabled = Vec::new();
    for failing in &plan.failing {
        let since: Option<Timestamp> = query_opt(
            c,
            "UPDATE webhooks SET failing_since = COALESCE(failing_since, $1) WHERE id = $2
             RETURNING failing_since",
            &[&failing.since, &failing.webhook_id],
        )
        .await?
        .and_then(|r| r.get(0));
        if rules::disables_failing(since, failing) && disable(c, failing.webhook_id).await? {
            disabled.push(failing.webhook_id.to_owned());
        }
    }
    for webhook_id in &plan.gone {
        if disable(c, webhook_id).await? {
            disabled.push((*webhook_id).to_owned());
        }
    }
    if !plan.healthy.is_empty() {
        execute(
            c,
            "UPDATE webhooks SET failing_since = NULL WHERE id = ANY($1) AND failing_since IS NOT NULL",
            &[&plan.healthy],
        )
        .await?;
    }
    if plan.wake {
        // A dispatcher may be asleep until a later due time than this retry's.
        notify_due(c).await?;
    }
    Ok(disabled)
}

/// Disables an enabled registration and fails its pending deliveries; `false` if it was not
/// enabled.
async fn disable<C: GenericClient + Sync>(c: &C, webhook_id: &str) -> StoreResult<bool> {
    let changed = execute(
        c,
        "UPDATE webhooks SET enabled = false, failing_since = NULL, updated_at = $1 WHERE id = $2 AND enabled",
        &[&clock::now(), &webhook_id],
    )
    .await?;
    fail_pending(c, webhook_id).await?;
    Ok(changed > 0)
}

/// A disabled registration receives nothing: its pending deliveries end `failed`.
pub async fn fail_pending<C: GenericClient + Sync>(c: &C, webhook_id: &str) -> StoreResult<()> {
    execute(
        c,
        "UPDATE deliveries SET status = 'failed', next_retry_at = NULL, due_at = NULL, lease = NULL
         WHERE webhook_seq = (SELECT seq FROM webhooks WHERE id = $1) AND status = 'pending'",
        &[&webhook_id],
    )
    .await?;
    Ok(())
}

pub async fn release_leases<C: GenericClient + Sync>(
    c: &C,
    leases: &[(String, i64)],
    now: Timestamp,
) -> StoreResult<u64> {
    let ids: Vec<&str> = leases.iter().map(|(id, _)| id.as_str()).collect();
    let tokens: Vec<i64> = leases.iter().map(|(_, t)| *t).collect();
    let n = execute(
        c,
        "UPDATE deliveries d SET due_at = $3, lease = NULL
         FROM UNNEST($1::text[], $2::bigint[]) AS r(id, lease)
         WHERE d.id = r.id AND d.lease = r.lease AND d.status = 'pending'",
        &[&ids, &tokens, &now],
    )
    .await?;
    if rules::wakes_after_requeue(n) {
        notify_due(c).await?;
    }
    Ok(n)
}

pub async fn next_due_at<C: GenericClient + Sync>(c: &C) -> StoreResult<Option<Timestamp>> {
    Ok(query_one(
        c,
        "SELECT MIN(due_at) FROM deliveries WHERE status = 'pending'",
        &[],
    )
    .await?
    .get(0))
}

pub async fn queue_stats<C: GenericClient + Sync>(
    c: &C,
    now: Timestamp,
) -> StoreResult<QueueStats> {
    let row = query_one(
        c,
        "SELECT COUNT(*) FILTER (WHERE due_at <= $1), MIN(due_at) FILTER (WHERE due_at <= $1),
                COUNT(*) FILTER (WHERE due_at > $1)
         FROM deliveries WHERE status = 'pending'",
        &[&now],
    )
    .await?;
    Ok(QueueStats {
        due: row.get::<_, i64>(0) as u64,
        oldest_due_at: row.get(1),
        scheduled: row.get::<_, i64>(2) as u64,
    })
}

pub async fn prune<C: GenericClient + Sync>(
    c: &C,
    before: Timestamp,
    batch: u32,
) -> StoreResult<u64> {
    crate::stats::prune(c, before, batch).await?;
    // Rows are inserted in time order, so the oldest are at the start of the table's key.
    // The registrations' delivery counts follow (see migration 5).
    let n: i64 = query_one(
        c,
        "WITH gone AS (
            DELETE FROM deliveries WHERE seq IN (
                SELECT seq FROM deliveries WHERE created_at < $1 AND status != 'pending'
                ORDER BY seq LIMIT $2)
            RETURNING webhook_seq),
         counted AS (
            INSERT INTO delivery_counters AS k (webhook_seq, shard, deliveries)
            SELECT webhook_seq, COALESCE(current_setting('collabkit.shard', true)::smallint,
                                         (pg_backend_pid() % 64)::smallint), -COUNT(*)
            FROM gone
            GROUP BY webhook_seq ORDER BY webhook_seq
            ON CONFLICT (webhook_seq, shard) DO UPDATE SET deliveries = k.deliveries + excluded.deliveries)
         SELECT COUNT(*) FROM gone",
        &[&before, &(batch as i64)],
    )
    .await?
    .get(0);
    let n = n as u64;
    // Old events no delivery refers to any more. (Not "those before the oldest remaining
    // delivery's event", as on SQLite: with concurrent writers, deliveries and events take
    // their positions in different orders.) Each check is a seek of `deliveries_by_event`.
    execute(
        c,
        "DELETE FROM events WHERE seq IN (
            SELECT e.seq FROM events e WHERE e.created_at < $1
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq)
            ORDER BY e.seq LIMIT $2)",
        &[&before, &(batch as i64)],
    )
    .await?;
    Ok(n)
}
