//! Desktop notifications over the session bus (notify-rust on zbus), each call bounded by a
//! timeout; a missing bus or notification server is one warning, never a stall.

#[cfg(feature = "test-support")]
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use crate::render::DesktopMessage;

/// How long one D-Bus call may take.
pub const DBUS_TIMEOUT: Duration = Duration::from_secs(5);
/// Closing nudges at shutdown must fit in the daemon's few seconds of grace.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// How long until the wall clock reads `until` (zero if it already has).
fn wall_clock_left(until: jiff::Timestamp) -> Duration {
    until.duration_since(jiff::Timestamp::now()).max(jiff::SignedDuration::ZERO).unsigned_abs()
}

/// Sleeps until the wall clock reads `until`, re-reading it every minute: tokio's timers do
/// not count a suspend, and a nudge must go when its window ends in wall time.
async fn wall_clock_reaches(until: jiff::Timestamp) {
    loop {
        let left = wall_clock_left(until);
        if left.is_zero() {
            return;
        }
        tokio::time::sleep(left.min(Duration::from_secs(60))).await;
    }
}

/// An action the person chose on a notification.
#[derive(Debug)]
pub struct Invoked {
    pub action: String,
    pub nudge_keys: Vec<String>,
    /// Where the daemon says what it logged, for the notification to confirm it.
    pub reply: Option<tokio::sync::oneshot::Sender<String>>,
}

impl Invoked {
    /// A press with nobody waiting for the answer (tests press buttons this way).
    pub fn new(action: impl Into<String>, nudge_keys: Vec<String>) -> Invoked {
        Invoked { action: action.into(), nudge_keys, reply: None }
    }

    /// Sends the confirmation back to the notification, if it waits for one.
    pub fn answer(self, text: String) {
        if let Some(reply) = self.reply {
            let _ = reply.send(text);
        }
    }
}

/// Where chosen actions go, and what bounds the tasks that wait for them.
#[derive(Clone)]
pub struct ActionSink {
    pub sender: tokio::sync::mpsc::Sender<Invoked>,
    pub shutdown: tokio_util::sync::CancellationToken,
    pub tracker: tokio_util::task::TaskTracker,
}

/// Why a notification was not shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DesktopError(String);

/// Where desktop notifications go.
pub enum Desktop {
    /// `notify.desktop.enabled = false`.
    Off,
    /// The session bus; `warned` keeps an unavailable server to one warning.
    Bus { warned: AtomicBool, actions: Option<ActionSink> },
    /// Kept in memory, for ringback's own tests of the scheduler (feature `test-support`).
    #[cfg(feature = "test-support")]
    Record(Arc<Mutex<Vec<DesktopMessage>>>),
}

impl Desktop {
    pub fn bus() -> Desktop {
        Desktop::Bus { warned: AtomicBool::new(false), actions: None }
    }

    /// The session bus, with chosen actions sent to `sink`.
    pub fn bus_with_actions(sink: ActionSink) -> Desktop {
        Desktop::Bus { warned: AtomicBool::new(false), actions: Some(sink) }
    }

    /// Shows a notification; returns the server's id for it and the server's identity (see
    /// [`server_identity`]), when there is a server.
    ///
    /// # Errors
    /// When no notification server answers within [`DBUS_TIMEOUT`].
    pub async fn show(&self, message: &DesktopMessage) -> Result<Option<(u32, String)>, DesktopError> {
        match self {
            Desktop::Off => Ok(None),
            #[cfg(feature = "test-support")]
            Desktop::Record(sink) => {
                let mut sink = sink.lock().expect("desktop record poisoned");
                sink.push(message.clone());
                Ok(Some((sink.len() as u32, "record".to_owned())))
            }
            Desktop::Bus { warned, actions } => {
                let result = show_on_bus(message, actions.as_ref()).await;
                match &result {
                    Ok(_) => warned.store(false, Ordering::Relaxed),
                    Err(e) if !warned.swap(true, Ordering::Relaxed) => {
                        tracing::warn!("desktop notifications are unavailable ({e}); email still goes");
                    }
                    Err(e) => tracing::debug!("desktop notification failed: {e}"),
                }
                result
            }
        }
    }
}

