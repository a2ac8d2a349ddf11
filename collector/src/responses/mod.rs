//! Responses: one per (site, interaction). How submissions merge into one ([`merge`]), who
//! handled the interaction ([`attribution`]), which senders look like link scanners
//! ([`scanner`]); and the services: storing a submission ([`submit`]), listing them for
//! managers ([`list`]), erasing an interaction's ([`erasure`]) and purging past a site's
//! retention ([`retention`]).

pub mod attribution;
pub mod erasure;
pub mod list;
pub mod merge;
pub mod retention;
pub mod scanner;
pub mod submit;

pub use merge::{
    AnswerWrite, Answers, Attribution, Client, MergeConflict, Merged, ResponseState, Source,
};
