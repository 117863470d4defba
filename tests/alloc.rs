//! Verification allocates nothing for typical payloads: counted by a global allocator that
//! exists only in this test binary. Counts, not times.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use twilio_webhook::Verifier;

/// Counts allocations made by the current thread (other test threads do not interfere).
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with`: the thread-local may already be gone while a thread shuts down.
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[path = "../benches/support/workload.rs"]
mod workload;

use workload::case;

/// Allocations of one verification of `name`, after a warm-up call.
fn count(name: &str) -> usize {
    let c = case(name);
    let v = Verifier::new(c.auth_token.as_str());
    let json = c.content_type == "application/json";
    let run = || {
        let verdict = if json {
            v.verify_body(&c.url, c.body.as_bytes(), &c.signature)
        } else {
            v.verify_form(&c.url, c.body.as_bytes(), &c.signature)
        };
        assert!(verdict.is_ok(), "{name} rejected");
    };
    run();
    allocations_during(run)
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the test itself: a counter that never counts would pass everything below.
    assert!(allocations_during(|| drop(std::hint::black_box(vec![1u8; 16]))) >= 1);
}

#[test]
fn typical_forms_verify_without_allocating() {
    for name in ["whatsapp_inbound", "status_callback", "repeated_params"] {
        assert_eq!(count(name), 0, "{name}");
    }
}

#[test]
fn json_body_verifies_without_allocating() {
    assert_eq!(count("json_body"), 0);
}

#[test]
fn rejections_do_not_allocate_either() {
    let c = case("whatsapp_inbound");
    let v = Verifier::new(c.auth_token.as_str());
    // Same length, valid base64, wrong MAC: both URL variants are tried.
    let bad = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    assert!(v.verify_form(&c.url, c.body.as_bytes(), bad).is_err());
    let n = allocations_during(|| {
        assert!(v.verify_form(&c.url, c.body.as_bytes(), bad).is_err());
    });
    assert_eq!(n, 0);
}
