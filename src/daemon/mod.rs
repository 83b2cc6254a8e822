//! `ringback run`: the long-running service.
//!
//! One scheduling loop wakes at least once a minute (never sleeping longer, so suspend and
//! clock changes are noticed), replans from the state, sends the digest and nudges that are
//! due, and records each delivery's key in the ledger first, so nothing is sent twice. A
//! postman task drains the email outbox with retries. Reloads come from a watch on the config's
//! folder and from SIGHUP; SIGTERM and SIGINT cancel one token that every task watches.
//!
//! Edge: it wires the core, the rendering, the state and the channels together, and may not
//! use the command line (which maps its [`Error`] to an exit code).

pub mod clock;
pub mod feed;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::ConfigError;
use crate::config::{Config, Email};
use crate::files::Paths;
use crate::notify::{ActionSink, Desktop, DesktopMessage, Invoked, email};
use crate::plan::{self, History};
use crate::schedule;
use crate::state::{Letter, ShownNudge, State, StateError};
#[cfg(feature = "test-support")]
pub use clock::TestClock;
pub use clock::{Clock, SystemClock};

/// Why the daemon stopped, or a digest could not be sent now.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The config at start (a reload keeps the last good one instead).
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Compose(#[from] email::ComposeError),
    /// (Quoted in the message, so not also a `source`.)
    #[error("background work failed: {0}")]
    Background(tokio::task::JoinError),
    #[error("the digest did not reach the outbox")]
    NotQueued,
}

/// Builds the desktop channel when `notify.desktop.enabled` is on: the session bus in
/// production, an in-memory record in tests. Called again after every reload.
pub type DesktopFactory = Box<dyn Fn(ActionSink) -> Desktop + Send + Sync>;

/// How a daemon is wired: real clock and bus in production, test doubles in tests.
pub struct Options {
    pub clock: Arc<dyn Clock>,
    /// `None`: the session bus.
    pub desktop: Option<DesktopFactory>,
    /// Send READY=1, STATUS= and WATCHDOG=1 to `$NOTIFY_SOCKET`.
    pub systemd: bool,
    /// Notification actions from elsewhere than the bus (tests press buttons through this).
    pub actions: Option<mpsc::Receiver<Invoked>>,
}

impl Default for Options {
    fn default() -> Self {
        Options { clock: Arc::new(SystemClock::new()), desktop: None, systemd: true, actions: None }
    }
}

/// Retries of a failed email start here and double up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: SignedDuration = SignedDuration::from_secs(30);
pub const MAX_BACKOFF: SignedDuration = SignedDuration::from_secs(30 * 60);
/// A letter still failing this long after it was queued is given up on and reported.
pub const GIVE_UP: SignedDuration = SignedDuration::from_hours(24);
/// Editors write a file in bursts: wait this long after the last change before reloading.
const DEBOUNCE: Duration = Duration::from_millis(50);
/// SIGTERM: in-flight work gets this long before it is abandoned (systemd waits 5 s; the
/// loop itself stops at once).
const GRACE: Duration = Duration::from_secs(3);
/// How often the state is pruned of what [`crate::state::RETENTION`] lets go.
const PRUNE_EVERY: SignedDuration = SignedDuration::from_hours(24);

/// The delay before retry `attempts` (1 = the first retry).
pub fn backoff(attempts: i64) -> SignedDuration {
    let factor = 1i64 << attempts.clamp(1, 16).saturating_sub(1);
    (FIRST_BACKOFF * factor as i32).min(MAX_BACKOFF)
}

/// The desktop channel in use, swapped on reload; shared with the postman.
#[derive(Clone)]
struct DesktopSlot(Arc<std::sync::RwLock<Arc<Desktop>>>);

impl DesktopSlot {
    fn get(&self) -> Arc<Desktop> {
        self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn set(&self, desktop: Desktop) {
        *self.0.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(desktop);
    }
}

/// Runs CPU-heavy work (parsing a large book, planning, building a digest) off the loop's
/// thread, so signals, deliveries and the watchdog are never held up by it.
async fn off_loop<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(work).await.map_err(Error::Background)
}

/// How soon a tick that failed (the state unreadable for a moment) is tried again.
const RETRY: Duration = Duration::from_secs(10);

/// The soft limit on open files raised to the hard one: the feed's port is open to anyone on
/// the machine, and the state must still open when its connections use many descriptors.
fn raise_descriptor_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = rustix::process::Rlimit { current: limit.maximum, maximum: limit.maximum };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::debug!("cannot raise the open-file limit: {e}");
        }
    }
}

