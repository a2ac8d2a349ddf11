//! Koe's collector: takes survey responses from widgets and email links, checks them, stores
//! them (SQLite or PostgreSQL) and keeps the rollups reports are computed from.
//!
//! The binary (`koe`) is a thin shell over [`cli`]; tests build an [`startup::Application`]
//! on port 0 and talk to it over HTTP.
#![forbid(unsafe_code)]

pub mod attribution;
pub mod cli;
pub mod clock;
pub mod dashboard;
pub mod demo;
pub mod directory;
pub mod error;
pub mod links;
pub mod metrics;
pub mod rate_limit;
pub mod registration;
pub mod report;
pub mod response;
pub mod rollup;
pub mod routes;
pub mod secrets;
pub mod settings;
pub mod shutdown;
pub mod site;
pub mod startup;
pub mod storage;
pub mod survey_page;
pub mod survey_texts;
pub mod telemetry;
