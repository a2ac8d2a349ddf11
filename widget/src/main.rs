//! The wasm entry point: installs the JS API the loader calls.
#![forbid(unsafe_code)]

fn main() {
    koe_widget::bridge::start();
}
