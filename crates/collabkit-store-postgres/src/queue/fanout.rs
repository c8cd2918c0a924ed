//! Fan-out: new events stored with one pending delivery per matching registration, numbered in
//! their rooms, in two statements for any number of them.

use std::collections::HashMap;

use collabkit_domain::clock::Timestamp;
use collabkit_domain::ids;
use collabkit_domain::rules;
use collabkit_domain::rules::ordering::Ordering;
use collabkit_domain::store::{
    ClaimedDelivery, Event, InlineLease, Room, RoomCounters, StoreError, StoreResult, event_bit,
    event_code,
};
use collabkit_webhooks::WebhookEventName;
use deadpool_postgres::GenericClient;

use super::Fanout;
use crate::sql::query;

/// The registrations each event goes to (enabled, subscribed to it, account-wide or scoped to
/// its room): `$1` accounts, `$2` rooms, `$3` the events' bits, `$4` their times (a previous
/// secret still valid then signs too). One row per event (its 1-based index) and registration.
///
/// Two index seeks per event — the account-wide registrations and the room's — so its cost
/// follows the registrations that match, not the account's total (one scan over an account with
/// 10,000 room registrations halved the end-to-end rate).
pub const MATCHING: &str = "SELECT b.i, w.seq, w.id, w.url, w.secret_sealed,
            CASE WHEN w.previous_secret_until > b.at THEN w.previous_secret_sealed END, w.headers,
            w.ordering
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
/// grows on this connection's shard of it (`sql::SHARD`: no other connection writes that row),
/// updated where it exists and inserted only where not (an upsert that finds the row locks it
/// before updating it: one more WAL record per counter).
pub const INSERT_EVENTS: &str = "WITH numbered AS (
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
     tally AS (
        SELECT x.w, x.code, COALESCE(current_setting('collabkit.shard', true)::smallint,
                                     (pg_backend_pid() % 64)::smallint) AS shard, COUNT(*) AS n
        FROM UNNEST($12::bigint[], $13::smallint[]) AS x(w, code)
        GROUP BY x.w, x.code),
     bumped AS (
        UPDATE delivery_counters k SET deliveries = k.deliveries + t.n FROM tally t
        WHERE k.webhook_seq = t.w AND k.event_code = t.code AND k.shard = t.shard
        RETURNING k.webhook_seq, k.event_code),
     counts AS (
        INSERT INTO delivery_counters AS k (webhook_seq, event_code, shard, deliveries)
        SELECT t.w, t.code, t.shard, t.n FROM tally t
        WHERE NOT EXISTS (SELECT 1 FROM bumped b WHERE b.webhook_seq = t.w AND b.event_code = t.code)
        ORDER BY t.w, t.code
        ON CONFLICT (webhook_seq, event_code, shard) DO UPDATE SET deliveries = k.deliveries + excluded.deliveries),
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

/// A registration an event goes to, as [`MATCHING`] found it.
#[derive(Clone)]
pub struct Target {
    webhook_seq: i64,
    webhook_id: String,
    url: String,
    secret_sealed: String,
    previous_secret_sealed: Option<String>,
    headers: Vec<(String, String)>,
    /// Ordered per room: its deliveries go through their pair (`crate::ordering`), never
    /// leased inline.
    ordered: bool,
}

impl Target {
    pub fn ordered(&self) -> bool {
        self.ordered
    }
}

/// The registrations each event goes to, in the order given: events named by their accounts,
/// rooms, events' bits ([`event_bit`]) and times. One statement for any number of events; it
/// depends on nothing the change writes, so a caller may send it before its reads' answers.
pub async fn matching<C: GenericClient + Sync>(
    c: &C,
    accounts: &[String],
    rooms: &[String],
    bits: &[i64],
    at: &[Timestamp],
) -> StoreResult<Vec<Vec<Target>>> {
    let rows = query(c, MATCHING, &[&accounts, &rooms, &bits, &at]).await?;
    let mut targets: Vec<Vec<Target>> = accounts.iter().map(|_| Vec::new()).collect();
    for r in &rows {
        targets[r.get::<_, i64>(0) as usize - 1].push(Target {
            webhook_seq: r.get(1),
            webhook_id: r.get(2),
            url: r.get(3),
            secret_sealed: r.get(4),
            previous_secret_sealed: r.get(5),
            headers: rules::headers::pairs_from_stored(r.get::<_, Option<&str>>(6)),
            ordered: Ordering::from_code(i64::from(r.get::<_, i16>(7))) == Ordering::PerRoom,
        });
    }
    Ok(targets)
}

