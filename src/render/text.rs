//! What a person reads in a terminal or an email's text part: the agenda, `next`, history and
//! the digest as aligned text.

use std::fmt::Write as _;

use jiff::Zoned;
use jiff::civil::Date;

use super::script::Scripts;
use crate::config::{Config, Prospect};
use crate::plan::{Agenda, Doing, Event, Item, Kind, PromiseChoice, Slot, short_date};

/// The widest a column is padded to: past it a row is not aligned (a longer cell is printed
/// whole), and no field, however long, reaches the formatter's limit on widths.
const ALIGN_CAP: usize = 120;

/// Whether to colour terminal output (the command line decides: only on a TTY, never with
/// `NO_COLOR`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub colour: bool,
    /// The terminal's width in columns; `None` (output to a file or a pipe, no `COLUMNS`)
    /// leaves lines as long as they are.
    pub width: Option<usize>,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.colour { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }

    fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    fn red(self, text: &str) -> String {
        self.paint("31", text)
    }

    fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

pub(super) fn rfc3339(z: &Zoned) -> String {
    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// A section's heading in the agenda and the digest.
pub fn section_title(kind: Kind) -> &'static str {
    match kind {
        Kind::Promise => "Promised callbacks",
        Kind::NextStep => "Agreed next steps",
        Kind::Call => "Calls",
        Kind::Email => "Emails",
        Kind::Drip => "Drips",
    }
}

/// `Vancouver` for `America/Vancouver`.
fn city(zone: &str) -> String {
    zone.rsplit('/').next().unwrap_or(zone).replace('_', " ")
}

/// The window in my zone, and in the prospect's when that differs.
pub fn window_text(config: &Config, prospect: &Prospect, slot: &Slot) -> String {
    let mine = format!("{}-{}", slot.start.strftime("%H:%M"), slot.end.strftime("%H:%M"));
    if *prospect.timezone_name == *config.me.timezone_name {
        return mine;
    }
    let start = slot.start.with_time_zone(prospect.timezone.clone());
    let end = slot.end.with_time_zone(prospect.timezone.clone());
    let day =
        if start.date() != slot.start.date() { format!(" {}", start.strftime("%a")) } else { String::new() };
    format!(
        "{mine} ({}{day} {}-{})",
        city(&prospect.timezone_name),
        start.strftime("%H:%M"),
        end.strftime("%H:%M")
    )
}

/// `Bill Jones (ABC Inc) [bill-jones]`: the id is what `log`, `set` and `undo` take.
pub fn who(prospect: &Prospect) -> String {
    match &prospect.company {
        Some(c) => format!("{} ({c}) [{}]", prospect.name, prospect.id),
        None => format!("{} [{}]", prospect.name, prospect.id),
    }
}

/// What a call to a prospect with no number says instead of one.
pub fn no_phone(prospect: &Prospect) -> String {
    format!("no phone: add one with `ringback set {} phone=...`", prospect.id)
}

fn when_text(config: &Config, item: &Item) -> String {
    let prospect = &config.prospects[&item.prospect];
    match (&item.window, item.kind.action()) {
        (Some(slot), _) => window_text(config, prospect, slot),
        (None, Doing::Call) => "windows closed".to_owned(),
        _ => String::new(),
    }
}

/// `3 days late`, or empty when on time.
pub fn late_text(item: &Item) -> String {
    match item.days_late {
        0 => String::new(),
        1 => "1 day late".to_owned(),
        n => format!("{n} days late"),
    }
}

