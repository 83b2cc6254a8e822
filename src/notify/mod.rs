//! The channels a person hears from ringback on: desktop notifications over D-Bus and email
//! (file, sendmail or SMTP). Transports only: what they carry is built in [`crate::render`].
//!
//! Edge: it may not touch the planner, the schedule, the state, the daemon or the command line;
//! it is handed messages and envelopes and says whether they went.

pub mod desktop;
pub mod email;

pub use desktop::{ActionSink, Desktop, DesktopMessage, Invoked};