impl Desktop {
    /// Puts `message` in place of the notification `id` (shown without buttons).
    ///
    /// # Errors
    /// When no notification server answers within [`DBUS_TIMEOUT`].
    pub async fn replace(&self, id: u32, message: &DesktopMessage) -> Result<(), DesktopError> {
        match self {
            Desktop::Off => Ok(()),
            #[cfg(feature = "test-support")]
            Desktop::Record(sink) => {
                sink.lock().expect("desktop record poisoned").push(message.clone());
                Ok(())
            }
            Desktop::Bus { .. } => {
                let mut replacement = notification(message, false);
                replacement.id(id);
                send(&replacement).await.map(|_| ())
            }
        }
    }

    /// Takes down the notification `id`.
    ///
    /// # Errors
    /// When the session bus does not answer within [`DBUS_TIMEOUT`].
    pub async fn close(&self, id: u32) -> Result<(), DesktopError> {
        match self {
            Desktop::Off => Ok(()),
            #[cfg(feature = "test-support")]
            Desktop::Record(sink) => {
                let closed = DesktopMessage::plain(format!("[closed {id}]"), "", false);
                sink.lock().expect("desktop record poisoned").push(closed);
                Ok(())
            }
            Desktop::Bus { .. } => close_ids(&[id]).await,
        }
    }
}

/// `CloseNotification` for each id, bounded by [`DBUS_TIMEOUT`] in all.
async fn close_ids(ids: &[u32]) -> Result<(), DesktopError> {
    let close = async {
        let bus = zbus::Connection::session().await.map_err(|e| DesktopError(e.to_string()))?;
        for id in ids {
            // The spec answers an id that is already gone with an error: nothing to close.
            let _ = bus
                .call_method(
                    Some(NOTIFICATIONS),
                    "/org/freedesktop/Notifications",
                    Some(NOTIFICATIONS),
                    "CloseNotification",
                    &(*id,),
                )
                .await;
        }
        Ok(())
    };
    tokio::time::timeout(DBUS_TIMEOUT, close).await.unwrap_or_else(|_| {
        Err(DesktopError(format!(
            "no answer from the notification server within {}s",
            DBUS_TIMEOUT.as_secs()
        )))
    })
}

fn notification(message: &DesktopMessage, with_actions: bool) -> notify_rust::Notification {
    let mut notification = notify_rust::Notification::new();
    // A D-Bus string cannot hold a NUL (the send would fail on every wake), and no other
    // control character belongs on screen: stripped here too, whatever a template made.
    let summary = crate::config::without_controls(message.summary.clone(), true);
    let body = escape_markup(&crate::config::without_controls(message.body.clone(), true));
    notification.appname("ringback").summary(&summary).body(&body).urgency(if message.critical {
        notify_rust::Urgency::Critical
    } else {
        notify_rust::Urgency::Normal
    });
    if with_actions && !message.actions.is_empty() {
        for (key, label) in &message.actions {
            notification.action(key, label);
        }
    }
    // A nudge (one with a window) that vanished after the server's default few seconds would
    // be no use: it stays until dismissed, pressed or its window ends (ringback then closes
    // it), the crowded window's rest included.
    if message.until.is_some() {
        notification.timeout(notify_rust::Timeout::Never).hint(notify_rust::Hint::Resident(true));
    }
    notification
}

async fn show_on_bus(
    message: &DesktopMessage,
    sink: Option<&ActionSink>,
) -> Result<Option<(u32, String)>, DesktopError> {
    let handle = send(&notification(message, sink.is_some())).await?;
    let id = (handle.id(), server_identity().await.unwrap_or_default());
    if let Some(sink) = sink.filter(|_| !message.actions.is_empty()) {
        // Listen in the background, so the scheduler never waits on a person; stop when the
        // window ends or the daemon does.
        let sink = sink.clone();
        let message = message.clone();
        sink.tracker.clone().spawn(listen(handle, message, sink));
    }
    Ok(Some(id))
}

const BUS: &str = "org.freedesktop.DBus";
const NOTIFICATIONS: &str = "org.freedesktop.Notifications";

/// Which notification server is running: the session bus's id (new at every login) and the
/// server's unique name on it (new when the server restarts). A notification id is only
/// meaningful to the server that gave it: a restarted one counts from 1 again.
pub async fn server_identity() -> Option<String> {
    let ask = async {
        let bus = zbus::Connection::session().await.ok()?;
        let path = "/org/freedesktop/DBus";
        let id = bus.call_method(Some(BUS), path, Some(BUS), "GetId", &()).await.ok()?;
        let owner =
            bus.call_method(Some(BUS), path, Some(BUS), "GetNameOwner", &(NOTIFICATIONS,)).await.ok()?;
        let id: String = id.body().deserialize().ok()?;
        let owner: String = owner.body().deserialize().ok()?;
        Some(format!("{id} {owner}"))
    };
    tokio::time::timeout(DBUS_TIMEOUT, ask).await.ok().flatten()
}

