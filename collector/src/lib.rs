//! Koe's collector: takes survey responses from widgets and email links, checks them, stores
//! them (SQLite or PostgreSQL) and keeps the rollups reports are computed from.
//!
//! The crate is built in floors; a module uses only those below it (docs/architecture.md):
//! - the web ([`web`]) and the command line ([`cli`]) on top, both thin: they parse what
//!   arrives, call the domain and map its errors; [`startup`] assembles the HTTP server;
//! - the domain: services ([`responses`] (submit, list, erase, retention), [`surveying`],
//!   [`links`], [`report`], [`sites`] (registration, settings, the directory), [`access`],
//!   [`alerts`], [`import`], [`verify`]) above the types and rules they use ([`rollup`],
//!   [`audit`], [`facts`] (an interaction's service facts, merged and checked, and how agents
//!   are credited), the merge and attribution rules in [`responses`], [`texts`]);
//! - [`storage`]: one narrow trait per capability, their records, a SQLite and a PostgreSQL
//!   folder;
//! - the ground floor: [`ids`], [`settings`], [`clock`], [`secrets`], [`csv`],
//!   [`templates`], [`telemetry`], [`shutdown`].
//!
//! The binary (`koe`) is a thin shell over [`cli`]; tests build an [`startup::Application`]
//! on port 0 and talk to it over HTTP.
#![forbid(unsafe_code)]

pub mod access;
pub mod alerts;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod csv;
pub mod facts;
pub mod followups;
pub mod ids;
pub mod import;
pub mod integrations;
pub mod interactions;
pub mod links;
pub mod mail;
pub mod people;
pub mod report;
pub mod responses;
pub mod rollup;
pub mod secrets;
pub mod settings;
pub mod shutdown;
pub mod sites;
pub mod startup;
pub mod storage;
pub mod surveying;
pub mod telemetry;
pub mod templates;
pub mod texts;
pub mod verify;
pub mod web;
