//! ringback's integration tests: one binary, real files, the real `ringback` executable.

mod cli;
mod config;
mod helpers;
mod properties;
