//! The survey's pieces, one per file. Each takes what it shows as props and emits through
//! `on_*` callbacks; [`crate::app::Widget`] owns the state.

pub mod card;
pub mod comment;
pub mod scale;
pub mod thanks;
