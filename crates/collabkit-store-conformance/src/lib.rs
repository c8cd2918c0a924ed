//! The storage conformance suite: what every backend must do, written once.
//!
//! A check is an async function over a fresh, empty database: most take one handle
//! (`&dyn Storage`); those about several nodes on one database take the [`TestDatabase`] and
//! open as many handles as they need. Every check is listed in [`checks`], and a unit test
//! fails if a public check function of a check module is missing from that list, so none can
//! silently never run.
//!
//! A backend runs the whole suite from a test target with `harness = false`:
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     collabkit_store_conformance::run(MyBackendFactory)
//! }
//! ```
//!
//! Each check is then its own test (`cargo test -p my-backend -- claims` runs some).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use collabkit_domain::accounts;
use collabkit_domain::store::{
    EventFilter, NewRoom, NewUser, PageRequest, SharedStore, Storage, User,
};

mod alerts;
mod delivery;
mod dialect;
mod follows;
mod handles;
mod idempotency;
mod people;
mod sessions;
mod stats;
mod stores;

/// Makes fresh databases for the suite.
#[async_trait]
pub trait Factory: Send + Sync + 'static {
    /// A fresh, empty, migrated database. Dropping it removes it.
    async fn create(&self) -> Box<dyn TestDatabase>;
}

/// One database of the suite.
#[async_trait]
pub trait TestDatabase: Send + Sync {
    /// A new handle on this database, as another node (or process) would open it.
    async fn open(&self) -> SharedStore;
    /// Whether a wake-up rung through one handle reaches the others (a backend several nodes
    /// share must; SQLite, one server per file, wakes its own handle only).
    fn wakes_across_handles(&self) -> bool;
}

pub type BoxFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// How a check runs.
#[derive(Clone, Copy)]
pub enum CheckFn {
    /// On one handle of a fresh database.
    OneHandle(for<'a> fn(&'a dyn Storage) -> BoxFuture<'a>),
    /// On a fresh database, opening its own handles.
    Database(for<'a> fn(&'a dyn TestDatabase) -> BoxFuture<'a>),
}

#[derive(Clone, Copy)]
pub struct Check {
    pub name: &'static str,
    pub run: CheckFn,
}

macro_rules! checks {
    ($($kind:ident $($path:ident)::+),* $(,)?) => {
        /// Every check of the suite.
        pub fn checks() -> Vec<Check> {
            vec![$(Check {
                name: checks!(@name $($path)+),
                run: checks!(@fn $kind $($path)::+),
            }),*]
        }
    };
    // A check is named by its function alone (`cargo test -- claims` picks by it), whichever
    // module holds it.
    (@name $name:ident) => { stringify!($name) };
    (@name $module:ident $($rest:ident)+) => { checks!(@name $($rest)+) };
    (@fn store $($path:ident)::+) => {
        CheckFn::OneHandle(|s| Box::pin($($path)::+(s)))
    };
    (@fn database $($path:ident)::+) => {
        CheckFn::Database(|d| Box::pin($($path)::+(d)))
    };
}