/// The agenda for a terminal: a heading per day and section, one aligned row per item.
pub fn agenda_text(config: &Config, agenda: &Agenda, style: Style) -> String {
    let mut out = String::new();
    let zone = &config.me.timezone_name;
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!(
            "ringback agenda · {} {} ({zone})",
            short_date(agenda.first_day),
            agenda.at.strftime("%H:%M")
        ))
    );
    if agenda.items.is_empty() {
        let _ = writeln!(
            out,
            "\nNothing is due. Enjoy the quiet, or add prospects to {}.",
            config.display_path()
        );
        return out;
    }
    let rows: Vec<[String; 4]> = agenda
        .items
        .iter()
        .map(|item| {
            let prospect = &config.prospects[&item.prospect];
            let contact = match item.kind.action() {
                Doing::Call => prospect.shown_phone().unwrap_or_else(|| "no phone".to_owned()),
                Doing::Email | Doing::Drip => prospect.email.clone().unwrap_or_default(),
            };
            [who(prospect), contact, when_text(config, item), late_text(item)]
        })
        .collect();
    // Columns align within each section (a day's kind of item); a section whose rows do not
    // fit the terminal on one line each puts the number, window and lateness on a second,
    // still aligned, line under the name.
    let section_of = |item: &Item| (item.day, item.kind);
    let mut layouts: std::collections::HashMap<(Date, Kind), ([usize; 3], bool)> =
        std::collections::HashMap::new();
    for key in agenda.items.iter().map(section_of) {
        if layouts.contains_key(&key) {
            continue;
        }
        let members: Vec<&[String; 4]> =
            agenda.items.iter().zip(&rows).filter(|(i, _)| section_of(i) == key).map(|(_, r)| r).collect();
        let width =
            |col: usize| members.iter().map(|r| r[col].chars().count()).max().unwrap_or(0).min(ALIGN_CAP);
        let widths = [width(0), width(1), width(2)];
        let late = members.iter().map(|r| r[3].chars().count()).max().unwrap_or(0);
        let one_line = 2 + widths[0] + 2 + widths[1] + 2 + widths[2] + if late > 0 { 2 + late } else { 0 };
        layouts.insert(key, (widths, style.width.is_none_or(|w| one_line <= w)));
    }
    let mut last: Option<(Date, Kind)> = None;
    for (i, (item, row)) in agenda.items.iter().zip(&rows).enumerate() {
        if agenda.days > 1 && last.map(|(d, _)| d) != Some(item.day) {
            let _ = writeln!(out, "\n{}", style.bold(&format!("── {} ──", short_date(item.day))));
            last = None;
        }
        if last.map(|(_, k)| k) != Some(item.kind) {
            let count = agenda.items.iter().filter(|i| i.day == item.day && i.kind == item.kind).count();
            let _ = writeln!(out, "\n{}", style.bold(&format!("{} ({count})", section_title(item.kind))));
        }
        last = Some((item.day, item.kind));
        let (widths, one_line) = layouts[&section_of(item)];
        let late = if row[3].is_empty() { String::new() } else { format!("  {}", row[3]) };
        if one_line {
            let line = format!(
                "  {:<w0$}  {:<w1$}  {:<w2$}",
                row[0],
                row[1],
                row[2],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            );
            let line = if late.is_empty() { line.trim_end().to_owned() } else { line };
            let _ = writeln!(out, "{line}{}", style.red(&late));
        } else {
            let _ = writeln!(out, "{}", wrap(&row[0], style.width, "  ", "      "));
            let second = format!("      {:<w1$}  {:<w2$}", row[1], row[2], w1 = widths[1], w2 = widths[2]);
            let second = if late.is_empty() { second.trim_end().to_owned() } else { second };
            if style.width.is_none_or(|w| second.chars().count() + late.chars().count() <= w) {
                let _ = writeln!(out, "{second}{}", style.red(&late));
            } else {
                // Narrower still: the number, the window and the lateness as words, wrapped.
                let rest = format!("{}  {}{late}", row[1], row[2]);
                let _ = writeln!(out, "{}", wrap(&rest, style.width, "      ", "      "));
            }
        }
        let _ = writeln!(out, "{}", style.dim(&wrap(&item.why, style.width, "    ", "    ")));
        let last_call = item.kind == Kind::Call
            && agenda.items.get(i + 1).is_none_or(|n| n.day != item.day || n.kind != Kind::Call);
        if last_call && let Some(cap) = config.me.max_calls_per_day {
            for (_, to, count) in agenda.rolled.iter().filter(|(from, _, _)| *from == item.day) {
                let calls = if *count == 1 { "call" } else { "calls" };
                let line = format!(
                    "  {count} more {calls} rolled to {}: max_calls_per_day = {cap}",
                    short_date(*to)
                );
                let _ = writeln!(out, "{}", style.dim(&line));
            }
        }
    }
    out
}

