//! `ringback import`: prospects from a contacts or CRM export, added to the book.
//!
//! Edge: it reads a file the user names and writes the book through [`crate::book`].
//!
//! Each row becomes a prospect with a name, company, the best phone (mobile, then work, then
//! primary, then any), email (the one marked primary, else the first), notes, a profile URL,
//! and a zone: the file's own zone column, else a guess from the phone's prefix, else from the
//! country (and state or province where a country spans zones), else none (it is listed, and the
//! prospect falls back to `me.timezone`). A row matching a prospect already in the book (the same
//! phone in E.164, email in any case, or profile URL) is reported and not added; `--update` fills
//! that prospect's empty fields instead. A row without a name, or with a phone or email that is
//! not one, is reported with the line it starts on and skipped.

mod columns;
mod phone;
mod sheet;

use std::collections::{HashMap, HashSet};

use toml_edit::Value;

pub use columns::{Key, MAP_KEYS};
pub use sheet::ReadOptions;

use crate::book::{Book, EditError};
use crate::config::Config;
use crate::phone::{Number, PhoneError};
use columns::{Columns, Contact};
use phone::Zones;

/// What `import` was asked to do.
#[derive(Debug, Default)]
pub struct Options {
    /// `--map KEY=COLUMN`, keys from [`MAP_KEYS`].
    pub map: Vec<(Key, String)>,
    pub read: ReadOptions,
    pub update: bool,
    /// Ids the state has events for, besides the book's.
    pub taken: Vec<String>,
}

/// What happened to each row, in file order, and the counts.
#[derive(Debug, Default)]
pub struct Report {
    pub lines: Vec<String>,
    pub added: usize,
    pub updated: usize,
    pub duplicates: usize,
    pub skipped: usize,
    pub email_only: usize,
    /// How the zones were found: from the file, guessed from the phone, from the country, none.
    pub zones: [usize; 4],
}

impl Report {
    fn row(&mut self, line: u64, text: String) {
        self.lines.push(format!("line {line}: {text}"));
    }

    pub fn summary(&self) -> String {
        let [file, phone, country, none] = self.zones;
        let email_only = match self.email_only {
            0 => String::new(),
            n => format!(" ({n} with no phone)"),
        };
        format!(
            "added {}{email_only}, updated {}, already in the book {}, skipped {}; zones: {file} from the file, {phone} guessed from the phone, {country} from the country, {none} not found",
            self.added, self.updated, self.duplicates, self.skipped
        )
    }
}

