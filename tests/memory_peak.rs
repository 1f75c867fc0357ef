//! The peak-memory reading follows an allocation. In a test binary of its own: the
//! kernel's high-water mark is per process, and tests running beside it in one process
//! free memory at any moment, which made the check flaky among the library's unit tests.
use adaptlab::train::memory::{current_bytes, peak_bytes, reset_peak};

#[cfg(target_os = "linux")]
#[test]
fn peak_follows_an_allocation() {
    reset_peak();
    let before = current_bytes().expect("VmRSS is readable on Linux");
    let block = vec![1u8; 256 << 20];
    std::hint::black_box(&block);
    let during = peak_bytes().expect("VmHWM is readable on Linux");
    assert!(during >= before + (240 << 20), "{before} → {during}");
    drop(block);
    reset_peak();
    let after = peak_bytes().unwrap();
    assert!(after < during, "a reset forgets the old peak: {after} after {during}");
}
