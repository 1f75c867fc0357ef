//! Peak memory of this process: the kernel's high-water mark of resident memory
//! (VmHWM), which writing "5" to /proc/self/clear_refs resets, so each training run can
//! be measured on its own. Linux only; elsewhere the figures are None.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory since the last reset, in bytes.
pub fn peak_bytes() -> Option<u64> {
    status_kib("VmHWM:").map(|k| k * 1024)
}

/// Resident memory now, in bytes.
pub fn current_bytes() -> Option<u64> {
    status_kib("VmRSS:").map(|k| k * 1024)
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn peak_follows_an_allocation() {
        if super::peak_bytes().is_none() {
            return; // not Linux
        }
        super::reset_peak();
        let before = super::peak_bytes().unwrap();
        // Other tests run in the same process and free memory meanwhile, so the block is
        // large and the margin wide: the peak must rise by most of it.
        let block = vec![1u8; 256 << 20];
        std::hint::black_box(&block);
        let during = super::peak_bytes().unwrap();
        assert!(during >= before + (192 << 20), "{before} → {during}");
        drop(block);
    }
}
