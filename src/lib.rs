//! ringback: a follow-up daemon for people who sell by phone.
//!
//! It reads a TOML book of prospects and cadence rules, keeps an event log in SQLite, and tells
//! the person who to call next, when (early or late in the prospect's own zone), which callbacks
//! they promised, and when a quiet prospect is due the next drip item.
//!
//! # Layout
//! Three rings; each module imports only from its own ring or one further in, and no two
//! modules import each other, even through others (`tests/it/layout.rs` checks it).
//!
//! **The core**: no clock reads and no I/O but time zone definitions (by name, or the system's
//! when `me.timezone` is unset) and `$HOME` for a `~/` path; a fast unit test for every rule.
//! - [`config`]: raw serde structs validated into a [`config::Config`] that cannot hold a bad
//!   zone, cron, window, duration or reference; diagnostics carry `file:line:column`.
//! - [`calendar`]: workdays, holidays, time away, and how waits count on them.
//! - [`phone`]: free text to E.164 and an extension, and the `tel:` URI a dialler opens.
//! - [`plan`]: `plan(&Config, &History, now) -> Agenda`, and the history it replays.
//! - [`schedule`]: when the digest and nudges fire, catch-up, quiet hours.
//!
//! **The rendering**, pure (the command line decides about colour): [`render`] turns plans into the agenda's text and JSON, the
//! digest's text and HTML, voicemail scripts and email drafts, and desktop notifications.
//!
//! **The edges**, where ringback meets the machine:
//! - [`files`]: reading the config file, default paths, private files and folders.
//! - [`book`]: editing the config file in place (add, set, import), validated, atomically.
//! - [`state`]: SQLite: events, first sightings, delivery ledger, outbox, digest log.
//! - [`notify`]: transports: desktop notifications over D-Bus; email to files, sendmail, SMTP.
//! - [`mailbox`]: the user's IMAP mailbox: replies, auto-replies, bounces, sent mail and
//!   accepted meetings logged; drafts of due emails written.
//! - [`daemon`]: the tokio service: scheduler, ledger, outbox postman, reload, signals.
//! - [`cli`]: the commands and their exit codes; `main.rs` only calls it.

pub mod book;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod files;
pub mod import;
pub mod mailbox;
pub mod notify;
pub mod phone;
pub mod plan;
pub mod render;
pub mod schedule;
pub mod state;
