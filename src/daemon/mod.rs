//! `ringback run`: the long-running service.
//!
//! One scheduling loop wakes at least once a minute (never sleeping longer, so suspend and
//! clock changes are noticed), replans from the state, sends the digest and nudges that are
//! due, and records each delivery's key in the ledger first, so nothing is sent twice. A
//! postman task drains the email outbox with retries. Reloads come from a watch on the config's
//! folder and from SIGHUP; SIGTERM and SIGINT cancel one token that every task watches.

pub mod clock;
pub mod schedule;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::cli::{Failure, Paths};
use crate::config::{Config, Email};
use crate::notify::{self, ActionSink, Desktop, DesktopMessage, Invoked, email};
use crate::plan::{self, History};
use crate::state::State;
pub use clock::{Clock, SystemClock, TestClock};
use schedule::DigestDue;

/// How a daemon is wired: real clock and bus in production, test doubles in tests.
pub struct Options {
    pub clock: Arc<dyn Clock>,
    /// `None`: the session bus when `notify.desktop.enabled`, else off.
    pub desktop: Option<Desktop>,
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
/// SIGTERM: in-flight work gets this long before it is abandoned.
const GRACE: Duration = Duration::from_secs(4);

/// The delay before retry `attempts` (1 = the first retry).
pub fn backoff(attempts: i64) -> SignedDuration {
    let factor = 1i64 << attempts.clamp(1, 16).saturating_sub(1);
    (FIRST_BACKOFF * factor as i32).min(MAX_BACKOFF)
}

/// Runs the daemon until `shutdown` is cancelled; returns after every task has finished.
///
/// # Errors
/// An invalid config at start (exit 78) or a state that cannot be opened.
pub async fn run(paths: &Paths, shutdown: CancellationToken, options: Options) -> Result<(), Failure> {
    let clock = options.clock.clone();
    let config = Config::from_path(&paths.config)?;
    let mut state = State::open(&paths.state)?;
    let tracker = TaskTracker::new();
    let (action_tx, bus_actions) = mpsc::channel::<Invoked>(16);
    let mut action_rx = options.actions.unwrap_or(bus_actions);
    let desktop = Arc::new(options.desktop.unwrap_or_else(|| {
        if config.notify.desktop {
            Desktop::bus_with_actions(ActionSink {
                sender: action_tx,
                shutdown: shutdown.clone(),
                tracker: tracker.clone(),
            })
        } else {
            Desktop::Off
        }
    }));

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

    let (reload_tx, mut reload_rx) = mpsc::channel::<&'static str>(16);
    let _watcher = watch_config(&paths.config, reload_tx.clone());
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
        renudge: std::collections::HashMap::new(),
        config_path: paths.config.clone(),
        history: History::default(),
        version: -1,
        desktop,
        clock,
        notified_errors: HashSet::new(),
        systemd: options.systemd,
        ready: false,
        status: String::new(),
    };
    tracing::info!(
        "ringback running: {} prospects, digest `{}` in {}",
        service.config.prospects.len(),
        service.config.schedule.digest_pattern,
        service.config.me.timezone_name
    );
    let result = async {
        loop {
            let wake = service.tick(&mut state, &postman_wake).await?;
            let clock = service.clock.clone();
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = clock.sleep_until(wake) => {}
                Some(invoked) = action_rx.recv() => service.act(invoked, &mut state)?,
                Some(why) = reload_rx.recv() => {
                    // Debounce: let the editor finish, then drain what piled up.
                    tokio::time::sleep(DEBOUNCE).await;
                    while reload_rx.try_recv().is_ok() {}
                    service.reload(why, &mut state, &mail_tx).await?;
                }
            }
        }
        Ok::<(), Failure>(())
    }
    .await;
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

/// Today's plan, as far as the scheduler needs it, and until when it holds.
struct Planned {
    planned_at: Timestamp,
    valid_until: Timestamp,
    /// Nudges not yet shown.
    groups: Vec<schedule::NudgeGroup>,
}

struct Service {
    config: Config,
    planned: Option<Planned>,
    /// The next digest occurrence, and the time of the last tick (to notice the clock going back).
    next_digest: Option<jiff::Zoned>,
    last_tick: Timestamp,
    /// Nudges snoozed from the notification: their ledger keys and when to nudge again.
    renudge: std::collections::HashMap<String, Timestamp>,
    config_path: PathBuf,
    history: History,
    /// SQLite's data_version when the history was loaded: another process's `ringback log`
    /// changes it, and the history is reloaded before the next delivery.
    version: i64,
    desktop: Arc<Desktop>,
    clock: Arc<dyn Clock>,
    /// Config errors already shown on the desktop, so each distinct one shows once.
    notified_errors: HashSet<String>,
    systemd: bool,
    ready: bool,
    status: String,
}

