//! The config file: parsed into `raw` structs, then validated into a [`Config`] whose types
//! cannot hold a bad zone, cron, window, duration, date or a dangling reference.
//!
//! [`Config::from_toml`] takes text so tests can feed strings; [`Config::parse`] adds the file
//! name to every diagnostic and what the file's permissions allow ([`crate::files::read_config`]
//! reads the file).
//!
//! Core: it reads nothing but time zone definitions (by name, `units::time_zone`, or the
//! system's when `me.timezone` is unset) and `$HOME` for a `~/` path. It may not touch the
//! state, the rendering, the channels, the daemon or the command line.

mod cron;
mod diag;
mod email;
mod fast;
pub mod holidays;
mod mailbox;
mod names;
mod parse;
mod raw;
mod syntax;
pub mod templates;
mod units;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::SignedDuration;
use jiff::civil::Date;
use jiff::tz::TimeZone;

pub use crate::calendar::Calendar;
pub use cron::parse_cron;
pub use diag::{ConfigError, Diagnostic, closest, line_column};
pub use names::{fold_accent, typed_words};
pub use units::{MAX_WAIT_YEARS, MAX_YEAR, MIN_YEAR, Wait, Window, in_range, parse_clock, parse_weekday};

/// A validated config: everything the planner and the daemon need, nothing they must re-check.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it was read from, for messages; `None` when parsed from a string.
    pub path: Option<PathBuf>,
    pub me: Me,
    pub schedule: Schedule,
    pub notify: Notify,
    pub feed: Feed,
    /// `[mailbox]`; off when absent.
    pub mailbox: Option<Mailbox>,
    pub defaults: Defaults,
    pub cadences: BTreeMap<String, Cadence>,
    pub drips: BTreeMap<String, Drip>,
    pub prospects: BTreeMap<String, Box<Prospect>>,
    /// Template sources by name: the built-in defaults overlaid with `[templates]`.
    pub templates: BTreeMap<String, String>,
    /// Their calendar by the code prospects name in `holidays`: the country's weekend and the
    /// code's public holidays, read on their own dates (see [`Config::is_their_workday`]).
    pub calendars: BTreeMap<String, Calendar>,
    /// Every prospect table was read the quick way, so the file is laid out as
    /// [`Config::reread_one`] needs.
    pub(crate) read_quickly: ReadQuickly,
}

/// Whether a config's prospect tables were all read the quick way. Its `Debug` does not say:
/// the two ways of reading a file are compared by their `Debug`.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ReadQuickly(pub(crate) bool);

impl std::fmt::Debug for ReadQuickly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadQuickly")
    }
}

#[derive(Debug, Clone)]
pub struct Me {
    pub name: String,
    pub phone: Option<String>,
    /// My phone as read (see [`crate::phone::read`]).
    pub number: Option<crate::phone::Number>,
    /// The main country of my phone's calling code (`US` for any `+1`): a prospect's number
    /// written without its country code is read in it.
    pub region: Option<String>,
    pub timezone: TimeZone,
    /// The IANA name as written (or the system's), for display.
    pub timezone_name: String,
    pub calendar: Calendar,
    /// Cadence calls beyond this many a day roll to the next workday; `None` means no cap.
    pub max_calls_per_day: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub digest: croner::Cron,
    pub digest_pattern: String,
    pub nudge: SignedDuration,
    pub quiet_hours: Option<Window>,
    pub catch_up: SignedDuration,
}

/// `[calendar]`: the calendar feed.
#[derive(Debug, Clone, Default)]
pub struct Feed {
    /// Where the daemon serves the feed over HTTP; always a loopback address. `None`: off.
    pub listen: Option<std::net::SocketAddr>,
    /// A reminder this long before each timed event, for phones that sync the calendar.
    pub alarm: Option<SignedDuration>,
}

/// The longest `calendar.alarm`: a reminder is about the call, not the day before.
pub const MAX_ALARM: (i64, &str) = (24, "24h");