/// Reads an export and adds its rows to the book (not yet saved). `file` names it in the
/// report and in the comment over each added table.
///
/// # Errors
/// The file cannot be read as a contacts export (no header found, a `--map` column missing).
pub fn import(
    book: &mut Book,
    bytes: &[u8],
    file: &str,
    options: &Options,
) -> Result<(String, Report), String> {
    let overrides = &options.map;
    let sheet = sheet::read(bytes, &options.read, |row| {
        Columns::lenient(row, overrides).usable()
            && (columns::source(row).is_some() || row.iter().filter(|c| !c.is_empty()).count() >= 2)
    })?;
    let columns = Columns::new(&sheet.header, overrides)?;
    let source =
        columns::source(&sheet.header).unwrap_or("an export of unknown origin (columns matched by name)");
    let assumed = if sheet.encoding_assumed {
        " (assumed: the file is not UTF-8 and has no byte-order mark; --encoding says otherwise)"
    } else {
        ""
    };
    let heading = format!(
        "read {file} as {source}: {} after the header on line {}, {}{assumed}, `{}`-separated",
        crate::render::count(sheet.records.len(), "record", "records"),
        sheet.header_line,
        sheet.encoding,
        char::from(sheet.delimiter).escape_default()
    );

    let heading = match &sheet.footer {
        Some((line, text)) => {
            let text: String = crate::config::single_line(text).chars().take(60).collect();
            format!(
                "{heading}\n  line {line}: the data ends here, at a one-column row (`{text}`): a report's footer; nothing after it was read"
            )
        }
        None => heading,
    };
    let zones = Zones::load();
    let config = book.config().clone();
    let my_region = config.me.region.as_deref();
    let mut known = Known::of(&config);
    let mut report = Report::default();
    // Ids still in the state (a prospect removed from the book keeps its events) are taken too:
    // a new person must not inherit someone else's history.
    let mut ids: HashSet<String> =
        config.prospects.keys().cloned().chain(options.taken.iter().cloned()).collect();

    for record in &sheet.records {
        let contact = columns.read(&record.fields).cleaned();
        let row = match Row::read(&contact, &zones, my_region) {
            Ok(row) => row,
            Err(why) => {
                report.skipped += 1;
                report.row(record.line, format!("skipped: {why}"));
                continue;
            }
        };
        if let Some((id, how)) = known.matching(&row) {
            if options.update && config.prospects.contains_key(&id) {
                let filled = fill(book, &id, &row, file, record.line).map_err(|e| e.to_string())?;
                if filled.is_empty() {
                    report.duplicates += 1;
                    report.row(
                        record.line,
                        format!("{} is already in the book as `{id}` ({how}); nothing to fill", row.name),
                    );
                } else {
                    report.updated += 1;
                    report.row(record.line, format!("updated `{id}` ({how}): filled {}", filled.join(", ")));
                }
            } else {
                report.duplicates += 1;
                let hint = if options.update { "" } else { "; --update fills its empty fields" };
                report.row(
                    record.line,
                    format!("{} is already in the book as `{id}` ({how}): not added{hint}", row.name),
                );
            }
            continue;
        }
        let id = unique_id(&row.name, &ids);
        ids.insert(id.clone());
        known.add(&id, &row);
        let (zone_note, zone_kind) = match &row.zone {
            Found::File(zone) => (format!("zone {zone} from the file"), 0),
            Found::Guessed(zone, from) => (
                format!("zone {zone} guessed from {from}"),
                match from {
                    Basis::Phone(_) => 1,
                    Basis::Country(_) => 2,
                },
            ),
            Found::Not(why) => (format!("no zone ({why}): it uses me.timezone until you set one"), 3),
        };
        report.zones[zone_kind] += 1;
        let mut comment = vec![format!("imported from {file} line {}", record.line)];
        let mut note = zone_note;
        if row.phone.is_none() {
            report.email_only += 1;
            let only = if row.email.is_some() { "email only" } else { "profile URL only" };
            match &row.unread_phone {
                Some(why) => {
                    comment.push(format!(
                        "{only}: {why} (kept in notes); add one with `ringback set {id} phone=...`"
                    ));
                    note.push_str(&format!("; warning: {why}, so {only} (the text is in its notes)"));
                }
                None => {
                    comment.push(format!(
                        "{only}: no phone in the export; add one with `ringback set {id} phone=...`"
                    ));
                    note.push_str(&format!("; {only} (no phone: its calls say so until you add one)"));
                }
            }
        }
        book.add(&id, row.fields(), &comment).map_err(|e| e.to_string())?;
        report.added += 1;
        let company = row.company.as_deref().map(|c| format!(", {c}")).unwrap_or_default();
        report.row(record.line, format!("added `{id}` ({}{company}): {note}", row.name));
    }
    Ok((heading, report))
}

/// The prospect already in the book with this phone (compared in E.164), email (in any case)
/// or profile URL, and which of them matched: `add` refuses it as `import` does.
pub fn already_in_book(
    config: &Config,
    phone: Option<&str>,
    email: Option<&str>,
    url: Option<&str>,
) -> Option<(String, &'static str)> {
    let known = Known::of(config);
    let row = Row {
        name: String::new(),
        company: None,
        phone: phone.and_then(|p| crate::phone::read(p, config.me.region.as_deref()).ok()),
        email: email.map(str::to_owned),
        notes: None,
        url: url.map(str::to_owned),
        zone: Found::Not(String::new()),
        unread_phone: None,
    };
    known.matching(&row)
}

/// Where a zone came from.
#[derive(Debug)]
enum Found {
    File(String),
    Guessed(String, Basis),
    Not(String),
}

#[derive(Debug)]
enum Basis {
    /// The prefix, as `+1 604`.
    Phone(String),
    Country(String),
}

impl std::fmt::Display for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Basis::Phone(prefix) => write!(f, "{prefix}"),
            Basis::Country(what) => write!(f, "{what}"),
        }
    }
}

/// One row judged: what will be written.
#[derive(Debug)]
struct Row {
    name: String,
    company: Option<String>,
    phone: Option<Number>,
    email: Option<String>,
    notes: Option<String>,
    url: Option<String>,
    zone: Found,
    /// Why the export's phone was not taken (it went into the notes), for the report.
    unread_phone: Option<String>,
}

