//! The config file: parsed into `raw` structs, then validated into a [`Config`] whose types
//! cannot hold a bad zone, cron, window, duration, date or a dangling reference.
//!
//! [`Config::from_toml`] takes text so tests can feed strings; [`Config::from_path`] adds the file
//! name to every diagnostic and checks the file's permissions for a literal SMTP password.

mod diag;
mod fast;
mod raw;
mod syntax;
pub mod templates;
mod units;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

use jiff::SignedDuration;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub use diag::{ConfigError, Diagnostic, closest, line_column};
pub use units::{MAX_WAIT_YEARS, MAX_YEAR, MIN_YEAR, Wait, Window, in_range, parse_clock, parse_weekday};

/// A validated config: everything the planner and the daemon need, nothing they must re-check.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it was read from, for messages; `None` when parsed from a string.
    pub path: Option<PathBuf>,
    pub me: Me,
    pub schedule: Schedule,
    pub notify: Notify,
    pub defaults: Defaults,
    pub cadences: BTreeMap<String, Cadence>,
    pub drips: BTreeMap<String, Drip>,
    pub prospects: BTreeMap<String, Prospect>,
    /// Template sources by name: the built-in defaults overlaid with `[templates]`.
    pub templates: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Me {
    pub name: String,
    pub phone: Option<String>,
    pub timezone: TimeZone,
    /// The IANA name as written (or the system's), for display.
    pub timezone_name: String,
    pub calendar: Calendar,
    /// Cadence calls beyond this many a day roll to the next workday; `None` means no cap.
    pub max_calls_per_day: Option<usize>,
}

/// Which days count as working days: the weekly pattern minus holidays and time away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub workdays: [bool; 7],
    pub holidays: BTreeSet<Date>,
    /// Inclusive ranges of time off.
    pub away: Vec<(Date, Date)>,
}

impl Default for Calendar {
    fn default() -> Self {
        // Monday to Friday.
        let workdays = [true, true, true, true, true, false, false];
        Calendar { workdays, holidays: BTreeSet::new(), away: Vec::new() }
    }
}

impl Calendar {
    /// Whether something may fall due on this day.
    pub fn is_workday(&self, date: Date) -> bool {
        self.workdays[weekday_index(date.weekday())]
            && !self.holidays.contains(&date)
            && !self.away.iter().any(|&(from, to)| from <= date && date <= to)
    }

    /// The day itself if it is a workday, else the next one.
    pub fn on_or_after(&self, mut date: Date) -> Date {
        // Validation guarantees at least one workday a week, so this ends; the bound guards
        // against absurd away ranges all the same.
        for _ in 0..5000 {
            if self.is_workday(date) {
                return date;
            }
            date = date.tomorrow().unwrap_or(date);
        }
        date
    }

    /// The first workday strictly after this day.
    pub fn next_after(&self, date: Date) -> Date {
        self.on_or_after(date.tomorrow().unwrap_or(date))
    }

    /// The last workday strictly before this day.
    pub fn previous_before(&self, mut date: Date) -> Date {
        for _ in 0..5000 {
            date = date.yesterday().unwrap_or(date);
            if self.is_workday(date) {
                return date;
            }
        }
        date
    }

    /// A wait added to a date, landing on a workday: calendar units are added then moved
    /// forward to a workday; workdays are counted one by one.
    pub fn add(&self, wait: Wait, date: Date) -> Date {
        match wait {
            Wait::Workdays(n) => {
                let mut day = date;
                for _ in 0..n {
                    day = self.next_after(day);
                }
                self.on_or_after(day)
            }
            other => self.on_or_after(other.add_calendar(date)),
        }
    }
}

fn weekday_index(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub digest: croner::Cron,
    pub digest_pattern: String,
    pub nudge: SignedDuration,
    pub quiet_hours: Option<Window>,
    pub catch_up: SignedDuration,
}

#[derive(Debug, Clone, Default)]
pub struct Notify {
    pub desktop: bool,
    pub email: Option<Email>,
}

