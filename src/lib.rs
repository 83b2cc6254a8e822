//! ringback: a follow-up daemon for people who sell by phone.
//!
//! It reads a TOML book of prospects and cadence rules, keeps an event log in SQLite, and tells
//! the person who to call next, when (early or late in the prospect's own zone), which callbacks
//! they promised, and when a quiet prospect is due the next drip item.
//!
//! # Layout
//! - [`config`]: raw serde structs validated into a [`config::Config`] that cannot hold a bad
//!   zone, cron, window, duration or reference; diagnostics carry `file:line:column`.
//! - [`plan`]: `plan(&Config, &History, now) -> Agenda`, pure: no I/O, no clock reads.
//! - [`state`]: SQLite: events, first-seen marks, delivery ledger, outbox, last runs; migrations.
//! - [`script`]: voicemail scripts and email drafts from minijinja templates.
//! - [`output`]: the agenda, `next`, history and digest as terminal text or JSON.
//! - [`daemon`]: the tokio service: scheduler, delivery ledger, outbox postman, reload, signals.
//! - [`notify`]: desktop notifications (D-Bus) and email (file, sendmail, SMTP).
//! - [`cli`]: the commands, mapping failures to exit codes; `main.rs` only calls it.

pub mod calendar;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod files;
pub mod notify;
pub mod plan;
pub mod render;
pub mod schedule;
pub mod state;
