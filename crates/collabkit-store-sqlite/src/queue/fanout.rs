//! Fan-out: a new event stored with one pending delivery per matching registration, numbered
//! in its room, and leased inline when asked.

use rusqlite::{Connection, OptionalExtension, params};

use super::Fanout;
use crate::errors::backend;
use crate::rows::{json, ts};
use collabkit_domain::ids;
use collabkit_domain::rules;
use collabkit_domain::rules::ordering::Ordering;
use collabkit_domain::store::{
    ClaimedDelivery, Event, InlineLease, StoreResult, event_bit, event_code,
};

/// The registrations an event goes to: `?1` account, `?2` the event's bit, `?3` its room, `?4`
/// now (a previous secret still valid is signed with too).
///
/// Two seeks, account-wide registrations and the room's own, so the cost follows the
/// registrations that match, not the account's total (thousands of rooms with a registration
/// each made one `account_id, enabled` range scan per event 5.8x slower).
const MATCHING: &str = "SELECT seq, id, url, secret_sealed,
            CASE WHEN previous_secret_until > ?4 THEN previous_secret_sealed END, headers, ordering
     FROM webhooks
     WHERE account_id = ?1 AND room_id IS NULL AND enabled = 1 AND (events_mask & ?2) != 0
     UNION ALL
     SELECT seq, id, url, secret_sealed,
            CASE WHEN previous_secret_until > ?4 THEN previous_secret_sealed END, headers, ordering
     FROM webhooks
     WHERE room_id = ?3 AND account_id = ?1 AND enabled = 1 AND (events_mask & ?2) != 0";

/// Stores the event and one pending delivery per matching registration (enabled, subscribed to
/// the event, account-wide or scoped to its room), leased inline when `inline` is given; the
/// event is given its room's next number.
pub fn insert_event(
    conn: &Connection,
    event: &mut Event,
    inline: Option<InlineLease>,
) -> StoreResult<Fanout> {
    // The room's next number (`None` only for a room already gone, which stores no events).
    let room_seq: Option<i64> = conn
        .prepare_cached(
            "UPDATE rooms SET last_event_seq = last_event_seq + 1 WHERE id = ?1
             RETURNING last_event_seq",
        )
        .and_then(|mut s| s.query_row([&event.room_id], |r| r.get(0)).optional())
        .map_err(backend)?;
    conn.prepare_cached(
        "INSERT INTO events (id, account_id, room_id, event, payload, created_at, room_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(params![
            event.id,
            event.account_id,
            event.room_id,
            event.event.as_str(),
            event.payload,
            ts(&event.created_at),
            room_seq
        ])
    })
    .map_err(backend)?;
    event.room_seq = room_seq;
    let event_seq = conn.last_insert_rowid();
    let now = ts(&event.created_at);
    #[allow(clippy::type_complexity)]
    let webhooks: Vec<(
        i64,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        i64,
    )> = conn
        .prepare_cached(MATCHING)
        .and_then(|mut s| {
            s.query_map(
                params![event.account_id, event_bit(event.event), event.room_id, now],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )?
            .collect()
        })
        .map_err(backend)?;
    let (due_at, lease) = match inline {
        Some(l) => (ts(&l.until), Some(l.token)),
        None => (now.clone(), None),
    };
    let mut fanout = Fanout {
        count: webhooks.len(),
        leased: Vec::new(),
    };
    if webhooks.is_empty() {
        return Ok(fanout);
    }
    let ids: Vec<String> = webhooks
        .iter()
        .map(|_| ids::new_id(ids::DELIVERY))
        .collect();
    // Deliveries of registrations ordered per room are never leased inline: they go through
    // their pair (its head or its queue, see `crate::ordering`), and a claim takes the head.
    let ordered = |w: &(
        i64,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        i64,
    )| { room_seq.is_some() && Ordering::from_code(w.6) == Ordering::PerRoom };
    let rows: Vec<(&str, i64, Option<&str>, Option<i64>)> = ids
        .iter()
        .zip(&webhooks)
        .map(|(id, w)| {
            if ordered(w) {
                (id.as_str(), w.0, Some(now.as_str()), None)
            } else {
                (id.as_str(), w.0, Some(due_at.as_str()), lease)
            }
        })
        .collect();
    // One statement for all of them: per statement, SQLite copies every page it changes into the
    // statement journal, and the pages are the same for every row (the ends of the table and
    // its indexes).
    conn.prepare_cached(
        "INSERT INTO deliveries (id, webhook_seq, event_seq, event_code, status, created_at, due_at, lease)
         SELECT value ->> 0, value ->> 1, ?2, ?3, 'pending', ?4, value ->> 2, value ->> 3
         FROM json_each(?1)",
    )
    .and_then(|mut s| s.execute(params![json(&rows), event_seq, event_code(event.event), now]))
    .map_err(backend)?;
    if let Some(room_seq) = room_seq {
        for (id, w) in ids.iter().zip(&webhooks).filter(|(_, w)| ordered(w)) {
            let seq: i64 = conn
                .prepare_cached("SELECT seq FROM deliveries WHERE id = ?1")
                .and_then(|mut s| s.query_row([id], |r| r.get(0)))
                .map_err(backend)?;
            crate::ordering::on_fanout(conn, w.0, &event.room_id, room_seq, seq)?;
        }
    }
    if let Some(l) = inline {
        let payload = bytes::Bytes::from(event.payload.clone());
        fanout.leased = ids
            .into_iter()
            .zip(webhooks)
            .filter(|(_, w)| !ordered(w))
            .map(
                |(id, (_, webhook_id, url, secret_sealed, previous_secret_sealed, headers, _))| {
                    ClaimedDelivery {
                        delivery_id: id,
                        lease: l.token,
                        lease_until: l.until,
                        webhook_id,
                        url,
                        secret_sealed,
                        previous_secret_sealed,
                        event_id: event.id.clone(),
                        room_seq,
                        previous_room_seq: None,
                        payload: payload.clone(),
                        cycle_attempts: 0,
                        headers: rules::headers::pairs_from_stored(headers.as_deref()),
                    }
                },
            )
            .collect();
    }
    Ok(fanout)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Matching seeks the account-wide registrations and the room's: no scan of the account's.
    #[test]
    fn matching_seeks_account_wide_and_room_registrations() {
        let plan = crate::tests::query_plan(MATCHING, 4);
        assert!(
            plan.iter()
                .any(|l| l
                    .contains("SEARCH webhooks USING INDEX webhooks_account_wide (account_id=?)")),
            "{plan:#?}"
        );
        assert!(
            plan.iter()
                .any(|l| l.contains("SEARCH webhooks USING INDEX webhooks_by_room (room_id=?)")),
            "{plan:#?}"
        );
        assert!(!plan.iter().any(|l| l.contains("SCAN")), "{plan:#?}");
    }
}
