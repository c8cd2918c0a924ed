//! The event log on PostgreSQL: reads below the horizon, and the storage contract's
//! `EventLog`.

use collabkit_domain::store::{
    Cursor, Event, EventFilter, Page, PageRequest, StoreError, StoreResult,
};
use deadpool_postgres::GenericClient;

use crate::rows::{self, EVENT_COLS};

use crate::sql::{query, query_opt};

/// The event log's query for a filter (`$1` account, `$2`/`$3` the cursor's transaction id and
/// `seq`, `$4` room, `$5` event name, `$6` limit), each filter served by its own index.
///
/// Why not `seq > cursor`: with several writers a lower `seq` can commit after a higher one a
/// reader already passed, and a reader paging through the log would skip it for good. Rows are
/// read in (inserting transaction, `seq`) order, and only those below the horizon (`$7`, see
/// [`crate::horizon`]): any row that becomes visible later belongs to a transaction at or past
/// it, so it sorts after every row already returned.
pub(crate) fn events_query(filter: &EventFilter) -> String {
    let only = match (&filter.room_id, &filter.event) {
        (Some(_), Some(_)) => "room_id = $4 AND account_id = $1 AND event = $5",
        (Some(_), None) => "room_id = $4 AND account_id = $1 AND $5::text IS NULL",
        (None, Some(_)) => "account_id = $1 AND event = $5 AND $4::text IS NULL",
        (None, None) => "account_id = $1 AND $4::text IS NULL AND $5::text IS NULL",
    };
    format!(
        "SELECT {EVENT_COLS}, txid::text AS txid, txid < $7::text::xid8 AS settled
         FROM events WHERE {only} AND (txid, seq) > ($2::text::xid8, $3)
         ORDER BY txid, seq LIMIT $6"
    )
}

pub async fn room_events<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
    after_room_seq: i64,
    limit: u32,
) -> StoreResult<Vec<Event>> {
    events_where(
        c,
        "room_id = $2 AND room_seq > $3 AND account_id = $1 ORDER BY room_seq LIMIT $4",
        &[&account_id, &room_id, &after_room_seq, &i64::from(limit)],
    )
    .await
}

pub async fn recent_events<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
    limit: u32,
) -> StoreResult<Vec<Event>> {
    events_where(
        c,
        "room_id = $2 AND account_id = $1 ORDER BY room_seq DESC LIMIT $3",
        &[&account_id, &room_id, &i64::from(limit)],
    )
    .await
}

/// The events a `WHERE …` clause selects.
pub(crate) async fn events_where<C: GenericClient + Sync>(
    c: &C,
    clause: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> StoreResult<Vec<Event>> {
    query(
        c,
        &format!("SELECT {EVENT_COLS} FROM events WHERE {clause}"),
        params,
    )
    .await?
    .iter()
    .map(|r| rows::event(r).map(|(_, e)| e))
    .collect()
}

/// The position after an event: its transaction's id and its `seq`.
pub(crate) fn log_cursor(txid: &str, seq: i64) -> Cursor {
    Cursor::new(format!("{txid}.{seq}"))
}

pub(crate) fn log_position(page: &PageRequest) -> StoreResult<(String, i64)> {
    let Some(cursor) = &page.after else {
        return Ok(("0".to_owned(), 0));
    };
    let (txid, seq) = cursor
        .as_str()
        .split_once('.')
        .ok_or(StoreError::InvalidCursor)?;
    let txid: u64 = txid.parse().map_err(|_| StoreError::InvalidCursor)?;
    let seq: i64 = seq.parse().map_err(|_| StoreError::InvalidCursor)?;
    Ok((txid.to_string(), seq))
}

/// The newest settled event's position (see `events_query`).
pub async fn event_log_end<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
) -> StoreResult<Option<Cursor>> {
    let horizon = crate::horizon::horizon(c).await?;
    Ok(query_opt(
        c,
        "SELECT txid::text, seq FROM events
         WHERE account_id = $1 AND txid < $2::text::xid8
         ORDER BY txid DESC, seq DESC LIMIT 1",
        &[&account_id, &horizon],
    )
    .await?
    .map(|r| log_cursor(r.get(0), r.get(1))))
}

/// How long a read waits for transactions still running before it answers with the settled
/// part of the log only.
pub(crate) const SETTLE_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

pub async fn list_events<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    filter: EventFilter,
    page: PageRequest,
) -> StoreResult<Page<Event>> {
    let (txid, seq) = log_position(&page)?;
    let sql = events_query(&filter);
    let started = std::time::Instant::now();
    loop {
        let horizon = crate::horizon::horizon(c).await?;
        let rows = query(
            c,
            &sql,
            &[
                &account_id,
                &txid,
                &seq,
                &filter.room_id,
                &filter.event.map(|e| e.as_str()),
                &(page.limit as i64 + 1),
                &horizon,
            ],
        )
        .await?;
        // Rows past the horizon are visible but not settled: a writer still running may yet
        // commit a row before them. Writers take milliseconds, so the read waits (a reader
        // sees its own writes); past the wait it returns the settled part.
        let settled = rows
            .iter()
            .take_while(|r| r.get::<_, bool>("settled"))
            .count();
        if settled < rows.len() && started.elapsed() < SETTLE_WAIT {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            continue;
        }
        let mut events = Vec::with_capacity(settled);
        for r in &rows[..settled] {
            let (seq, event) = rows::event(r)?;
            events.push((r.get::<_, String>("txid"), seq, event));
        }
        let more = events.len() > page.limit as usize;
        events.truncate(page.limit as usize);
        let last = events.last().map(|(t, s, _)| log_cursor(t, *s));
        let next = if more || settled < rows.len() {
            last.clone().or_else(|| page.after.clone())
        } else {
            None
        };
        return Ok(Page {
            items: events.into_iter().map(|(_, _, e)| e).collect(),
            next,
            last,
            total: None,
        });
    }
}

use crate::*;

use collabkit_domain::store::EventLog;

#[async_trait]
impl EventLog for crate::PgStore {
    async fn list_events(
        &self,
        account_id: &str,
        filter: EventFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Event>> {
        self.within(async {
            crate::event_log::list_events(&self.client().await?, account_id, filter, page).await
        })
        .await
    }

    async fn recent_events(
        &self,
        account_id: &str,
        room_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<Event>> {
        self.within(async {
            crate::event_log::recent_events(&self.client().await?, account_id, room_id, limit).await
        })
        .await
    }

    async fn room_events(
        &self,
        account_id: &str,
        room_id: &str,
        after_room_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<Event>> {
        self.within(async {
            crate::event_log::room_events(
                &self.client().await?,
                account_id,
                room_id,
                after_room_seq,
                limit,
            )
            .await
        })
        .await
    }

    async fn event_log_end(&self, account_id: &str) -> StoreResult<Option<Cursor>> {
        self.within(async {
            crate::event_log::event_log_end(&self.client().await?, account_id).await
        })
        .await
    }
}
