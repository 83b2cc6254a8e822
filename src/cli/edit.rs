//! `add` and `set`: the book edited from the command line, through [`crate::book::Book`].

use jiff::Timestamp;
use toml_edit::Value;

use super::{Failure, find_prospect, print};
use crate::book::{Book, EditError, prospect_value};
use crate::files::Paths;

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The new prospect's id: letters, digits, `-`, `_` and `.` (what you will type in `log`)
    pub id: String,
    #[arg(long, value_name = "TEXT")]
    pub name: String,
    #[arg(long, value_name = "TEXT")]
    pub company: Option<String>,
    /// As you write it: "+44 20 7946 0011", "+1 604 555 0100 x12", or national in me.phone's country
    #[arg(long, value_name = "NUMBER")]
    pub phone: Option<String>,
    #[arg(long, value_name = "ADDRESS")]
    pub email: Option<String>,
    /// The prospect's IANA zone, e.g. America/Vancouver [default: me.timezone]
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,
    /// cold, met, warm or client [default: cold]
    #[arg(long, value_name = "KIND")]
    pub relationship: Option<String>,
    /// When they entered the book, YYYY-MM-DD [default: when ringback first sees them]
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Something personal to open with
    #[arg(long, value_name = "TEXT")]
    pub hook: Option<String>,
    /// What you bring them, as the scripts say it
    #[arg(long, value_name = "TEXT")]
    pub value: Option<String>,
    /// A cadence defined under [cadences] [default: defaults.cadence]
    #[arg(long, value_name = "NAME")]
    pub cadence: Option<String>,
    /// Call windows in their zone, comma-separated: 08:00-09:00,17:00-18:30
    #[arg(long, value_name = "WINDOWS")]
    pub windows: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub notes: Option<String>,
    /// A profile or web page
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Their public holidays: a country (CA) or a subdivision (CA-ON)
    #[arg(long, value_name = "CODE")]
    pub holidays: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// The prospect: its id, the start of it, or its name
    #[arg(add = clap_complete::ArgValueCandidates::new(super::install::prospect_ids))]
    pub id: String,
    /// KEY=VALUE: status=won, call_windows=17:00-18:30, since=2026-11-02,
    /// next_step="2026-12-03 send the proposal"
    #[arg(value_name = "KEY=VALUE", add = clap_complete::ArgValueCandidates::new(super::install::prospect_keys))]
    pub changes: Vec<String>,
    /// Remove KEY from the prospect (it falls back to its default)
    #[arg(long, value_name = "KEY")]
    pub unset: Vec<String>,
}

impl From<EditError> for Failure {
    fn from(e: EditError) -> Self {
        match e {
            EditError::Invalid(e) => Failure::Config(e),
            EditError::Refused(m) => Failure::Usage(m),
            e @ EditError::WouldBeInvalid(_) => Failure::Usage(e.to_string()),
            EditError::Io(m) => Failure::Runtime(m),
        }
    }
}

pub fn add(paths: &Paths, args: AddArgs) -> Result<(), Failure> {
    let mut book = Book::open(&paths.config, super::known_phones(paths, false))?;
    let given = [
        ("name", Some(args.name)),
        ("company", args.company),
        ("phone", args.phone),
        ("email", args.email),
        ("timezone", args.timezone),
        ("relationship", args.relationship),
        ("since", args.since),
        ("cadence", args.cadence),
        ("call_windows", args.windows),
        ("hook", args.hook),
        ("value", args.value),
        ("notes", args.notes),
        ("url", args.url),
        ("holidays", args.holidays),
    ];
    let text = |key: &str| given.iter().find(|(k, _)| *k == key).and_then(|(_, v)| v.as_deref());
    if let Some((id, how)) =
        crate::import::already_in_book(book.config(), text("phone"), text("email"), text("url"))
    {
        let name = book.config().prospects.get(&id).map_or("", |p| p.name.as_str());
        return Err(Failure::Usage(format!(
            "{name} [{id}] already has this {}: not added (log against `{id}`, or change theirs with `ringback set {id} ...`)",
            how.trim_start_matches("same ")
        )));
    }
    let mut fields = Vec::new();
    for (key, text) in given {
        if let Some(text) = text {
            fields.push((key, prospect_value(key, &text)?));
        }
    }
    book.add(&args.id, fields, &[format!("added with `ringback add` on {}", today(&book))])?;
    let config = book.save(true)?;
    print(&format!(
        "added prospect `{}` to {}\n{}",
        args.id,
        config.display_path(),
        due_now(paths, &config, &args.id, super::Meanwhile::none())?
    ))
}

pub fn set(paths: &Paths, args: SetArgs) -> Result<(), Failure> {
    if args.changes.is_empty() && args.unset.is_empty() {
        return Err(Failure::Usage("nothing to change: give KEY=VALUE or --unset KEY".into()));
    }
    let meanwhile = super::Meanwhile::start(paths);
    let mut book = Book::open(&paths.config, super::known_phones(paths, false))?;
    let id = find_prospect(book.config(), &args.id)?.id.clone();
    let mut changed = Vec::new();
    for change in &args.changes {
        let Some((key, text)) = change.split_once('=') else {
            return Err(Failure::Usage(format!("`{change}` is not KEY=VALUE (e.g. status=won)")));
        };
        let key = key.trim();
        let value: Value = prospect_value(key, text)?;
        changed.push(format!("  {key} = {}", value.to_string().trim()));
        book.set(&id, key, value, None)?;
    }
    for key in &args.unset {
        // An unknown key is refused, not silently ignored.
        crate::book::prospect_key(key)?;
        if key == "name" {
            return Err(Failure::Usage("a prospect needs a name: set it instead of unsetting it".into()));
        }
        if book.unset(&id, key)? {
            changed.push(format!("  {key} removed"));
        } else {
            changed.push(format!("  {key} was not set"));
        }
    }
    let config = book.save(true)?;
    let printed = print(&format!(
        "changed prospect `{id}` in {}:\n{}\n{}",
        config.display_path(),
        changed.join("\n"),
        due_now(paths, &config, &id, meanwhile)?
    ));
    super::keep_until_exit(config);
    printed
}