impl Service {
    /// One pass: replan, deliver what is due, and say when to wake next.
    async fn tick(&mut self, state: &mut State, postman: &tokio::sync::Notify) -> Result<Timestamp, Failure> {
        let now = self.clock.now();
        let version = state.data_version()?;
        if version != self.version {
            self.history = state.history()?;
            tracing::debug!("history reloaded (data_version {version})");
            self.version = version;
            state.mark_seen(&self.config, &mut self.history, now)?;
            self.planned = None;
        }

        // The digest needs looking at only when its next time has come, at start and after a
        // reload, or when the clock went backwards; an idle tick skips the cron arithmetic.
        let due_check =
            self.next_digest.as_ref().is_none_or(|d| now >= d.timestamp()) || now < self.last_tick;
        if due_check {
            match schedule::digest_due(&self.config, now, |occ| {
                ["email", "desktop", "skipped"]
                    .iter()
                    .any(|channel| state.delivered(&schedule::digest_key(channel, occ)).unwrap_or(false))
            }) {
                DigestDue::Send(occurrence) => {
                    self.send_digest(state, &occurrence, now).await?;
                    postman.notify_one();
                }
                DigestDue::Skip(occurrence) => {
                    let key = schedule::digest_key("skipped", &occurrence);
                    state.record_delivery(&key, now)?;
                    state.record_run("digest", &local_time(&occurrence), "skipped", now)?;
                    tracing::warn!(
                        "skipped the digest of {}: missed by more than catch_up ({:#})",
                        occurrence.strftime("%a %-d %b %H:%M"),
                        self.config.schedule.catch_up
                    );
                }
                DigestDue::Nothing => {}
            }
            self.next_digest = schedule::next_digest(&self.config, now);
        }
        self.last_tick = now;

        // The day's plan only changes when the history or config does, when a window opens or
        // closes, or at midnight: between those, reuse it (an idle tick then costs almost
        // nothing).
        let renudged = self.renudge.len();
        self.renudge.retain(|_, at| *at > now);
        let stale = match &self.planned {
            Some(p) => now >= p.valid_until || now < p.planned_at || self.renudge.len() != renudged,
            None => true,
        };
        if stale {
            // Only nudges need the day's plan here (the digest plans for itself): with desktop
            // notifications off, there is nothing to plan until midnight.
            let (groups, valid_until) = if self.config.notify.desktop {
                let agenda = plan::plan(&self.config, &self.history, now, 1);
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
        let config = &self.config;
        let planned = self.planned.as_mut().expect("planned above");
        if config.notify.desktop && !schedule::quiet(config, now) {
            let mut shown = Vec::new();
            for (i, group) in planned.groups.iter().enumerate().filter(|(_, g)| g.fire_at <= now) {
                let keys: Vec<String> = group.items.iter().map(schedule::nudge_key).collect();
                for key in &keys {
                    state.record_delivery(key, now)?;
                }
                let message = notify::nudge_message(config, group);
                tracing::info!("nudge: {}", message.summary);
                if self.desktop.show(&message).await.is_ok() {
                    shown.push(i);
                } else {
                    // Not shown: forget the keys so it is tried again while the window is open.
                    for key in &keys {
                        state.forget_delivery(key)?;
                    }
                }
            }
            for i in shown.into_iter().rev() {
                planned.groups.remove(i);
            }
        }
        let groups = &planned.groups;

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

    async fn send_digest(
        &self,
        state: &mut State,
        occurrence: &jiff::Zoned,
        now: Timestamp,
    ) -> Result<(), Failure> {
        let config = &self.config;
        let digest = notify::digest::build(config, &self.history, now);
        if let Some(email) = &config.notify.email {
            let bytes = email::compose(email, &digest.subject, &digest.text, Some(&digest.html))
                .map_err(|e| Failure::Runtime(anyhow::anyhow!(e)))?;
            let key = schedule::digest_key("email", occurrence);
            if state
                .enqueue(&key, &envelope_address(&email.from), &envelope_address(&email.to), &bytes, now)?
                .is_some()
            {
                tracing::info!("digest queued: {}", digest.subject);
            }
        }
        let key = schedule::digest_key("desktop", occurrence);
        if config.notify.desktop && !schedule::quiet(config, now) && state.record_delivery(&key, now)? {
            let _ = self.desktop.show(&notify::digest_summary(config, &digest.agenda)).await;
        }
        state.record_run("digest", &local_time(occurrence), "sent", now)?;
        Ok(())
    }

    /// Acts on a button pressed on a nudge: log the call, or nudge again in an hour.
    fn act(&mut self, invoked: Invoked, state: &mut State) -> Result<(), Failure> {
        let now = self.clock.now();
        let (verb, id) = invoked.action.split_once(':').unwrap_or((invoked.action.as_str(), ""));
        let outcome = match verb {
            "voicemail" => plan::Outcome::Voicemail,
            "spoke" => plan::Outcome::Spoke,
            "snooze" => {
                for key in &invoked.nudge_keys {
                    state.forget_delivery(key)?;
                    self.renudge.insert(key.clone(), now + SignedDuration::from_hours(1));
                }
                self.planned = None;
                tracing::info!("nudge snoozed for an hour");
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
        // The same event `ringback log ID voicemail` records: a voicemail promises the call the
        // script named.
        let event = plan::Event {
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
        state.append(&event, now)?;
        tracing::info!("logged {outcome} for {} from the notification", prospect.name);
        Ok(())
    }

    async fn reload(
        &mut self,
        why: &str,
        state: &mut State,
        mail: &watch::Sender<Option<Email>>,
    ) -> Result<(), Failure> {
        match Config::from_path(&self.config_path) {
            Ok(config) => {
                tracing::info!("config reloaded ({why})");
                self.notified_errors.clear();
                mail.send_replace(config.notify.email.clone());
                self.config = config;
                self.planned = None;
                self.next_digest = None;
                let now = self.clock.now();
                state.mark_seen(&self.config, &mut self.history, now)?;
            }
            Err(error) => {
                tracing::error!("config not reloaded ({why}); keeping the last good one");
                for line in &error.lines {
                    tracing::error!("{line}");
                    if self.config.notify.desktop && self.notified_errors.insert(line.clone()) {
                        let message = DesktopMessage::plain(
                            "ringback: config error (last good config kept)",
                            line.clone(),
                            false,
                        );
                        let _ = self.desktop.show(&message).await;
                    }
                }
            }
        }
        Ok(())
    }
}

/// An occurrence as the local wall time it was scheduled for (what `check` shows).
fn local_time(occurrence: &jiff::Zoned) -> String {
    occurrence.strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

/// The bare address of a mailbox (`Dana <d@x>` → `d@x`) for the SMTP envelope.
pub fn envelope_address(mailbox: &str) -> String {
    mailbox
        .parse::<lettre::message::Mailbox>()
        .map(|m| m.email.to_string())
        .unwrap_or_else(|_| mailbox.to_owned())
}

/// Drains the outbox: sends due letters, retries transient failures with backoff for 24 hours,
/// reports permanent ones at once.
async fn postman(
    mut state: State,
    mut mail: watch::Receiver<Option<Email>>,
    wake: Arc<tokio::sync::Notify>,
    desktop: Arc<Desktop>,
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
                let sent = tokio::select! {
                    () = shutdown.cancelled() => return,
                    sent = email::deliver(&transport, &letter) => sent,
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
fn watch_config(path: &Path, reload: mpsc::Sender<&'static str>) -> Option<::notify::RecommendedWatcher> {
    use ::notify::{EventKind, RecursiveMode, Watcher};
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    let name = path.file_name()?.to_owned();
    let handler = move |event: ::notify::Result<::notify::Event>| {
        let Ok(event) = event else { return };
        let relevant = matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_))
            && event.paths.iter().any(|p| p.file_name() == Some(&name));
        if relevant {
            let _ = reload.try_send("file changed");
        }
    };
    match ::notify::recommended_watcher(handler) {
        Ok(mut watcher) => match watcher.watch(&dir, RecursiveMode::NonRecursive) {
            Ok(()) => Some(watcher),
            Err(e) => {
                tracing::warn!(
                    "cannot watch `{}` for config changes ({e}); SIGHUP still reloads",
                    dir.display()
                );
                None
            }
        },
        Err(e) => {
            tracing::warn!("cannot watch for config changes ({e}); SIGHUP still reloads");
            None
        }
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

/// Registers SIGTERM and SIGINT now and returns a future that cancels the token on either.
///
/// # Errors
/// When the signal handlers cannot be installed.
pub fn stop_on_signals(shutdown: CancellationToken) -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: stopping"),
            _ = int.recv() => tracing::info!("SIGINT: stopping"),
            () = shutdown.cancelled() => {}
        }
        shutdown.cancel();
    })
}