/// Words laid into lines of at most `width` columns (a longer word keeps its own line), the
/// first line after `first`, the others after `rest`; each line of `text` stays a line, as it
/// is when it fits.
pub fn wrap(text: &str, width: Option<usize>, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut prefix = first;
    for paragraph in text.lines() {
        let fits = width.is_none_or(|w| prefix.chars().count() + paragraph.chars().count() <= w);
        let Some(width) = width.filter(|_| !fits) else {
            if !paragraph.is_empty() {
                out.push_str(prefix);
                out.push_str(paragraph);
            }
            out.push('\n');
            prefix = rest;
            continue;
        };
        let mut line = String::from(prefix);
        let mut empty = true;
        for word in unbroken_words(paragraph) {
            let word = word.as_str();
            let len = line.chars().count();
            if !empty && len + 1 + word.chars().count() > width {
                out.push_str(&line);
                out.push('\n');
                line = String::from(rest);
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(word);
            empty = false;
        }
        out.push_str(line.trim_end());
        out.push('\n');
        prefix = rest;
    }
    out.pop();
    out
}

/// The words of a paragraph for wrapping, a phone number's groups kept as one word
/// (`+1 416 555 0199`, `+44 20 7946 0123`): a wrap never leaves half a number on a line.
fn unbroken_words(paragraph: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut in_number = false;
    for token in paragraph.split_whitespace() {
        let bare = token.trim_end_matches(['.', ',', ';', ':', '!', '?']);
        let group = !bare.is_empty()
            && bare.chars().any(|c| c.is_ascii_digit())
            && bare.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '(' | ')'));
        match words.last_mut() {
            Some(number) if in_number && group => {
                number.push(' ');
                number.push_str(token);
            }
            _ => {
                words.push(token.to_owned());
                in_number = false;
                let mut chars = bare.chars();
                if chars.next() == Some('+') && chars.next().is_some_and(|c| c.is_ascii_digit()) {
                    in_number = true;
                }
            }
        }
        // A number ends at its sentence's punctuation.
        if bare.len() != token.len() {
            in_number = false;
        }
    }
    words
}

/// The plain-text digest is an email: its lines stay within 76 columns, as mail readers expect.
pub const DIGEST_WIDTH: usize = 76;

/// The single next thing, with its script.
pub fn next_text(config: &Config, item: Option<&Item>, scripts: &Scripts<'_>, style: Style) -> String {
    let Some(item) = item else {
        return "Nothing is due now.\n".to_owned();
    };
    let prospect = &config.prospects[&item.prospect];
    let mut out = String::new();
    let verb = match item.kind.action() {
        Doing::Call => "Call",
        Doing::Email => "Email",
        Doing::Drip => "Send a drip to",
    };
    let _ = writeln!(out, "{}", style.bold(&format!("{verb} {}", who(prospect))));
    let contact = if item.kind.is_call() { prospect.shown_phone() } else { prospect.email.clone() };
    match contact {
        Some(c) => {
            let _ = writeln!(out, "  {c}");
        }
        None if item.kind.is_call() => {
            let _ = writeln!(out, "  {}", no_phone(prospect));
        }
        None => {}
    }
    let when = when_text(config, item);
    if !when.is_empty() {
        let _ = writeln!(out, "  when: {when}");
    }
    let late = late_text(item);
    if !late.is_empty() {
        let _ = writeln!(out, "  {}", style.red(&late));
    }
    let _ = writeln!(out, "{}", wrap(&item.why, style.width, "  why:  ", "        "));
    for (label, value) in
        [("gatekeeper", &prospect.gatekeeper), ("boss", &prospect.boss), ("url", &prospect.url)]
    {
        if let Some(v) = value {
            let _ = writeln!(out, "{}", wrap(v, style.width, &format!("  {label}: "), "    "));
        }
    }
    if let Some(notes) = &prospect.notes {
        let _ = writeln!(out, "  notes:\n{}", wrap(notes, style.width, "    ", "    "));
    }
    let _ = writeln!(out, "\n{}", wrap(&scripts.render(item), style.width, "  ", "  "));
    out
}