impl Row {
    fn read(contact: &Contact, zones: &Zones, my_region: Option<&str>) -> Result<Row, String> {
        let joined: Vec<&str> = [&contact.first, &contact.middle, &contact.last]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .collect();
        let name = match (&contact.name, joined.is_empty()) {
            (_, false) => joined.join(" "),
            (Some(name), true) => name.clone(),
            (None, true) => return Err("no name".to_owned()),
        };
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        let country = contact.country.as_deref().and_then(|c| zones.country_code(c));
        let region = country.or(my_region);
        let mut phones: Vec<&(u8, String)> = contact.phones.iter().collect();
        phones.sort_by_key(|(rank, _)| *rank);
        // The best-ranked phone that reads (a mobile of `n/a` does not hide a good work number);
        // when none reads, why the first does not.
        let readable = phones.iter().find_map(|(_, text)| crate::phone::read(text, region).ok());
        let read_phone = phones.first().map(|(_, text)| match readable {
            Some(number) => Ok(number),
            None => crate::phone::read(text, region).map_err(|e| match e {
                PhoneError::NoCountry => format!(
                    "phone `{text}` has no country code and the row no country (add +CC, or set me.phone so its country is assumed)"
                ),
                PhoneError::NotANumber => format!("phone `{text}` is not a phone number"),
                e => format!("phone `{text}` cannot be dialled: {e}"),
            }),
        });
        let mut emails: Vec<&(bool, String)> = contact.emails.iter().collect();
        // The one marked primary first, else the order of the columns.
        emails.sort_by_key(|(primary, _)| !primary);
        let email = match emails.first() {
            None => None,
            Some((_, text)) if is_email(text) => Some(text.clone()),
            Some((_, text)) => return Err(format!("email `{text}` is not an address")),
        };
        // A phone that cannot be read loses the row only when nothing else reaches them: else
        // they are added without it, its text kept in the notes for a person to read.
        let mut notes = contact.notes.clone();
        let (phone, unread_phone) = match read_phone {
            None => (None, None),
            Some(Ok(number)) => (Some(number), None),
            Some(Err(why)) if email.is_none() && contact.url.is_none() => return Err(why),
            Some(Err(why)) => {
                // Every value of the phone columns, as a cell split at `,` may have cut one.
                let text = phones.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>().join(", ");
                let kept = format!("phone as exported: {text}");
                notes = Some(match notes {
                    Some(n) if !n.trim().is_empty() => format!("{n}\n{kept}"),
                    _ => kept,
                });
                (None, Some(why))
            }
        };
        if phone.is_none() && email.is_none() && contact.url.is_none() {
            return Err(format!("{name}: no phone, email or profile URL to reach them by"));
        }
        let zone = zone(contact, zones, phone.as_ref(), country);
        Ok(Row {
            name,
            company: contact.company.clone(),
            phone,
            email,
            notes,
            url: contact.url.clone(),
            zone,
            unread_phone,
        })
    }

    fn fields(&self) -> Vec<(&'static str, Value)> {
        let mut fields = vec![("name", Value::from(self.name.as_str()))];
        // The book gets the number as people read it; the dialler's form is derived from it.
        let phone = self.phone.as_ref().map(Number::grouped);
        let text = [("company", &self.company), ("phone", &phone), ("email", &self.email)];
        fields.extend(text.into_iter().filter_map(|(k, v)| Some((k, Value::from(v.as_deref()?)))));
        match &self.zone {
            Found::File(zone) => fields.push(("timezone", Value::from(zone.as_str()))),
            Found::Guessed(zone, from) => {
                let value =
                    crate::book::line_comment(Value::from(zone.as_str()), &format!("guessed from {from}"));
                fields.push(("timezone", value));
            }
            Found::Not(_) => {}
        }
        let text = [("notes", &self.notes), ("url", &self.url)];
        fields.extend(text.into_iter().filter_map(|(k, v)| Some((k, Value::from(v.as_deref()?)))));
        fields
    }
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c == ',' || c == '<' || c == '>')
}

