//! Accounts, rooms, users and the events of user changes.

pub(crate) mod accounts;
pub(crate) mod events;
pub(crate) mod rooms;
pub(crate) mod users;