/// Runs the daemon until `shutdown` is cancelled; returns after every task has finished.
///
/// # Errors
/// An invalid config at start (exit 78), a state that cannot be opened, or another daemon
/// already running on the same state.
pub async fn run(paths: &Paths, shutdown: CancellationToken, options: Options) -> Result<(), Error> {
    let clock = options.clock.clone();
    raise_descriptor_limit();
    let config_path = paths.config.clone();
    let state_path = paths.state.clone();
    let (config, phones) = off_loop(move || {
        let phones = State::known_phones(&state_path, true);
        crate::files::read_config_with(&config_path, &phones).map(|config| (config, phones))
    })
    .await??;
    let config = Arc::new(config);
    // One daemon per state: a second would deliver everything a second time.
    let _lock = State::lock_for_daemon(&paths.state)?;
    let mut state = State::open(&paths.state)?;
    state.keep_phone_readings(&phones);
    let tracker = TaskTracker::new();
    let (action_tx, bus_actions) = mpsc::channel::<Invoked>(16);
    let mut action_rx = options.actions.unwrap_or(bus_actions);
    let sink = ActionSink { sender: action_tx, shutdown: shutdown.clone(), tracker: tracker.clone() };
    let factory: DesktopFactory = options.desktop.unwrap_or_else(|| Box::new(Desktop::bus_with_actions));
    let desktop = DesktopSlot(Arc::new(std::sync::RwLock::new(Arc::new(Desktop::Off))));
    if config.notify.desktop {
        desktop.set(factory(sink.clone()));
    }

    let (mail_tx, mail_rx) = watch::channel(config.notify.email.clone());
    let postman_wake = Arc::new(tokio::sync::Notify::new());
    tracker.spawn(postman(
        State::open(&paths.state)?,
        mail_rx,
        postman_wake.clone(),
        desktop.clone(),
        clock.clone(),
        shutdown.clone(),
    ));

    // The calendar feed follows the config as reloads change it.
    let (configs, configs_rx) = watch::channel(config.clone());
    tracker.spawn(crate::mailbox::watch(
        paths.state.clone(),
        configs.subscribe(),
        {
            let clock = clock.clone();
            Arc::new(move || clock.now())
        },
        shutdown.clone(),
    ));
    tracker.spawn(feed::serve(State::open(&paths.state)?, configs_rx, clock.clone(), shutdown.clone()));

    let (reload_tx, mut reload_rx) = mpsc::channel::<&'static str>(16);
    let mut watcher = ConfigWatch::start(&paths.config, reload_tx.clone());
    // Registered here, before the first tick, so an early SIGHUP never takes the default
    // action (terminate).
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(hup) => {
            tracker.spawn(hangups(hup, reload_tx, shutdown.clone()));
        }
        Err(e) => tracing::warn!("cannot listen for SIGHUP ({e}); saving the config still reloads it"),
    }

    let mut service = Service {
        config,
        planned: None,
        next_digest: None,
        last_tick: Timestamp::MIN,
        // An hour's snooze outlives a restart.
        renudge: state.renudges().unwrap_or_default().into_iter().collect(),
        config_path: paths.config.clone(),
        history: Arc::new(History::default()),
        version: None,
        desktop,
        factory,
        sink,
        clock,
        notified_errors: HashSet::new(),
        systemd: options.systemd,
        ready: false,
        status: String::new(),
        in_flight: Vec::new(),
        open_nudges: Vec::new(),
        on_screen: Vec::new(),
        pruned: None,
        configs,
    };
    tracing::info!(
        "ringback running: {}, digest `{}` in {}",
        crate::render::count(service.config.prospects.len(), "prospect", "prospects"),
        service.config.schedule.digest_pattern,
        service.config.me.timezone_name
    );
    service.take_down_left_behind(&mut state).await;
    let result = async {
        loop {
            // Every step races the shutdown token: SIGTERM ends the loop at once, whatever
            // it was waiting on (a desktop call, a large digest being built).
            let wake = tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                wake = service.tick(&mut state, &postman_wake) => match wake {
                    Ok(wake) => wake,
                    // A state that cannot be read now (no descriptors left, a full disk) is
                    // tried again shortly: what is due stays due, and the daemon stays up.
                    Err(e) => {
                        tracing::warn!("{e}; trying again in {} s", RETRY.as_secs());
                        service.clock.now() + RETRY
                    }
                },
            };
            let clock = service.clock.clone();
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = clock.sleep_until(wake) => {}
                Some(invoked) = action_rx.recv() => {
                    tokio::select! {
                        biased;
                        () = shutdown.cancelled() => break,
                        acted = service.act(invoked, &mut state) => if let Err(e) = acted {
                            tracing::warn!("a notification's button: {e}");
                        },
                    }
                }
                Some(why) = reload_rx.recv() => {
                    // Debounce: let the editor finish, then drain what piled up.
                    tokio::time::sleep(DEBOUNCE).await;
                    while reload_rx.try_recv().is_ok() {}
                    // A symlink re-pointed elsewhere: its new target's folder is watched before
                    // the reload reads it, so an edit right after is not missed.
                    if let Some(watcher) = &mut watcher {
                        watcher.follow();
                    }
                    tokio::select! {
                        biased;
                        () = shutdown.cancelled() => break,
                        reloaded = service.reload(why, &mut state, &mail_tx) => if let Err(e) = reloaded {
                            tracing::warn!("reloading the config: {e}; the last good one stays");
                        },
                    }
                }
            }
        }
        Ok::<(), Error>(())
    }
    .await;
    // A nudge recorded but cut off before it was shown is given back, to be shown next time;
    // so are the nudges still up, which close with the daemon (their buttons die with it):
    // a restart inside a call window shows them again.
    let now = service.clock.now();
    let open = std::mem::take(&mut service.open_nudges);
    let closing: Vec<u32> = open.iter().map(|n| n.id).filter(|&id| id != 0).collect();
    let still_up = open.into_iter().filter(|n| n.until.is_none_or(|u| u > now)).flat_map(|n| n.keys);
    for key in std::mem::take(&mut service.in_flight).into_iter().chain(still_up) {
        let _ = state.forget_delivery(&key);
    }
    let _ = state.forget_shown_nudges(&closing);
    if service.systemd {
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
    }
    shutdown.cancel();
    tracker.close();
    if tokio::time::timeout(GRACE, tracker.wait()).await.is_err() {
        tracing::warn!("abandoned in-flight work after {}s", GRACE.as_secs());
    }
    result
}

/// How long the Call button waits for its opener to say it failed before saying "Calling".
const OPENER_VERDICT: Duration = Duration::from_secs(3);

/// A nudge on screen as it was shown.
struct OnScreen {
    id: u32,
    message: DesktopMessage,
    /// When its window opens, as its summary says it (`07:30`).
    opens: String,
    /// Each prospect's last logged event when it was shown: anything logged after that,
    /// whatever time it is logged for, takes them off it.
    last_seen: Vec<(String, Option<i64>)>,
    /// For a crowded window's rest: its prospects' items, to move up one by one as the
    /// nudges on screen are logged.
    waiting: Vec<plan::Item>,
}

impl OnScreen {
    fn new(
        id: u32,
        message: DesktopMessage,
        opens: String,
        history: &History,
        waiting: Vec<plan::Item>,
    ) -> OnScreen {
        let last_seen = message
            .parts
            .iter()
            .map(|(p, _)| (p.clone(), history.events_of(p).last().map(|e| e.seq)))
            .collect();
        OnScreen { id, message, opens, last_seen, waiting }
    }

