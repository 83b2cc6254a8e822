//! What every target does with a config that loaded: plan it and render everything a person
//! would read, at a fixed instant. Any panic is a crash.

use ringback::config::Config;
use ringback::plan::{self, History};

pub fn exercise(config: &Config, now: jiff::Timestamp) {
    let history = History::default();
    let agenda = plan::plan(config, &history, now, 7);
    let scripts = ringback::render::Scripts::new(config);
    // The agenda's JSON renders every script as it is written.
    let _ = serde_json::to_vec(&ringback::render::agenda_json(config, &agenda, &scripts));
    let _ = ringback::render::agenda_text(config, &agenda, ringback::render::Style { colour: false });
    let _ = ringback::render::digest::build(config, &history, now, Default::default());
}

#[allow(dead_code)] // at_time plans at the fuzzed instant instead
pub fn now() -> jiff::Timestamp {
    "2026-11-24T12:00:00Z".parse().unwrap()
}
