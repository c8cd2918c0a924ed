//! The storage conformance suite: what every backend must do, written once.
//!
//! Each check is a function over a fresh, empty store. A backend's test file instantiates the
//! whole suite with [`crate::store_conformance_tests!`], handing it a factory for fresh stores, so
//! a new backend (PostgreSQL) runs exactly the same checks as SQLite.

use super::{EventFilter, NewRoom, NewUser, PageRequest, Store, User};
use crate::accounts;

mod delivery;
mod people;
mod sessions;

pub use delivery::*;
pub use people::*;
pub use sessions::*;

/// A fresh store and whatever keeps it alive (a temp dir, a database to drop).
pub struct TestStore {
    pub store: super::SharedStore,
    pub guard: Box<dyn std::any::Any + Send>,
}

/// Expands to one `#[tokio::test]` per check, each on a store from `$factory` (an async expression
/// yielding a [`TestStore`]).
#[macro_export]
macro_rules! store_conformance_tests {
    ($factory:expr) => {
        $crate::store_conformance_tests!(@each $factory;
            accounts_are_created_and_found,
            rooms_are_created_read_renamed_and_unique_per_account,
            rooms_page_in_creation_order,
            user_changes_store_exactly_their_events,
            failed_changes_store_nothing,
            deleting_a_room_deletes_its_users_with_events,
            accounts_are_isolated,
            users_are_found_by_token_and_custom_id,
            events_filter_by_room_and_name,
            webhooks_are_scoped_patched_rotated_and_deleted,
            events_fan_out_to_matching_registrations,
            delivery_log_pages_newest_first_across_event_names,
            claims_lease_deliveries_until_recorded,
            claims_respect_per_registration_limits,
            released_leases_are_due_at_once,
            a_batch_of_outcomes_is_recorded_together,
            retries_failures_and_recovery_move_deliveries,
            gone_disables_the_registration_and_fails_pending,
            prune_removes_old_finished_deliveries,
            sessions_start_join_leave_and_close_in_order,
            open_sessions_are_closed_after_a_restart,
            deletions_end_participation_first,
        );
    };
    (@each $factory:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                let test_store: $crate::store::conformance::TestStore = $factory.await;
                $crate::store::conformance::$check(test_store.store.as_ref()).await;
                drop(test_store);
            }
        )*
    };
}

pub(super) async fn account(store: &dyn Store) -> String {
    accounts::create(store, "test").await.unwrap().account.id
}

pub(super) fn new_room(custom_id: &str) -> NewRoom {
    NewRoom {
        custom_id: custom_id.into(),
        name: format!("Room {custom_id}"),
    }
}

pub(super) fn new_user(room_id: &str, custom_id: &str) -> NewUser {
    let token = accounts::new_user_token();
    NewUser {
        room_id: room_id.into(),
        custom_id: custom_id.into(),
        name: format!("User {custom_id}"),
        profile_picture: None,
        // The store keeps it as given; sealing is the API's (it holds the key).
        token_sealed: sealed(&token),
        token,
    }
}

/// A stand-in for the API's sealing: any opaque text will do for the store.
pub(super) fn sealed(token: &str) -> String {
    format!("sealed:{token}")
}

/// Creates a user in `room_id` and returns it.
pub(super) async fn user(
    store: &dyn Store,
    account_id: &str,
    room_id: &str,
    custom_id: &str,
) -> User {
    store
        .create_user(account_id, new_user(room_id, custom_id))
        .await
        .unwrap()
        .value
}

pub(super) const ALL: PageRequest = PageRequest {
    limit: 200,
    after: None,
};

pub(super) async fn all_events(store: &dyn Store, account_id: &str) -> Vec<super::Event> {
    store
        .list_events(account_id, EventFilter::default(), ALL)
        .await
        .unwrap()
        .items
}
