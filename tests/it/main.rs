//! ringback's integration tests: one binary, real files, the real `ringback` executable.

mod cli;
mod config;
mod daemon;
mod desktop;
mod dial;
mod edit;
mod helpers;
mod holidays;
mod ics;
mod import;
mod layout;
mod package;
mod phones;
mod process;
mod properties;
mod review;
mod smtp;
mod stats;
mod their_day;
mod trust;
mod typing;
mod unit;
mod why;
mod words;
mod years;