/// Takes down notifications a killed daemon left on screen (their buttons reach nobody), by
/// the ids the server gave them: only those the server running now gave (`server`, from
/// [`server_identity`]), as another one's ids may name someone else's notifications. Returns
/// how many it closed.
///
/// # Errors
/// When the session bus or the notification server does not answer within [`DBUS_TIMEOUT`].
pub async fn close_left_behind(shown: &[(u32, &str)]) -> Result<usize, DesktopError> {
    let Some(now) = server_identity().await else { return Ok(0) };
    let ids: Vec<u32> = shown.iter().filter(|(_, server)| *server == now).map(|(id, _)| *id).collect();
    close_ids(&ids).await.map(|()| ids.len())
}

async fn send(
    notification: &notify_rust::Notification,
) -> Result<notify_rust::NotificationHandle, DesktopError> {
    match tokio::time::timeout(DBUS_TIMEOUT, notification.show_async()).await {
        Ok(Ok(handle)) => Ok(handle),
        Ok(Err(e)) => Err(DesktopError(e.to_string())),
        Err(_) => Err(DesktopError(format!(
            "no answer from the notification server within {}s",
            DBUS_TIMEOUT.as_secs()
        ))),
    }
}

/// Waits for the buttons of one nudge until its window ends: every press goes to the daemon,
/// whose answer replaces the notification (keeping the other prospects' buttons), so each
/// button of a grouped nudge can be pressed in turn.
async fn listen(handle: notify_rust::NotificationHandle, message: DesktopMessage, sink: ActionSink) {
    // Whatever ends the listening (the window's end, shutdown, a failed answer or update), a
    // notification whose buttons nobody hears any more is taken down; one the person dismissed
    // or that became a plain confirmation is left to the server.
    if let Some(handle) = follow(handle, message, &sink).await {
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, handle.close_async()).await;
    }
}

/// Hears presses until nothing is left to hear; returns the notification if it must be closed.
async fn follow(
    mut handle: notify_rust::NotificationHandle,
    mut message: DesktopMessage,
    sink: &ActionSink,
) -> Option<notify_rust::NotificationHandle> {
    let until = message.until.unwrap_or_else(|| jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1));
    loop {
        let chosen = Mutex::new(None);
        let wait = handle.wait_for_action_async(|response| {
            *chosen.lock().expect("action lock") = Some(response.clone());
        });
        tokio::select! {
            // The daemon gives the keys of open nudges back, so a restart shows them again.
            () = sink.shutdown.cancelled() => return Some(handle),
            () = wall_clock_reaches(until) => return Some(handle),
            () = wait => {}
        }
        let response = chosen.lock().expect("action lock").take();
        let action = match response {
            Some(notify_rust::NotificationResponse::Action(action)) => action,
            // Dismissed (or clicked without a button): nothing more to listen for.
            _ => return None,
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        let invoked =
            Invoked { action: action.clone(), nudge_keys: message.nudge_keys.clone(), reply: Some(reply) };
        if sink.sender.send(invoked).await.is_err() {
            return Some(handle);
        }
        let confirmation = tokio::select! {
            () = sink.shutdown.cancelled() => return Some(handle),
            // The daemon answers between its own steps, which a large digest may hold up:
            // wait as long as the window lasts rather than drop the other buttons.
            answer = tokio::time::timeout(wall_clock_left(until), answer) => match answer {
                Ok(Ok(text)) => text,
                _ => return Some(handle),
            },
        };
        let (next, open) = message.after_press(&action, &confirmation);
        let mut replacement = notification(&next, open);
        replacement.id(handle.id());
        match send(&replacement).await {
            Ok(new) if open => {
                handle = new;
                message = next;
            }
            Ok(_) => return None,
            Err(e) => {
                tracing::debug!("cannot update the nudge: {e}");
                return Some(handle);
            }
        }
    }
}

/// Notification servers may read the body as markup; names like `<b>Evil</b> & Co` must show
/// as typed.
pub fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