/// The row's zone: the file's own (an IANA name, or HubSpot's `america_slash_new_york`), else
/// the phone's prefix when libphonenumber gives it one zone, else the country (or state).
fn zone(contact: &Contact, zones: &Zones, phone: Option<&Number>, country: Option<&str>) -> Found {
    for column in [&contact.timezone, &contact.ip_timezone] {
        if let Some(zone) = column.as_deref().and_then(|z| iana_name(z, zones)) {
            return Found::File(zone);
        }
    }
    let mut why = Vec::new();
    if let Some(phone) = phone {
        match zones.by_phone(phone) {
            Some((prefix, found)) if found.len() == 1 => {
                return Found::Guessed(found[0].to_owned(), Basis::Phone(shown_prefix(phone, prefix)));
            }
            Some((prefix, found)) if found.len() > 1 => {
                // A state or one-zone country may settle it.
                let by_country = country.and_then(|c| zones.by_country(c, contact.state.as_deref()));
                if let Some(zone) = by_country.filter(|z| found.contains(z)) {
                    return Found::Guessed(zone.to_owned(), Basis::Country(place(contact)));
                }
                why.push(format!("+{prefix} spans {}", found.join(", ")));
            }
            _ if !phone.valid() => {
                why.push(format!("{} is not a number its country has (libphonenumber)", phone.grouped()));
            }
            _ => why.push(format!("no zone known for {}", phone.grouped())),
        }
    }
    if let Some(code) = country {
        if let Some(zone) = zones.by_country(code, contact.state.as_deref()) {
            return Found::Guessed(zone.to_owned(), Basis::Country(place(contact)));
        }
        why.push(format!("{} spans several zones", place(contact)));
    } else if let Some(country) = &contact.country {
        why.push(format!("country `{country}` not recognised"));
    }
    if why.is_empty() {
        why.push("the row has no zone, phone or country".to_owned());
    }
    Found::Not(why.join("; "))
}

/// `the state NY, United States` or `the country Germany`, for a guess's comment.
fn place(contact: &Contact) -> String {
    match (&contact.state, &contact.country) {
        (Some(state), Some(country)) => format!("the state {state}, {country}"),
        (None, Some(country)) => format!("the country {country}"),
        _ => "the row's country".to_owned(),
    }
}

/// `+1 604` for `+16045550100`: the calling code, then the rest of the prefix the zone came from.
fn shown_prefix(phone: &Number, prefix: &str) -> String {
    let calling = phone.country_code.to_string();
    match prefix.strip_prefix(calling.as_str()) {
        Some(rest) if !rest.is_empty() => format!("+{calling} {rest}"),
        _ => format!("+{prefix}"),
    }
}

/// An IANA zone name the system knows, from the name itself or HubSpot's slug of it
/// (`america_slash_port_hyphen_au_hyphen_prince` is `America/Port-au-Prince`).
fn iana_name(text: &str, zones: &Zones) -> Option<String> {
    let text = text.trim();
    let name = text.replace("_slash_", "/").replace("_hyphen_", "-");
    if jiff::tz::TimeZone::get(&name).is_ok() && name.contains('/') {
        // The database's own spelling, not the slug's lowercase, under its current name
        // (`Asia/Calcutta` is written `Asia/Kolkata`).
        let spelled =
            jiff::tz::db().available().find(|n| n.as_str().eq_ignore_ascii_case(&name))?.to_string();
        return Some(zones.current_name(&spelled).unwrap_or(&spelled).to_owned());
    }
    None
}

/// Ways a row can be a prospect the book already has.
struct Known {
    phones: HashMap<String, String>,
    emails: HashMap<String, String>,
    urls: HashMap<String, String>,
}

impl Known {
    fn of(config: &Config) -> Known {
        let mut known = Known { phones: HashMap::new(), emails: HashMap::new(), urls: HashMap::new() };
        for (id, p) in &config.prospects {
            if let Some(number) = &p.number {
                known.phones.insert(number.e164().to_owned(), id.clone());
            }
            if let Some(email) = &p.email {
                known.emails.insert(email.to_lowercase(), id.clone());
            }
            if let Some(url) = &p.url {
                known.urls.insert(url_key(url), id.clone());
            }
        }
        known
    }

