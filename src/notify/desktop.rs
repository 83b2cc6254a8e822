//! Desktop notifications over the session bus (notify-rust on zbus), each call bounded by a
//! timeout; a missing bus or notification server is one warning, never a stall.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long one D-Bus call may take.
pub const DBUS_TIMEOUT: Duration = Duration::from_secs(5);

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopMessage {
    pub summary: String,
    /// Plain text; escaped for servers that read markup.
    pub body: String,
    pub critical: bool,
    /// Buttons: (D-Bus action key, label). Keys are `voicemail:ID`, `spoke:ID` and `snooze`.
    pub actions: Vec<(String, String)>,
    /// The ledger keys of the nudges it carries, for "Snooze 1h".
    pub nudge_keys: Vec<String>,
    /// How long to listen for an action (the window's end); never forever.
    pub listen_for: Duration,
}

impl DesktopMessage {
    /// A notification without actions.
    pub fn plain(summary: impl Into<String>, body: impl Into<String>, critical: bool) -> DesktopMessage {
        DesktopMessage {
            summary: summary.into(),
            body: body.into(),
            critical,
            actions: Vec::new(),
            nudge_keys: Vec::new(),
            listen_for: Duration::ZERO,
        }
    }
}

/// An action the person chose on a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoked {
    pub action: String,
    pub nudge_keys: Vec<String>,
}

/// Where chosen actions go, and what bounds the tasks that wait for them.
#[derive(Clone)]
pub struct ActionSink {
    pub sender: tokio::sync::mpsc::Sender<Invoked>,
    pub shutdown: tokio_util::sync::CancellationToken,
    pub tracker: tokio_util::task::TaskTracker,
}

/// Where desktop notifications go.
pub enum Desktop {
    /// `notify.desktop.enabled = false`.
    Off,
    /// The session bus; `warned` keeps an unavailable server to one warning.
    Bus { warned: AtomicBool, actions: Option<ActionSink> },
    /// Kept in memory, for tests of the scheduler.
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

    /// Shows a notification.
    ///
    /// # Errors
    /// When no notification server answers within [`DBUS_TIMEOUT`].
    pub async fn show(&self, message: &DesktopMessage) -> Result<(), String> {
        match self {
            Desktop::Off => Ok(()),
            Desktop::Record(sink) => {
                sink.lock().expect("desktop record poisoned").push(message.clone());
                Ok(())
            }
            Desktop::Bus { warned, actions } => {
                let result = show_on_bus(message, actions.as_ref()).await;
                match &result {
                    Ok(()) => warned.store(false, Ordering::Relaxed),
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

async fn show_on_bus(message: &DesktopMessage, sink: Option<&ActionSink>) -> Result<(), String> {
    let mut notification = notify_rust::Notification::new();
    notification.appname("ringback").summary(&message.summary).body(&escape_markup(&message.body)).urgency(
        if message.critical { notify_rust::Urgency::Critical } else { notify_rust::Urgency::Normal },
    );
    if sink.is_some() {
        for (key, label) in &message.actions {
            notification.action(key, label);
        }
    }
    let handle = match tokio::time::timeout(DBUS_TIMEOUT, notification.show_async()).await {
        Ok(Ok(handle)) => handle,
        Ok(Err(e)) => return Err(e.to_string()),
        Err(_) => {
            return Err(format!("no answer from the notification server within {}s", DBUS_TIMEOUT.as_secs()));
        }
    };
    if let Some(sink) = sink.filter(|_| !message.actions.is_empty()) {
        // Listen in the background, so the scheduler never waits on a person; stop when the
        // window ends or the daemon does.
        let sink = sink.clone();
        let keys = message.nudge_keys.clone();
        let limit = message.listen_for;
        sink.tracker.clone().spawn(async move {
            let chosen = std::sync::Mutex::new(None);
            let wait = handle.wait_for_action_async(|response| {
                if let notify_rust::NotificationResponse::Action(key) = response {
                    *chosen.lock().expect("action lock") = Some(key.clone());
                }
            });
            tokio::select! {
                () = sink.shutdown.cancelled() => return,
                _ = tokio::time::timeout(limit, wait) => {}
            }
            let action = chosen.lock().expect("action lock").take();
            if let Some(action) = action {
                let _ = sink.sender.send(Invoked { action, nudge_keys: keys }).await;
            }
        });
    }
    Ok(())
}

/// Notification servers may read the body as markup; names like `<b>Evil</b> & Co` must show
/// as typed.
pub fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