/// `1 prospect`, `2 prospects`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The digest's subject: the day and the counts, e.g.
/// `ringback — Tue 24 Nov: 2 promised callbacks, 5 calls, 1 drip`.
pub fn digest_subject(agenda: &Agenda) -> String {
    let today: Vec<&Item> = agenda.items.iter().filter(|i| i.day == agenda.first_day).collect();
    let of_kind = |k: Kind| today.iter().filter(|i| i.kind == k).count();
    let parts: Vec<String> = [
        (Kind::Promise, "promised callback", "promised callbacks"),
        (Kind::NextStep, "next step", "next steps"),
        (Kind::Call, "call", "calls"),
        (Kind::Email, "email", "emails"),
        (Kind::Drip, "drip", "drips"),
    ]
    .into_iter()
    .filter(|(k, _, _)| of_kind(*k) > 0)
    .map(|(k, one, many)| count(of_kind(k), one, many))
    .collect();
    let counts = if parts.is_empty() { "nothing due".to_owned() } else { parts.join(", ") };
    format!("ringback — {}: {counts}", short_date(agenda.first_day))
}

/// The morning digest as plain text: today's sections in agenda order, each prospect with
/// phone, window in both zones, why and script; then "Coming up" for the next three workdays.
/// `agenda` must span those workdays (see [`crate::plan::coming_up_days`]).
pub fn digest_text(config: &Config, agenda: &Agenda, scripts: &Scripts<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", digest_subject(agenda));
    let first = config.me.name.split_whitespace().next().unwrap_or("");
    let _ = writeln!(out, "Good morning {first}. Here is {}.", short_date(agenda.first_day));
    let today: Vec<&Item> = agenda.items.iter().filter(|i| i.day == agenda.first_day).collect();
    if today.is_empty() {
        let _ = writeln!(out, "\nNothing is due today.");
    }
    let mut last = None;
    for item in &today {
        if last != Some(item.kind) {
            let count = today.iter().filter(|i| i.kind == item.kind).count();
            let _ = writeln!(out, "\n== {} ({count}) ==", section_title(item.kind));
            last = Some(item.kind);
        }
        let prospect = &config.prospects[&item.prospect];
        let _ = writeln!(out, "\n{}", wrap(&who(prospect), Some(DIGEST_WIDTH), "* ", "  "));
        if item.kind.is_call() {
            let phone = prospect.shown_phone().unwrap_or_else(|| no_phone(prospect));
            let _ = writeln!(out, "  phone:  {phone}");
            let _ = writeln!(out, "  window: {}", best_window(config, prospect, item));
        } else if let Some(email) = &prospect.email {
            let _ = writeln!(out, "  email:  {email}");
        }
        let late = late_text(item);
        if !late.is_empty() {
            let _ = writeln!(out, "  late:   {late}");
        }
        let _ = writeln!(out, "{}", wrap(&item.why, Some(DIGEST_WIDTH), "  why:    ", "          "));
        for (label, value) in
            [("gatekeeper", &prospect.gatekeeper), ("boss", &prospect.boss), ("url", &prospect.url)]
        {
            if let Some(v) = value {
                let _ = writeln!(out, "{}", wrap(v, Some(DIGEST_WIDTH), &format!("  {label}: "), "    "));
            }
        }
        if let Some(notes) = &prospect.notes {
            let _ = writeln!(out, "  notes:\n{}", wrap(notes, Some(DIGEST_WIDTH), "    ", "    "));
        }
        let label = if item.kind.is_call() { "script" } else { "draft" };
        let _ =
            writeln!(out, "  {label}:\n{}", wrap(&scripts.render(item), Some(DIGEST_WIDTH), "    ", "    "));
    }
    let coming: Vec<&Item> = agenda
        .items
        .iter()
        .filter(|i| i.day > agenda.first_day && matches!(i.kind, Kind::Promise | Kind::NextStep))
        .collect();
    let _ = writeln!(out, "\n== Coming up ==");
    if coming.is_empty() {
        let _ = writeln!(out, "\nNo promises or next steps in the next three workdays.");
    }
    for item in coming {
        let prospect = &config.prospects[&item.prospect];
        let what = match item.kind {
            Kind::Promise => "promised callback".to_owned(),
            _ => format!("next step: {}", item.next_step.as_deref().unwrap_or("")),
        };
        // The day and who on one line, what on the next: a wrap never splits a name or an id.
        let line = format!("{}  {}", short_date(item.day), who(prospect));
        let _ = writeln!(out, "{}", wrap(&line, Some(DIGEST_WIDTH), "  ", "      "));
        let _ = writeln!(out, "{}", wrap(&what, Some(DIGEST_WIDTH), "      ", "      "));
    }
    out
}