#[derive(Debug, Clone, Default)]
pub struct Notify {
    pub desktop: bool,
    /// The program a nudge's Call button opens the number's `tel:` URI with (a softphone, KDE
    /// Connect or a phone-link app through the desktop's handler).
    pub open_with: String,
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

/// Where the SMTP or IMAP password comes from. The literal variant is only built from a private file.
#[derive(Clone)]
pub enum PasswordSource {
    /// No `password*` key: the systemd credential (`smtp-password`, `imap-password`), if present.
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

/// `[mailbox]`: the user's own IMAP mailbox, read to log replies, bounces, sent mail and
/// accepted meetings, and written to only for drafts (see `crate::mailbox`).
#[derive(Debug, Clone)]
pub struct Mailbox {
    pub host: String,
    pub port: u16,
    /// TLS from the start (993) or STARTTLS (143); `None` only for a loopback host.
    pub security: Security,
    pub username: String,
    pub password: PasswordSource,
    /// The only certificate authority trusted for this server; the system's roots when absent.
    pub ca_file: Option<PathBuf>,
    /// How far back the first connection looks.
    pub lookback: SignedDuration,
    /// Append each due email and drip to the drafts folder.
    pub drafts: bool,
    /// How often the sent and drafts folders are looked at (and the inbox, on a server
    /// without IDLE).
    pub check_every: SignedDuration,
    pub folders: Folders,
}

/// `[mailbox.folders]`: names as the server spells them; `None` finds the folder by its
/// SPECIAL-USE attribute, then by its usual names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folders {
    pub inbox: String,
    pub sent: Option<String>,
    pub drafts: Option<String>,
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

/// Why [`Config::find_prospect`] found no single prospect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Unknown,
    /// Several prospects match: their (id, name).
    Ambiguous(Vec<(String, String)>),
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
    /// As the user wrote it: the book keeps their text.
    pub phone: Option<String>,
    /// `phone` read by libphonenumber: what is dialled and shown.
    pub number: Option<crate::phone::Number>,
    pub email: Option<String>,
    /// Their other addresses (`emails = [...]`): mail from any of them is theirs.
    pub emails: Vec<String>,
    pub timezone: TimeZone,
    /// Shared by every prospect that names the zone the same way (as are `cadence` and the
    /// default `call_windows`): a large book names a handful of each a hundred thousand times.
    pub timezone_name: Arc<str>,
    pub relationship: Relationship,
    pub since: Option<Date>,
    /// Always names a cadence in [`Config::cadences`].
    pub cadence: Arc<str>,
    pub call_windows: Arc<[Window]>,
    pub hook: Option<String>,
    pub value: Option<String>,
    pub gatekeeper: Option<String>,
    pub boss: Option<String>,
    /// Free text about the person (an import's notes column); shown by `next` and the digest.
    pub notes: Option<String>,
    /// A profile or web page (LinkedIn's URL column).
    pub url: Option<String>,
    /// The code of the public holidays they keep (`CA-ON`), from the prospect or `[defaults]`;
    /// a key of [`Config::calendars`].
    pub holidays: Option<String>,
    /// Their working days, Monday first, from the prospect or `[defaults]`; `None` takes their
    /// country's week (from `holidays`), else Monday to Friday.
    pub workdays: Option<[bool; 7]>,
    pub promised_callback: Option<Date>,
    pub next_step: Option<NextStep>,
    pub status: Status,
}

/// Text as one line of a terminal, a report or a comment: every control character (an escape
/// sequence, a bell, a NUL, a line break) becomes a space.
pub fn single_line(text: &str) -> String {
    without_controls(text.to_owned(), false)
}

/// `text` with every control character a space, its line breaks kept when `keep_breaks` (notes,
/// a notification's body); returned as it is, not copied, when it has none.
pub fn without_controls(text: String, keep_breaks: bool) -> String {
    let bad = |c: char| c.is_control() && !(keep_breaks && c == '\n');
    if !text.chars().any(bad) {
        return text;
    }
    text.replace("\r\n", "\n").chars().map(|c| if bad(c) { ' ' } else { c }).collect()
}

impl Prospect {
    /// Whether `address` is their `email` (any case): the address their email steps go to.
    pub fn is_email(&self, address: &str) -> bool {
        self.email.as_deref().is_some_and(|e| e.trim().eq_ignore_ascii_case(address.trim()))
    }

    /// Their number as a person reads it (`+44 20 7946 0011 ext. 204`), grouped by
    /// libphonenumber whatever way the book writes it.
    pub fn shown_phone(&self) -> Option<String> {
        self.number.as_ref().map(crate::phone::Number::grouped).or_else(|| self.phone.clone())
    }
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

impl Config {
    /// Every prospect, by id: the book's order, in which a prospect's place names it.
    pub fn prospect_list(&self) -> Vec<&Prospect> {
        self.prospects.values().map(|p| &**p).collect()
    }