    /// Its prospects logged since it was shown.
    fn logged_since(&self, history: &History) -> Vec<String> {
        self.last_seen
            .iter()
            .filter(|(id, seen)| history.events_of(id).last().map(|e| e.seq) != *seen)
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// Today's plan, as far as the scheduler needs it, and until when it holds.
struct Planned {
    planned_at: Timestamp,
    valid_until: Timestamp,
    /// Nudges not yet shown.
    groups: Vec<schedule::NudgeGroup>,
}

struct Service {
    config: Arc<Config>,
    planned: Option<Planned>,
    /// The next digest occurrence, and the time of the last tick (to notice the clock going back).
    next_digest: Option<jiff::Zoned>,
    last_tick: Timestamp,
    /// Nudges snoozed from the notification: their ledger keys and when to nudge again.
    renudge: std::collections::HashMap<String, Timestamp>,
    config_path: PathBuf,
    history: Arc<History>,
    /// The state's history version when the history was loaded: another process's
    /// `ringback log`, or a button press here, changes it, and the history is reloaded before
    /// the next delivery.
    version: Option<(i64, i64)>,
    desktop: DesktopSlot,
    factory: DesktopFactory,
    sink: ActionSink,
    clock: Arc<dyn Clock>,
    /// Config errors already shown on the desktop, so each distinct one shows once.
    notified_errors: HashSet<String>,
    systemd: bool,
    ready: bool,
    status: String,
    /// Nudge keys recorded for a notification not yet shown.
    in_flight: Vec<String>,
    /// Nudges shown and still up until their window ends: (keys, window end).
    open_nudges: Vec<ShownNudge>,
    /// The same nudges as shown, to take down (or count again) when their prospects are
    /// logged elsewhere: in `ringback dial`, with `ringback log`.
    on_screen: Vec<OnScreen>,
    /// When the state was last pruned.
    pruned: Option<Timestamp>,
    /// The config, for the calendar feed's server.
    configs: watch::Sender<Arc<Config>>,
}

impl Service {
    /// Reloads the history if the state changed since it was loaded (by anyone).
    async fn refresh_history(&mut self, state: &mut State, now: Timestamp) -> Result<(), Error> {
        let version = state.history_version()?;
        if self.version != Some(version) {
            // A million events take a good part of a second to read: on a connection of its
            // own, off the loop's thread. It sees every commit up to now, ours included.
            let path = state.path().to_path_buf();
            let loaded = off_loop(move || -> Result<History, StateError> {
                match State::open_read_only(&path)? {
                    Some(reader) => reader.history(),
                    None => Ok(History::default()),
                }
            })
            .await?;
            let mut history = loaded?;
            tracing::debug!("history reloaded (version {version:?})");
            state.mark_seen(&self.config, &mut history, now)?;
            self.history = Arc::new(history);
            self.version = Some(version);
            self.planned = None;
            // An hour's snooze from `ringback dial` is in the state too: held from now.
            self.renudge = state.renudges()?.into_iter().filter(|(_, at)| *at > now).collect();
        }
        Ok(())
    }

    /// One pass: replan, deliver what is due, and say when to wake next.
    async fn tick(&mut self, state: &mut State, postman: &tokio::sync::Notify) -> Result<Timestamp, Error> {
        let now = self.clock.now();
        self.refresh_history(state, now).await?;
        self.follow_the_log(state, now).await;
        if self.pruned.is_none_or(|at| now.duration_since(at) >= PRUNE_EVERY || now < at) {
            match state.prune(now) {
                Ok(n) if n > 0 => tracing::info!("pruned {n} old outbox, ledger and digest-log rows"),
                Ok(_) => {}
                Err(e) => tracing::warn!("cannot prune the state: {e}"),
            }
            self.pruned = Some(now);
        }

        // The digest needs looking at only when its next time has come, at start and after a
        // reload, or when the clock went backwards; an idle tick skips the cron arithmetic.
        let due_check =
            self.next_digest.as_ref().is_none_or(|d| now >= d.timestamp()) || now < self.last_tick;
        if due_check {
            let last = state.last_digest_handled()?;
            let due = schedule::digests_due(&self.config, last, now);
            if let Some(skipped) = &due.skipped {
                state.record_digest(skipped, now)?;
                tracing::warn!(
                    "digest {} skipped: missed by more than catch_up ({:#}) or superseded by a later one",
                    skipped.occurrence,
                    self.config.schedule.catch_up
                );
            }
            if let Some(occurrence) = due.send {
                self.send_digest(state, &occurrence, now).await?;
                postman.notify_one();
            }
            self.next_digest = schedule::next_digest(&self.config, now);
        }
        self.last_tick = now;

        // The day's plan only changes when the history or config does, when a window opens or
        // closes, or at midnight: between those, reuse it (an idle tick then costs almost
        // nothing).
        let renudged = self.renudge.len();
        self.renudge.retain(|_, at| *at > now);
        if self.renudge.len() != renudged {
            state.drop_returned_nudges(now)?;
        }
        let stale = match &self.planned {
            Some(p) => now >= p.valid_until || now < p.planned_at || self.renudge.len() != renudged,
            None => true,
        };
        if stale {
            // Only nudges need the day's plan here (the digest plans for itself): with desktop
            // notifications off, there is nothing to plan until midnight.
            let (groups, valid_until) = if self.config.notify.desktop {
                let (config, history) = (self.config.clone(), self.history.clone());
                let agenda = off_loop(move || plan::plan(&config, &history, now, 1)).await?;
                let renudge = &self.renudge;
                let groups = schedule::nudges(&self.config, &agenda, |key| {
                    renudge.contains_key(key) || state.delivered(key).unwrap_or(false)
                });
                (groups, schedule::plan_valid_until(&self.config, &agenda, now))
            } else {
                let local = now.to_zoned(self.config.me.timezone.clone());
                let midnight = local.tomorrow().and_then(|t| t.start_of_day()).map_or(now, |m| m.timestamp());
                (Vec::new(), midnight)
            };
            let valid_until = match self.renudge.values().min() {
                Some(next) => valid_until.min(*next),
                None => valid_until,
            };
            self.planned = Some(Planned { planned_at: now, valid_until, groups });
        }
        self.deliver_nudges(state, now).await?;
        let config = &self.config;
        let groups = &self.planned.as_ref().expect("planned above").groups;

        let next_letter = state.next_letter_at()?;
        if next_letter.is_some_and(|at| at <= now) {
            postman.notify_one();
        }
        let wake = schedule::next_wake(config, now, self.next_digest.as_ref(), groups, next_letter);
        let status = schedule::status_line(self.next_digest.as_ref(), now, groups);
        if self.systemd {
            if !self.ready {
                let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);
                self.ready = true;
            }
            if status != self.status {
                let _ = sd_notify::notify(&[sd_notify::NotifyState::Status(&status)]);
            }
            if sd_notify::watchdog_enabled().is_some() {
                let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
            }
        }
        if status != self.status {
            tracing::debug!("{status}");
            self.status = status;
        }
        // Under a watchdog, wake at least twice per interval.
        let wake = match sd_notify::watchdog_enabled().filter(|_| self.systemd) {
            Some(interval) => {
                wake.min(now + SignedDuration::try_from(interval / 2).unwrap_or(schedule::MAX_SLEEP))
            }
            None => wake,
        };
        Ok(wake)
    }

    /// Nudges of prospects logged since they were shown (in `ringback dial`, with `ringback
    /// log`) are taken down, and the crowded window's rest counts again; a nudge whose window
    /// ended is left to its listener.
    async fn follow_the_log(&mut self, state: &mut State, now: Timestamp) {
        if self.on_screen.is_empty() {
            return;
        }
        let desktop = self.desktop.get();
        let mut kept = Vec::new();
        for shown in std::mem::take(&mut self.on_screen) {
            if shown.message.until.is_some_and(|until| until <= now) {
                // A nudge with buttons is closed by its listener; the rest's has none.
                if shown.message.actions.is_empty() {
                    let _ = desktop.close(shown.id).await;
                }
                continue;
            }
            let gone = shown.logged_since(&self.history);
            if gone.is_empty() {
                kept.push(shown);
                continue;
            }
            let gone: Vec<&str> = gone.iter().map(String::as_str).collect();
            match shown.message.without(&gone) {
                Some(left) => {
                    if let Err(e) = desktop.replace(shown.id, &left).await {
                        tracing::debug!("cannot update a nudge: {e}");
                    }
                    let last_seen =
                        shown.last_seen.into_iter().filter(|(id, _)| !gone.contains(&id.as_str())).collect();
                    kept.push(OnScreen { message: left, last_seen, ..shown });
                }
                None => {
                    tracing::info!("nudge taken down: {} was logged meanwhile", gone.join(", "));
                    if let Err(e) = desktop.close(shown.id).await {
                        tracing::debug!("cannot take a nudge down: {e}");
                    }
                }
            }
        }
        self.on_screen = kept;
        self.move_up(state, now).await;
    }

    /// A crowded window's rest moves up as its nudges on screen are logged: the next of its
    /// prospects gets a nudge of their own, and the rest counts again.
    async fn move_up(&mut self, state: &mut State, now: Timestamp) {
        let desktop = self.desktop.get();
        let config = self.config.clone();
        while let Some(rest) = self.on_screen.iter().position(|s| {
            let up =
                self.on_screen.iter().filter(|o| o.message.rest_of.is_none() && o.opens == s.opens).count();
            s.message.rest_of.is_some() && up < crate::render::ON_SCREEN && !s.waiting.is_empty()
        }) {
            let item = self.on_screen[rest].waiting.remove(0);
            if !self.on_screen[rest].message.parts.iter().any(|(id, _)| *id == item.prospect) {
                continue;
            }
            let opens = self.on_screen[rest].opens.clone();
            let Some(message) = crate::render::promoted_nudge(&config, &item, &opens, now) else { continue };
            tracing::info!("nudge: {} (moved up from the rest)", message.summary);
            let Ok(shown) = desktop.show(&message).await else { return };
            let (id, server) = shown.unwrap_or_default();
            if id != 0 {
                let record =
                    ShownNudge { id, until: message.until, server, keys: message.nudge_keys.clone() };
                if let Err(e) = state.record_shown_nudge(&record) {
                    tracing::warn!("{e}");
                }
                self.open_nudges.push(record);
                self.on_screen.push(OnScreen::new(id, message, opens, &self.history, Vec::new()));
            }
            let rest_id = self.on_screen[rest].id;
            match self.on_screen[rest].message.without(&[item.prospect.as_str()]) {
                Some(left) => {
                    if let Err(e) = desktop.replace(rest_id, &left).await {
                        tracing::debug!("cannot update a nudge: {e}");
                    }
                    self.on_screen[rest].last_seen.retain(|(id, _)| *id != item.prospect);
                    self.on_screen[rest].message = left;
                }
                None => {
                    let _ = desktop.close(rest_id).await;
                    self.on_screen.remove(rest);
                }
            }
        }
    }

    /// Nudges a killed daemon left on screen: their buttons reach nobody, so they are taken
    /// down, and those whose window is still open are shown again by the next tick.
    async fn take_down_left_behind(&mut self, state: &mut State) {
        let left = match state.shown_nudges() {
            Ok(left) if !left.is_empty() => left,
            Ok(_) => return,
            Err(e) => return tracing::warn!("{e}"),
        };
        let ids: Vec<u32> = left.iter().map(|n| n.id).collect();
        let shown: Vec<(u32, &str)> = left.iter().map(|n| (n.id, n.server.as_str())).collect();
        let mut closed = 0;
        if matches!(*self.desktop.get(), Desktop::Bus { .. }) {
            match crate::notify::desktop::close_left_behind(&shown).await {
                Ok(n) => closed = n,
                Err(e) => tracing::warn!("cannot take down the nudges the last run left on screen: {e}"),
            }
        }
        let now = self.clock.now();
        let mut given_back = 0;
        for nudge in left.iter().filter(|n| n.until.is_none_or(|u| u > now)) {
            for key in &nudge.keys {
                given_back += usize::from(state.forget_delivery(key).is_ok());
            }
        }
        if let Err(e) = state.forget_shown_nudges(&ids) {
            tracing::warn!("{e}");
        }
        tracing::info!(
            "took down {} the last run left on screen; {} to show again",
            crate::render::count(closed, "nudge", "nudges"),
            crate::render::count(given_back, "item", "items")
        );
    }

    /// Shows the nudges that are due, each key recorded first so none is shown twice.
    async fn deliver_nudges(&mut self, state: &mut State, now: Timestamp) -> Result<(), Error> {
        let config = self.config.clone();
        if !config.notify.desktop || schedule::quiet(&config, now) {
            return Ok(());
        }
        // Keys a failed tick recorded but never showed: given back first, so those nudges are
        // tried again (a tick that fails no longer ends the daemon, whose stop gave them back).
        while let Some(key) = self.in_flight.last() {
            state.forget_delivery(key)?;
            self.in_flight.pop();
        }
        let desktop = self.desktop.get();
        let Some(planned) = self.planned.as_mut() else { return Ok(()) };
        let mut done = Vec::new();
        for (i, group) in planned.groups.iter_mut().enumerate().filter(|(_, g)| g.fire_at <= now) {
            // Only the keys this call records are ours to show: another may have shown the rest.
            let mut fresh = Vec::new();
            for item in &group.items {
                let key = schedule::nudge_key(item);
                // Until shown, the keys taken are in flight: an error gives them back.
                match state.record_delivery(&key, now) {
                    Ok(true) => {
                        self.in_flight.push(key);
                        fresh.push(item.clone());
                    }
                    Ok(false) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            if fresh.is_empty() {
                done.push(i);
                continue;
            }
            group.items = fresh;
            let mut all_shown = true;
            for message in crate::render::nudge_messages(&config, group, now) {
                tracing::info!("nudge: {}", message.summary);
                let Ok(shown) = desktop.show(&message).await else {
                    // Not shown: its keys are forgotten so it is tried again while the window
                    // is open (a key that cannot be forgotten now stays in flight, given back
                    // next tick).
                    all_shown = false;
                    for key in &message.nudge_keys {
                        state.forget_delivery(key)?;
                        self.in_flight.retain(|k| k != key);
                    }
                    continue;
                };
                self.in_flight.retain(|k| !message.nudge_keys.contains(k));
                let (ended, open): (Vec<_>, Vec<_>) = std::mem::take(&mut self.open_nudges)
                    .into_iter()
                    .partition(|n| n.until.is_some_and(|u| u <= now));
                self.open_nudges = open;
                let (id, server) = shown.unwrap_or_default();
                if id != 0 {
                    let opens = group.opens.strftime("%H:%M").to_string();
                    let waiting = if message.rest_of.is_some() {
                        crate::render::one_per_prospect(&group.items)
                            .into_iter()
                            .skip(crate::render::ON_SCREEN)
                            .cloned()
                            .collect()
                    } else {
                        Vec::new()
                    };
                    self.on_screen.push(OnScreen::new(id, message.clone(), opens, &self.history, waiting));
                }
                let shown = ShownNudge { id, until: message.until, server, keys: message.nudge_keys };
                // On screen until its window ends: recorded, so a daemon killed meanwhile
                // leaves the next one what to take down and show again.
                let recorded = if id == 0 { Ok(()) } else { state.record_shown_nudge(&shown) };
                let ended: Vec<u32> = ended.iter().map(|n| n.id).filter(|&id| id != 0).collect();
                if let Err(e) = recorded.and_then(|()| state.forget_shown_nudges(&ended)) {
                    tracing::warn!("{e}");
                }
                self.open_nudges.push(shown);
            }
            // A group some of whose nudges were not shown stays, for those (the others' keys
            // are recorded, so they are not shown twice).
            if all_shown {
                done.push(i);
            }
        }
        for i in done.into_iter().rev() {
            planned.groups.remove(i);
        }
        Ok(())
    }

    async fn send_digest(
        &self,
        state: &mut State,
        occurrence: &jiff::Zoned,
        now: Timestamp,
    ) -> Result<(), Error> {
        let (config, history) = (self.config.clone(), self.history.clone());
        let occurrence_owned = occurrence.clone();
        let week = digest_week(state, &config, now)?;
        let news = state.mail_news()?;
        let (digest, letter) = off_loop(move || {
            let occurrence = occurrence_owned;
            let news = crate::render::mail::mail_news(&config, &news, now);
            let digest = crate::render::digest::build(&config, &history, now, week, &news);
            let letter = config
                .notify
                .email
                .as_ref()
                .map(|email| {
                    let key = schedule::digest_key("email", &occurrence);
                    let bytes =
                        email::compose(email, &key, &digest.subject, &digest.text, Some(&digest.html))?;
                    Ok::<_, email::ComposeError>((
                        email::envelope_address(&email.from),
                        email::envelope_address(&email.to),
                        bytes,
                    ))
                })
                .transpose();
            (digest, letter)
        })
        .await?;
        let letter = letter?;
        let config = &self.config;
        let email_key = schedule::digest_key("email", occurrence);
        let desktop_key = schedule::digest_key("desktop", occurrence);
        let show_desktop = config.notify.desktop && !schedule::quiet(config, now);
        let record = schedule::digest_record(occurrence, "sent");
        let fresh = state.record_digest_sent(
            &record,
            letter
                .as_ref()
                .map(|(from, to, bytes)| (email_key.as_str(), from.as_str(), to.as_str(), bytes.as_slice())),
            show_desktop.then_some(desktop_key.as_str()),
            now,
        )?;
        let Some(desktop_fresh) = fresh else { return Ok(()) };
        if letter.is_some() {
            tracing::info!("digest queued: {}", digest.subject);
        }
        if show_desktop && desktop_fresh {
            let message = crate::render::digest_summary(config, &digest.agenda);
            let _ = self.desktop.get().show(&message).await;
        }
        Ok(())
    }

    /// Acts on a button pressed on a nudge: log the call, or nudge again in an hour. Answers
    /// the notification with what was logged, so it can say so and keep the other buttons.
    async fn act(&mut self, invoked: Invoked, state: &mut State) -> Result<(), Error> {
        let now = self.clock.now();
        let (verb, id) = invoked.action.split_once(':').unwrap_or((invoked.action.as_str(), ""));
        // A nudge pressed becomes its own confirmation: not one to take down when its event
        // is seen in the log.
        if verb != "call" {
            let pressed: Vec<&str> = id.split(',').collect();
            self.on_screen.retain(|s| !s.message.parts.iter().any(|(p, _)| pressed.contains(&p.as_str())));
        }
        let outcome = match verb {
            "voicemail" => plan::Outcome::Voicemail,
            "no-answer" => plan::Outcome::NoAnswer,
            "spoke" => plan::Outcome::Spoke,
            "call" => {
                let text = self.call(id).await;
                invoked.answer(text);
                return Ok(());
            }
            "snooze-tomorrow" | "snooze-week" => {
                let text = self.snooze_for(verb, id, state, now).await?;
                invoked.answer(text);
                return Ok(());
            }
            "snooze" => {
                let back = now + SignedDuration::from_hours(1);
                for key in &invoked.nudge_keys {
                    state.forget_delivery(key)?;
                    state.snooze_nudge(key, back)?;
                    self.renudge.insert(key.clone(), back);
                }
                // Its place on screen is free: the next of a crowded window's rest moves up.
                self.on_screen
                    .retain(|s| !s.message.nudge_keys.iter().any(|k| invoked.nudge_keys.contains(k)));
                self.planned = None;
                // Keys are `desktop:nudge:KIND:ID:DAY:WINDOW`; ids hold no `:`.
                let names: Vec<String> = invoked
                    .nudge_keys
                    .iter()
                    .filter_map(|k| k.split(':').nth(3))
                    .filter_map(|id| self.config.prospects.get(id).map(|p| p.name.clone()))
                    .collect();
                tracing::info!("nudge snoozed for an hour");
                let at = back.to_zoned(self.config.me.timezone.clone()).strftime("%H:%M").to_string();
                invoked.answer(format!("Snoozed {}: back at {at}", names.join(", ")));
                return Ok(());
            }
            other => {
                tracing::warn!("unknown notification action `{other}`");
                return Ok(());
            }
        };
        let Some(prospect) = self.config.prospects.get(id) else {
            tracing::warn!("notification action for `{id}`, which is no longer in the config");
            return Ok(());
        };
        let name = prospect.name.clone();
        // The same event `ringback log ID voicemail` records: a voicemail promises the call the
        // script named.
        let mut event = plan::Event {
            seq: 0,
            prospect: id.into(),
            at: now,
            outcome,
            note: Some("from the notification".to_owned()),
            promise: plan::PromiseChoice::Auto,
            next_step: None,
            until: None,
            item: None,
        };
        plan::pin_callback(&self.config, &self.history, &mut event);
        state.append(&event, now)?;
        tracing::info!("logged {outcome} for {name} from the notification");
        // In the daemon's own view before anything else is delivered.
        self.refresh_history(state, now).await?;
        let (config, history, id) = (self.config.clone(), self.history.clone(), id.to_owned());
        let next =
            off_loop(move || plan::plan_for(&config, &history, now, 400, &id).into_iter().next()).await?;
        let text = crate::render::confirmation(outcome, &name, next.as_ref());
        invoked.answer(text);
        Ok(())
    }

    /// The Call button: the number's `tel:` URI opened with `notify.desktop.open_with`. It logs
    /// nothing; the nudge stays up for what happened.
    async fn call(&self, id: &str) -> String {
        let Some(prospect) = self.config.prospects.get(id) else {
            return format!("`{id}` is no longer in the config");
        };
        let Some(number) = &prospect.number else {
            return format!(
                "{} has no phone in the book: add one with `ringback set {id} phone=...`",
                prospect.name
            );
        };
        let (tel, phone) = (number.tel_uri(), number.grouped());
        let program = self.config.notify.open_with.clone();
        let spawned = tokio::process::Command::new(&program)
            .arg(&tel)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let by_hand = |why: String| format!("{why}: dial {phone} by hand");
        match spawned {
            Ok(mut child) => {
                tracing::info!("calling {} with {program} from the notification", prospect.name);
                // `xdg-open` says at once when no program takes `tel:` (exit 3); a handler that
                // hands the number to a phone may take its time, and is not waited for.
                match tokio::time::timeout(OPENER_VERDICT, child.wait()).await {
                    Ok(Ok(status)) if !status.success() => {
                        tracing::warn!("{program} exited with {status} for {}'s number", prospect.name);
                        let why = match status.code() {
                            Some(3) => {
                                format!("Nothing on this desktop opens tel: links ({program} exited 3)")
                            }
                            _ => format!("{program} could not open the number ({status})"),
                        };
                        by_hand(why)
                    }
                    Ok(Err(e)) => by_hand(format!("{program} failed ({e})")),
                    Ok(Ok(_)) => {
                        format!("Calling {} on {phone}: press what happened when you are done", prospect.name)
                    }
                    Err(_) => {
                        tokio::spawn(async move {
                            let _ = child.wait().await;
                        });
                        format!("Calling {} on {phone}: press what happened when you are done", prospect.name)
                    }
                }
            }
            Err(e) => {
                tracing::warn!("cannot run {program}: {e}");
                by_hand(format!("Cannot run {program} ({e})"))
            }
        }
    }

    /// "Snooze until tomorrow" (to their next workday, first window) and "Snooze a week": a
    /// snooze logged for each prospect of the nudge, as `ringback log ID snooze --until` does.
    async fn snooze_for(
        &mut self,
        verb: &str,
        ids: &str,
        state: &mut State,
        now: Timestamp,
    ) -> Result<String, Error> {
        let today = now.to_zoned(self.config.me.timezone.clone()).date();
        let mut names = Vec::new();
        let mut last = today;
        let mut events = Vec::new();
        for id in ids.split(',').filter(|id| !id.is_empty()) {
            let Some(prospect) = self.config.prospects.get(id) else { continue };
            // My next workday; the planner then finds the first day open on their side too.
            let calendar = &self.config.me.calendar;
            let until = match verb {
                "snooze-week" => calendar.on_or_after(today.saturating_add(jiff::Span::new().days(7))),
                _ => calendar.next_after(today),
            };
            let event = plan::Event {
                seq: 0,
                prospect: id.into(),
                at: now,
                outcome: plan::Outcome::Snooze,
                note: Some("from the notification".to_owned()),
                promise: plan::PromiseChoice::Auto,
                next_step: None,
                until: Some(until),
                item: None,
            };
            events.push(event);
            tracing::info!("logging snooze until {until} for {} from the notification", prospect.name);
            names.push(prospect.name.clone());
            last = until;
        }
        // One press, one undo: the snoozes go in together and come back together.
        state.append_press(&events, now)?;
        self.refresh_history(state, now).await?;
        self.planned = None;
        Ok(format!("Snoozed {} until {}", names.join(", "), last.strftime("%a %-d %b")))
    }

    async fn reload(
        &mut self,
        why: &str,
        state: &mut State,
        mail: &watch::Sender<Option<Email>>,
    ) -> Result<(), Error> {
        let path = self.config_path.clone();
        // The kept readings are read off the loop too (a cache: without them every number is
        // read again).
        let state_path = state.path().to_path_buf();
        let (read, phones) = off_loop(move || {
            let phones = State::known_phones(&state_path, true);
            (crate::files::read_config_with(&path, &phones), phones)
        })
        .await?;
        match read {
            Ok(config) => {
                tracing::info!("config reloaded ({why})");
                self.notified_errors.clear();
                mail.send_replace(config.notify.email.clone());
                // What depends on the config is rebuilt with it: turning desktop
                // notifications on by an edit shows the next nudge.
                if config.notify.desktop != self.config.notify.desktop {
                    self.desktop.set(if config.notify.desktop {
                        (self.factory)(self.sink.clone())
                    } else {
                        Desktop::Off
                    });
                }
                self.config = Arc::new(config);
                self.configs.send_replace(self.config.clone());
                self.planned = None;
                self.next_digest = None;
                let now = self.clock.now();
                // Copies the history only if a planning task still holds it.
                state.mark_seen(&self.config, Arc::make_mut(&mut self.history), now)?;
                state.keep_phone_readings(&phones);
            }
            Err(error) => {
                tracing::error!("config not reloaded ({why}); keeping the last good one");
                let mut fresh = Vec::new();
                for line in &error.lines {
                    tracing::error!("{line}");
                    if self.notified_errors.insert(line.clone()) {
                        fresh.push(line.as_str());
                    }
                }
                // One save with three mistakes is one notification, each error once.
                if self.config.notify.desktop && !fresh.is_empty() {
                    let summary = match fresh.len() {
                        1 => "ringback: config error (last good config kept)".to_owned(),
                        n => format!("ringback: {n} config errors (last good config kept)"),
                    };
                    let message = DesktopMessage::plain(summary, fresh.join("\n"), false);
                    let _ = self.desktop.get().show(&message).await;
                }
            }
        }
        Ok(())
    }
}

/// An outbox letter as the email channel delivers it.
fn envelope(letter: &Letter) -> email::Envelope<'_> {
    email::Envelope {
        key: &letter.key,
        sender: &letter.sender,
        recipient: &letter.recipient,
        message: &letter.message,
    }
}

/// How a digest sent by hand went.
#[derive(Debug)]
pub enum SentNow {
    /// Sent; with the file transport, the `.eml` written.
    Sent(Option<PathBuf>),
    /// Left in the outbox, due now, for a running daemon to retry.
    Retrying(email::SendError),
    /// Refused (a 5xx, a rejected login): retrying the same thing will not help.
    Refused(email::SendError),
}

/// What the state says of the digests of `at`'s week (from Monday 00:00 in my zone) so far.
///
/// # Errors
/// On a database error.
pub fn digest_week(
    state: &State,
    config: &Config,
    at: Timestamp,
) -> Result<crate::render::digest::Week, Error> {
    let tz = config.me.timezone.clone();
    let monday = plan::monday_of(at.to_zoned(tz.clone()).date());
    let since = monday.to_zoned(tz).map_or(at, |z| z.timestamp());
    let (sent, missed) = state.digests_between(since, at)?;
    Ok(crate::render::digest::Week { sent, missed })
}

/// Sends a digest now, outside the schedule (`ringback digest --send`), through the same
/// outbox the postman drains: queued already claimed, so a running daemon leaves it to this
/// call, and its outcome recorded as the postman records its own.
///
/// # Errors
/// When the email cannot be built or the state cannot record it.
pub async fn send_digest_now(
    state: &mut State,
    email_config: &Email,
    digest: &crate::render::Digest,
    now: Timestamp,
) -> Result<SentNow, Error> {
    // Its own key: a digest sent by hand never stands in for (or blocks) a scheduled one.
    let key = format!("email:digest:manual:{}", now.as_nanosecond());
    let bytes = email::compose(email_config, &key, &digest.subject, &digest.text, Some(&digest.html))?;
    let (sender, recipient) =
        (email::envelope_address(&email_config.from), email::envelope_address(&email_config.to));
    let id = state.enqueue_claimed(&key, &sender, &recipient, &bytes, now)?.ok_or(Error::NotQueued)?;
    let letter = Letter {
        id,
        key,
        created: now,
        sender,
        recipient,
        message: bytes,
        attempts: 0,
        claimed_by: Some(i64::from(std::process::id())),
    };
    match email::deliver(&email_config.transport, &envelope(&letter)).await {
        Ok(()) => {
            state.letter_sent(letter.id)?;
            let written = match &email_config.transport {
                crate::config::Transport::File { dir } => Some(dir.join(email::file_name(&letter.key))),
                _ => None,
            };
            Ok(SentNow::Sent(written))
        }
        Err(e) if e.transient => {
            state.letter_failed(letter.id, &e.message, Some(now))?;
            Ok(SentNow::Retrying(e))
        }
        Err(e) => {
            state.letter_failed(letter.id, &e.message, None)?;
            Ok(SentNow::Refused(e))
        }
    }
}

/// Drains the outbox: sends due letters, retries transient failures with backoff for 24 hours,
/// reports permanent ones at once.
async fn postman(
    mut state: State,
    mut mail: watch::Receiver<Option<Email>>,
    wake: Arc<tokio::sync::Notify>,
    desktop: DesktopSlot,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
) {
    loop {
        let now = clock.now();
        let transport = mail.borrow_and_update().clone().map(|e| e.transport);
        if let Some(transport) = transport {
            let letters = state.due_letters(now).unwrap_or_else(|e| {
                tracing::error!("outbox: {e}");
                Vec::new()
            });
            for letter in letters {
                // Only the one who claims a letter sends it: `digest --send` may be sending
                // it right now.
                match state.claim(&letter, now) {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::info!("email {} is being sent by another process; leaving it", letter.key);
                        continue;
                    }
                    Err(e) => {
                        tracing::error!("outbox: {e}");
                        continue;
                    }
                }
                let letter_envelope = envelope(&letter);
                let sent = tokio::select! {
                    () = shutdown.cancelled() => return,
                    sent = email::deliver(&transport, &letter_envelope) => sent,
                };
                let now = clock.now();
                let recorded = match sent {
                    Ok(()) => {
                        tracing::info!("email sent: {}", letter.key);
                        state.letter_sent(letter.id)
                    }
                    Err(e) if e.transient && now.duration_since(letter.created) < GIVE_UP => {
                        let next = now + backoff(letter.attempts + 1);
                        tracing::warn!("email {} not sent ({e}); retrying at {next}", letter.key);
                        state.letter_failed(letter.id, &e.message, Some(next))
                    }
                    Err(e) => {
                        let why = if e.transient { "still failing after 24 hours" } else { "refused" };
                        tracing::error!("email {} given up, {why}: {e}", letter.key);
                        let _ = desktop
                            .get()
                            .show(&DesktopMessage::plain(
                                format!("ringback: an email could not be sent ({why})"),
                                e.message.clone(),
                                true,
                            ))
                            .await;
                        state.letter_failed(letter.id, &e.message, None)
                    }
                };
                if let Err(e) = recorded {
                    tracing::error!("outbox: {e}");
                }
            }
        }
        // Idle (nothing pending), sleep until the scheduler queues a letter or sees one due;
        // otherwise until the next try, re-reading the wall clock at least once a minute.
        let pause = state.next_letter_at().ok().flatten().map(|next| {
            next.duration_since(clock.now()).clamp(SignedDuration::ZERO, schedule::MAX_SLEEP).unsigned_abs()
        });
        let sleep = async {
            match pause {
                Some(pause) => tokio::time::sleep(pause).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = wake.notified() => {}
            _ = mail.changed() => {}
            () = sleep => {}
        }
    }
}

/// Watches the config's folder (editors save by writing a new file and renaming it over the
/// old one, which a watch on the file itself would miss).
/// Watches the config for saves: the folder of the path given, and, when that is a symlink
/// (a dotfiles repository), the folder of the file it points to, where `add`, `set`, `import`
/// and editors write. Editors save by rename, so folders are watched, not the file.
struct ConfigWatch {
    path: PathBuf,
    watcher: ::notify::RecommendedWatcher,
    /// The folders watched, and the names in them that are the config.
    watched: Arc<std::sync::Mutex<Vec<(PathBuf, std::ffi::OsString)>>>,
}

impl ConfigWatch {
    fn start(path: &Path, reload: mpsc::Sender<&'static str>) -> Option<ConfigWatch> {
        use ::notify::EventKind;
        let watched: Arc<std::sync::Mutex<Vec<(PathBuf, std::ffi::OsString)>>> = Arc::default();
        let names = watched.clone();
        let handler = move |event: ::notify::Result<::notify::Event>| {
            let Ok(event) = event else { return };
            let names = names.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let ours = |p: &PathBuf| names.iter().any(|(_, name)| p.file_name() == Some(name.as_os_str()));
            let relevant = matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_))
                && event.paths.iter().any(ours);
            if relevant {
                let _ = reload.try_send("file changed");
            }
        };
        let watcher = match ::notify::recommended_watcher(handler) {
            Ok(watcher) => watcher,
            Err(e) => {
                tracing::warn!("cannot watch for config changes ({e}); SIGHUP still reloads");
                return None;
            }
        };
        let mut watch = ConfigWatch { path: path.to_path_buf(), watcher, watched };
        watch.add(path);
        watch.follow();
        Some(watch)
    }