/// The first window of the day (even if it has ended), in both zones.
pub fn best_window(config: &Config, prospect: &Prospect, item: &Item) -> String {
    let slot = item
        .window
        .clone()
        .or_else(|| crate::plan::open_windows(config, prospect, item.day).into_iter().next());
    match slot {
        Some(slot) => window_text(config, prospect, &slot),
        None => "no window today".to_owned(),
    }
}

/// A prospect's history as aligned text.
/// `sources` names where events came from (see [`crate::render::history_json`]).
pub fn history_text(
    config: &Config,
    id: &str,
    events: &[Event],
    sources: &std::collections::HashMap<i64, String>,
    style: Style,
) -> String {
    let mut out = String::new();
    let title = match config.prospects.get(id) {
        Some(p) => who(p),
        None => format!("{id} (no longer in the config; history kept)"),
    };
    let _ = writeln!(out, "{}", style.bold(&title));
    if events.is_empty() {
        let _ = writeln!(out, "  nothing logged yet");
    }
    for event in events {
        let at = event.at.to_zoned(config.me.timezone.clone());
        let mut extra = Vec::new();
        match event.promise {
            PromiseChoice::On(d) => extra.push(format!("promise {}", short_date(d))),
            PromiseChoice::Skip => extra.push("no promise".to_owned()),
            PromiseChoice::Auto => {}
        }
        if let Some(s) = &event.next_step {
            extra.push(format!("next step {}: {}", short_date(s.on), s.what));
        }
        if let Some(u) = event.until {
            extra.push(format!("until {}", short_date(u)));
        }
        if let Some(i) = &event.item {
            extra.push(format!("item “{i}”"));
        }
        if let Some(n) = &event.note {
            extra.push(format!("“{n}”"));
        }
        if let Some(source) = sources.get(&event.seq) {
            extra.push(format!("from {source}"));
        }
        // Notes and agreed steps come from the command line and the state, not the checked
        // book: one line each, with no control character to reach the terminal.
        let _ = writeln!(
            out,
            "  {} {}  {:<14} {}",
            at.strftime("%a %-d %b %Y"),
            at.strftime("%H:%M"),
            event.outcome.as_str(),
            crate::config::single_line(&extra.join(" · "))
        );
    }
    out
}