/// The registrations of a room's events of each kind a change may make, read before the
/// change is planned (a join may start the session, a leave close it): sent with the change's
/// first reads, it saves the round trip [`matching`] would take after them.
pub struct KindTargets(Vec<(WebhookEventName, Vec<Target>)>);

impl KindTargets {
    pub async fn read<C: GenericClient + Sync>(
        c: &C,
        account_id: &str,
        room_id: &str,
        kinds: &[WebhookEventName],
        at: Timestamp,
    ) -> StoreResult<KindTargets> {
        let mut each = Self::read_many(c, &[(account_id, room_id, kinds)], at).await?;
        Ok(each.pop().expect("one room asked"))
    }

    /// For each (account, room, the kinds its change may make) of a group of changes, in one
    /// statement.
    pub async fn read_many<C: GenericClient + Sync>(
        c: &C,
        wanted: &[(&str, &str, &[WebhookEventName])],
        at: Timestamp,
    ) -> StoreResult<Vec<KindTargets>> {
        let (mut accounts, mut rooms, mut bits) = (Vec::new(), Vec::new(), Vec::new());
        for (account_id, room_id, kinds) in wanted {
            for kind in *kinds {
                accounts.push(account_id.to_string());
                rooms.push(room_id.to_string());
                bits.push(event_bit(*kind));
            }
        }
        let times = vec![at; bits.len()];
        let mut targets = matching(c, &accounts, &rooms, &bits, &times)
            .await?
            .into_iter();
        Ok(wanted
            .iter()
            .map(|(_, _, kinds)| {
                let each = kinds
                    .iter()
                    .map(|k| (*k, targets.next().unwrap_or_default()));
                KindTargets(each.collect())
            })
            .collect())
    }

    /// Each event's targets, in the order of `events` (every event's kind was read).
    pub fn for_events(&self, events: &[Event]) -> Vec<Vec<Target>> {
        events
            .iter()
            .map(|e| {
                self.0
                    .iter()
                    .find(|(kind, _)| *kind == e.event)
                    .map(|(_, t)| t.clone())
                    .expect("the change's event kinds were matched")
            })
            .collect()
    }
}

/// Whether storing these targets without an inline lease leaves deliveries to a claim (the
/// dispatchers must then be woken: [`crate::sql::notify_due`]), decided before the events are
/// stored so the notification goes in the same pipeline.
pub fn wakes(targets: &[Vec<Target>], inline: Option<InlineLease>) -> bool {
    targets.iter().any(|t| left_to_claims(t, inline))
}

/// Whether some of an event's deliveries to these targets wait for a claim: all of them
/// without an inline lease, the ordered ones always.
pub fn left_to_claims(targets: &[Target], inline: Option<InlineLease>) -> bool {
    if inline.is_none() {
        !targets.is_empty()
    } else {
        targets.iter().any(Target::ordered)
    }
}

/// Whether some of these events go to a registration ordered per room: storing them then
/// takes statements after the events' own (see `crate::ordering::on_fanout`), so a caller that
/// pipelines its `COMMIT` must wait for them first ([`crate::sql::commit_after`]).
pub fn any_ordered(targets: &[Vec<Target>]) -> bool {
    targets.iter().flatten().any(Target::ordered)
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
    let col = |f: fn(&Event) -> String| {
        with_leases
            .iter()
            .map(|(e, _)| f(e))
            .collect::<Vec<String>>()
    };
    let (accounts, rooms) = (col(|e| e.account_id.clone()), col(|e| e.room_id.clone()));
    let bits: Vec<i64> = with_leases
        .iter()
        .map(|(e, _)| event_bit(e.event))
        .collect();
    let at: Vec<Timestamp> = with_leases.iter().map(|(e, _)| e.created_at).collect();
    let targets = matching(c, &accounts, &rooms, &bits, &at).await?;
    store_events(c, with_leases, after, targets).await
}

