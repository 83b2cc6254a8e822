//! A valid book whose prospect fields (name, company, hook, value, gatekeeper, boss, notes, url,
//! a next step), windows, durations, cron and templates come from the fuzzer: every value the
//! parsers, the template engine and the renderers see is arbitrary. Run with a large
//! `-max_len` (the README's 131072) so a field can outgrow every alignment width.
#![no_main]

mod common;

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Fields separated by 0x1F (unit separator); missing ones fall back to sane values.
    let mut f = text.split('\u{1F}');
    let mut next = |default: &str| f.next().map(str::to_owned).unwrap_or_else(|| default.to_owned());
    let (name, company, hook, value) = (next("Bill"), next("ABC"), next("sails"), next("value"));
    let (window, nudge, catch_up, cron) = (next("17:00-18:30"), next("5m"), next("2h"), next("0 7 * * *"));
    let (wait, every, zone, call) = (next("2 workdays"), next("3 months"), next("America/Vancouver"), next("Hi {{ prospect.first_name }}"));
    let (gatekeeper, boss, notes, url) = (next("Gail"), next("Bob"), next("notes"), next("https://example.com"));
    let book = format!(
        "[me]\nname = \"Dana\"\ntimezone = \"America/Toronto\"\n\
         [schedule]\ndigest = {cron}\nnudge = {nudge}\ncatch_up = {catch_up}\n\
         [templates]\ncall = {call}\n\
         [cadences.standard]\nsteps = [{{ wait = \"0 days\", action = \"call\" }}, {{ wait = {wait}, action = \"call\" }}]\nthen = \"q\"\n\
         [drips.q]\nevery = {every}\nitems = [{{ title = \"T\" }}]\n\
         [prospects.p]\nname = {name}\ncompany = {company}\nhook = {hook}\nvalue = {value}\nphone = \"+1 604 555 0100\"\n\
         timezone = {zone}\nsince = 2026-11-20\ncall_windows = [{window}]\n\
         gatekeeper = {gatekeeper}\nboss = {boss}\nnotes = {notes}\nurl = {url}\nnext_step = {{ on = 2026-11-25, what = {notes} }}\n",
        cron = toml_string(&cron),
        nudge = toml_string(&nudge),
        catch_up = toml_string(&catch_up),
        call = toml_string(&call),
        wait = toml_string(&wait),
        every = toml_string(&every),
        name = toml_string(&name),
        company = toml_string(&company),
        hook = toml_string(&hook),
        value = toml_string(&value),
        zone = toml_string(&zone),
        window = toml_string(&window),
        gatekeeper = toml_string(&gatekeeper),
        boss = toml_string(&boss),
        notes = toml_string(&notes),
        url = toml_string(&url),
    );
    if let Ok(config) = ringback::config::Config::from_toml(&book) {
        common::exercise(&config, common::now());
        // The daemon's arithmetic on the same config: next digest, nudges, wakes.
        let now = common::now();
        let _ = ringback::schedule::digests_due(&config, Some(now - jiff::SignedDuration::from_hours(72)), now);
        let agenda = ringback::plan::plan(&config, &ringback::plan::History::default(), now, 1);
        let groups = ringback::schedule::nudges(&config, &agenda, |_| false);
        let _ = ringback::schedule::next_wake(&config, now, None, &groups, None);
        let _ = ringback::schedule::plan_valid_until(&config, &agenda, now);
    }
});
