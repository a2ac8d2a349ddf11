//! Follow-ups' storage: the statements the write path runs in an answer's transaction
//! (`statements.rs`) and the capability people work them through ([`FollowupStore`], `store.rs`,
//! its SQL in `sql.rs`).

mod sql;
mod statements;
mod store;

pub(in crate::storage) use sql::*;
pub(in crate::storage) use statements::{Followups, Leads};
pub use store::FollowupStore;
pub(in crate::storage) use store::followup_store;
