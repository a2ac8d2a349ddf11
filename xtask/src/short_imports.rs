//! Short names for what the wasm imports from its JS glue.
//!
//! wasm-bindgen names each import after the function it wraps plus a 16-digit hash
//! (`__wbg_addEventListener_6a…`) in a module named `./koe_bg.js`, and every name is written
//! twice — in the wasm's import section and as a key of the glue's import object — where
//! brotli cannot shrink the hashes. Renaming them `a`, `b`, … `ba` … in both places saves
//! ~3.5 KB brotli on the widget; nothing else refers to them. (`wasm-opt
//! --minify-imports` only renames imports of a module called `env`.)

use std::collections::BTreeMap;

/// The module wasm-bindgen's `--target web` glue provides for `out_name("koe")`.
const GLUE_MODULE: &str = "./koe_bg.js";
/// What that module is called afterwards.
const SHORT_MODULE: &str = "w";

/// Renames every import of the glue module in `wasm` and the same keys in `glue`. Fails,
/// rather than shipping a widget that cannot start, if a name is not found exactly once.
pub fn shorten(wasm: &mut walrus::Module, glue: &str) -> Result<String, String> {
    let mut renamed = BTreeMap::new();
    for import in wasm.imports.iter_mut() {
        if import.module != GLUE_MODULE {
            continue;
        }
        let short = short_name(renamed.len());
        renamed.insert(std::mem::replace(&mut import.name, short.clone()), short);
        import.module = SHORT_MODULE.to_owned();
    }
    let mut glue = replace_once(
        glue,
        &format!("\"{GLUE_MODULE}\": "),
        &format!("\"{SHORT_MODULE}\": "),
    )?;
    for (long, short) in &renamed {
        glue = replace_once(&glue, &format!("{long}: "), &format!("{short}: "))?;
    }
    Ok(glue)
}

/// `a`…`z`, `A`…`Z`, then two letters: 2 756 names in at most two characters.
fn short_name(index: usize) -> String {
    const LETTERS: &[u8; 52] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let letter = |i: usize| char::from(LETTERS[i % LETTERS.len()]);
    match index {
        i if i < LETTERS.len() => letter(i).to_string(),
        i => {
            let i = i - LETTERS.len();
            format!("{}{}", letter(i / LETTERS.len()), letter(i))
        }
    }
}

fn replace_once(text: &str, from: &str, to: &str) -> Result<String, String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        n => Err(format!(
            "the wasm-bindgen glue holds {from:?} {n} times, not once: its layout changed"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::short_name;

    #[test]
    fn short_names_are_distinct() {
        let names: std::collections::BTreeSet<String> = (0..2756).map(short_name).collect();
        assert_eq!(names.len(), 2756);
        assert!(names.iter().all(|n| n.len() <= 2));
        assert_eq!(short_name(0), "a");
        assert_eq!(short_name(52), "aa");
    }
}
