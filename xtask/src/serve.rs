//! `cargo xtask serve`: the widget built and embedded, the collector on the SQLite default
//! (`koe.db`), and the demo shop at http://localhost:8080/demo.

use std::process::Command;

use crate::{cargo, step, target_dir, widget, workspace_root};

pub fn run(extra: &[String]) -> Result<(), String> {
    let root = workspace_root();
    widget::build()?;
    step(
        cargo()
            .current_dir(&root)
            .args(["build", "--package", "koe-collector", "--bin", "koe"]),
        "build the collector",
    )?;
    let mut serve = Command::new(target_dir().join("debug/koe"));
    serve.current_dir(&root).args(["serve", "--demo"]);
    if !extra.iter().any(|a| a.starts_with("--bind")) {
        serve.args(["--bind", "127.0.0.1:8080"]);
    }
    eprintln!(
        "\nOpen http://localhost:8080/demo (Japanese: http://localhost:8080/demo?lang=ja) and end the chat.\n"
    );
    step(serve.args(extra), "koe serve --demo")
}
