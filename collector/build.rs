//! Embeds the built widget (`build/widget/`, written by `cargo xtask widget`) into the binary.
//! Without it the collector still builds; `/koe.js` then explains how to build the widget.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../build/widget");
    println!("cargo:rerun-if-changed={}", dist.display());
    let mut names: Vec<String> = std::fs::read_dir(&dist)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| !name.ends_with(".br") && !name.ends_with(".gz"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut code = String::from("&[\n");
    for name in names {
        let path = dist.join(&name);
        let path = path.display();
        println!("cargo:rerun-if-changed={path}");
        let _ = writeln!(
            code,
            "    WidgetFile {{ name: {name:?}, raw: include_bytes!({raw:?}), br: include_bytes!({br:?}), gz: include_bytes!({gz:?}) }},",
            raw = path.to_string(),
            br = format!("{path}.br"),
            gz = format!("{path}.gz"),
        );
    }
    code.push(']');
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("widget_files.rs");
    std::fs::write(out, code).expect("write the widget file list");
}
