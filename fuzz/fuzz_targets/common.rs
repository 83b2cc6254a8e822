//! What every target does with a config that loaded: plan it and render everything a person
//! would read, at a fixed instant. Any panic is a crash.

use ringback::config::Config;
use ringback::plan::{self, History};

pub fn exercise(config: &Config, now: jiff::Timestamp) {
    let history = History::default();
    let agenda = plan::plan(config, &history, now, 7);
    let scripts = ringback::render::Scripts::new(config);
    // A narrow terminal wraps every line: the wrapping sees every field too.
    let style = ringback::render::Style { colour: true, width: Some(40) };
    // The agenda's JSON renders every script as it is written.
    let _ = serde_json::to_vec(&ringback::render::agenda_json(config, &agenda, &scripts));
    let _ = ringback::render::agenda_text(config, &agenda, style);
    let _ = ringback::render::digest::build(config, &history, now, Default::default());
    let _ = ringback::render::digest_text(config, &agenda, &scripts);
    let _ = ringback::render::next_text(config, agenda.items.first(), &scripts, style);
    let _ = ringback::render::digest_summary(config, &agenda);
    // Every per-prospect view: `why`, the nudge and the feed's events.
    for id in config.prospects.keys() {
        if let Some(explained) = plan::why(config, &history, id, now) {
            let _ = ringback::render::why_text(config, &explained, style);
        }
    }
    for group in ringback::schedule::nudges(config, &agenda, |_| false) {
        let _ = ringback::render::nudge_message(config, &group, now);
    }
    let events = ringback::render::ics::feed_events(config, &agenda.items, &scripts);
    let revisions = vec![(0, now); events.len()];
    let _ = ringback::render::ics::calendar(&events, &revisions, None);
}

#[allow(dead_code)] // at_time plans at the fuzzed instant instead
pub fn now() -> jiff::Timestamp {
    "2026-11-24T12:00:00Z".parse().unwrap()
}
