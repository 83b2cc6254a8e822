//! The calendar feed (RFC 5545): calls, promises and next steps in the prospect's window, in
//! UTC, so no VTIMEZONE is needed (a TZID without one is floating time to Thunderbird and an
//! error to Outlook); emails and drips as all-day items.
//!
//! Each item keeps one UID whatever its date (a moved call updates the event rather than
//! adding one). DTSTAMP and LAST-MODIFIED are when the item last changed and SEQUENCE counts
//! its moves, both kept by the caller between feeds: Evolution treats any change of them as an
//! edit, so "now" would churn every event on every poll.

use std::fmt::Write as _;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use super::script::Scripts;
use super::text::who;
use crate::config::Config;
use crate::plan::{Item, Kind};

/// One event of the feed, before its revision is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    pub uid: String,
    pub placed: Placed,
    pub summary: String,
    pub description: String,
    pub category: &'static str,
}

/// Where an event sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    /// A call window, in UTC.
    Timed(Timestamp, Timestamp),
    /// A whole day: emails, drips, and a call with no window left that day.
    Day(Date),
}

impl FeedEvent {
    /// Where it sits, as text: a change of this is a reschedule.
    pub fn placed_text(&self) -> String {
        match &self.placed {
            Placed::Timed(start, end) => format!("{} {}", utc(*start), utc(*end)),
            Placed::Day(day) => day.strftime("%Y%m%d").to_string(),
        }
    }

    /// Everything else it says, hashed: a change of this is an edit.
    pub fn fingerprint(&self) -> u64 {
        fnv1a([self.summary.as_bytes(), b"\0", self.description.as_bytes(), self.category.as_bytes()])
    }
}

/// FNV-1a, 64 bits: stable across builds and Rust versions, unlike the standard hasher.
pub fn fnv1a<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The logical item an agenda item is, without its date: `call-bill-jones-standard-2@ringback`.
pub fn uid(config: &Config, item: &Item) -> String {
    let id = &item.prospect;
    let cadence = config.prospects.get(id).map_or("", |p| &*p.cadence);
    let what = match item.kind {
        Kind::Promise => match item.promise_made {
            Some(made) => format!("promise-{id}-{}", made.strftime("%Y%m%d")),
            None => format!("promise-{id}-book"),
        },
        Kind::NextStep => {
            let what = item.next_step.as_deref().unwrap_or("");
            format!("next-step-{id}-{:08x}", fnv1a([what.as_bytes()]) as u32)
        }
        Kind::Call => match item.attempt {
            Some(n) => format!("call-{id}-{cadence}-{n}"),
            None => format!("keep-in-touch-{id}"),
        },
        Kind::Email => format!("email-{id}-{cadence}-{}", item.attempt.unwrap_or(0)),
        Kind::Drip => {
            let title = item.drip_item.as_ref().map_or("", |d| d.title.as_str());
            format!("drip-{id}-{:08x}", fnv1a([title.as_bytes()]) as u32)
        }
    };
    format!("{what}@ringback")
}

/// The events for projected items (see [`crate::plan::project`]).
pub fn feed_events(config: &Config, items: &[Item], scripts: &Scripts<'_>) -> Vec<FeedEvent> {
    // A month of a large book is thousands of scripts: shared among the cores.
    crate::plan::in_parts(items, |_, part| {
        part.iter().filter_map(|item| feed_event(config, item, scripts)).collect()
    })
}

/// [`feed_events`] each item's event in its place (`None` where it has none).
pub fn feed_event_of_each(config: &Config, items: &[&Item], scripts: &Scripts<'_>) -> Vec<Option<FeedEvent>> {
    crate::plan::in_parts(items, |_, part| {
        part.iter().map(|item| feed_event(config, item, scripts)).collect()
    })
}

/// One projected item as an event; `None` for a prospect no longer in the book.
fn feed_event(config: &Config, item: &Item, scripts: &Scripts<'_>) -> Option<FeedEvent> {
    let prospect = config.prospects.get(&item.prospect)?;
    let (verb, category) = match item.kind {
        Kind::Promise => ("Call", "promise"),
        Kind::NextStep => ("Call", "next-step"),
        Kind::Call => ("Call", "call"),
        Kind::Email => ("Email", "email"),
        Kind::Drip => ("Send a drip to", "drip"),
    };
    let tail = match item.kind {
        Kind::Promise => " — promised callback".to_owned(),
        Kind::NextStep => format!(" — next step: {}", item.next_step.as_deref().unwrap_or("")),
        Kind::Drip => item.drip_item.as_ref().map(|d| format!(": {}", d.title)).unwrap_or_default(),
        _ => String::new(),
    };
    let late = match item.days_late {
        _ if !item.overdue => String::new(),
        1 => " (1 day late)".to_owned(),
        n => format!(" ({n} days late)"),
    };
    let summary = format!("{verb} {}{tail}{late}", who(prospect));
    let mut description = String::new();
    if item.kind.is_call() {
        match &prospect.number {
            Some(number) => {
                let _ = writeln!(description, "{}: {}", number.grouped(), number.tel_uri());
            }
            None => {
                let _ = writeln!(description, "{}", super::text::no_phone(prospect));
            }
        }
    } else if let Some(email) = &prospect.email {
        let _ = writeln!(description, "{email}: mailto:{email}");
    }
    let _ = writeln!(description, "Why: {}", item.why);
    let label = if item.kind.is_call() { "Script" } else { "Draft" };
    let _ = write!(description, "\n{label}:\n{}", scripts.render(item));
    let placed = match (&item.window, item.kind.is_call()) {
        (Some(slot), true) => Placed::Timed(slot.start.timestamp(), slot.end.timestamp()),
        _ => Placed::Day(item.day),
    };
    Some(FeedEvent {
        uid: uid(config, item),
        placed,
        summary,
        description: description.trim_end().to_owned(),
        category,
    })
}

