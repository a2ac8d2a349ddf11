//! The Python tools the API tests use, installed once, pinned, into a Python virtual
//! environment under `target/`, so nothing lands outside the checkout: Schemathesis, the
//! OpenAPI tester they run against a live collector (`tests/tests/api/openapi.rs`), and
//! aiosmtpd, the SMTP server the mail tests send to (`tests/src/mail_catcher.rs`).

use std::path::PathBuf;
use std::process::Command;

use crate::{step, workspace_root};

/// The version the tests were written against (its CLI and `schemathesis.toml` keys).
const VERSION: &str = "4.32.5";
/// aiosmtpd's version (its command line and the `Mailbox` handler).
const AIOSMTPD: &str = "1.4.6";

/// What the venv holds, as its stamp says it.
fn stamp_text() -> String {
    format!("schemathesis=={VERSION} aiosmtpd=={AIOSMTPD}")
}

/// The `aiosmtpd` executable beside `st` (empty when `st` is: the tools are skipped).
pub fn aiosmtpd(st: &str) -> String {
    if let Ok(path) = std::env::var("KOE_AIOSMTPD") {
        return path;
    }
    match std::path::Path::new(st).parent() {
        Some(bin) if !st.is_empty() => display(bin.join("aiosmtpd")),
        _ => String::new(),
    }
}

/// The `st` executable, installing it when missing; empty (tests skipped) when Python is
/// missing outside CI.
pub fn ensure() -> Result<String, String> {
    if let Ok(path) = std::env::var("KOE_SCHEMATHESIS") {
        return Ok(path);
    }
    let venv = workspace_root().join("target/schemathesis");
    let st = venv.join("bin/st");
    let stamp = venv.join("koe-version");
    if st.exists() && std::fs::read_to_string(&stamp).is_ok_and(|v| v.trim() == stamp_text()) {
        return Ok(display(st));
    }
    let python_works = Command::new("python3")
        .args(["-m", "venv", "--help"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !python_works {
        let help = "python3 with venv is missing (apt-get install -y python3-venv)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            return Err(format!(
                "{help}; CI=true: the schemathesis run cannot be skipped"
            ));
        }
        eprintln!("warning: {help}; the schemathesis run is skipped");
        return Ok(String::new());
    }
    step(
        Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
        "python3 -m venv target/schemathesis",
    )?;
    step(
        Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("schemathesis=={VERSION}"),
            &format!("aiosmtpd=={AIOSMTPD}"),
        ]),
        &format!("pip install {}", stamp_text()),
    )?;
    std::fs::write(&stamp, stamp_text()).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(display(st))
}

fn display(path: PathBuf) -> String {
    path.to_string_lossy().into_owned()
}
