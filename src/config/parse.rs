//! Validation: the file through serde into `raw` structs (or the quick reader, see
//! [`super::fast`]), then into a [`Config`], every problem collected with its place.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Range;

use jiff::SignedDuration;
use jiff::tz::TimeZone;
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::email::email;
use super::*;
use crate::calendar::weekday_index;
use crate::phone::{Number, PhoneError, Readings};

const SECTIONS: &[&str] = &[
    "me",
    "schedule",
    "notify",
    "calendar",
    "mailbox",
    "defaults",
    "cadences",
    "drips",
    "prospects",
    "templates",
];

/// Collects diagnostics while validating, so one pass reports every problem in the file.
pub(super) struct Validator<'s> {
    source: &'s str,
    diagnostics: Vec<Diagnostic>,
    /// Zones already looked up: a book names a handful of zones thousands of times.
    zones: HashMap<String, TimeZone>,
    /// Holiday codes already looked up, as written: the table's code, or what is wrong.
    holiday_codes: HashMap<String, Result<String, String>>,
    /// The dates of each code in use.
    holiday_dates: BTreeMap<String, holidays::Holidays>,
    /// The file parsed again, once, the first time a table fails to deserialize: errors are
    /// rare, and keeping a copy of every table on the happy path would cost more.
    document: Option<Spanned<DeTable<'s>>>,
}

/// Keys whose values are secrets: their values never appear in a message.
const SECRET_KEYS: &[&str] = &["password"];

impl<'s> Validator<'s> {
    fn new(source: &'s str) -> Self {
        Validator {
            source,
            diagnostics: Vec::new(),
            zones: HashMap::new(),
            document: None,
            holiday_codes: HashMap::new(),
            holiday_dates: BTreeMap::new(),
        }
    }

    pub(super) fn error(&mut self, span: Range<usize>, key: impl Into<String>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(span, key, message));
    }

    /// The value at a key path of the (re-parsed) document.
    pub(super) fn lookup(&mut self, path: &[&str]) -> Option<Spanned<DeValue<'s>>> {
        let source = self.source;
        let document = self.document.get_or_insert_with(|| DeTable::parse_recoverable(source).0);
        let mut value: Option<&Spanned<DeValue<'s>>> = None;
        let mut table = Some(document.get_ref());
        for segment in path {
            value = table.and_then(|t| t.get(*segment));
            table = value.and_then(|v| v.get_ref().as_table());
        }
        value.cloned()
    }

    /// Deserializes one table entry into its raw struct. Serde stops at the first problem, so
    /// each one is reported at the full path of its key, the key is set aside and the table is
    /// tried again: an unknown key does not hide a bad value next to it. `None` when a required
    /// key is missing or wrong.
    pub(super) fn section<T: Deserialize<'s>>(
        &mut self,
        path: &[&str],
        value: Spanned<DeValue<'s>>,
    ) -> Option<T> {
        let whole = value.span();
        let mut attempt = T::deserialize(toml::de::ValueDeserializer::from(value));
        let mut pruned: Option<Spanned<DeValue<'s>>> = None;
        let mut removed: Vec<String> = Vec::new();
        // Each round removes one key, so this ends; the bound is for absurd tables.
        for _ in 0..1000 {
            let e = match attempt {
                Ok(parsed) => return Some(parsed),
                Err(e) => e,
            };
            if removed.iter().any(|k| e.message().contains(&format!("missing field `{k}`"))) {
                // Its own error is reported already.
                return None;
            }
            if pruned.is_none() {
                pruned = self.lookup(path);
            }
            let span = e.span().unwrap_or_else(|| whole.clone());
            let inner = pruned.as_ref().map(|v| key_path(v, &span)).unwrap_or_default();
            let key = std::iter::once(path.join(".")).chain(inner.iter().map(Segment::to_string)).fold(
                String::new(),
                |mut key, part| {
                    if !key.is_empty() && !part.starts_with('[') {
                        key.push('.');
                    }
                    key.push_str(&part);
                    key
                },
            );
            let secret = matches!(inner.last(), Some(Segment::Key(k)) if SECRET_KEYS.contains(&k.as_str()));
            let message = if secret {
                // Never echo a secret, not even one of the wrong type.
                let found = pruned.as_ref().and_then(|v| value_at(v, &inner)).map(|v| v.type_str());
                format!("expected a string, found {}", found.unwrap_or("another type"))
            } else {
                serde_message(e.message())
            };
            self.error(span, key, message);
            let value = pruned.as_mut()?;
            let Some(Segment::Key(last)) = inner.last() else { return None };
            if !remove_at(value, &inner) {
                return None;
            }
            removed.push(last.clone());
            attempt = T::deserialize(toml::de::ValueDeserializer::from(value.clone()));
        }
        None
    }

    /// A holiday calendar's code, looked up once per spelling.
    fn holidays(&mut self, key: impl std::fmt::Display, code: &Spanned<String>) -> Option<String> {
        let found = match self.holiday_codes.get(code.get_ref()) {
            Some(known) => known.clone(),
            None => {
                let found = holidays::lookup(code.get_ref()).map(|found| {
                    let code = found.code.clone();
                    self.holiday_dates.insert(code.clone(), found);
                    code
                });
                self.holiday_codes.insert(code.get_ref().clone(), found.clone());
                found
            }
        };
        found.map_err(|message| self.error(code.span(), key.to_string(), message)).ok()
    }

    /// A phone number a dialler abroad can call (libphonenumber's IS_POSSIBLE), as
    /// [`crate::phone::read`] read it in `region`'s country; else an error at its place.
    pub(super) fn number(
        &mut self,
        key: impl std::fmt::Display,
        text: &Spanned<String>,
        region: Option<&str>,
        read: Result<Number, PhoneError>,
    ) -> Option<Number> {
        match read {
            Ok(number) => Some(number),
            Err(why) => {
                let hint = match why {
                    PhoneError::NoCountry if region.is_none() => {
                        "write it with its country code (`+44 20 7946 0011`), or set me.phone so its country is assumed"
                    }
                    PhoneError::NoCountry => "write it with its country code, like `+44 20 7946 0011`",
                    _ => {
                        "expected a number a dialler abroad can call, like `+44 20 7946 0011` or `+1 416 555 0101 x204`"
                    }
                };
                self.error(text.span(), key.to_string(), format!("`{}`: {why}: {hint}", text.get_ref()));
                None
            }
        }
    }

    pub(super) fn zone(&mut self, key: impl std::fmt::Display, name: &Spanned<String>) -> Option<TimeZone> {
        if let Some(tz) = self.zones.get(name.get_ref()) {
            return Some(tz.clone());
        }
        match units::time_zone(name.get_ref()) {
            Ok(tz) => {
                self.zones.insert(name.get_ref().clone(), tz.clone());
                Some(tz)
            }
            Err(_) => {
                let hint = match nearest_zone(name.get_ref()) {
                    Some(zone) => format!("did you mean `{zone}`?"),
                    None => "expected an IANA name like `America/Toronto`".to_owned(),
                };
                self.error(
                    name.span(),
                    key.to_string(),
                    format!("unknown time zone `{}`: {hint}", name.get_ref()),
                );
                None
            }
        }
    }

    pub(super) fn date(
        &mut self,
        key: impl std::fmt::Display,
        value: &Spanned<toml::value::Datetime>,
    ) -> Option<Date> {
        units::toml_date(value.get_ref()).map_err(|m| self.error(value.span(), key.to_string(), m)).ok()
    }

    pub(super) fn wait(&mut self, key: impl std::fmt::Display, value: &Spanned<String>) -> Option<Wait> {
        Wait::parse(value.get_ref()).map_err(|m| self.error(value.span(), key.to_string(), m)).ok()
    }

    pub(super) fn windows(
        &mut self,
        key: impl std::fmt::Display,
        value: &Spanned<Vec<Spanned<String>>>,
    ) -> Vec<Window> {
        if value.get_ref().is_empty() {
            self.error(value.span(), key.to_string(), "expected at least one call window like `07:30-08:30`");
        }
        let mut windows: Vec<Window> = value
            .get_ref()
            .iter()
            .filter_map(|w| {
                Window::parse_call(w.get_ref()).map_err(|m| self.error(w.span(), key.to_string(), m)).ok()
            })
            .collect();
        windows.sort_by_key(|w| w.start);
        windows
    }

    pub(super) fn choice<T: Copy>(
        &mut self,
        key: impl std::fmt::Display,
        value: &Spanned<String>,
        options: &[(&str, T)],
    ) -> Option<T> {
        let found = options.iter().find(|(name, _)| *name == value.get_ref().as_str());
        if found.is_none() {
            let names: Vec<String> = options.iter().map(|(n, _)| format!("`{n}`")).collect();
            self.error(
                value.span(),
                key.to_string(),
                format!("expected one of {}, found `{}`", names.join(", "), value.get_ref()),
            );
        }
        found.map(|(_, v)| *v)
    }
}

