//! The CollabKit webhook contract, shared by the server (which builds and signs payloads) and by
//! receivers (which verify and parse them).
//!
//! [`types`] mirrors `@collab-kit/utils` field for field: every struct here serializes to exactly
//! the fields of its TypeScript type and rejects unknown ones when parsed, so a drift from the
//! contract fails loudly in tests instead of silently reaching receivers.
//! [`signature`] implements the Standard Webhooks signing scheme, so any Standard Webhooks or Svix
//! verifier accepts what the server sends; [`receive::verify_webhook`] is what a receiver calls
//! (with an axum example). [`envelope`] is the REST API's answer: [`ServerResponse`] around
//! every result, [`ServerError`] with its [`ErrorCode`] on failure.

pub mod envelope;
pub mod receive;
pub mod signature;
pub mod types;

pub use envelope::{Empty, ErrorCode, ResponseType, ServerError, ServerResponse};
pub use receive::{
    ROOM_PREVIOUS_SEQ_HEADER, ROOM_SEQ_HEADER, VerifyError, room_previous_seq, room_seq,
    verify_webhook, verify_webhook_at,
};
pub use signature::{SignatureError, Signer, verify};
pub use types::*;
