//! The daemon's view of wall-clock time, injectable so tests move time instead of sleeping.

use std::future::Future;
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::sync::OnceLock;
#[cfg(feature = "test-support")]
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::{SignedDuration, Timestamp};
use tokio::io::unix::AsyncFd;

use crate::schedule::MAX_SLEEP;

/// A sleep in progress.
pub type Sleep<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// A source of the current wall-clock instant, and a way to sleep until one.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;

    /// Sleeps until the wall clock reads `at` (at most a minute); it may end early, for
    /// instance when the clock is set, and the caller then re-reads the time.
    fn sleep_until(&self, at: Timestamp) -> Sleep<'_>;
}

/// The real clock. Sleeps use a timerfd on CLOCK_REALTIME with an absolute expiry and
/// TFD_TIMER_CANCEL_ON_SET: it fires exactly once at the wall-clock instant, across suspend,
/// and wakes at once if the clock is set. (tokio's timers follow the monotonic clock and wake a
/// few extra times as their wheel refines a long sleep.)
#[derive(Default)]
pub struct SystemClock {
    timer: OnceLock<Option<AsyncFd<OwnedFd>>>,
}

impl SystemClock {
    pub fn new() -> SystemClock {
        SystemClock::default()
    }

    fn timer(&self) -> Option<&AsyncFd<OwnedFd>> {
        self.timer
            .get_or_init(|| {
                use rustix::time::{TimerfdClockId, TimerfdFlags, timerfd_create};
                let fd =
                    timerfd_create(TimerfdClockId::Realtime, TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC);
                #[allow(unsafe_code)]
                let registered = fd.map_err(std::io::Error::from).and_then(|fd| {
                    // SAFETY: an OwnedFd's raw descriptor is the one it owns, and AsyncFd
                    // deregisters it before dropping (and so closing) it.
                    unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }
                        .map_err(|e| e.into_parts().1)
                });
                match registered {
                    Ok(fd) => Some(fd),
                    Err(e) => {
                        tracing::warn!(
                            "no wall-clock timer ({e}); sleeping at most a minute at a time instead"
                        );
                        None
                    }
                }
            })
            .as_ref()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    fn sleep_until(&self, at: Timestamp) -> Sleep<'_> {
        let at = at.min(Timestamp::now() + MAX_SLEEP);
        Box::pin(async move {
            match self.timer() {
                Some(timer) => wait_realtime(timer, at).await,
                None => {
                    tokio::time::sleep(
                        at.duration_since(Timestamp::now()).max(SignedDuration::ZERO).unsigned_abs(),
                    )
                    .await
                }
            }
        })
    }
}

async fn wait_realtime(timer: &AsyncFd<OwnedFd>, at: Timestamp) {
    use rustix::time::{Itimerspec, TimerfdTimerFlags, Timespec, timerfd_settime};
    let spec = Itimerspec {
        it_interval: Timespec { tv_sec: 0, tv_nsec: 0 },
        it_value: Timespec {
            tv_sec: at.as_second().max(1),
            tv_nsec: i64::from(at.subsec_nanosecond().max(0)),
        },
    };
    let flags = TimerfdTimerFlags::ABSTIME | TimerfdTimerFlags::CANCEL_ON_SET;
    if let Err(e) = timerfd_settime(timer.get_ref(), flags, &spec) {
        tracing::warn!("cannot arm the wall-clock timer ({e})");
        tokio::time::sleep(MAX_SLEEP.unsigned_abs()).await;
        return;
    }
    loop {
        let Ok(mut guard) = timer.readable().await else { return };
        let mut expirations = [0u8; 8];
        match rustix::io::read(timer.get_ref(), &mut expirations) {
            // Expired, or ECANCELED: the clock was set. Either way, the caller looks again.
            Ok(_) | Err(rustix::io::Errno::CANCELED) => return,
            Err(rustix::io::Errno::AGAIN) => guard.clear_ready(),
            Err(e) => {
                tracing::warn!("wall-clock timer: {e}");
                return;
            }
        }
    }
}

/// For ringback's own tests (feature `test-support`).
///
/// A clock that starts at a given instant and follows tokio's (pausable) time, plus jumps:
/// with `tokio::time::pause()` a test advances it without sleeping, and `jump` stands in for a
/// suspend or a manual clock change.
#[cfg(feature = "test-support")]
pub struct TestClock {
    start: Timestamp,
    origin: tokio::time::Instant,
    jumped: AtomicI64,
}

#[cfg(feature = "test-support")]
impl TestClock {
    pub fn new(start: Timestamp) -> TestClock {
        TestClock { start, origin: tokio::time::Instant::now(), jumped: AtomicI64::new(0) }
    }

    /// Moves the wall clock without tokio's timers noticing, as a suspend or `date -s` does.
    pub fn jump(&self, by: SignedDuration) {
        self.jumped.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }
}

#[cfg(feature = "test-support")]
impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        let elapsed = SignedDuration::try_from(self.origin.elapsed()).unwrap_or(SignedDuration::ZERO);
        self.start + elapsed + SignedDuration::from_millis(self.jumped.load(Ordering::SeqCst))
    }

    /// On tokio's clock, like a monotonic sleep: a jump is only seen at the next wake, within
    /// a minute.
    fn sleep_until(&self, at: Timestamp) -> Sleep<'_> {
        let pause = at.duration_since(self.now()).clamp(SignedDuration::ZERO, MAX_SLEEP);
        Box::pin(tokio::time::sleep(pause.unsigned_abs()))
    }
}