/// Serde's messages end with a period and sometimes span lines; ours are one lowercase line.
fn serde_message(message: &str) -> String {
    message
        .trim()
        .trim_end_matches('.')
        .replace('\n', " ")
        .replace("expected i64", "expected an integer")
        .replace("expected u32", "expected an integer")
}

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

impl std::fmt::Display for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Segment::Key(k) => f.write_str(k),
            Segment::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// The path, relative to `value`, of the deepest key whose key or value contains `span`. Tables
/// written as `[a.b]` headers do not span their bodies, so every child is searched, not only
/// those whose span contains it.
fn key_path(value: &Spanned<DeValue<'_>>, span: &Range<usize>) -> Vec<Segment> {
    fn inside(outer: &Range<usize>, span: &Range<usize>) -> bool {
        outer.start <= span.start && span.end <= outer.end
    }
    fn search(value: &Spanned<DeValue<'_>>, span: &Range<usize>) -> Option<Vec<Segment>> {
        match value.get_ref() {
            DeValue::Table(table) => {
                for (k, v) in table.iter() {
                    let key = Segment::Key(k.get_ref().to_string());
                    if inside(&k.span(), span) {
                        return Some(vec![key]);
                    }
                    if let Some(mut rest) = search(v, span) {
                        rest.insert(0, key);
                        return Some(rest);
                    }
                    if inside(&v.span(), span) {
                        return Some(vec![key]);
                    }
                }
                None
            }
            DeValue::Array(array) => array.iter().enumerate().find_map(|(i, v)| {
                let mut rest = search(v, span).or_else(|| inside(&v.span(), span).then(Vec::new))?;
                rest.insert(0, Segment::Index(i));
                Some(rest)
            }),
            _ => None,
        }
    }
    search(value, span).unwrap_or_default()
}

