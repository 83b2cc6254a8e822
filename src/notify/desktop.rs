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
    /// The prospects it names, for its actions.
    pub prospects: Vec<String>,
}

/// Where desktop notifications go.
pub enum Desktop {
    /// `notify.desktop.enabled = false`.
    Off,
    /// The session bus; `warned` keeps an unavailable server to one warning.
    Bus { warned: AtomicBool },
    /// Kept in memory, for tests of the scheduler.
    Record(Arc<Mutex<Vec<DesktopMessage>>>),
}

impl Desktop {
    pub fn bus() -> Desktop {
        Desktop::Bus { warned: AtomicBool::new(false) }
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
            Desktop::Bus { warned } => {
                let result = show_on_bus(message).await;
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

async fn show_on_bus(message: &DesktopMessage) -> Result<(), String> {
    let mut notification = notify_rust::Notification::new();
    notification.appname("ringback").summary(&message.summary).body(&escape_markup(&message.body)).urgency(
        if message.critical { notify_rust::Urgency::Critical } else { notify_rust::Urgency::Normal },
    );
    match tokio::time::timeout(DBUS_TIMEOUT, notification.show_async()).await {
        Ok(Ok(_handle)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer from the notification server within {}s", DBUS_TIMEOUT.as_secs())),
    }
}

/// Notification servers may read the body as markup; names like `<b>Evil</b> & Co` must show
/// as typed.
pub fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
