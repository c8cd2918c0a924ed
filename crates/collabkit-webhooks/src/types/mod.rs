//! The seed's types (`webhook-types.txt`), field for field.
//!
//! Split by concern: the resources (rooms, users, sessions), the events and their payloads,
//! and the registrations with their delivery log. Every item is re-exported here, so its
//! path (`collabkit_webhooks::types::…`) is the same as when this was one file.

mod alerts;
mod events;
mod registrations;
mod resources;

pub use alerts::*;
pub use events::*;
pub use registrations::*;
pub use resources::*;

#[cfg(test)]
mod tests;