    /// Validates the text of a config file named `file` (for messages); `privacy` says whether
    /// others may read or write it (see [`crate::files::read_config`], which reads the file).
    ///
    /// # Errors
    /// Every problem in the file, each as `file:line:column: key: message`.
    pub fn parse(text: &str, file: &str, privacy: Privacy) -> Result<Config, ConfigError> {
        parse::parse(text, file, privacy, &crate::phone::Readings::default())
    }

    /// [`Config::parse`], taking the phone numbers `phones` read before from it, and leaving
    /// there those read afresh (see [`crate::phone::Readings`]).
    ///
    /// # Errors
    /// As [`Config::parse`].
    pub fn parse_reading(
        text: &str,
        file: &str,
        privacy: Privacy,
        phones: &crate::phone::Readings,
    ) -> Result<Config, ConfigError> {
        parse::parse(text, file, privacy, phones)
    }

    /// Reads prospect `id` again from `text`, the file after an edit made inside that
    /// prospect's table alone: the rest of the file and that table are validated, and every
    /// other prospect stays as read from the same text but that table. `false`, and nothing
    /// changed, when the quick reader does not read the file so or finds any problem: the
    /// caller then validates the whole file with [`Config::parse`], whose diagnostics are the
    /// ones a user sees.
    pub fn reread_one(
        &mut self,
        text: &str,
        file: &str,
        privacy: Privacy,
        phones: &crate::phone::Readings,
        id: &str,
    ) -> bool {
        // Only a file whose every table is whole lines is split the same way around the edit.
        if !self.read_quickly.0 {
            return false;
        }
        let Some(mut one) = parse::parse_one(text, file, privacy, phones, id) else { return false };
        let Some(prospect) = one.prospects.remove(id) else { return false };
        self.prospects.insert(id.to_owned(), prospect);
        // The codes the whole file names: the rest of the file's and this prospect's (all in
        // `one`), and every other prospect's.
        let named: BTreeSet<String> = one.calendars.keys().cloned().collect();
        for (code, calendar) in one.calendars {
            self.calendars.entry(code).or_insert(calendar);
        }
        self.calendars.retain(|code, _| {
            named.contains(code) || self.prospects.values().any(|p| p.holidays.as_deref() == Some(code))
        });
        true
    }

    /// Where the table `[prospects.ID]` is in `text`, from its header line to the next table,
    /// when the quick reader reads the file's layout (see [`Config::reread_one`]).
    pub fn prospect_table_span(text: &str, id: &str) -> Option<std::ops::Range<usize>> {
        let split = fast::split(text)?;
        Some(split.only(text, id)?.span(text))
    }

    /// Validates config text; diagnostics name `<config>` as the file.
    ///
    /// # Errors
    /// Every problem found, as with [`Config::parse`].
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        parse::parse(text, "<config>", Privacy::Private, &crate::phone::Readings::default())
    }

