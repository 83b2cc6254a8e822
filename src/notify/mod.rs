//! The channels a person hears from ringback on: desktop notifications over D-Bus and email
//! (file, sendmail or SMTP), and the text those carry.

pub mod desktop;
pub mod email;

pub use desktop::{ActionSink, Desktop, DesktopMessage, Invoked};