/// `ringback why`: one prospect explained.
pub fn why_text(config: &Config, explained: &crate::plan::Explained, style: Style) -> String {
    let Some(prospect) = config.prospects.get(&explained.id) else { return String::new() };
    let mut out = String::new();
    let _ = writeln!(out, "{}", style.bold(&who(prospect)));
    let relationship = format!("{:?}", prospect.relationship).to_lowercase();
    let status = crate::plan::status_word(prospect.status);
    let mut row = |label: &str, value: String| {
        let _ = writeln!(out, "{}", wrap(&value, style.width, &format!("  {label:<11} "), "              "));
    };
    row("status:", format!("{status}, {relationship}, {}", explained.stage));
    row("phone:", prospect.shown_phone().unwrap_or_else(|| no_phone(prospect)));
    let cadence = config.cadence_of(prospect);
    let then =
        cadence.then.as_deref().map_or("no drip after it".to_owned(), |d| format!("then the {d} drip"));
    row(
        "cadence:",
        match explained.cadence {
            Some((done, of)) => format!("{} ({then}): {done} of {of} steps done", prospect.cadence),
            None => format!("{} ({then})", prospect.cadence),
        },
    );
    let tz = config.me.timezone.clone();
    row(
        "last:",
        match explained.last {
            Some((at, outcome)) => format!("{outcome} on {}", at.to_zoned(tz).strftime("%a %-d %b %H:%M")),
            None => "nothing logged yet".to_owned(),
        },
    );
    if let Some((on, made)) = &explained.promise {
        let made = made.map(|m| format!(" (promised on {})", short_date(m))).unwrap_or_default();
        row("promise:", format!("call back on {}{made}", short_date(*on)));
    }
    if let Some((on, what)) = &explained.next_step {
        row("next step:", format!("{} on {}", what, short_date(*on)));
    }
    if let Some(until) = explained.snoozed_until {
        row("snoozed:", format!("until {}", short_date(until)));
    }
    if let Some(item) = &explained.next {
        let when = if item.day == explained.day { "today".to_owned() } else { short_date(item.day) };
        row("next due:", format!("{when}: {}", item.why));
    }
    row(&format!("{}:", short_date(explained.day)), explained.verdict.text(&prospect.id, explained.day));
    out
}

/// A rate as counts, with a percentage only once there are enough to mean something.
pub fn rate_text(rate: crate::plan::Rate) -> String {
    match rate.ratio() {
        None => "0/0".to_owned(),
        Some(r) if rate.of >= 10 => format!("{}/{} ({:.0}%)", rate.hits, rate.of, r * 100.0),
        Some(_) => format!("{}/{}", rate.hits, rate.of),
    }
}

/// A one-character bar for a fraction: `▁` to `█`, a space for no data.
pub fn bar(fraction: Option<f64>) -> char {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    match fraction {
        None => ' ',
        Some(f) => BARS[((f.clamp(0.0, 1.0) * 7.0).round()) as usize],
    }
}

/// A window suggestion in words, with the command that applies it.
pub fn suggestion_text(config: &Config, s: &crate::plan::Suggestion) -> String {
    let (i, o) = (s.inside, s.outside);
    match s.prospect.as_deref().and_then(|id| config.prospects.get(id)) {
        Some(p) => format!(
            "{} connected on {} of {} calls {} (their time) and {} of {} outside it: try `ringback set {} call_windows={}`",
            who(p),
            i.hits,
            i.of,
            s.window,
            o.hits,
            o.of,
            p.id,
            s.window
        ),
        None => format!(
            "across the book, {} of {} calls {} (the prospects' own time) connected and {} of {} outside it: try defaults.call_windows = [\"{}\"]",
            i.hits, i.of, s.window, o.hits, o.of, s.window
        ),
    }
}

/// A call's window in the prospect's day, as the tables name it.
fn window_label(window: crate::plan::LocalWindow) -> &'static str {
    match window {
        crate::plan::LocalWindow::Early => "early (before 09:00)",
        crate::plan::LocalWindow::Other => "09:00-17:00",
        crate::plan::LocalWindow::Late => "late (17:00 or later)",
    }
}