/// The value at a relative path.
fn value_at<'v, 'i>(value: &'v Spanned<DeValue<'i>>, path: &[Segment]) -> Option<&'v DeValue<'i>> {
    let mut current = value;
    for segment in path {
        current = match (current.get_ref(), segment) {
            (DeValue::Table(t), Segment::Key(k)) => t.get(k.as_str())?,
            (DeValue::Array(a), Segment::Index(i)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(current.get_ref())
}

/// Removes the key at a relative path (its last segment is a key); whether it was there.
fn remove_at(value: &mut Spanned<DeValue<'_>>, path: &[Segment]) -> bool {
    let Some((Segment::Key(last), parents)) = path.split_last() else { return false };
    let mut current = value;
    for segment in parents {
        current = match (current.get_mut(), segment) {
            (DeValue::Table(t), Segment::Key(k)) => match t.get_mut(k.as_str()) {
                Some(v) => v,
                None => return false,
            },
            (DeValue::Array(a), Segment::Index(i)) => match a.get_mut(*i) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    match current.get_mut() {
        DeValue::Table(t) => t.remove(last.as_str()).is_some(),
        _ => false,
    }
}

/// A table-valued section's entries (`[prospects.x]`), reporting a non-table value.
fn entries<'i>(
    v: &mut Validator,
    key: &str,
    value: Spanned<DeValue<'i>>,
) -> Vec<(Spanned<String>, Spanned<DeValue<'i>>)> {
    let span = value.span();
    match value.into_inner() {
        DeValue::Table(table) => table
            .into_iter()
            .map(|(k, val)| (Spanned::new(k.span(), k.into_inner().into_owned()), val))
            .collect(),
        other => {
            v.error(span, key, format!("expected a table, found {}", other.type_str()));
            Vec::new()
        }
    }
}

pub(super) fn parse(
    text: &str,
    file: &str,
    privacy: Privacy,
    phones: &Readings,
) -> Result<Config, ConfigError> {
    // The common book through the quick reader; anything it leaves, and every file with a
    // problem, through the general one, so diagnostics are always the general parser's.
    if let Some(split) = fast::split(text)
        && let Ok(config) = parse_with(&split.rest, file, privacy, phones, Some((text, &split.tables)))
    {
        return Ok(config);
    }
    parse_with(text, file, privacy, phones, None)
}

/// The book `text` after an edit inside the table of prospect `id`, validated by reading the
/// rest of the file and that one table the quick way: a config whose only prospect is `id`.
/// `None` when the quick reader does not read the file, or finds any problem (the caller then
/// validates the whole file, for the general parser's diagnostics).
pub(super) fn parse_one(
    text: &str,
    file: &str,
    privacy: Privacy,
    phones: &Readings,
    id: &str,
) -> Option<Config> {
    let split = fast::split(text)?;
    let table = split.only(text, id)?;
    parse_with(&split.rest, file, privacy, phones, Some((text, std::slice::from_ref(table)))).ok()
}

/// Parses and validates; `quick` holds the whole file and the prospect tables
/// [`fast::split`] found in it (then `text` is the rest of the file, and any problem only
/// means "try the general way").
pub(super) fn parse_with(
    text: &str,
    file: &str,
    privacy: Privacy,
    phones: &Readings,
    quick: Option<(&str, &[fast::Table])>,
) -> Result<Config, ConfigError> {
    let quick_tables = quick;
    let quick = quick.is_some();
    let (document, syntax) = DeTable::parse_recoverable(text);
    if quick && !syntax.is_empty() {
        return Err(ConfigError { lines: Vec::new() });
    }
    // After independent typos the parser has recovered the rest of the file: check it too, so
    // every real error is reported at once. Tables holding a typo are left out (a value lost
    // to it would look like a missing key), and so is everything after an unclosed bracket.
    let mut broken_tables = Vec::new();
    let syntax_diagnostics = if syntax.is_empty() {
        Vec::new()
    } else {
        let (diagnostics, independent) = syntax::diagnostics(text, &syntax);
        if !independent {
            return Err(ConfigError::render(file, text, diagnostics));
        }
        broken_tables =
            syntax.iter().map(|e| syntax::table_at(text, e.span().map_or(0, |s| s.start))).collect();
        diagnostics
    };
    let mut v = Validator::new(text);

    let mut sections: BTreeMap<&str, Spanned<DeValue<'_>>> = BTreeMap::new();
    for (key, value) in document.into_inner() {
        match SECTIONS.iter().find(|s| **s == key.get_ref().as_ref()) {
            Some(name) => {
                sections.insert(name, value);
            }
            None => v.error(
                key.span(),
                key.get_ref().to_string(),
                format!(
                    "unknown section, expected one of {}",
                    SECTIONS.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                ),
            ),
        }
    }

    let me_raw: Option<raw::Me> = match sections.remove("me") {
        Some(value) => v.section(&["me"], value),
        None => {
            v.error(0..0, "me", "missing section `[me]`: it needs at least `name`");
            None
        }
    };
    let schedule_raw: raw::Schedule =
        sections.remove("schedule").and_then(|s| v.section(&["schedule"], s)).unwrap_or_default();
    let notify_raw: raw::Notify =
        sections.remove("notify").and_then(|s| v.section(&["notify"], s)).unwrap_or_default();
    let defaults_raw: raw::Defaults =
        sections.remove("defaults").and_then(|s| v.section(&["defaults"], s)).unwrap_or_default();

    // Every id declared, valid or not, so a reference to a broken entry is not also "unknown".
    let mut declared_cadences = BTreeSet::new();
    let mut declared_drips = BTreeSet::new();
    let mut cadences_raw = Vec::new();
    if let Some(value) = sections.remove("cadences") {
        for (id, entry) in entries(&mut v, "cadences", value) {
            declared_cadences.insert(id.get_ref().clone());
            if let Some(c) = v.section::<raw::Cadence>(&["cadences", id.get_ref()], entry) {
                cadences_raw.push((id, c));
            }
        }
    }
    let mut drips_raw = Vec::new();
    if let Some(value) = sections.remove("drips") {
        for (id, entry) in entries(&mut v, "drips", value) {
            declared_drips.insert(id.get_ref().clone());
            if let Some(d) = v.section::<raw::Drip>(&["drips", id.get_ref()], entry) {
                drips_raw.push((id, d));
            }
        }
    }
    let mut prospects_raw = Vec::new();
    if quick && sections.contains_key("prospects") {
        // The rest of the file defines prospects too: only the general parser merges that.
        return Err(ConfigError { lines: Vec::new() });
    }
    if let Some(value) = sections.remove("prospects") {
        for (id, entry) in entries(&mut v, "prospects", value) {
            if let Some(p) = v.section::<raw::Prospect>(&["prospects", id.get_ref()], entry) {
                prospects_raw.push((id, p));
            }
        }
    }
    let mut templates_raw: Vec<(Spanned<String>, Spanned<String>)> = Vec::new();
    if let Some(value) = sections.remove("templates") {
        for (name, entry) in entries(&mut v, "templates", value) {
            if let Some(t) = v.section::<Spanned<String>>(&["templates", name.get_ref()], entry) {
                templates_raw.push((name, t));
            }
        }
    }

    // Me.
    let (mut me, my_phone) = me(&mut v, me_raw);
    let (timezone, timezone_name) = (me.timezone.clone(), me.timezone_name.clone());

    // Schedule.
    let digest_pattern =
        schedule_raw.digest.as_ref().map_or("0 7 * * Mon-Fri".to_owned(), |s| s.get_ref().clone());
    let digest = match parse_cron(&digest_pattern) {
        Ok(c) => Some(c),
        Err(m) => {
            let span = schedule_raw.digest.as_ref().map_or(0..0, |s| s.span());
            v.error(span, "schedule.digest", m);
            None
        }
    };
    let clock =
        |v: &mut Validator, key: &str, value: &Option<Spanned<String>>, default: i64, max: (i64, &str)| {
            value.as_ref().map_or(Some(SignedDuration::from_secs(default)), |s| {
                parse_clock(s.get_ref(), SignedDuration::from_hours(max.0), max.1)
                    .map_err(|m| v.error(s.span(), key, m))
                    .ok()
            })
        };
    let nudge = clock(&mut v, "schedule.nudge", &schedule_raw.nudge, 5 * 60, MAX_NUDGE);
    let catch_up = clock(&mut v, "schedule.catch_up", &schedule_raw.catch_up, 4 * 3600, MAX_CATCH_UP);
    let quiet_hours = schedule_raw.quiet_hours.as_ref().and_then(|s| {
        Window::parse_any(s.get_ref()).map_err(|m| v.error(s.span(), "schedule.quiet_hours", m)).ok()
    });

    // The calendar feed.
    let feed_raw: raw::CalendarFeed =
        sections.remove("calendar").and_then(|s| v.section(&["calendar"], s)).unwrap_or_default();
    let feed = Feed {
        listen: feed_raw.listen.as_ref().and_then(|s| {
            let address = s.get_ref().parse::<std::net::SocketAddr>().map_err(|_| {
                v.error(s.span(), "calendar.listen", format!("`{}` is not an address and port: expected `127.0.0.1:PORT`", s.get_ref()))
            });
            match address {
                Ok(address) if address.port() == 0 => {
                    v.error(
                        s.span(),
                        "calendar.listen",
                        "port 0 picks a new port at every start, and a calendar subscribes to one URL: name a port (127.0.0.1:8642)",
                    );
                    None
                }
                Ok(address) if address.ip().is_loopback() => Some(address),
                Ok(_) => {
                    v.error(
                        s.span(),
                        "calendar.listen",
                        "the feed names your prospects: it is served on a loopback address only (127.0.0.1:PORT or [::1]:PORT)",
                    );
                    None
                }
                Err(()) => None,
            }
        }),
        alarm: feed_raw.alarm.as_ref().and_then(|s| {
            parse_clock(s.get_ref(), SignedDuration::from_hours(MAX_ALARM.0), MAX_ALARM.1)
                .map_err(|m| v.error(s.span(), "calendar.alarm", m))
                .ok()
        }),
    };

    // Notify.
    let notify = Notify {
        desktop: notify_raw.desktop.enabled,
        open_with: notify_raw.desktop.open_with.clone().unwrap_or_else(|| "xdg-open".to_owned()),
        email: notify_raw.email.and_then(|e| email(&mut v, e, privacy, file)),
    };

    // The mailbox.
    let mailbox = sections
        .remove("mailbox")
        .and_then(|value| {
            let span = value.span();
            v.section::<raw::Mailbox>(&["mailbox"], value).map(|m| (span, m))
        })
        .and_then(|(span, m)| mailbox::mailbox(&mut v, span, m, privacy, file));

    // Templates.
    let (templates, template_names) = templates(&mut v, &cadences_raw, templates_raw);

    // Drips.
    let drips = drips(&mut v, drips_raw);
    // Cadences.
    let cadences = cadences(&mut v, cadences_raw, &template_names, &declared_drips, &drips);

    // Defaults.
    let default_cadence = match &defaults_raw.cadence {
        Some(c) => {
            if !declared_cadences.contains(c.get_ref()) {
                v.error(c.span(), "defaults.cadence", unknown_ref("cadence", c.get_ref(), cadences.keys()));
            }
            c.get_ref().clone()
        }
        None => "standard".to_owned(),
    };
    let default_windows = match &defaults_raw.call_windows {
        Some(w) => v.windows("defaults.call_windows", w),
        None => vec![
            Window::parse_call("07:30-08:30").expect("valid"),
            Window::parse_call("17:00-18:00").expect("valid"),
        ],
    };
    let keep_in_touch = match &defaults_raw.keep_in_touch {
        Some(w) => v.wait("defaults.keep_in_touch", w).unwrap_or(Wait::Days(30)),
        None => Wait::Days(30),
    };

    // Prospects.
    let default_holidays = defaults_raw.holidays.as_ref().and_then(|c| v.holidays("defaults.holidays", c));
    let default_workdays = defaults_raw.workdays.as_ref().map(|days| week(&mut v, "defaults.workdays", days));
    let (default_hook, default_value) =
        (defaults_raw.hook.clone().map(one_line), defaults_raw.value.clone().map(one_line));
    let defaults = ProspectDefaults {
        hook: default_hook.as_deref(),
        value: default_value.as_deref(),
        holidays: default_holidays.as_deref(),
        workdays: default_workdays,
        timezone: &timezone,
        timezone_name: &timezone_name,
        cadence: &default_cadence,
        cadence_named: defaults_raw.cadence.is_some(),
        windows: &default_windows,
        declared_cadences: &declared_cadences,
        cadences: &cadences,
    };
    let Some((prospects, mine, region)) =
        prospects(&mut v, prospects_raw, quick_tables, my_phone.as_ref(), phones, &defaults)
    else {
        return Err(ConfigError { lines: Vec::new() });
    };
    (me.number, me.region) = (mine, region);
    let prospects: BTreeMap<String, Box<Prospect>> = prospects.into_iter().collect();
    // Each code in use: their weekend and their public holidays, on their dates.
    let calendars: BTreeMap<String, Calendar> = std::mem::take(&mut v.holiday_dates)
        .into_iter()
        .map(|(code, found)| {
            let calendar = Calendar {
                workdays: found.workdays,
                holidays: found.dates.into_iter().collect(),
                away: Vec::new(),
            };
            (code, calendar)
        })
        .collect();

    if !syntax_diagnostics.is_empty() {
        let in_broken_table = |key: &str| {
            broken_tables
                .iter()
                .any(|table| table.is_empty() || key == table || key.starts_with(&format!("{table}.")))
        };
        let mut all = syntax_diagnostics;
        all.extend(v.diagnostics.into_iter().filter(|d| !in_broken_table(&d.key)));
        return Err(ConfigError::render(file, text, all));
    }
    if !v.diagnostics.is_empty() {
        return Err(ConfigError::render(file, text, v.diagnostics));
    }
    Ok(Config {
        path: None,
        me,
        schedule: Schedule {
            digest: digest.expect("no diagnostics means the cron parsed"),
            digest_pattern,
            nudge: nudge.expect("validated"),
            quiet_hours,
            catch_up: catch_up.expect("validated"),
        },
        notify,
        feed,
        mailbox,
        defaults: Defaults { cadence: default_cadence, call_windows: default_windows, keep_in_touch },
        cadences,
        drips,
        prospects,
        templates,
        calendars,
        read_quickly: ReadQuickly(quick),
    })
}

/// A `workdays` list, Monday first; an unknown name or an empty list is an error at its place.
fn week(v: &mut Validator, key: &str, days: &Spanned<Vec<Spanned<String>>>) -> [bool; 7] {
    let mut week = [false; 7];
    for day in days.get_ref() {
        match parse_weekday(day.get_ref()) {
            Ok(d) => week[weekday_index(d)] = true,
            Err(m) => v.error(day.span(), key, m),
        }
    }
    if days.get_ref().is_empty() {
        v.error(days.span(), key, "expected at least one workday");
    }
    week
}

/// `[me]`: who I am, my zone and the calendar of my workdays.
/// With it, my phone as written: it is read with the prospects' (see [`prospects`]).
fn me(v: &mut Validator, raw_me: Option<raw::Me>) -> (Me, Option<Spanned<String>>) {
    let (timezone, timezone_name) = match raw_me.as_ref().and_then(|m| m.timezone.as_ref()) {
        Some(name) => {
            let tz = v.zone("me.timezone", name).unwrap_or(TimeZone::UTC);
            (tz, name.get_ref().clone())
        }
        None => {
            let tz = TimeZone::system();
            let name = tz.iana_name().unwrap_or("UTC").to_owned();
            (tz, name)
        }
    };
    let mut calendar = Calendar::default();
    let mut me = Me {
        name: String::new(),
        phone: None,
        number: None,
        region: None,
        timezone: timezone.clone(),
        timezone_name: timezone_name.clone(),
        calendar: Calendar::default(),
        max_calls_per_day: None,
    };
    let mut my_phone = None;
    if let Some(raw) = raw_me {
        me.name = one_line(raw.name);
        me.phone = raw.phone.as_ref().map(|p| one_line(p.get_ref().clone()));
        my_phone = raw.phone;
        if let Some(days) = &raw.workdays {
            calendar.workdays = week(v, "me.workdays", days);
        }
        for (i, h) in raw.holidays.iter().enumerate() {
            if let Some(d) = v.date(format!("me.holidays[{i}]"), h) {
                calendar.holidays.insert(d);
            }
        }
        for (i, a) in raw.away.iter().enumerate() {
            let key = format!("me.away[{i}]");
            let from = v.date(format!("{key}.from"), &a.get_ref().from);
            let to = v.date(format!("{key}.to"), &a.get_ref().to);
            if let (Some(from), Some(to)) = (from, to) {
                if to < from {
                    v.error(a.span(), key, format!("`to` ({to}) is before `from` ({from})"));
                } else if to.since(from).map(|s| s.get_days() > 366).unwrap_or(true) {
                    v.error(a.span(), key, "an away range is at most a year long");
                } else {
                    calendar.away.push((from, to));
                }
            }
        }
        if let Some(max) = &raw.max_calls_per_day {
            match usize::try_from(*max.get_ref()) {
                Ok(n) if n > 0 => me.max_calls_per_day = Some(n),
                _ => v.error(
                    max.span(),
                    "me.max_calls_per_day",
                    format!("expected a positive number of calls, found `{}`", max.get_ref()),
                ),
            }
        }
    }
    me.calendar = calendar;
    (me, my_phone)
}

/// `[templates]`: built-ins overlaid with the file's, each checked as strictly as it renders,
/// for every kind of item that uses it (a step may name any template, for a call or an email).
/// Returns the sources by name and every name a step may use.
fn templates(
    v: &mut Validator,
    cadences_raw: &[(Spanned<String>, raw::Cadence)],
    templates_raw: Vec<(Spanned<String>, Spanned<String>)>,
) -> (BTreeMap<String, String>, BTreeSet<String>) {
    let mut step_templates: Vec<(Option<String>, bool)> = Vec::new();
    // The first step naming a template for each action, to point at when a built-in cannot
    // render there (the drip template named by a call step).
    let mut step_spans: BTreeMap<(String, bool), (String, Range<usize>)> = BTreeMap::new();
    for (id, raw) in cadences_raw {
        for (i, step) in raw.steps.get_ref().iter().enumerate() {
            let step = step.get_ref();
            let call = step.action.get_ref() == "call";
            if let Some(t) = &step.template {
                let key = format!("cadences.{}.steps[{i}].template", id.get_ref());
                step_spans.entry((t.get_ref().clone(), call)).or_insert((key, t.span()));
            }
            step_templates.push((step.template.as_ref().map(|t| t.get_ref().clone()), call));
        }
    }
    let uses = templates::template_kinds(step_templates.iter().map(|(t, call)| (t.as_deref(), *call)));
    let mut templates = templates::builtin_templates();
    let mut template_names: BTreeSet<String> = templates.keys().cloned().collect();
    let mut defined = BTreeSet::new();
    for (name, source) in templates_raw {
        template_names.insert(name.get_ref().clone());
        let kinds =
            uses.get(name.get_ref()).cloned().unwrap_or_else(|| ["call", "email"].into_iter().collect());
        if let Err(e) = templates::check_template(name.get_ref(), source.get_ref(), &kinds) {
            v.error(source.span(), format!("templates.{}", name.get_ref()), e);
        } else {
            defined.insert(name.get_ref().clone());
            templates.insert(name.get_ref().clone(), source.into_inner());
        }
    }
    for ((name, call), (key, span)) in step_spans {
        let Some(source) = templates.get(&name).filter(|_| !defined.contains(&name)) else { continue };
        let kind = if call { "call" } else { "email" };
        if let Err(e) = templates::check_template(&name, source, &[kind].into_iter().collect()) {
            v.error(span, key, format!("the built-in template `{name}` cannot render a {kind} step: {e}"));
        }
    }
    (templates, template_names)
}

/// `[drips.*]`: intervals and items.
fn drips(v: &mut Validator, drips_raw: Vec<(Spanned<String>, raw::Drip)>) -> BTreeMap<String, Drip> {
    let mut drips = BTreeMap::new();
    for (id, raw) in drips_raw {
        let key = format!("drips.{}", id.get_ref());
        let every = v.wait(format!("{key}.every"), &raw.every);
        if raw.items.get_ref().is_empty() {
            v.error(raw.items.span(), format!("{key}.items"), "expected at least one drip item");
        }
        if let Some(Wait::Days(0) | Wait::Workdays(0) | Wait::Weeks(0) | Wait::Months(0)) = every {
            v.error(raw.every.span(), format!("{key}.every"), "a drip interval must be longer than zero");
        }
        let items =
            raw.items.into_inner().into_iter().map(|i| DripItem { title: i.title, url: i.url }).collect();
        if let Some(every) = every {
            drips.insert(id.into_inner(), Drip { every, items });
        }
    }
    drips
}

/// `[cadences.*]`: steps, their templates, and the drip that follows.
fn cadences(
    v: &mut Validator,
    cadences_raw: Vec<(Spanned<String>, raw::Cadence)>,
    template_names: &BTreeSet<String>,
    declared_drips: &BTreeSet<String>,
    drips: &BTreeMap<String, Drip>,
) -> BTreeMap<String, Cadence> {
    let mut cadences = BTreeMap::new();
    for (id, raw) in cadences_raw {
        let key = format!("cadences.{}", id.get_ref());
        if raw.steps.get_ref().is_empty() {
            v.error(raw.steps.span(), format!("{key}.steps"), "expected at least one step");
        }
        let mut steps = Vec::new();
        for (i, step) in raw.steps.get_ref().iter().enumerate() {
            let step_key = format!("{key}.steps[{i}]");
            let step = step.get_ref();
            let wait = v.wait(format!("{step_key}.wait"), &step.wait);
            let action = v.choice(
                format!("{step_key}.action"),
                &step.action,
                &[("call", Action::Call), ("email", Action::Email)],
            );
            if let Some(t) = &step.template
                && !template_names.contains(t.get_ref())
            {
                v.error(
                    t.span(),
                    format!("{step_key}.template"),
                    format!(
                        "unknown template `{}`: expected a built-in ({}) or one defined under [templates]",
                        t.get_ref(),
                        templates::BUILTIN_NAMES.join(", ")
                    ),
                );
            }
            if let (Some(wait), Some(action)) = (wait, action) {
                steps.push(Step {
                    wait,
                    action,
                    note: step.note.clone(),
                    template: step.template.as_ref().map(|t| t.get_ref().clone()),
                });
            }
        }
        if let Some(then) = &raw.then
            && !declared_drips.contains(then.get_ref())
        {
            v.error(then.span(), format!("{key}.then"), unknown_ref("drip", then.get_ref(), drips.keys()));
        }
        cadences.insert(id.into_inner(), Cadence { steps, then: raw.then.map(|t| t.into_inner()) });
    }
    cadences
}

/// What a prospect takes when it does not say.
struct ProspectDefaults<'a> {
    /// `defaults.hook` and `defaults.value`: a book-wide line for the scripts of prospects
    /// that have none of their own.
    hook: Option<&'a str>,
    value: Option<&'a str>,
    holidays: Option<&'a str>,
    workdays: Option<[bool; 7]>,
    timezone: &'a TimeZone,
    timezone_name: &'a str,
    cadence: &'a str,
    /// `defaults.cadence` is set (a missing default is then reported there, not per prospect).
    cadence_named: bool,
    windows: &'a [Window],
    declared_cadences: &'a BTreeSet<String>,
    cadences: &'a BTreeMap<String, Cadence>,
}

/// `[prospects.*]`: from the general parser's entries and the quick reader's tables, sorted by
/// id. `None` when the quick reader gives up on a table or finds an id twice (the whole file
/// then goes the general way).
fn prospects(
    v: &mut Validator,
    prospects_raw: Vec<(Spanned<String>, raw::Prospect)>,
    quick_tables: Option<(&str, &[fast::Table])>,
    my_phone: Option<&Spanned<String>>,
    phones: &Readings,
    d: &ProspectDefaults<'_>,
) -> Option<ReadProspects> {
    // Collected then built in one go: a map built from a sorted list costs far less than
    // ten thousand inserts. Keys are formatted only for a message.
    let count = prospects_raw.len() + quick_tables.map_or(0, |(_, tables)| tables.len());
    let quick_raw = quick_tables.into_iter().flat_map(|(whole, tables)| tables.iter().map(|t| t.read(whole)));
    let entries = prospects_raw.into_iter().map(Some).chain(quick_raw);
    // Numbers are the costliest to check (libphonenumber loads its metadata, then about 1.5 µs
    // a number): a second thread reads theirs in my country as they come (mine first, by
    // whichever thread gets to it), while this one checks the rest, then helps with the numbers
    // not yet read.
    let (send, texts) = std::sync::mpsc::channel::<(usize, Spanned<String>)>();
    let texts = std::sync::Mutex::new(texts);
    let region = std::sync::OnceLock::new();
    let readings = phones;
    // Reads numbers until none is left to take: each reader takes the next one in turn.
    let read_theirs = |region: Option<&str>| {
        let mut theirs = Vec::new();
        loop {
            let next = texts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).recv();
            let Ok((at, text)) = next else { return theirs };
            let number = readings.read(text.get_ref(), region);
            theirs.push((at, text, number));
        }
    };
    // Mine, and the region theirs are read in: read once, by whichever reader comes first
    // (the other waits).
    let mine_and_region = || {
        region.get_or_init(|| {
            let mine = my_phone.map(|text| readings.read(text.get_ref(), None));
            let known = mine.as_ref().and_then(|m| m.as_ref().ok()).and_then(|m| readings.dialling_region(m));
            (mine, known)
        })
    };
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| read_theirs(mine_and_region().1.as_deref()));
        let prospects = built(v, entries, count, d, |at, phone| {
            let _ = send.send((at, phone));
        });
        drop(send);
        let (mine, region) = mine_and_region().clone();
        let mut helped = read_theirs(region.as_deref());
        let mut theirs = reader.join().ok()?;
        // In the book's order, so its diagnostics are.
        theirs.append(&mut helped);
        theirs.sort_by_key(|(at, _, _)| *at);
        // A table the quick reader gives up on: the whole file goes the general way.
        let mut prospects = prospects?;
        let mine = match (my_phone, mine) {
            (Some(text), Some(mine)) => v.number("me.phone", text, None, mine),
            _ => None,
        };
        for (at, text, number) in theirs {
            let (_, prospect) = &mut prospects[at];
            let key = format_args!("prospects.{}.phone", prospect.id);
            prospect.number = v.number(key, &text, region.as_deref(), number);
            prospect.phone = Some(one_line(text.into_inner()));
        }
        prospects.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if quick_tables.is_some() && prospects.windows(2).any(|pair| pair[0].0 == pair[1].0) {
            // The same id twice: the general parser says where.
            return None;
        }
        Some((prospects, mine, region))
    })
}