#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub from: String,
    pub transport: Transport,
}

#[derive(Debug, Clone)]
pub enum Transport {
    /// One `.eml` file per message in this folder.
    File {
        dir: PathBuf,
    },
    Sendmail {
        command: PathBuf,
    },
    Smtp(Smtp),
}

#[derive(Debug, Clone)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: PasswordSource,
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    StartTls,
    Tls,
    None,
}

/// Where the SMTP password comes from. The literal variant is only built from a private file.
#[derive(Clone)]
pub enum PasswordSource {
    /// No `password*` key: the systemd credential `smtp-password`, if present.
    Credential,
    Command(String),
    File(PathBuf),
    Literal(String),
}

impl std::fmt::Debug for PasswordSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PasswordSource::Credential => f.write_str("Credential"),
            PasswordSource::Command(c) => write!(f, "Command({c:?})"),
            PasswordSource::File(p) => write!(f, "File({p:?})"),
            PasswordSource::Literal(_) => f.write_str("Literal(<redacted>)"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Defaults {
    pub cadence: String,
    pub call_windows: Vec<Window>,
    pub keep_in_touch: Wait,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Call,
    Email,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub wait: Wait,
    pub action: Action,
    pub note: Option<String>,
    /// Template name for this step's script; the action's default when absent.
    pub template: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Cadence {
    pub steps: Vec<Step>,
    /// Drip to start after the last step (or `not-interested`).
    pub then: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Drip {
    pub every: Wait,
    pub items: Vec<DripItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DripItem {
    pub title: String,
    pub url: Option<String>,
}

/// How warm a prospect is; the derived order is the agenda's (client first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Relationship {
    Client,
    Warm,
    Met,
    Cold,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Paused,
    Won,
    Lost,
    OptedOut,
}

#[derive(Debug, Clone)]
pub struct Prospect {
    pub id: String,
    pub name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub timezone: TimeZone,
    pub timezone_name: String,
    pub relationship: Relationship,
    pub since: Option<Date>,
    /// Always names a cadence in [`Config::cadences`].
    pub cadence: String,
    pub call_windows: Vec<Window>,
    pub hook: Option<String>,
    pub value: Option<String>,
    pub gatekeeper: Option<String>,
    pub boss: Option<String>,
    pub promised_callback: Option<Date>,
    pub next_step: Option<NextStep>,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextStep {
    pub on: Date,
    pub what: String,
}

/// The longest `schedule.nudge` (hours, as written in messages): a nudge is about today's
/// windows, so more than a day ahead is not a nudge.
pub const MAX_NUDGE: (i64, &str) = (24, "24h");
/// The longest `schedule.catch_up`: a digest older than a week is news no more.
pub const MAX_CATCH_UP: (i64, &str) = (7 * 24, "168h");

const SECTIONS: &[&str] =
    &["me", "schedule", "notify", "defaults", "cadences", "drips", "prospects", "templates"];

impl Config {
    /// Reads and validates a config file.
    ///
    /// # Errors
    /// Every problem in the file, each as `file:line:column: key: message`.
    pub fn from_path(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let bytes = read_bounded(path).map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::NotFound {
                ": create one with `ringback init` or pass --config"
            } else {
                ""
            };
            ConfigError::whole_file(&file, format!("cannot read the config: {e}{hint}"))
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            // Safe to slice: everything before `valid` is UTF-8.
            let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            let (line, column) = line_column(before, valid);
            ConfigError {
                lines: vec![format!(
                    "{file}:{line}:{column}: the config is not UTF-8: byte `{:#04x}` here is not valid text (save the file as UTF-8)",
                    bytes[valid]
                )],
            }
        })?;
        let private = file_is_private(path);
        let mut config = parse(&text, &file, private)?;
        config.path = Some(path.to_path_buf());
        // Relative paths in the file mean "next to the config", wherever ringback runs from.
        if let (Some(base), Some(email)) = (path.parent(), config.notify.email.as_mut()) {
            let anchor = |p: &mut PathBuf| {
                if p.is_relative() {
                    *p = base.join(&*p);
                }
            };
            match &mut email.transport {
                Transport::File { dir } => anchor(dir),
                Transport::Sendmail { command } if command.components().count() > 1 => anchor(command),
                Transport::Sendmail { .. } => {}
                Transport::Smtp(smtp) => {
                    if let PasswordSource::File(f) = &mut smtp.password {
                        anchor(f);
                    }
                    if let Some(ca) = &mut smtp.ca_file {
                        anchor(ca);
                    }
                }
            }
        }
        Ok(config)
    }

    /// Validates config text; diagnostics name `<config>` as the file.
    ///
    /// # Errors
    /// Every problem found, as with [`Config::from_path`].
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        parse(text, "<config>", Privacy::Private)
    }

    /// The cadence a prospect follows (validation guarantees it exists).
    pub fn cadence_of(&self, prospect: &Prospect) -> &Cadence {
        &self.cadences[&prospect.cadence]
    }

    /// Where the config was read from, for messages.
    pub fn display_path(&self) -> String {
        self.path.as_ref().map_or_else(|| "<config>".to_owned(), |p| p.display().to_string())
    }
}

/// The largest config file read, 64 MiB: three times a book of 100 000 prospects (about 21 MB),
/// and a bound that keeps a mistaken path (a log, a disk image) from being read and parsed whole.
pub const MAX_CONFIG_BYTES: u64 = 64 * 1024 * 1024;

/// Reads the file, refusing one larger than [`MAX_CONFIG_BYTES`] before reading it.
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let too_big = || {
        std::io::Error::other(format!(
            "the file is larger than {} MiB, the most a config may be: is this the right file?",
            MAX_CONFIG_BYTES / (1024 * 1024)
        ))
    };
    let len = file.metadata()?.len();
    if len > MAX_CONFIG_BYTES {
        return Err(too_big());
    }
    // Sized once: growing by doubling would copy, and touch twice, a large book.
    let mut bytes = Vec::with_capacity(len as usize + 1);
    // A file that grows while being read is bounded all the same.
    file.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Whether the config file may hold a literal secret, or name a command to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Privacy {
    Private,
    /// Readable or writable by group or others, with its mode for the message.
    Shared(u32),
}

impl Privacy {
    /// Others can read a secret written in it.
    fn readable_by_others(self) -> Option<u32> {
        match self {
            Privacy::Shared(mode) if mode & 0o044 != 0 => Some(mode),
            _ => None,
        }
    }

    /// Others can change what it tells ringback to run.
    fn writable_by_others(self) -> Option<u32> {
        match self {
            Privacy::Shared(mode) if mode & 0o022 != 0 => Some(mode),
            _ => None,
        }
    }
}

fn file_is_private(path: &Path) -> Privacy {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(meta) if meta.permissions().mode() & 0o066 != 0 => {
            Privacy::Shared(meta.permissions().mode() & 0o777)
        }
        _ => Privacy::Private,
    }
}

