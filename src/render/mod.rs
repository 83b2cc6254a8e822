//! Rendering: everything ringback says, as text for a terminal or an email, JSON for scripts,
//! HTML for the digest, spoken scripts and email drafts, and desktop notifications' contents.
//!
//! Pure: functions of the config, a plan and a time, returning strings and messages. It may
//! use the core (config, calendar, plan, schedule) but not the state, the channels, the daemon
//! or the command line, and it never reads the clock or a file.

pub mod digest;
pub mod ics;
mod json;
pub mod mail;
mod nudge;
pub mod script;
mod text;

pub use digest::Digest;
pub use json::{AgendaJson, ItemJson, ScriptJson, agenda_json, history_json, item_json};
pub use nudge::{
    DesktopMessage, ON_SCREEN, confirmation, digest_summary, nudge_messages, one_per_prospect, promoted_nudge,
};
pub use script::{BUILTIN_NAMES, Scripts, builtin_templates, long_date};
pub use text::{
    Style, agenda_text, bar, best_window, count, digest_subject, digest_text, history_text, late_text,
    next_text, rate_text, review_text, section_title, stats_text, suggestion_text, who, why_text,
    window_text, wrap,
};
