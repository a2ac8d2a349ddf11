//! `cargo xtask size`: raw, gzip and brotli bytes of every file a page downloads; the same
//! table in Markdown for `cargo xtask bench`.

use std::fmt::Write as _;
use std::fs;

use crate::widget::{DIST, brotli, gzip};
use crate::workspace_root;

/// The budget for loader + glue + wasm (CSS is inside the wasm), brotli.
const TOTAL_BUDGET: usize = 60 * 1024;
const LOADER_BUDGET: usize = 1024;

/// One downloaded file: name, raw, gzip and brotli bytes.
struct Weight {
    name: String,
    raw: usize,
    gzip: usize,
    brotli: usize,
}

fn weigh(name: String, bytes: &[u8]) -> Weight {
    Weight {
        name,
        raw: bytes.len(),
        gzip: gzip(bytes).len(),
        brotli: brotli(bytes).len(),
    }
}

/// The built files (loader first, wasm last), then the CSS the wasm carries.
fn weights() -> Result<(Vec<Weight>, Weight), String> {
    let dist = workspace_root().join(DIST);
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&dist)
        .map_err(|e| format!("{}: {e} (run cargo xtask widget first)", dist.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".br") && !name.ends_with(".gz"))
        .filter_map(|name| fs::read(dist.join(&name)).ok().map(|bytes| (name, bytes)))
        .collect();
    files.sort_by_key(|(name, _)| (name != "koe.js", name.ends_with(".wasm")));
    let css = include_str!("../../widget/src/style.css").as_bytes();
    Ok((
        files
            .into_iter()
            .map(|(name, bytes)| weigh(name, &bytes))
            .collect(),
        weigh("(style.css, in the wasm)".into(), css),
    ))
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

pub fn run() -> Result<(), String> {
    let (files, css) = weights()?;
    println!("{:<24} {:>9} {:>9} {:>9}", "file", "raw", "gzip", "brotli");
    for w in files.iter().chain([&css]) {
        println!("{:<24} {:>9} {:>9} {:>9}", w.name, w.raw, w.gzip, w.brotli);
    }
    let total = sum(&files);
    println!(
        "{:<24} {:>9} {:>9} {:>9}",
        "total", total.raw, total.gzip, total.brotli
    );
    let loader = files
        .iter()
        .find(|w| w.name == "koe.js")
        .map_or(0, |w| w.brotli);
    println!(
        "loader budget {LOADER_BUDGET} B brotli: {}\nbudget {TOTAL_BUDGET} B brotli for loader + glue + wasm + CSS: {}",
        verdict(loader <= LOADER_BUDGET),
        verdict(total.brotli <= TOTAL_BUDGET)
    );
    print!("{}", yew_floor_markdown()?);
    Ok(())
}

/// The same table and verdicts in Markdown.
pub fn markdown() -> Result<String, String> {
    let (files, css) = weights()?;
    let mut md = String::from("| file | raw | gzip | brotli |\n|---|---:|---:|---:|\n");
    for w in files.iter().chain([&css]) {
        let _ = writeln!(md, "| {} | {} | {} | {} |", w.name, w.raw, w.gzip, w.brotli);
    }
    let total = sum(&files);
    let _ = writeln!(
        md,
        "| **total** (CSS is inside the wasm) | {} | {} | {} |\n",
        total.raw, total.gzip, total.brotli
    );
    let loader = files
        .iter()
        .find(|w| w.name == "koe.js")
        .map_or(0, |w| w.brotli);
    let _ = writeln!(
        md,
        "- Loader ≤ {LOADER_BUDGET} B brotli: {loader} B — {}.\n- Total ≤ {TOTAL_BUDGET} B (60 KiB) brotli: {} B — {}.",
        verdict(loader <= LOADER_BUDGET),
        total.brotli,
        verdict(total.brotli <= TOTAL_BUDGET)
    );
    Ok(md)
}

/// What yew itself weighs: `bench/yew-floor` (two rating scales and nothing else) built and
/// optimised exactly like the widget, glue + wasm in brotli, as a Markdown paragraph.
pub fn yew_floor_markdown() -> Result<String, String> {
    let (glue, wasm) = crate::widget::compile("koe-yew-floor", "yew-floor")?;
    let (glue, wasm) = (brotli(&glue).len(), brotli(&wasm).len());
    Ok(format!(
        "- The floor under any yew widget: `bench/yew-floor` (a CSAT and an NPS scale, no \
         styles, texts, network or storage), same profile, wasm-bindgen and `wasm-opt -Os`: \
         {} B brotli (glue {glue} B + wasm {wasm} B), {:.0} % of the 60 KiB budget before any of \
         Koe's own code.\n",
        glue + wasm,
        100.0 * (glue + wasm) as f64 / TOTAL_BUDGET as f64
    ))
}

fn sum(files: &[Weight]) -> Weight {
    files
        .iter()
        .fold(weigh("total".into(), &[]), |t, w| Weight {
            name: t.name,
            raw: t.raw + w.raw,
            gzip: t.gzip + w.gzip,
            brotli: t.brotli + w.brotli,
        })
}
