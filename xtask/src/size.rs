//! `cargo xtask size`: raw, gzip and brotli bytes of every file a page downloads.

use std::fs;

use crate::widget::{DIST, brotli, gzip};
use crate::workspace_root;

/// The budget for loader + glue + wasm (CSS is inside the wasm), brotli.
const TOTAL_BUDGET: usize = 60 * 1024;
const LOADER_BUDGET: usize = 1024;

pub fn run() -> Result<(), String> {
    let dist = workspace_root().join(DIST);
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&dist)
        .map_err(|e| format!("{}: {e} (run cargo xtask widget first)", dist.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".br") && !name.ends_with(".gz"))
        .filter_map(|name| fs::read(dist.join(&name)).ok().map(|bytes| (name, bytes)))
        .collect();
    files.sort_by_key(|(name, _)| (name != "koe.js", name.ends_with(".wasm")));
    let css = include_str!("../../widget/src/style.css")
        .as_bytes()
        .to_vec();
    println!("{:<24} {:>9} {:>9} {:>9}", "file", "raw", "gzip", "brotli");
    let mut total = (0, 0, 0);
    for (name, bytes) in &files {
        let (raw, gz, br) = (bytes.len(), gzip(bytes).len(), brotli(bytes).len());
        println!("{name:<24} {raw:>9} {gz:>9} {br:>9}");
        total = (total.0 + raw, total.1 + gz, total.2 + br);
        if name == "koe.js" {
            println!(
                "  loader budget {LOADER_BUDGET} B brotli: {}",
                if br <= LOADER_BUDGET { "met" } else { "MISSED" }
            );
        }
    }
    let (raw, gz, br) = (css.len(), gzip(&css).len(), brotli(&css).len());
    println!(
        "{:<24} {raw:>9} {gz:>9} {br:>9}",
        "(style.css, in the wasm)"
    );
    println!(
        "{:<24} {:>9} {:>9} {:>9}",
        "total", total.0, total.1, total.2
    );
    println!(
        "budget {} B brotli for loader + glue + wasm + CSS: {}",
        TOTAL_BUDGET,
        if total.2 <= TOTAL_BUDGET {
            "met"
        } else {
            "MISSED"
        }
    );
    Ok(())
}