checks! {
    store people::accounts::accounts_are_created_and_found,
    store people::rooms::rooms_are_created_read_renamed_and_unique_per_account,
    store people::rooms::rooms_page_in_creation_order,
    store people::rooms::garbage_cursors_are_refused,
    store people::users::concurrent_creations_each_get_their_answer,
    store people::users::user_changes_store_exactly_their_events,
    store people::users::failed_changes_store_nothing,
    store people::rooms::deleting_a_room_deletes_its_users_with_events,
    store people::accounts::accounts_are_isolated,
    store people::users::users_are_found_by_token_and_custom_id,
    store people::events::events_filter_by_room_and_name,
    store delivery::registrations::webhooks_are_scoped_patched_rotated_and_deleted,
    store delivery::registrations::events_fan_out_to_matching_registrations,
    store delivery::registrations::delivery_log_pages_newest_first_across_event_names,
    store delivery::registrations::webhook_headers_are_kept_and_travel_with_deliveries,
    store delivery::ordering::ordering_is_kept_per_registration_and_account,
    store delivery::ordering::ordered_deliveries_go_one_per_room_in_order,
    store delivery::ordering::nothing_stays_stuck_when_ordering_stops,
    store delivery::claims::claims_lease_deliveries_until_recorded,
    store delivery::claims::claims_respect_per_registration_limits,
    store delivery::claims::released_leases_are_due_at_once,
    store delivery::outcomes::a_batch_of_outcomes_is_recorded_together,
    store delivery::outcomes::retries_failures_and_recovery_move_deliveries,
    store delivery::outcomes::gone_disables_the_registration_and_fails_pending,
    store delivery::outcomes::prune_removes_old_finished_deliveries,
    store delivery::outcomes::replay_queues_only_what_was_never_sent,
    store stats::attempts_are_counted_per_minute_outcome_and_latency,
    store handles::fresh_deliveries_are_leased_inline_when_asked,
    store handles::deliveries_left_to_claims_ring_the_wakeup,
    database handles::two_handles_never_lease_one_delivery_twice,
    database handles::a_change_on_one_handle_wakes_the_other,
    database handles::room_signals_reach_the_other_nodes,
    database handles::a_rooms_events_are_numbered_without_gaps,
    store sessions::sessions_start_join_leave_and_close_in_order,
    store sessions::open_sessions_are_closed_after_a_restart,
    store sessions::deletions_end_participation_first,
    store sessions::only_the_participation_of_gone_nodes_ends,
    store sessions::a_stopped_node_is_gone_at_once,
    store sessions::a_user_held_by_two_nodes_is_one_participant,
    store dialect::counters::room_counters_follow_user_creation_and_deletion,
    store dialect::counters::sessions_move_counters_status_and_duration,
    store dialect::participations::user_sessions_open_and_close_with_participation,
    store dialect::lists::lists_page_by_offset_with_totals_and_filters,
    store dialect::counters::reconcile_recounts_participants_without_events,
    store dialect::custom_ids::custom_ids_are_optional_and_unique_where_they_belong,
    store follows::follows_are_set_once_removed_once_and_listed_in_order,
    store follows::follows_stay_in_their_room_and_account,
    store follows::follows_go_with_their_users_and_room,
    store stores::store_versions_count_per_store_and_per_room,
    store stores::a_store_batch_answers_each_write_in_order,
    store stores::store_reads_agree_with_the_changes,
    store stores::store_schemas_fill_defaults_when_the_write_carries_one,
    store stores::store_bounds_hold_across_calls,
    store stores::store_sync_answers_the_changes_since_a_version,
    store stores::forgotten_deletions_send_older_clients_a_snapshot,
    store stores::store_entries_page_by_key_with_the_total,
    store stores::stores_stay_in_their_room_and_account,
    store stores::deleting_a_room_deletes_its_stores,
    store stores::store_values_keep_their_numbers_and_bytes_exact,
    database stores::concurrent_store_writes_are_numbered_without_gaps,
    store idempotency::idempotency_keys_claim_replay_refuse_and_release,
    store alerts::alert_destinations_are_put_rotated_and_deleted,
    store alerts::outcomes_and_disables_store_their_alerts,
    store alerts::alert_claims_apply_the_rate_limit_and_record_attempts,
    store idempotency::expired_and_abandoned_idempotency_keys_are_taken_over,
    database idempotency::concurrent_idempotency_claims_from_two_handles_have_one_winner,
    store delivery::pace::rate_limits_are_kept_per_registration_and_tenant,
    database delivery::pace::reservations_follow_one_schedule_across_handles,
    store delivery::pace::postponed_deliveries_wait_without_an_attempt,
}