/// Each of `count` entries checked and built in the entries' order, its phone handed to
/// `phone` with its place; one whose relationship or status is wrong is left out (already
/// reported; its number is not read). `None` when an entry is (the quick reader gave up).
///
/// Built into one list of the right size, each prospect in the box it stays in: 100 000 of
/// them take 50 MB, and a second copy (a list grown by doubling, the map's nodes) is what a
/// large book's peak was made of.
fn built(
    v: &mut Validator,
    entries: impl Iterator<Item = Option<(Spanned<String>, raw::Prospect)>>,
    count: usize,
    d: &ProspectDefaults<'_>,
    mut phone: impl FnMut(usize, Spanned<String>),
) -> Option<Vec<(String, Box<Prospect>)>> {
    let mut prospects = Vec::with_capacity(count);
    let mut names = HashSet::new();
    let default_windows: Arc<[Window]> = d.windows.into();
    for entry in entries {
        let (id, mut raw) = entry?;
        let their_phone = raw.phone.take();
        let key = KeyPath("prospects", id.get_ref());
        if !valid_id(id.get_ref()) {
            v.error(
                id.span(),
                key.to_string(),
                "a prospect id uses letters, digits, `-`, `_` and `.` only (it is typed on the command line)",
            );
        }
        let (tz, tz_name) = match &raw.timezone {
            Some(name) => (
                v.zone(format_args!("{key}.timezone"), name).unwrap_or(TimeZone::UTC),
                shared(&mut names, name.get_ref()),
            ),
            None => (d.timezone.clone(), shared(&mut names, d.timezone_name)),
        };
        let relationship = raw.relationship.as_ref().map_or(Some(Relationship::Cold), |r| {
            v.choice(
                format_args!("{key}.relationship"),
                r,
                &[
                    ("cold", Relationship::Cold),
                    ("met", Relationship::Met),
                    ("warm", Relationship::Warm),
                    ("client", Relationship::Client),
                ],
            )
        });
        let status = raw.status.as_ref().map_or(Some(Status::Active), |s| {
            v.choice(
                format_args!("{key}.status"),
                s,
                &[
                    ("active", Status::Active),
                    ("paused", Status::Paused),
                    ("won", Status::Won),
                    ("lost", Status::Lost),
                    ("opted-out", Status::OptedOut),
                ],
            )
        });
        let cadence = match &raw.cadence {
            Some(c) => {
                if !d.declared_cadences.contains(c.get_ref()) {
                    v.error(
                        c.span(),
                        format!("{key}.cadence"),
                        unknown_ref("cadence", c.get_ref(), d.cadences.keys()),
                    );
                }
                shared(&mut names, c.get_ref())
            }
            None => {
                if !d.declared_cadences.contains(d.cadence) && !d.cadence_named {
                    v.error(
                        id.span(),
                        format!("{key}.cadence"),
                        format!(
                            "no cadence given and the default `{0}` is not defined: add [cadences.{0}] or set defaults.cadence",
                            d.cadence
                        ),
                    );
                }
                shared(&mut names, d.cadence)
            }
        };
        let call_windows = match &raw.call_windows {
            Some(w) => v.windows(format_args!("{key}.call_windows"), w).into(),
            None => default_windows.clone(),
        };
        let holidays = match &raw.holidays {
            Some(code) => v.holidays(format_args!("{key}.holidays"), code),
            None => d.holidays.map(str::to_owned),
        };
        // Their own week first, then their own country's, then `[defaults]`'s.
        let workdays = match &raw.workdays {
            Some(days) => Some(week(v, &format!("{key}.workdays"), days)),
            None if raw.holidays.is_some() => None,
            None => d.workdays,
        };
        let since = raw.since.as_ref().and_then(|d| v.date(format_args!("{key}.since"), d));
        let promised_callback =
            raw.promised_callback.as_ref().and_then(|d| v.date(format_args!("{key}.promised_callback"), d));
        let next_step = raw.next_step.as_ref().and_then(|n| {
            let on = v.date(format_args!("{key}.next_step.on"), &n.get_ref().on)?;
            Some(NextStep { on, what: one_line(n.get_ref().what.clone()) })
        });
        if let (Some(relationship), Some(status)) = (relationship, status) {
            if let Some(text) = their_phone {
                phone(prospects.len(), text);
            }
            let line = |text: Option<String>| text.map(one_line);
            prospects.push((
                id.get_ref().clone(),
                Box::new(Prospect {
                    id: id.into_inner(),
                    name: one_line(raw.name),
                    company: line(raw.company),
                    phone: None,
                    number: None,
                    email: line(raw.email),
                    emails: raw.emails.unwrap_or_default().into_iter().map(one_line).collect(),
                    timezone: tz,
                    timezone_name: tz_name,
                    relationship,
                    since,
                    cadence,
                    call_windows,
                    hook: line(raw.hook).or_else(|| d.hook.map(str::to_owned)),
                    value: line(raw.value).or_else(|| d.value.map(str::to_owned)),
                    gatekeeper: line(raw.gatekeeper),
                    boss: line(raw.boss),
                    notes: raw.notes.map(|n| without_controls(n, true)),
                    url: line(raw.url),
                    holidays,
                    workdays,
                    promised_callback,
                    next_step,
                    status,
                }),
            ));
        }
    }
    Some(prospects)
}