/// Today in my zone, for the comment on an added table.
fn today(book: &Book) -> jiff::civil::Date {
    Timestamp::now().to_zoned(book.config().me.timezone.clone()).date()
}

/// What is due for the prospect now, as `log` and `undo` show it.
fn due_now(
    paths: &Paths,
    config: &crate::config::Config,
    id: &str,
    meanwhile: super::Meanwhile,
) -> Result<String, Failure> {
    let now = Timestamp::now();
    let history = super::read_history_for(paths, config, id, now, meanwhile)?;
    Ok(super::after_log(config, &history, id, now))
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// A CSV export (Google, Outlook, Thunderbird, LinkedIn, HubSpot, Salesforce, Pipedrive,
    /// Zoho, Close; gzip-compressed too)
    pub file: std::path::PathBuf,
    /// Read KEY from COLUMN (for headers in another language): name, first_name, last_name,
    /// company, mobile, phone, email, notes, url, country, state, timezone
    #[arg(long, value_name = "KEY=COLUMN")]
    pub map: Vec<String>,
    /// The file's encoding when it has no byte-order mark and is not UTF-8 (e.g. windows-1252,
    /// iso-8859-2) [default: UTF-8, else windows-1252]
    #[arg(long, value_name = "E")]
    pub encoding: Option<String>,
    /// The field separator [default: `,` `;` or tab, whichever the file uses]
    #[arg(long, value_name = "C")]
    pub delimiter: Option<String>,
    /// Print the report and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Fill the empty fields of prospects already in the book instead of only reporting them
    #[arg(long)]
    pub update: bool,
}

/// The most an export may be: far more than any contact list, and a bound on a wrong path.
const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

pub fn import(paths: &Paths, args: ImportArgs) -> Result<(), Failure> {
    use crate::import::{MAP_KEYS, Options, ReadOptions};
    let mut map = Vec::new();
    for entry in &args.map {
        let Some((key, column)) = entry.split_once('=') else {
            return Err(Failure::Usage(format!(
                "--map `{entry}` is not KEY=COLUMN (e.g. first_name=Vorname)"
            )));
        };
        let Some((_, key)) = MAP_KEYS.iter().find(|(k, _)| *k == key.trim()) else {
            let keys: Vec<&str> = MAP_KEYS.iter().map(|(k, _)| *k).collect();
            return Err(Failure::Usage(format!(
                "--map: unknown key `{key}`: expected one of {}",
                keys.join(", ")
            )));
        };
        map.push((*key, column.trim().to_owned()));
    }
    let encoding = match &args.encoding {
        Some(label) => Some(encoding_rs::Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
            Failure::Usage(format!(
                "--encoding: unknown encoding `{label}` (try utf-8, windows-1252, iso-8859-15, utf-16le)"
            ))
        })?),
        None => None,
    };
    let delimiter = match args.delimiter.as_deref() {
        None => None,
        Some("\\t" | "tab" | "\t") => Some(b'\t'),
        Some(d) if d.len() == 1 && d.is_ascii() => Some(d.as_bytes()[0]),
        Some(d) => {
            return Err(Failure::Usage(format!("--delimiter `{d}` is not one character (`,` `;` `tab`)")));
        }
    };
    let taken = match crate::state::State::open_read_only(&paths.state)? {
        Some(state) => state.known_ids()?.into_keys().collect(),
        None => Vec::new(),
    };
    let options = Options { map, read: ReadOptions { encoding, delimiter }, update: args.update, taken };

    let mut book = Book::open(&paths.config, super::known_phones(paths, false))?;
    let bytes = read_export(&args.file)?;
    let name = args
        .file
        .file_name()
        .map_or_else(|| args.file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let (heading, report) = crate::import::import(&mut book, &bytes, &name, &options)
        .map_err(|e| Failure::runtime(format!("{}: {e}", args.file.display())))?;
    let changed = report.added + report.updated > 0;
    let mut out = format!("{heading}\n");
    for line in &report.lines {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&report.summary());
    out.push('\n');
    let config = match book.save(!args.dry_run && changed) {
        Ok(config) => config,
        Err(EditError::WouldBeInvalid(e)) => {
            // The report first: it says which rows the errors are about.
            print(&out)?;
            return Err(Failure::runtime(format!(
                "nothing written: the book with these rows would not be valid:\n{e}"
            )));
        }
        Err(other) => return Err(Failure::from(other)),
    };
    out.push_str(&if args.dry_run {
        "dry run: nothing written\n".to_owned()
    } else if changed {
        format!("wrote {}\n", config.display_path())
    } else {
        "nothing to write\n".to_owned()
    });
    print(&out)
}

/// Reads an export, gunzipping it when it is gzip (Close delivers `.csv.gz`).
fn read_export(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let cannot = |e: std::io::Error| Failure::runtime(format!("cannot read {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_IMPORT_BYTES + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .take(MAX_IMPORT_BYTES + 1)
            .read_to_end(&mut plain)
            .map_err(|e| Failure::runtime(format!("cannot gunzip {}: {e}", path.display())))?;
        bytes = plain;
    }
    if bytes.len() as u64 > MAX_IMPORT_BYTES {
        return Err(Failure::runtime(format!(
            "{} is larger than {} MiB: is this a contacts export?",
            path.display(),
            MAX_IMPORT_BYTES / (1024 * 1024)
        )));
    }
    Ok(bytes)
}
