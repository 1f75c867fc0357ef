//! Rate and ETA from a stream of (done, total) progress updates; shared by the
//! dashboard and the headless printer so both show the same numbers.
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Rate {
    start: Instant,
    start_done: u64,
    pub done: u64,
    pub total: u64,
    pub unit: String,
    now: Instant,
}

impl Rate {
    pub fn new(done: u64, total: u64, unit: &str, now: Instant) -> Self {
        Self { start: now, start_done: done, done, total, unit: unit.to_string(), now }
    }

    /// Records an update; a counter that went backwards (a new stage) restarts the clock.
    pub fn update(&mut self, done: u64, total: u64, unit: &str, now: Instant) {
        if done < self.done || total != self.total || unit != self.unit {
            *self = Self::new(done, total, unit, now);
        } else {
            self.done = done;
            self.now = now;
        }
    }

    /// Units per second since the first update of this stage.
    pub fn per_second(&self) -> Option<f64> {
        let secs = self.now.duration_since(self.start).as_secs_f64();
        (secs > 0.0 && self.done > self.start_done).then(|| (self.done - self.start_done) as f64 / secs)
    }

    pub fn eta(&self) -> Option<Duration> {
        let rate = self.per_second()?;
        Some(Duration::from_secs_f64(self.total.saturating_sub(self.done) as f64 / rate))
    }

    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            (self.done as f64 / self.total as f64).clamp(0.0, 1.0)
        }
    }
}

/// "42 s", "3 min 05 s", "1 h 02 min".
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        format!("{} h {:02} min", s / 3600, (s % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_and_eta_follow_updates() {
        let t0 = Instant::now();
        let mut r = Rate::new(0, 100, "steps", t0);
        r.update(20, 100, "steps", t0 + Duration::from_secs(2));
        assert_eq!(r.per_second(), Some(10.0));
        assert_eq!(r.eta(), Some(Duration::from_secs(8)));
        r.update(5, 50, "images", t0 + Duration::from_secs(3));
        assert_eq!(r.per_second(), None, "a new stage restarts the rate");
        assert_eq!(human_duration(Duration::from_secs(185)), "3 min 05 s");
    }
}

/// The suite's remaining time, from how long each experiment took when it last ran (the
/// runner's `Estimate` events; 0 for a result that will be reused). Known only when every
/// experiment still to come has an estimate; the running one counts what is left of its own.
#[derive(Debug, Clone, Default)]
pub struct SuiteEta {
    expected: HashMap<String, f64>,
    waiting: Vec<String>,
    settled: HashSet<String>,
    current: Option<(String, Instant)>,
}

impl SuiteEta {
    /// Follows one runner event (the dashboard and the headless printer feed it the same way).
    pub fn on(&mut self, event: &crate::events::Event, now: Instant) {
        use crate::events::Event;
        match event {
            Event::RunStarted { selected, .. } => self.started(selected),
            Event::Estimate { exp, seconds } => self.estimate(exp, *seconds),
            Event::ExperimentStarted { exp, .. } => self.experiment_started(exp, now),
            Event::Finished { exp, .. } | Event::Failed { exp, .. } | Event::Cancelled { exp } | Event::Skipped { exp, .. } => self.settled(exp),
            _ => {}
        }
    }

    pub fn started(&mut self, selected: &[String]) {
        *self = SuiteEta { waiting: selected.to_vec(), ..Default::default() };
    }

    pub fn estimate(&mut self, exp: &str, seconds: f64) {
        self.expected.insert(exp.to_string(), seconds);
    }

    pub fn experiment_started(&mut self, exp: &str, now: Instant) {
        self.current = Some((exp.to_string(), now));
    }

    pub fn settled(&mut self, exp: &str) {
        self.settled.insert(exp.to_string());
        if self.current.as_ref().is_some_and(|(e, _)| e == exp) {
            self.current = None;
        }
    }

    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        let mut seconds = 0.0;
        for exp in self.waiting.iter().filter(|e| !self.settled.contains(*e)) {
            let expected = *self.expected.get(exp)?;
            seconds += match &self.current {
                Some((running, since)) if running == exp => (expected - now.duration_since(*since).as_secs_f64()).max(0.0),
                _ => expected,
            };
        }
        Some(Duration::from_secs_f64(seconds))
    }
}

#[cfg(test)]
mod suite_eta_tests {
    use super::SuiteEta;
    use std::time::{Duration, Instant};

    #[test]
    fn the_eta_sums_what_is_left_and_is_unknown_with_a_gap() {
        let t0 = Instant::now();
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let mut eta = SuiteEta::default();
        eta.started(&ids);
        eta.estimate("a", 10.0);
        eta.estimate("b", 20.0);
        assert_eq!(eta.remaining(t0), None, "c never ran: no ETA");
        eta.estimate("c", 0.0); // to be reused
        assert_eq!(eta.remaining(t0), Some(Duration::from_secs(30)));
        eta.experiment_started("a", t0);
        assert_eq!(eta.remaining(t0 + Duration::from_secs(4)), Some(Duration::from_secs(26)));
        assert_eq!(eta.remaining(t0 + Duration::from_secs(15)), Some(Duration::from_secs(20)), "an overrun counts as nearly done");
        eta.settled("a");
        assert_eq!(eta.remaining(t0 + Duration::from_secs(15)), Some(Duration::from_secs(20)));
    }
}