    fn matching(&self, row: &Row) -> Option<(String, &'static str)> {
        let phone =
            row.phone.as_ref().and_then(|p| self.phones.get(p.e164())).map(|id| (id.clone(), "same phone"));
        let email = || {
            row.email
                .as_ref()
                .and_then(|e| self.emails.get(&e.to_lowercase()))
                .map(|id| (id.clone(), "same email"))
        };
        let url =
            || row.url.as_ref().and_then(|u| self.urls.get(&url_key(u))).map(|id| (id.clone(), "same URL"));
        phone.or_else(email).or_else(url)
    }

    fn add(&mut self, id: &str, row: &Row) {
        if let Some(phone) = &row.phone {
            self.phones.insert(phone.e164().to_owned(), id.to_owned());
        }
        if let Some(email) = &row.email {
            self.emails.insert(email.to_lowercase(), id.to_owned());
        }
        if let Some(url) = &row.url {
            self.urls.insert(url_key(url), id.to_owned());
        }
    }
}

/// A profile URL compared without scheme, `www.`, case or trailing `/`.
fn url_key(url: &str) -> String {
    let url = url.trim().to_lowercase();
    let url = url.trim_start_matches("https://").trim_start_matches("http://").trim_start_matches("www.");
    url.trim_end_matches('/').to_owned()
}

/// `--update`: the row's values for keys the prospect's table does not have.
fn fill(book: &mut Book, id: &str, row: &Row, file: &str, line: u64) -> Result<Vec<&'static str>, EditError> {
    let mut filled = Vec::new();
    for (key, value) in row.fields() {
        if key == "name" || book.has_key(id, key)? {
            continue;
        }
        let from = format!("from {file} line {line}");
        let comment = match value.decor().suffix().and_then(|s| s.as_str()) {
            Some(guess) => format!("{} ({from})", guess.trim().trim_start_matches('#').trim()),
            None => from,
        };
        book.set(id, key, value, Some(&comment))?;
        filled.push(key);
    }
    Ok(filled)
}

/// An id from a name: lowercase, Latin letters without their accents, words joined by `-`,
/// made unique with `-2`, `-3`.
fn unique_id(name: &str, taken: &HashSet<String>) -> String {
    let mut base = String::new();
    for c in name.chars().flat_map(crate::config::fold_accent) {
        if c.is_alphanumeric() {
            base.extend(c.to_lowercase());
        } else if !base.is_empty() && !base.ends_with('-') {
            base.push('-');
        }
    }
    let base = base.trim_end_matches('-').to_owned();
    let base = if base.is_empty() { "prospect".to_owned() } else { base };
    if !taken.contains(&base) {
        return base;
    }
    (2..).map(|n| format!("{base}-{n}")).find(|id| !taken.contains(id)).unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_and_unique() {
        let taken: HashSet<String> = ["bill-jones".to_owned()].into();
        assert_eq!(unique_id("Bill  Jones", &taken), "bill-jones-2");
        assert_eq!(unique_id("Łukasz Żółć", &taken), "lukasz-zolc");
        assert_eq!(unique_id("Jürgen Groß-Müller", &taken), "jurgen-gross-muller");
        assert_eq!(unique_id("Дмитрий Иванов", &taken), "дмитрий-иванов");
        assert_eq!(unique_id("O'Connor, Erin", &taken), "o-connor-erin");
        assert_eq!(unique_id("!!!", &taken), "prospect");
    }

    #[test]
    fn hubspot_slugs_and_iana_names_are_zones() {
        let zones = Zones::load();
        let iana_name = |text: &str| iana_name(text, &zones);
        assert_eq!(
            iana_name("america_slash_port_hyphen_au_hyphen_prince").as_deref(),
            Some("America/Port-au-Prince")
        );
        assert_eq!(iana_name("America/Vancouver").as_deref(), Some("America/Vancouver"));
        assert_eq!(iana_name("Eastern Time"), None);
        assert_eq!(iana_name("UTC"), None);
        // Old names come out current.
        assert_eq!(iana_name("asia_slash_calcutta").as_deref(), Some("Asia/Kolkata"));
        assert_eq!(iana_name("America/Buenos_Aires").as_deref(), Some("America/Argentina/Buenos_Aires"));
    }

    #[test]
    fn emails_are_checked_for_shape_only() {
        assert!(is_email("ada@example.com"));
        assert!(!is_email("not-an-email"));
        assert!(!is_email("ada@localhost"));
        assert!(!is_email("Ada <ada@example.com>"));
    }
}
