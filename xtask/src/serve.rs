//! `cargo xtask serve`: the collector on the SQLite default, ready to take responses.

use std::path::Path;
use std::process::Command;

use crate::{cargo, step, workspace_root};

const DEMO_ORIGIN: &str = "http://localhost:8080";
/// Where the demo site's key and secret are kept between runs (a build output, not in git).
const DEMO_SITE_FILE: &str = "target/koe-demo-site.json";

pub fn run(extra: &[String]) -> Result<(), String> {
    let root = workspace_root();
    step(
        cargo()
            .current_dir(&root)
            .args(["build", "--package", "koe-collector", "--bin", "koe"]),
        "build the collector",
    )?;
    let koe = root.join("target/debug/koe");
    let demo = ensure_demo_site(&root, &koe)?;
    eprintln!("\nDemo site (details in {DEMO_SITE_FILE}):\n{demo}");
    eprintln!(
        "Try it:\n  curl -i -X POST http://127.0.0.1:8080/api/v1/responses -H 'content-type: application/json' \\\n    -d '{{\"site\":\"<site_key>\",\"interaction\":\"chat-1\",\"agent\":\"aiko\",\"channel\":\"chat\",\"csat\":5}}'\n"
    );
    let mut serve = Command::new(&koe);
    serve.current_dir(&root).arg("serve");
    if !extra.iter().any(|a| a.starts_with("--bind")) {
        serve.args(["--bind", "127.0.0.1:8080"]);
    }
    step(serve.args(extra), "koe serve")
}

/// Registers a demo site in `koe.db` the first time, and remembers it.
fn ensure_demo_site(root: &Path, koe: &Path) -> Result<String, String> {
    let file = root.join(DEMO_SITE_FILE);
    let database_exists = root.join("koe.db").exists();
    if database_exists {
        if let Ok(saved) = std::fs::read_to_string(&file) {
            return Ok(saved);
        }
    }
    let output = Command::new(koe)
        .current_dir(root)
        .args([
            "site",
            "add",
            "--name",
            "Demo",
            "--origin",
            DEMO_ORIGIN,
            "--json",
        ])
        .output()
        .map_err(|e| format!("could not run koe site add: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "koe site add failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    std::fs::write(&file, &text).map_err(|e| format!("could not save {DEMO_SITE_FILE}: {e}"))?;
    Ok(text)
}
