//! The signing examples in `shared/docs/examples` (Python standard library, POSIX sh with
//! openssl) must print the documented test vectors, the same tokens this crate signs.

use std::path::Path;
use std::process::Command;

fn vectors() -> String {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let read = |name: &str| {
        std::fs::read_to_string(docs.join(name))
            .expect("a test vector")
            .trim()
            .to_owned()
    };
    format!(
        "{}\n{}\n{}\n",
        read("test-vector-token.txt"),
        read("test-vector-offer-token.txt"),
        read("test-vector-customer-token.txt")
    )
}

fn run(program: &str, script: &str) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/examples")
        .join(script);
    let output = Command::new(program).arg(&path).output().ok()?;
    assert!(
        output.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).expect("UTF-8 tokens"))
}

fn available(program: &str, version_flag: &str) -> bool {
    let found = Command::new(program)
        .arg(version_flag)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").is_err(),
            "{program} is on every machine CI runs on"
        );
        eprintln!("skipped: {program} is not installed");
    }
    found
}

#[test]
fn the_python_example_prints_the_test_vectors() {
    if available("python3", "--version") {
        assert_eq!(
            run("python3", "sign.py").as_deref(),
            Some(vectors().as_str())
        );
    }
}

#[test]
fn the_shell_example_prints_the_test_vectors() {
    if available("openssl", "version") {
        assert_eq!(run("sh", "sign.sh").as_deref(), Some(vectors().as_str()));
    }
}