/// `20261124T220000Z`.
fn utc(at: Timestamp) -> String {
    // Written out rather than through strftime: four of these for each of thousands of events.
    let t = jiff::tz::Offset::UTC.to_datetime(at);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The whole calendar: `revisions[i]` is `(sequence, changed)` for `events[i]`; `alarm` adds a
/// reminder that long before each timed event.
pub fn calendar(
    events: &[&FeedEvent],
    revisions: &[(i64, Timestamp)],
    alarm: Option<SignedDuration>,
) -> String {
    let mut out = String::with_capacity(events.len() * 800);
    let mut line = |text: &str| fold(text, &mut out);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line(&format!("PRODID:-//ringback//ringback {}//EN", env!("CARGO_PKG_VERSION")));
    line("CALSCALE:GREGORIAN");
    line("NAME:ringback — calls");
    line("X-WR-CALNAME:ringback — calls");
    line("REFRESH-INTERVAL;VALUE=DURATION:PT15M");
    line("X-PUBLISHED-TTL:PT15M");
    // Thousands of events for a large book: written in parts on the cores, then joined.
    let events: Vec<_> = events.iter().copied().zip(revisions).collect();
    let parts = crate::plan::in_parts(&events, |_, part| vec![vevents(part, alarm)]);
    for part in parts {
        out.push_str(&part);
    }
    fold("END:VCALENDAR", &mut out);
    out
}

/// The VEVENTs of some events and their revisions.
fn vevents(events: &[(&FeedEvent, &(i64, Timestamp))], alarm: Option<SignedDuration>) -> String {
    let mut out = String::with_capacity(events.len() * 800);
    let mut line = |text: &str| fold(text, &mut out);
    for &(event, &(sequence, changed)) in events {
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", escape(&event.uid)));
        line(&format!("DTSTAMP:{}", utc(changed)));
        line(&format!("LAST-MODIFIED:{}", utc(changed)));
        line(&format!("SEQUENCE:{sequence}"));
        match &event.placed {
            Placed::Timed(start, end) => {
                line(&format!("DTSTART:{}", utc(*start)));
                line(&format!("DTEND:{}", utc(*end)));
            }
            Placed::Day(day) => {
                let next = day.tomorrow().unwrap_or(*day);
                line(&format!("DTSTART;VALUE=DATE:{}", day.strftime("%Y%m%d")));
                line(&format!("DTEND;VALUE=DATE:{}", next.strftime("%Y%m%d")));
            }
        }
        line(&format!("SUMMARY:{}", escape(&event.summary)));
        line(&format!("DESCRIPTION:{}", escape(&event.description)));
        line(&format!("CATEGORIES:ringback,{}", event.category));
        line("TRANSP:TRANSPARENT");
        line("X-MICROSOFT-CDO-BUSYSTATUS:FREE");
        if let (Some(before), Placed::Timed(..)) = (alarm, &event.placed) {
            line("BEGIN:VALARM");
            line("ACTION:DISPLAY");
            line(&format!("DESCRIPTION:{}", escape(&event.summary)));
            let seconds = before.as_secs();
            line(&if seconds % 60 == 0 {
                format!("TRIGGER:-PT{}M", seconds / 60)
            } else {
                format!("TRIGGER:-PT{seconds}S")
            });
            line("END:VALARM");
        }
        line("END:VEVENT");
    }
    out
}

/// RFC 5545 text: backslash, `;`, `,` and line ends escaped; tabs are spaces, and other
/// control characters (not allowed in a TEXT value) are left out.
fn escape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    // Runs of plain text are copied whole; a cut is only ever made before an ASCII byte or
    // the first byte of a C1 control, so always between characters.
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (width, with) = match bytes[i] {
            b'\\' => (1, "\\\\"),
            b';' => (1, "\\;"),
            b',' => (1, "\\,"),
            b'\n' => (1, "\\n"),
            b'\t' => (1, " "),
            b if b < 0x20 || b == 0x7f => (1, ""),
            // U+0080 to U+009F, the C1 controls.
            0xc2 if bytes.get(i + 1).is_some_and(|b| (0x80..=0x9f).contains(b)) => (2, ""),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[run..i]);
        out.push_str(with);
        i += width;
        run = i;
    }
    out.push_str(&text[run..]);
    out
}

/// Writes a content line folded at 75 octets, never inside a UTF-8 character, each physical
/// line ended by CRLF; a continuation starts with one space (which counts in its 75).
fn fold(line: &str, out: &mut String) {
    let mut rest = line;
    let mut limit = 75;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        limit = 74;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fold_at_75_octets_between_characters() {
        let mut out = String::new();
        let text = format!("DESCRIPTION:{}", "é".repeat(60));
        fold(&text, &mut out);
        let lines: Vec<&str> = out.split_terminator("\r\n").collect();
        assert!(lines.len() > 1, "{out:?}");
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:?}");
        assert!(lines[1..].iter().all(|l| l.starts_with(' ')), "{lines:?}");
        let unfolded: String =
            lines.iter().enumerate().map(|(i, l)| if i == 0 { *l } else { &l[1..] }).collect();
        assert_eq!(unfolded, text);
        assert!(out.ends_with("\r\n"));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a,b;c\\d\r\ne\u{7}\tf"), "a\\,b\\;c\\\\d\\ne f");
        assert_eq!(escape("Jürgen\u{85}Müller\u{9f} ok\u{7f}"), "JürgenMüller ok");
        assert_eq!(escape("plain"), "plain");
        // U+00A0 starts with the same byte as the C1 controls, and is kept.
        assert_eq!(escape("10\u{a0}000\u{80}"), "10\u{a0}000");
    }
}
