//! `koe`: the collector's command line. Everything lives in the library (`koe_collector::cli`).
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser as _;

#[actix_web::main]
async fn main() -> ExitCode {
    match koe_collector::cli::run(koe_collector::cli::Cli::parse()).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("koe: {error:#}");
            ExitCode::FAILURE
        }
    }
}