/// Runs every check against databases from `factory`, each as its own test (libtest's
/// arguments and output), and returns the exit code.
pub fn run(factory: impl Factory) -> std::process::ExitCode {
    let args = libtest_mimic::Arguments::from_args();
    let factory: Arc<dyn Factory> = Arc::new(factory);
    let trials = checks()
        .into_iter()
        .map(|check| {
            let factory = factory.clone();
            libtest_mimic::Trial::test(check.name, move || {
                run_one(factory.as_ref(), check);
                Ok(())
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

/// Runs one check on a fresh database, on a runtime of its own.
pub fn run_one(factory: &dyn Factory, check: Check) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a test runtime");
    runtime.block_on(async {
        let db = factory.create().await;
        match check.run {
            CheckFn::OneHandle(f) => {
                let store = db.open().await;
                f(store.as_ref()).await;
            }
            CheckFn::Database(f) => f(db.as_ref()).await,
        }
    });
}

/// The node id single-handle checks join sessions through.
pub(crate) const NODE: &str = "node-under-test";

pub(crate) async fn account(store: &dyn Storage) -> String {
    accounts::create(store, "test").await.unwrap().account.id
}

pub(crate) fn new_room(custom_id: &str) -> NewRoom {
    NewRoom {
        custom_id: Some(custom_id.into()),
        name: format!("Room {custom_id}"),
    }
}

pub(crate) fn new_user(room_id: &str, custom_id: &str) -> NewUser {
    let token = accounts::new_user_token();
    NewUser {
        room_id: room_id.into(),
        custom_id: Some(custom_id.into()),
        name: format!("User {custom_id}"),
        profile_picture: None,
        // The store keeps it as given; sealing is the API's (it holds the key).
        token_sealed: sealed(&token),
        token,
    }
}

/// A stand-in for the API's sealing: any opaque text will do for the store.
pub(crate) fn sealed(token: &str) -> String {
    format!("sealed:{token}")
}

/// Creates a user in `room_id` and returns it.
pub(crate) async fn user(
    store: &dyn Storage,
    account_id: &str,
    room_id: &str,
    custom_id: &str,
) -> User {
    store
        .create_user(account_id, new_user(room_id, custom_id), None)
        .await
        .unwrap()
        .value
}

pub(crate) const ALL: PageRequest = PageRequest {
    limit: 200,
    after: None,
    offset: 0,
};

pub(crate) async fn all_events(
    store: &dyn Storage,
    account_id: &str,
) -> Vec<collabkit_domain::store::Event> {
    store
        .list_events(account_id, EventFilter::default(), ALL)
        .await
        .unwrap()
        .items
}

#[cfg(test)]
mod tests {
    /// Every public async function of a check module is a check, and is listed.
    #[test]
    fn every_check_is_listed() {
        let listed: Vec<&str> = super::checks().iter().map(|c| c.name).collect();
        let sources = [
            include_str!("people/accounts.rs"),
            include_str!("people/rooms.rs"),
            include_str!("people/users.rs"),
            include_str!("people/events.rs"),
            include_str!("delivery/mod.rs"),
            include_str!("delivery/registrations.rs"),
            include_str!("delivery/claims.rs"),
            include_str!("delivery/outcomes.rs"),
            include_str!("delivery/pace.rs"),
            include_str!("sessions.rs"),
            include_str!("handles.rs"),
            include_str!("stats.rs"),
            include_str!("dialect/mod.rs"),
            include_str!("dialect/counters.rs"),
            include_str!("dialect/participations.rs"),
            include_str!("dialect/lists.rs"),
            include_str!("dialect/custom_ids.rs"),
            include_str!("follows.rs"),
            include_str!("stores.rs"),
            include_str!("idempotency.rs"),
            include_str!("alerts.rs"),
        ];
        let mut found = Vec::new();
        for source in sources {
            for line in source.lines() {
                if let Some(rest) = line.strip_prefix("pub async fn ") {
                    found.push(rest.split('(').next().unwrap().to_owned());
                }
            }
        }
        assert!(found.len() >= 25, "found only {found:?}");
        for name in &found {
            assert!(
                listed.contains(&name.as_str()),
                "check `{name}` is not in checks!"
            );
        }
        let mut unique = listed.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), listed.len(), "a check is listed twice");
    }
}
