//! Koe's survey widget. `koe.js` (the loader) fetches this only when a survey is first shown;
//! [`bridge`] then exposes `show` / `hide` to it, [`mount`] renders [`app::Widget`] inside a
//! shadow root, and [`outbox`] delivers each answer, keeping it in `localStorage` until the
//! collector acknowledges it.
#![forbid(unsafe_code)]

pub mod app;
pub mod ask;
pub mod bridge;
pub mod components;
pub mod config;
pub mod mount;
pub mod outbox;
pub mod state;
pub mod survey;
