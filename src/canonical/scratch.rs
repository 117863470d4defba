//! A per-thread byte buffer for the canonical parameter bytes, reused across verifications
//! so that laying them out costs no allocation after a thread's first request.

use std::cell::Cell;

/// Buffers larger than this are dropped after use rather than kept for the thread's life.
const KEEP_AT_MOST: usize = 64 * 1024;

thread_local! {
    static BUFFER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The thread's buffer, empty (a fresh one if it is in use or the thread is shutting down).
pub(crate) fn take() -> Vec<u8> {
    let mut buf = BUFFER.try_with(Cell::take).unwrap_or_default();
    buf.clear();
    buf
}

/// Returns `buf` for the next verification on this thread.
pub(crate) fn put_back(buf: Vec<u8>) {
    if buf.capacity() <= KEEP_AT_MOST {
        // Fails only while the thread shuts down; the buffer is then simply freed.
        let _ = BUFFER.try_with(|cell| cell.set(buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_the_buffer_emptied_and_drops_big_ones() {
        let mut buf = take();
        buf.extend_from_slice(&[1; 100]);
        put_back(buf);
        let buf = take();
        assert!(buf.is_empty());
        assert!(buf.capacity() >= 100);
        // While taken, a nested user gets a buffer of its own.
        assert_eq!(take().capacity(), 0);
        put_back(Vec::with_capacity(KEEP_AT_MOST + 1));
        assert_eq!(take().capacity(), 0);
    }
}
