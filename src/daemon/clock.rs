//! The daemon's view of wall-clock time, injectable so tests move time instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};

use jiff::{SignedDuration, Timestamp};

/// A source of the current wall-clock instant.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that starts at a given instant and follows tokio's (pausable) time, plus jumps:
/// with `tokio::time::pause()` a test advances it without sleeping, and `jump` stands in for a
/// suspend or a manual clock change.
pub struct TestClock {
    start: Timestamp,
    origin: tokio::time::Instant,
    jumped: AtomicI64,
}

impl TestClock {
    pub fn new(start: Timestamp) -> TestClock {
        TestClock { start, origin: tokio::time::Instant::now(), jumped: AtomicI64::new(0) }
    }

    /// Moves the wall clock without tokio's timers noticing, as a suspend or `date -s` does.
    pub fn jump(&self, by: SignedDuration) {
        self.jumped.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        let elapsed = SignedDuration::try_from(self.origin.elapsed()).unwrap_or(SignedDuration::ZERO);
        self.start + elapsed + SignedDuration::from_millis(self.jumped.load(Ordering::SeqCst))
    }
}