/// Collects diagnostics while validating, so one pass reports every problem in the file.
struct Validator<'s> {
    source: &'s str,
    diagnostics: Vec<Diagnostic>,
    /// Zones already looked up: a book names a handful of zones thousands of times.
    zones: HashMap<String, TimeZone>,
    /// The file parsed again, once, the first time a table fails to deserialize: errors are
    /// rare, and keeping a copy of every table on the happy path would cost more.
    document: Option<Spanned<DeTable<'s>>>,
}

/// Keys whose values are secrets: their values never appear in a message.
const SECRET_KEYS: &[&str] = &["password"];

impl<'s> Validator<'s> {
    fn new(source: &'s str) -> Self {
        Validator { source, diagnostics: Vec::new(), zones: HashMap::new(), document: None }
    }

    fn error(&mut self, span: Range<usize>, key: impl Into<String>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(span, key, message));
    }

    /// The value at a key path of the (re-parsed) document.
    fn lookup(&mut self, path: &[&str]) -> Option<Spanned<DeValue<'s>>> {
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
    fn section<T: Deserialize<'s>>(&mut self, path: &[&str], value: Spanned<DeValue<'s>>) -> Option<T> {
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

    fn zone(&mut self, key: impl std::fmt::Display, name: &Spanned<String>) -> Option<TimeZone> {
        if let Some(tz) = self.zones.get(name.get_ref()) {
            return Some(tz.clone());
        }
        match units::time_zone(name.get_ref()) {
            Ok(tz) => {
                self.zones.insert(name.get_ref().clone(), tz.clone());
                Some(tz)
            }
            Err(_) => {
                self.error(
                    name.span(),
                    key.to_string(),
                    format!(
                        "unknown time zone `{}`: expected an IANA name like `America/Toronto`",
                        name.get_ref()
                    ),
                );
                None
            }
        }
    }

    fn date(&mut self, key: impl std::fmt::Display, value: &Spanned<toml::value::Datetime>) -> Option<Date> {
        units::toml_date(value.get_ref()).map_err(|m| self.error(value.span(), key.to_string(), m)).ok()
    }

    fn wait(&mut self, key: impl std::fmt::Display, value: &Spanned<String>) -> Option<Wait> {
        Wait::parse(value.get_ref()).map_err(|m| self.error(value.span(), key.to_string(), m)).ok()
    }

    fn windows(&mut self, key: impl std::fmt::Display, value: &Spanned<Vec<Spanned<String>>>) -> Vec<Window> {
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

    fn choice<T: Copy>(
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

fn parse(text: &str, file: &str, privacy: Privacy) -> Result<Config, ConfigError> {
    // The common book through the quick reader; anything it leaves, and every file with a
    // problem, through the general one, so diagnostics are always the general parser's.
    if let Some(split) = fast::split(text)
        && let Ok(config) = parse_with(&split.rest, file, privacy, Some((text, &split.tables)))
    {
        return Ok(config);
    }
    parse_with(text, file, privacy, None)
}

/// Parses and validates; `quick` holds the whole file and the prospect tables
/// [`fast::split`] found in it (then `text` is the rest of the file, and any problem only
/// means "try the general way").
fn parse_with(
    text: &str,
    file: &str,
    privacy: Privacy,
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
    let (timezone, timezone_name) = match me_raw.as_ref().and_then(|m| m.timezone.as_ref()) {
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
        timezone: timezone.clone(),
        timezone_name: timezone_name.clone(),
        calendar: Calendar::default(),
        max_calls_per_day: None,
    };
    if let Some(raw) = me_raw {
        me.name = raw.name;
        me.phone = raw.phone;
        if let Some(days) = &raw.workdays {
            calendar.workdays = [false; 7];
            for day in days.get_ref() {
                match parse_weekday(day.get_ref()) {
                    Ok(d) => calendar.workdays[weekday_index(d)] = true,
                    Err(m) => v.error(day.span(), "me.workdays", m),
                }
            }
            if !calendar.workdays.iter().any(|d| *d) && days.get_ref().is_empty() {
                v.error(days.span(), "me.workdays", "expected at least one workday");
            }
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

    // Notify.
    let notify = Notify {
        desktop: notify_raw.desktop.enabled,
        email: notify_raw.email.and_then(|e| email(&mut v, e, privacy, file)),
    };

    // Templates: built-ins overlaid with the file's, each checked as strictly as it renders, for
    // every kind of item that uses it (a step may name any template, for a call or an email).
    let mut step_templates: Vec<(Option<String>, bool)> = Vec::new();
    // The first step naming a template for each action, to point at when a built-in cannot
    // render there (the drip template named by a call step).
    let mut step_spans: BTreeMap<(String, bool), (String, Range<usize>)> = BTreeMap::new();
    for (id, raw) in &cadences_raw {
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

    // Drips.
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
    // Cadences.
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
    // Collected then built in one go: a map built from a sorted list costs far less than
    // ten thousand inserts. Keys are formatted only for a message.
    let quick_raw = quick_tables.into_iter().flat_map(|(whole, tables)| tables.iter().map(|t| t.read(whole)));
    let mut prospects = Vec::with_capacity(prospects_raw.len() + quick_tables.map_or(0, |(_, t)| t.len()));
    for entry in prospects_raw.into_iter().map(Some).chain(quick_raw) {
        // A table the quick reader gives up on: the whole file goes the general way.
        let Some((id, raw)) = entry else { return Err(ConfigError { lines: Vec::new() }) };
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
                name.get_ref().clone(),
            ),
            None => (timezone.clone(), timezone_name.clone()),
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
                if !declared_cadences.contains(c.get_ref()) {
                    v.error(
                        c.span(),
                        format!("{key}.cadence"),
                        unknown_ref("cadence", c.get_ref(), cadences.keys()),
                    );
                }
                c.get_ref().clone()
            }
            None => {
                if !declared_cadences.contains(&default_cadence) && defaults_raw.cadence.is_none() {
                    v.error(
                        id.span(),
                        format!("{key}.cadence"),
                        format!(
                            "no cadence given and the default `{default_cadence}` is not defined: add [cadences.{default_cadence}] or set defaults.cadence"
                        ),
                    );
                }
                default_cadence.clone()
            }
        };
        let call_windows = match &raw.call_windows {
            Some(w) => v.windows(format_args!("{key}.call_windows"), w),
            None => default_windows.clone(),
        };
        let since = raw.since.as_ref().and_then(|d| v.date(format_args!("{key}.since"), d));
        let promised_callback =
            raw.promised_callback.as_ref().and_then(|d| v.date(format_args!("{key}.promised_callback"), d));
        let next_step = raw.next_step.as_ref().and_then(|n| {
            let on = v.date(format_args!("{key}.next_step.on"), &n.get_ref().on)?;
            Some(NextStep { on, what: n.get_ref().what.clone() })
        });
        if let (Some(relationship), Some(status)) = (relationship, status) {
            prospects.push((
                id.get_ref().clone(),
                Prospect {
                    id: id.into_inner(),
                    name: raw.name,
                    company: raw.company,
                    phone: raw.phone,
                    email: raw.email,
                    timezone: tz,
                    timezone_name: tz_name,
                    relationship,
                    since,
                    cadence,
                    call_windows,
                    hook: raw.hook,
                    value: raw.value,
                    gatekeeper: raw.gatekeeper,
                    boss: raw.boss,
                    promised_callback,
                    next_step,
                    status,
                },
            ));
        }
    }
    prospects.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    if quick && prospects.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        // The same id twice: the general parser says where.
        return Err(ConfigError { lines: Vec::new() });
    }
    let prospects: BTreeMap<String, Prospect> = prospects.into_iter().collect();

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
        defaults: Defaults { cadence: default_cadence, call_windows: default_windows, keep_in_touch },
        cadences,
        drips,
        prospects,
        templates,
    })
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

/// Parses a 5-field cron, or 6 with seconds first; day-of-month and day-of-week combine with OR.
///
/// # Errors
/// Which field is wrong and what it accepts, never the parser's internals.
pub fn parse_cron(pattern: &str) -> Result<croner::Cron, String> {
    let fields: Vec<&str> = pattern.split_whitespace().collect();
    let is_alias = pattern.trim_start().starts_with('@');
    if !(is_alias || fields.len() == 5 || fields.len() == 6) {
        return Err(format!(
            "expected a cron expression of 5 fields (or 6 with seconds first), found {} in `{pattern}`",
            fields.len()
        ));
    }
    // An empty item in a list (`,`, `1,,2`) parses as a field that matches nothing: the
    // pattern then never fires, and croner searches years before it says so.
    let names: &[&str] = if fields.len() == 6 { &CRON_FIELDS } else { &CRON_FIELDS[1..] };
    let empty_item = fields.iter().position(|f| f.split(',').any(str::is_empty));
    if let Some(i) = empty_item.filter(|_| !is_alias) {
        return Err(format!(
            "{} `{}`: an empty item in a list; expected {}",
            names[i],
            fields[i],
            cron_accepts(names[i])
        ));
    }
    let cron = cron_parser().parse(pattern).map_err(|e| {
        // Find the field at fault by trying each alone, the others left at `*`.
        let bad = (0..fields.len()).find(|&i| {
            let alone: Vec<&str> = (0..fields.len()).map(|j| if j == i { fields[i] } else { "*" }).collect();
            cron_parser().parse(&alone.join(" ")).is_err()
        });
        match bad {
            Some(i) => format!("{} `{}`: expected {}", names[i], fields[i], cron_accepts(names[i])),
            None if is_alias => format!(
                "unknown cron alias `{pattern}`: expected `@yearly`, `@monthly`, `@weekly`, `@daily` or `@hourly`"
            ),
            None => format!("`{pattern}` never matches a time: {}", e.to_string().to_lowercase()),
        }
    })?;
    // A pattern that parses but never fires (31 February) would leave the daemon without a
    // digest, and looking for one costs a long search each time.
    let from = jiff::Timestamp::from_second(1_767_225_600).expect("2026-01-01").to_zoned(TimeZone::UTC);
    if cron.find_next_occurrence(&from, false).is_err() {
        return Err(format!(
            "`{pattern}` never matches a time (a day that does not exist, such as 31 February?)"
        ));
    }
    Ok(cron)
}

/// The fields of a 6-field cron; a 5-field one has no seconds.
const CRON_FIELDS: [&str; 6] = ["second", "minute", "hour", "day-of-month", "month", "day-of-week"];

fn cron_accepts(field: &str) -> &'static str {
    match field {
        "second" | "minute" => "0-59, `*`, ranges and lists like `0,30` or `*/15`",
        "hour" => "0-23, `*`, ranges and lists like `9-17` or `7,19`",
        "day-of-month" => "1-31 or `L` (the last day), `*`, ranges and lists like `1,15`",
        "month" => "1-12 or JAN-DEC, `*`, ranges and lists like `JAN-MAR`",
        _ => "0-7 or MON-SUN (0 and 7 are Sunday), `*`, ranges and lists like `MON-FRI` or `1,3,5`",
    }
}