/// [`insert_events`] once the events' targets are known (`targets[i]` those of the `i`th
/// event): one statement.
pub async fn store_events<C: GenericClient + Sync>(
    c: &C,
    with_leases: &mut [(&mut Event, Option<InlineLease>)],
    after: &[&Room],
    targets: Vec<Vec<Target>>,
) -> StoreResult<Vec<Fanout>> {
    if with_leases.is_empty() {
        return Ok(Vec::new());
    }
    let events: Vec<&Event> = with_leases.iter().map(|(e, _)| &**e).collect();
    let col = |f: fn(&Event) -> String| events.iter().map(|e| f(e)).collect::<Vec<String>>();
    let (ids, rooms) = (col(|e| e.id.clone()), col(|e| e.room_id.clone()));
    let accounts = col(|e| e.account_id.clone());
    let created: Vec<Timestamp> = events.iter().map(|e| e.created_at).collect();

    let mut fanouts: Vec<Fanout> = events.iter().map(|_| Fanout::default()).collect();
    let (mut d_ids, mut d_events, mut d_webhooks, mut d_codes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut d_created, mut d_due, mut d_lease) = (Vec::new(), Vec::new(), Vec::new());
    // Leased deliveries wait for their event's number (known once stored); the deliveries of
    // one event share its payload rather than copy it.
    let mut leased: Vec<(usize, ClaimedDelivery)> = Vec::new();
    let mut payloads: Vec<Option<bytes::Bytes>> = vec![None; events.len()];
    // Deliveries of ordered registrations, placed in their pairs once their events' numbers
    // are known: (event index, delivery id, registration).
    let mut ordered: Vec<(usize, String, i64)> = Vec::new();
    for (i, event_targets) in targets.into_iter().enumerate() {
        let (event, event_inline) = (events[i], with_leases[i].1);
        for t in event_targets {
            let inline = if t.ordered { None } else { event_inline };
            let delivery_id = ids::new_id(ids::DELIVERY);
            d_ids.push(delivery_id.clone());
            d_events.push(event.id.clone());
            d_webhooks.push(t.webhook_seq);
            d_codes.push(event_code(event.event) as i16);
            d_created.push(event.created_at);
            d_due.push(inline.map_or(event.created_at, |l| l.until));
            d_lease.push(inline.map(|l| l.token));
            fanouts[i].count += 1;
            if t.ordered {
                ordered.push((i, delivery_id.clone(), t.webhook_seq));
            }
            if let Some(l) = inline {
                leased.push((
                    i,
                    ClaimedDelivery {
                        delivery_id,
                        lease: l.token,
                        lease_until: l.until,
                        webhook_id: t.webhook_id,
                        url: t.url,
                        secret_sealed: t.secret_sealed,
                        previous_secret_sealed: t.previous_secret_sealed,
                        event_id: event.id.clone(),
                        room_seq: None,
                        previous_room_seq: None,
                        payload: payloads[i]
                            .get_or_insert_with(|| bytes::Bytes::from(event.payload.clone()))
                            .clone(),
                        cycle_attempts: 0,
                        headers: t.headers,
                    },
                ));
            }
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
    let placed: Vec<crate::ordering::NewDelivery> = ordered
        .into_iter()
        .filter_map(|(i, delivery_id, webhook_seq)| {
            let event = &with_leases[i].0;
            Some(crate::ordering::NewDelivery {
                delivery_id,
                webhook_seq,
                room_id: event.room_id.clone(),
                room_seq: event.room_seq?,
            })
        })
        .collect();
    crate::ordering::on_fanout(c, placed).await?;
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