    /// Watches the folder of the file the config's path now leads to, if it is not yet.
    fn follow(&mut self) {
        if let Ok(target) = std::fs::canonicalize(&self.path) {
            self.add(&target);
        }
    }

    fn add(&mut self, file: &Path) {
        use ::notify::{RecursiveMode, Watcher};
        let dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        let Some(name) = file.file_name().map(std::ffi::OsStr::to_os_string) else { return };
        let mut watched = self.watched.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if watched.iter().any(|(d, n)| *d == dir && *n == name) {
            return;
        }
        if !watched.iter().any(|(d, _)| *d == dir)
            && let Err(e) = self.watcher.watch(&dir, RecursiveMode::NonRecursive)
        {
            tracing::warn!("cannot watch `{}` for config changes ({e}); SIGHUP still reloads", dir.display());
            return;
        }
        watched.push((dir, name));
    }
}

async fn hangups(
    mut hup: tokio::signal::unix::Signal,
    reload: mpsc::Sender<&'static str>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            Some(()) = hup.recv() => { let _ = reload.send("SIGHUP").await; }
        }
    }
}

/// After SIGTERM the process ends this soon even if the loop's thread is stuck (a state
/// database locked by another process for longer than its busy timeout): systemd waits 5 s.
pub const HARD_STOP: Duration = Duration::from_secs(4);