fn cron_parser() -> croner::parser::CronParser {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Optional)
        .year(croner::parser::Year::Disallowed)
        .build()
}

fn email(v: &mut Validator, raw: raw::Email, privacy: Privacy, file: &str) -> Option<Email> {
    let mut ok = true;
    for (key, addr) in [("notify.email.to", &raw.to), ("notify.email.from", &raw.from)] {
        if addr.get_ref().parse::<lettre::message::Mailbox>().is_err() {
            v.error(
                addr.span(),
                key,
                format!("expected an address like `Dana <dana@example.com>`, found `{}`", addr.get_ref()),
            );
            ok = false;
        }
    }
    let kind =
        v.choice("notify.email.transport", &raw.transport, &[("smtp", 0), ("sendmail", 1), ("file", 2)])?;
    let transport = match kind {
        2 => match &raw.dir {
            Some(dir) => Transport::File { dir: expand_home(dir.get_ref()) },
            None => {
                v.error(
                    raw.transport.span(),
                    "notify.email.dir",
                    "the file transport needs `dir`, the folder for .eml files",
                );
                return None;
            }
        },
        1 => {
            if let (Some(c), Some(mode)) = (&raw.command, privacy.writable_by_others()) {
                // Anyone who can edit the file could make ringback run their program.
                v.error(
                    c.span(),
                    "notify.email.command",
                    format!(
                        "refused because {file} is writable by group or others (mode {mode:04o}): run `chmod go-w {file}`"
                    ),
                );
                return None;
            }
            Transport::Sendmail {
                command: raw
                    .command
                    .as_ref()
                    .map_or(PathBuf::from("/usr/sbin/sendmail"), |c| expand_home(c.get_ref())),
            }
        }
        _ => {
            let Some(smtp) = raw.smtp else {
                v.error(
                    raw.transport.span(),
                    "notify.email.smtp",
                    "the smtp transport needs a [notify.email.smtp] table with at least `host`",
                );
                return None;
            };
            let span = smtp.span();
            let smtp = smtp.into_inner();
            let security = smtp.security.as_ref().map_or(Some(Security::StartTls), |s| {
                v.choice(
                    "notify.email.smtp.security",
                    s,
                    &[("starttls", Security::StartTls), ("tls", Security::Tls), ("none", Security::None)],
                )
            })?;
            let host = smtp.host.get_ref().clone();
            if security == Security::None && !is_loopback(&host) {
                v.error(
                    smtp.security.as_ref().map_or(span.clone(), |s| s.span()),
                    "notify.email.smtp.security",
                    format!("`none` sends mail and passwords in clear text, so it is allowed only for loopback hosts, not `{host}`: use `starttls` or `tls`"),
                );
                ok = false;
            }
            let port = match &smtp.port {
                Some(p) => match u16::try_from(*p.get_ref()) {
                    Ok(port) if port > 0 => port,
                    _ => {
                        v.error(
                            p.span(),
                            "notify.email.smtp.port",
                            format!("expected a port from 1 to 65535, found `{}`", p.get_ref()),
                        );
                        return None;
                    }
                },
                None => match security {
                    Security::Tls => 465,
                    Security::StartTls => 587,
                    Security::None => 25,
                },
            };
            if security == Security::None && smtp.username.is_some() {
                v.error(
                    smtp.security.as_ref().map_or(span.clone(), |s| s.span()),
                    "notify.email.smtp.security",
                    "AUTH is sent only over TLS: with `none`, remove `username` (a loopback relay that needs no login)",
                );
                ok = false;
            }
            let sources = [&smtp.password_command, &smtp.password_file, &smtp.password];
            if sources.iter().filter(|s| s.is_some()).count() > 1 {
                v.error(
                    span,
                    "notify.email.smtp",
                    "give at most one of `password_command`, `password_file` and `password`",
                );
                return None;
            }
            let password = if let Some(c) = &smtp.password_command {
                if let Some(mode) = privacy.writable_by_others() {
                    // Anyone who can edit the file could make ringback run their command.
                    v.error(
                        c.span(),
                        "notify.email.smtp.password_command",
                        format!(
                            "refused because {file} is writable by group or others (mode {mode:04o}): run `chmod go-w {file}`"
                        ),
                    );
                    return None;
                }
                PasswordSource::Command(c.get_ref().clone())
            } else if let Some(f) = &smtp.password_file {
                PasswordSource::File(expand_home(f.get_ref()))
            } else if let Some(p) = &smtp.password {
                if let Some(mode) = privacy.readable_by_others() {
                    // Never echo the value: only where it is and how to fix it.
                    v.error(
                        p.span(),
                        "notify.email.smtp.password",
                        format!(
                            "a literal password is refused because {file} is readable by group or others (mode {mode:04o}): run `chmod 600 {file}`, or use `password_command`, `password_file` or the systemd credential `smtp-password`"
                        ),
                    );
                    return None;
                }
                PasswordSource::Literal(p.get_ref().clone())
            } else {
                PasswordSource::Credential
            };
            Transport::Smtp(Smtp {
                host,
                port,
                security,
                username: smtp.username,
                password,
                ca_file: smtp.ca_file.as_ref().map(|c| expand_home(c.get_ref())),
            })
        }
    };
    ok.then(|| Email { to: raw.to.into_inner(), from: raw.from.into_inner(), transport })
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

/// `~/x` means the user's home; everything else is taken as written.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}
