//! The wasm entry point: installs the JS API the loader calls.
#![forbid(unsafe_code)]

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

fn main() {
    koe_widget::bridge::start();
}