    /// Makes the relative paths in the file (the outbox, a sendmail command, a password or CA
    /// file) relative to the folder the config is in, wherever ringback runs from.
    pub fn anchor_paths(&mut self, base: &Path) {
        let anchor = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        if let Some(mailbox) = self.mailbox.as_mut() {
            if let PasswordSource::File(f) = &mut mailbox.password {
                anchor(f);
            }
            if let Some(ca) = &mut mailbox.ca_file {
                anchor(ca);
            }
        }
        let Some(email) = self.notify.email.as_mut() else { return };
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

    /// Whether the quick reader of prospect tables and the general parser give the same result
    /// for this text (both `Ok` and equal, or both `Err` with the same diagnostics): what the
    /// `config_fast` fuzz target checks. `Err` describes the difference.
    #[cfg(feature = "test-support")]
    pub fn quick_and_general_agree(text: &str) -> Result<(), String> {
        let phones = crate::phone::Readings::default();
        let both = format!("{:?}", parse::parse(text, "<config>", Privacy::Private, &phones));
        let general = format!("{:?}", parse::parse_with(text, "<config>", Privacy::Private, &phones, None));
        if both == general { Ok(()) } else { Err(format!("quick way: {both}\ngeneral way: {general}")) }
    }

    /// Whether `date`, read as the prospect's own calendar date, is a workday for them: their
    /// `workdays` (else their country's week, else Monday to Friday), less their `holidays`.
    /// Asked for every day a call might fall on, so it borrows and never builds a calendar.
    pub fn is_their_workday(&self, prospect: &Prospect, date: Date) -> bool {
        const PLAIN_WEEK: [bool; 7] = [true, true, true, true, true, false, false];
        let country = prospect.holidays.as_ref().and_then(|code| self.calendars.get(code));
        let week = prospect.workdays.or(country.map(|c| c.workdays)).unwrap_or(PLAIN_WEEK);
        week[crate::calendar::weekday_index(date.weekday())]
            && !country.is_some_and(|c| c.holidays.contains(&date))
    }

    /// Their last workday strictly before `date` (see [`Config::is_their_workday`]).
    pub fn their_workday_before(&self, prospect: &Prospect, date: Date) -> Date {
        let mut day = date;
        // At least one workday a week is validated, so this ends well before the bound.
        for _ in 0..400 {
            day = day.yesterday().unwrap_or(day);
            if self.is_their_workday(prospect, day) {
                return day;
            }
        }
        day
    }

    pub fn cadence_of(&self, prospect: &Prospect) -> &Cadence {
        &self.cadences[&*prospect.cadence]
    }

    /// Where the config was read from, for messages.
    pub fn display_path(&self) -> String {
        self.path.as_ref().map_or_else(|| "<config>".to_owned(), |p| p.display().to_string())
    }
}

/// Whether the config file may hold a literal secret, or name a command to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privacy {
    Private,
    /// Readable or writable by group or others, with its mode for the message.
    Shared(u32),
}

impl Privacy {
    /// Others can read a secret written in it.
    pub fn readable_by_others(self) -> Option<u32> {
        match self {
            Privacy::Shared(mode) if mode & 0o044 != 0 => Some(mode),
            _ => None,
        }
    }

    /// Others can change what it tells ringback to run.
    pub fn writable_by_others(self) -> Option<u32> {
        match self {
            Privacy::Shared(mode) if mode & 0o022 != 0 => Some(mode),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(prospects: &[(&str, &str)]) -> Config {
        let mut text = String::from(
            "[me]\nname = \"Dana\"\ntimezone = \"America/Toronto\"\n\
             [cadences.standard]\nsteps = [{ wait = \"0 days\", action = \"call\" }]\n",
        );
        for (id, name) in prospects {
            text.push_str(&format!("[prospects.{id}]\nname = \"{name}\"\n"));
        }
        Config::from_toml(&text).unwrap()
    }

    fn found(config: &Config, query: &str) -> Result<String, Lookup> {
        config.find_prospect(query).map(|p| p.id.clone())
    }

    #[test]
    fn a_prospect_is_found_by_id_name_prefix_or_word() {
        let c = book(&[
            ("bill", "Bill Old"),
            ("bill-jones", "Bill Jones"),
            ("carla-mendes", "Carla Mendes"),
            ("carla-ortiz", "Carla Mendes-Ortiz"),
        ]);
        assert_eq!(found(&c, "bill"), Ok("bill".into()));
        // An exact id or whole name wins over longer ones, whatever the case and spacing.
        assert_eq!(found(&c, "BILL"), Ok("bill".into()));
        assert_eq!(found(&c, " carla   MENDES "), Ok("carla-mendes".into()));
        assert_eq!(found(&c, "bill-j"), Ok("bill-jones".into()));
        assert_eq!(found(&c, "jones"), Ok("bill-jones".into()));
        assert_eq!(found(&c, "ortiz"), Ok("carla-ortiz".into()));
        let both = Lookup::Ambiguous(vec![
            ("carla-mendes".into(), "Carla Mendes".into()),
            ("carla-ortiz".into(), "Carla Mendes-Ortiz".into()),
        ]);
        assert_eq!(found(&c, "carla"), Err(both));
        assert_eq!(
            found(&c, "mendes"),
            Err(Lookup::Ambiguous(vec![
                ("carla-mendes".into(), "Carla Mendes".into()),
                ("carla-ortiz".into(), "Carla Mendes-Ortiz".into()),
            ]))
        );
        assert_eq!(found(&c, "zed"), Err(Lookup::Unknown));
        assert_eq!(found(&c, "  "), Err(Lookup::Unknown));
    }
}