/// `ringback stats` for a terminal: aligned tables with a bar per rate.
pub fn stats_text(config: &Config, stats: &crate::plan::Stats) -> String {
    use crate::plan::LocalWindow;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "ringback stats · {} – {} ({})",
        short_date(stats.since),
        short_date(stats.until),
        config.me.timezone_name
    );
    let table = |out: &mut String, title: &str, rows: Vec<(String, crate::plan::Rate)>| {
        let _ = writeln!(out, "\n{title}");
        if rows.iter().all(|(_, r)| r.of == 0) {
            let _ = writeln!(out, "  no calls");
            return;
        }
        let width = rows.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0).min(ALIGN_CAP);
        for (label, rate) in rows {
            let _ = writeln!(out, "  {label:<width$}  {}  {}", bar(rate.ratio()), rate_text(rate));
        }
    };
    let _ = writeln!(out, "\nCalls: {} made, connect rate {}", stats.calls.of, rate_text(stats.calls));
    table(
        &mut out,
        "Connects by attempt",
        stats.by_attempt.iter().map(|(n, r)| (format!("attempt {n}"), *r)).collect(),
    );
    table(
        &mut out,
        "Connects by their local time",
        [LocalWindow::Early, LocalWindow::Other, LocalWindow::Late]
            .into_iter()
            .map(|w| (window_label(w).to_owned(), stats.by_window.get(&w).copied().unwrap_or_default()))
            .collect(),
    );
    table(
        &mut out,
        "Connects by their weekday",
        stats.by_weekday.iter().map(|(d, r)| (d.clone(), *r)).collect(),
    );
    let _ = writeln!(out, "\nEmails: {} sent, reply rate {}", stats.emails.of, rate_text(stats.emails));
    let p = stats.promises;
    let _ = writeln!(
        out,
        "Promises: {} due, {} kept on time, {} kept late, {} missed, {} still open",
        p.made, p.kept_on_time, p.kept_late, p.missed, p.open
    );
    let _ = writeln!(out, "Next steps kept: {}", rate_text(stats.next_steps));
    let days = &stats.days_to_first_contact;
    if days.is_empty() {
        let _ = writeln!(out, "First contact: none reached in the span");
    } else {
        let _ = writeln!(
            out,
            "First contact: a median {} days after the first attempt ({})",
            crate::plan::median_text(days),
            count(days.len(), "prospect", "prospects")
        );
    }
    let _ = writeln!(out, "\nProspects now");
    let width = stats.prospects.keys().map(|k| k.chars().count()).max().unwrap_or(0).min(ALIGN_CAP);
    for (place, n) in &stats.prospects {
        let star = if *place == "finished without a drip" { "  ★ in no list" } else { "" };
        let _ = writeln!(out, "  {place:<width$}  {n}{star}");
    }
    if !stats.finished_without_drip.is_empty() {
        let _ = writeln!(
            out,
            "  ★ their cadence ended with no drip after it, so nothing will be due again: {}",
            stats.finished_without_drip.join(", ")
        );
    }
    if !stats.window_suggestions.is_empty() {
        let _ = writeln!(out, "\nBetter call windows (from the whole log)");
        for s in &stats.window_suggestions {
            let _ = writeln!(out, "  {}", suggestion_text(config, s));
        }
    }
    out
}

/// The weekly review as text: the digest's section after "Coming up", and `stats --review`.
pub fn review_text(review: &crate::plan::Review) -> String {
    let week = &review.week;
    let mut out = String::new();
    let _ = writeln!(out, "\n== Last week: {} – {} ==", short_date(week.since), short_date(week.until));
    let _ = writeln!(
        out,
        "  calls: {}, contacts: {} ({})",
        week.calls.of,
        week.calls.hits,
        rate_text(week.calls)
    );
    let p = week.promises;
    let _ = writeln!(
        out,
        "  promises: {} due, {} kept on time, {} kept late, {} missed, {} still open",
        p.made, p.kept_on_time, p.kept_late, p.missed, p.open
    );
    match review.best_and_worst() {
        Some(((best, b), (worst, w))) => {
            // Two lines: on one, with the labels and their bars, it ran to 89 columns.
            let _ = writeln!(out, "  best window:  {}, {}", window_label(best), rate_text(b));
            let _ = writeln!(out, "  worst window: {}, {}", window_label(worst), rate_text(w));
        }
        None => {
            let _ = writeln!(out, "  best and worst window: too few calls, or no difference, to compare");
        }
    }
    let most = review.trend.iter().map(|(_, r)| r.of).max().unwrap_or(0).max(1);
    let calls: String = review.trend.iter().map(|(_, r)| bar(Some(r.of as f64 / most as f64))).collect();
    let contacts: String = review.trend.iter().map(|(_, r)| bar(r.ratio())).collect();
    let _ = writeln!(out, "  four weeks: calls {calls}  connect rate {contacts}");
    for (start, rate) in &review.trend {
        let calls = count(rate.of, "call", "calls");
        let _ = writeln!(out, "    week of {:<10}  {calls:>9}  {}", short_date(*start), rate_text(*rate));
    }
    out
}
