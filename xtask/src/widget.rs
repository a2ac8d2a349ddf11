//! The widget build: wasm32 release build (pinned nightly, `toolchain.rs`) → wasm-bindgen (as a
//! library) with short import names → wasm-opt -Os → content-hashed names → the loader with
//! those names → brotli and gzip copies. The result, in `build/widget/`, is what the collector
//! embeds and serves.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::short_imports;
use crate::toolchain::{self, WASM_TARGET};
use crate::{step, target_dir, workspace_root};

/// Where the built widget goes (ignored by git; the collector's build script reads it).
pub const DIST: &str = "build/widget";

pub fn build() -> Result<PathBuf, String> {
    let root = workspace_root();
    let (glue, wasm) = compile("koe-widget", "widget")?;
    let dist = root.join(DIST);
    let _ = fs::remove_dir_all(&dist);
    fs::create_dir_all(&dist).map_err(|e| format!("create {}: {e}", dist.display()))?;
    let glue_name = format!("koe-{}.js", short_hash(&glue));
    let wasm_name = format!("koe-{}.wasm", short_hash(&wasm));
    let loader = minify(&String::from_utf8_lossy(&read(
        &root.join("widget/loader/koe.js"),
    )?))
    .replace("__GLUE__", &glue_name)
    .replace("__WASM__", &wasm_name);
    for (name, bytes) in [
        ("koe.js", loader.as_bytes()),
        (glue_name.as_str(), &glue),
        (wasm_name.as_str(), &wasm),
    ] {
        write_with_compressed(&dist, name, bytes)?;
    }
    eprintln!("widget built into {DIST}/");
    Ok(dist)
}

/// Builds a wasm32 bin `package` the widget's way — pinned toolchain with std rebuilt for size,
/// size-optimised profile, wasm-bindgen (`--target web`, no names, short import names),
/// `wasm-opt -Os` — in `build/{work}-work/`, and returns its JS glue and its optimised wasm.
pub fn compile(package: &str, work: &str) -> Result<(Vec<u8>, Vec<u8>), String> {
    let root = workspace_root();
    step(
        toolchain::widget_cargo()?.current_dir(&root).args([
            "build",
            "--package",
            package,
            "--target",
            WASM_TARGET,
            "--profile",
            "wasm-release",
        ]),
        &format!(
            "build {package} for wasm32 ({})",
            toolchain::WIDGET_TOOLCHAIN
        ),
    )?;
    let work = root.join(format!("build/{work}-work"));
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| format!("create {}: {e}", work.display()))?;

    eprintln!("\n==> wasm-bindgen (library, --target web)");
    let input = target_dir().join(format!("{WASM_TARGET}/wasm-release/{package}.wasm"));
    let mut output = wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&input)
        .out_name("koe")
        .web(true)
        .map_err(|e| format!("wasm-bindgen: {e:#}"))?
        .typescript(false)
        .remove_name_section(true)
        .remove_producers_section(true)
        .generate_output()
        .map_err(|e| format!("wasm-bindgen: {e:#}"))?;
    if output.snippets().values().any(|s| !s.is_empty()) || !output.local_modules().is_empty() {
        return Err("the widget's glue must be one file: no inline_js or local JS modules".into());
    }
    let glue = output.js().to_owned();
    let glue = short_imports::shorten(output.wasm_mut(), &glue)?;
    let wasm = work.join("koe_bg.wasm");
    fs::write(&wasm, output.wasm_mut().emit_wasm())
        .map_err(|e| format!("write {}: {e}", wasm.display()))?;

    let optimized = work.join("koe.opt.wasm");
    step(
        Command::new(wasm_opt(&root)?)
            // -Os rather than -Oz: the widget is smaller under brotli (61 367 B against 61 514 B
            // when the site's own question was added), if 1 % larger raw. The target-features
            // section only informs tools; browsers ignore it.
            .args(["--strip-target-features", "-Os"])
            .arg("--enable-bulk-memory")
            .arg("--enable-reference-types")
            .arg("--enable-nontrapping-float-to-int")
            .arg("--enable-sign-ext")
            .arg("--enable-multivalue")
            .arg(&wasm)
            .arg("-o")
            .arg(&optimized),
        "wasm-opt -Os",
    )?;
    let built = (glue.into_bytes(), read(&optimized)?);
    let _ = fs::remove_dir_all(&work);
    Ok(built)
}

/// `wasm-opt` from the npm `binaryen` package pinned in `xtask/tools` (installed on first use
/// into `build/tools`; Debian's binaryen is too old for wasm-bindgen's output).
fn wasm_opt(root: &Path) -> Result<PathBuf, String> {
    Ok(npm_tools(root)?.join("node_modules/.bin/wasm-opt"))
}

/// axe-core's browser build, pinned in `xtask/tools`, which the browser tests inject.
pub fn axe_core(root: &Path) -> Result<PathBuf, String> {
    Ok(npm_tools(root)?.join("node_modules/axe-core/axe.min.js"))
}

/// `build/tools`, with the npm packages `xtask/tools` pins installed (`npm ci`) when one of
/// them is missing.
fn npm_tools(root: &Path) -> Result<PathBuf, String> {
    let tools = root.join("build/tools");
    let installed = [
        "node_modules/.bin/wasm-opt",
        "node_modules/axe-core/axe.min.js",
    ]
    .iter()
    .all(|file| tools.join(file).exists());
    if installed {
        return Ok(tools);
    }
    fs::create_dir_all(&tools).map_err(|e| format!("create {}: {e}", tools.display()))?;
    for file in ["package.json", "package-lock.json"] {
        fs::copy(root.join("xtask/tools").join(file), tools.join(file))
            .map_err(|e| format!("copy {file}: {e}"))?;
    }
    step(
        Command::new("npm")
            .current_dir(&tools)
            .args(["ci", "--no-audit", "--no-fund"]),
        "npm ci (binaryen 132 for wasm-opt, axe-core for the browser tests)",
    )
    .map_err(|e| format!("{e}: the build tools come from npm; install Node.js and npm"))?;
    Ok(tools)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("read {}: {e}", path.display()))
}

fn short_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(5)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Drops comment lines, indentation and line breaks of the hand-written loader.
fn minify(source: &str) -> String {
    source
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .collect::<Vec<_>>()
        .join("")
        .replace(" = ", "=")
        .replace(", ", ",")
        .replace(" == ", "==")
        .replace(" || ", "||")
        .replace(" && ", "&&")
        .replace(") {", "){")
        .replace("{ ", "{")
        .replace(" }", "}")
        .replace("; ", ";")
}

pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
        .expect("compressing in memory cannot fail");
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .expect("compressing in memory cannot fail");
    encoder.finish().expect("compressing in memory cannot fail")
}

fn write_with_compressed(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let write = |file: String, data: &[u8]| {
        fs::write(dir.join(&file), data).map_err(|e| format!("write {file}: {e}"))
    };
    write(name.to_owned(), bytes)?;
    write(format!("{name}.br"), &brotli(bytes))?;
    write(format!("{name}.gz"), &gzip(bytes))
}
