//! The Rust toolchains the build needs, installed with rustup when a machine lacks them.
//!
//! Everything builds on stable except the shipped widget: its wasm is built with a pinned
//! nightly that rebuilds `std` for size with panics that abort on the spot, and without
//! panic locations or `Debug` formatting — none of which a customer's browser can use, and
//! together 77.5 → 66 KB brotli for the widget (49 → 38 KB for the yew floor). Pinned by
//! date, so a build today is the build next year; the flags are unstable, so moving the pin
//! means re-running `cargo xtask size` and the browser tests.

use std::process::Command;

use crate::step;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The toolchain the widget's wasm is built with.
pub const WIDGET_TOOLCHAIN: &str = "nightly-2026-05-20";

/// `-Zbuild-std` and the wasm rustflags that make the widget small (see the module docs).
const WIDGET_BUILD_STD: &str = "std,panic_abort";
const WIDGET_RUSTFLAGS: &str = r#"target.wasm32-unknown-unknown.rustflags=["-Zunstable-options", "-Cpanic=immediate-abort", "-Zlocation-detail=none", "-Zfmt-debug=none"]"#;

/// Adds the wasm32 target to the default (stable) toolchain when missing.
pub fn ensure_wasm_target() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is needed to check the {WASM_TARGET} target: {e}"))?;
    if lists(&installed.stdout, WASM_TARGET) {
        return Ok(());
    }
    step(
        Command::new("rustup").args(["target", "add", WASM_TARGET]),
        "rustup target add wasm32-unknown-unknown",
    )
}

/// `cargo` of the widget's toolchain, with `std` rebuilt and the size flags, installing that
/// toolchain (minimal, with `rust-src` and the wasm32 target; ~10 s) when missing.
pub fn widget_cargo() -> Result<Command, String> {
    ensure_widget_toolchain()?;
    let mut cargo = Command::new("rustup");
    cargo
        .args(["run", WIDGET_TOOLCHAIN, "cargo"])
        .args(["-Z", &format!("build-std={WIDGET_BUILD_STD}")])
        .args(["--config", WIDGET_RUSTFLAGS])
        // Set by the stable cargo running xtask; they would point the nightly one back at it.
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .env_remove("CARGO")
        .env_remove("RUSTUP_TOOLCHAIN");
    Ok(cargo)
}

fn ensure_widget_toolchain() -> Result<(), String> {
    let components = Command::new("rustup")
        .args([
            "component",
            "list",
            "--installed",
            "--toolchain",
            WIDGET_TOOLCHAIN,
        ])
        .output()
        .map_err(|e| format!("rustup is needed for the widget's toolchain: {e}"))?;
    let ready = components.status.success()
        && lists(&components.stdout, "rust-src")
        && lists(&components.stdout, &format!("rust-std-{WASM_TARGET}"));
    if ready {
        return Ok(());
    }
    step(
        Command::new("rustup").args([
            "toolchain",
            "install",
            WIDGET_TOOLCHAIN,
            "--profile",
            "minimal",
            "--component",
            "rust-src",
            "--target",
            WASM_TARGET,
        ]),
        &format!("rustup toolchain install {WIDGET_TOOLCHAIN} (the widget's wasm build)"),
    )
}

fn lists(output: &[u8], item: &str) -> bool {
    String::from_utf8_lossy(output)
        .lines()
        .any(|line| line.trim() == item)
}