/// Watches SIGTERM and SIGINT on a thread of its own, so a signal is seen whatever the
/// daemon's thread is doing: it cancels `shutdown`, and if the daemon has not returned within
/// [`HARD_STOP`], exits the process with status 0 (SQLite's journal makes that safe).
///
/// # Errors
/// When the signal handlers or the thread cannot be set up.
pub fn watch_signals(shutdown: CancellationToken) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
    let (mut term, mut int) = runtime.block_on(async {
        Ok::<_, std::io::Error>((signal(SignalKind::terminate())?, signal(SignalKind::interrupt())?))
    })?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        let signalled = runtime.block_on(async {
            tokio::select! {
                _ = term.recv() => Some("SIGTERM"),
                _ = int.recv() => Some("SIGINT"),
                // The daemon stopped by itself (an error): its exit status is its own.
                () = shutdown.cancelled() => None,
            }
        });
        let Some(signal) = signalled else { return };
        // Stop first, then say so: nothing (a log nobody reads) may delay the stop.
        shutdown.cancel();
        let hard_stop = std::thread::spawn(|| {
            std::thread::sleep(HARD_STOP);
            // Said on a thread of its own (the log never blocks, but the stop must not wait
            // even if it did), given a moment to be written, then the process ends.
            std::thread::spawn(|| {
                tracing::warn!("still stopping after {}s; exiting now", HARD_STOP.as_secs())
            });
            std::thread::sleep(Duration::from_millis(200));
            std::process::exit(0);
        });
        tracing::info!("{signal}: stopping");
        let _ = hard_stop.join();
    })?;
    Ok(())
}