/// `text`, shared with every other prospect that names it.
fn shared(names: &mut HashSet<Arc<str>>, text: &str) -> Arc<str> {
    match names.get(text) {
        Some(name) => name.clone(),
        None => {
            let name: Arc<str> = text.into();
            names.insert(name.clone());
            name
        }
    }
}

/// The prospects by id, sorted, and the country their numbers written without a country code
/// are read in (my phone's).
type ReadProspects = (Vec<(String, Box<Prospect>)>, Option<Number>, Option<String>);

/// A field for one line of a terminal, an email's text part or a notification: every control
/// character (an escape sequence from a CSV cell, a newline, a NUL D-Bus cannot carry) becomes
/// a space.
fn one_line(text: String) -> String {
    without_controls(text, false)
}

/// `table.id`, written out only when a message needs it.
struct KeyPath<'a>(&'a str, &'a str);

impl std::fmt::Display for KeyPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

fn unknown_ref<'a>(what: &str, name: &str, known: impl Iterator<Item = &'a String>) -> String {
    let known: Vec<String> = known.map(|k| format!("`{k}`")).collect();
    if known.is_empty() {
        format!("unknown {what} `{name}`: none is defined")
    } else {
        format!("unknown {what} `{name}`: expected one of {}", known.join(", "))
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && id.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The zone of the time zone database nearest to a mistyped name (`America/Chicgo`,
/// `america/new york`, `Berlin`): by the whole name, or by the city alone when only a city was
/// typed; none when nothing is near.
fn nearest_zone(typed: &str) -> Option<String> {
    // Zone names are short; a long value is no typo of one (and costs too much to compare).
    if typed.chars().count() > 64 {
        return None;
    }
    let fold = |s: &str| s.to_lowercase().replace([' ', '-'], "_");
    let wanted = fold(typed);
    let names: Vec<String> = jiff::tz::db().available().map(|n| n.as_str().to_owned()).collect();
    let city = |name: &str| fold(name.rsplit('/').next().unwrap_or(name));
    names
        .iter()
        .map(|name| {
            let whole = diag::edit_distance(&wanted, &fold(name));
            let by_city =
                if typed.contains('/') { usize::MAX } else { diag::edit_distance(&wanted, &city(name)) };
            (whole.min(by_city), name)
        })
        .filter(|(d, _)| *d <= (wanted.chars().count() / 4).clamp(1, 3))
        .min_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.cmp(y)))
        .map(|(_, name)| name.clone())
}
