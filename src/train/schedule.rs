//! The Trainer's `linear` schedule (transformers `get_linear_schedule_with_warmup`):
//! the learning rate rises linearly over the warm-up steps, then falls linearly to zero
//! at the last step. Step k (from 0) uses `lr_at(k)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearSchedule {
    pub base: f64,
    pub warmup: u64,
    pub total: u64,
}

impl LinearSchedule {
    pub fn lr_at(&self, step: u64) -> f64 {
        if step < self.warmup {
            return self.base * step as f64 / self.warmup.max(1) as f64;
        }
        let left = self.total.saturating_sub(step) as f64;
        self.base * (left / self.total.saturating_sub(self.warmup).max(1) as f64).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warms_up_then_decays_to_zero() {
        let s = LinearSchedule { base: 1.0, warmup: 2, total: 10 };
        let lrs: Vec<f64> = (0..11).map(|k| s.lr_at(k)).collect();
        assert_eq!(&lrs[..3], &[0.0, 0.5, 1.0]);
        assert!((lrs[6] - 0.5).abs() < 1e-12);
        assert_eq!(lrs[10], 0.0);
        let flat = LinearSchedule { base: 2.0, warmup: 0, total: 4 };
        assert_eq!((0..4).map(|k| flat.lr_at(k)).collect::<Vec<_>>(), vec![2.0, 1.5, 1.0, 0.5]);
    }
}
