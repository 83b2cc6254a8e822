//! Editing the book without an editor: `add`, `set` and `import` change the config file through
//! one writer that keeps every comment and the layout (toml_edit), validates the result with
//! the same loader the daemon uses, and replaces the file atomically (a temporary file in the
//! same folder, same mode, then a rename), so the running daemon reloads it like any edit and
//! never sees half a file.
//!
//! Edge: it reads and writes the config file; it uses the core to validate and `files` to read.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, Value};

use crate::config::{Config, ConfigError};
use crate::phone::Readings;

/// What an edit can be refused for. The caller decides the exit code: a refused value or a
/// duplicate is the user's to fix (2), an unreadable or unwritable file is not (1).
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The config as it is on disk does not validate: nothing is edited on top of it.
    #[error("{0}")]
    Invalid(ConfigError),
    /// The edit itself is wrong: an unknown key, a bad value, a duplicate id.
    #[error("{0}")]
    Refused(String),
    /// The edited config would not validate; nothing was written.
    #[error(
        "nothing written: the edited config would not be valid (lines as they would be after the edit):\n{0}"
    )]
    WouldBeInvalid(ConfigError),
    #[error("{0}")]
    Io(String),
}

/// Text as one line (see [`crate::config::single_line`]): the only way text reaches a comment
/// is through it, in [`Book::add`]'s lines, [`Book::set`]'s and [`line_comment`], so a newline
/// in a CSV cell cannot end a comment and let the rest be read as TOML.
pub use crate::config::single_line;

/// `value` with `  # TEXT` after it on its line.
pub fn line_comment(mut value: Value, text: &str) -> Value {
    value.decor_mut().set_suffix(format!("  # {}", single_line(text)));
    value
}

/// The message when the file changed under an edit (an editor saved it meanwhile).
fn changed_under_edit(path: &Path) -> EditError {
    EditError::Io(format!(
        "nothing written: {} changed on disk while this edit was being made (saved from an editor?); run the command again",
        path.display()
    ))
}

/// Every key a prospect table may hold, with how `set KEY=VALUE` reads the value.
pub const PROSPECT_KEYS: &[(&str, Kind)] = &[
    ("name", Kind::Text),
    ("company", Kind::Text),
    ("phone", Kind::Text),
    ("email", Kind::Text),
    ("timezone", Kind::Text),
    ("relationship", Kind::Text),
    ("since", Kind::Date),
    ("cadence", Kind::Text),
    ("call_windows", Kind::List),
    ("hook", Kind::Text),
    ("value", Kind::Text),
    ("gatekeeper", Kind::Text),
    ("boss", Kind::Text),
    ("notes", Kind::Text),
    ("url", Kind::Text),
    ("holidays", Kind::Text),
    ("workdays", Kind::List),
    ("promised_callback", Kind::Date),
    ("next_step", Kind::NextStep),
    ("status", Kind::Text),
];

/// How a value given on the command line becomes TOML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string, as typed.
    Text,
    /// `YYYY-MM-DD`, written as a TOML date.
    Date,
    /// Comma-separated (`17:00-18:30,08:00-09:00`) or a TOML array.
    List,
    /// `YYYY-MM-DD what was agreed`, written as `{ on = DATE, what = "..." }`.
    NextStep,
}

/// How a prospect key's value is read.
///
/// # Errors
/// An unknown key, naming the known ones.
pub fn prospect_key(key: &str) -> Result<Kind, EditError> {
    PROSPECT_KEYS.iter().find(|(k, _)| *k == key).map(|(_, kind)| *kind).ok_or_else(|| {
        let known: Vec<&str> = PROSPECT_KEYS.iter().map(|(k, _)| *k).collect();
        EditError::Refused(format!("unknown prospect key `{key}`: expected one of {}", known.join(", ")))
    })
}

/// Reads a command-line value for a prospect key into TOML.
///
/// # Errors
/// An unknown key (naming the known ones) or a value of the wrong shape.
pub fn prospect_value(key: &str, text: &str) -> Result<Value, EditError> {
    let kind = prospect_key(key)?;
    let date = |text: &str| -> Result<Value, EditError> {
        text.trim()
            .parse::<toml_edit::Datetime>()
            .ok()
            .filter(|d| d.date.is_some() && d.time.is_none())
            .map(Value::from)
            .ok_or_else(|| EditError::Refused(format!("{key}: `{text}` is not a date: expected YYYY-MM-DD")))
    };
    match kind {
        Kind::Text => Ok(Value::from(text)),
        Kind::Date => date(text),
        Kind::List => {
            let text = text.trim();
            if text.starts_with('[') {
                return text.parse::<Value>().ok().filter(Value::is_array).ok_or_else(|| {
                    EditError::Refused(format!("{key}: `{text}` is not a TOML array of strings"))
                });
            }
            let items: toml_edit::Array = text.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
            Ok(Value::Array(items))
        }
        Kind::NextStep => {
            let (on, what) = text.trim().split_once(char::is_whitespace).unwrap_or((text.trim(), ""));
            let what = what.trim();
            if what.is_empty() {
                return Err(EditError::Refused(format!(
                    "{key}: expected `YYYY-MM-DD what was agreed`, e.g. `next_step=2026-12-03 send the proposal`"
                )));
            }
            let mut step = toml_edit::InlineTable::new();
            step.insert("on", date(on)?);
            step.insert("what", Value::from(what));
            Ok(Value::InlineTable(step))
        }
    }
}

/// The config file open for editing.
pub struct Book {
    path: PathBuf,
    /// The whole document, parsed when an edit first needs it (`add`, `import`). A `set` on
    /// one prospect of a book the quick reader reads parses and rewrites only that prospect's
    /// table in `text` (a document of a 10 000-prospect book costs ten times the rest of the
    /// command), and the result is validated the same way: the rest of the file and that table.
    doc: Option<DocumentMut>,
    /// The text as edited so far, while `doc` is `None`.
    text: String,
    /// The one prospect whose table was edited in `text`, if any.
    spliced: Option<String>,
    /// The numbers read before (see [`Readings`]), for reading the edited book again.
    phones: Readings,
    /// The book as it validated before any edit, for looking prospects up.
    config: Config,
    /// The text read, to tell before writing whether someone else has written since.
    read: String,
    /// Held from the read to the rename (see [`Book::open`]); released when the book drops.
    _lock: std::fs::File,
    /// The position of the last table under `prospects`, once looked up: an import adds
    /// thousands, each after the one before, without scanning the book again.
    last_prospect: Option<Option<isize>>,
}

impl Book {
    /// Opens the config for editing; it must validate as it is.
    ///
    /// # Errors
    /// [`EditError::Invalid`] when the file on disk is not a valid config, [`EditError::Io`]
    /// when it cannot be read.
    ///
    /// Every edit (`add`, `set`, `import`) holds an exclusive lock on a file beside the config
    /// (`.NAME.lock`, beside the file a symlink points to) from this read until the new file is
    /// renamed into place, so two edits at once run one after the other instead of one undoing
    /// the other. An editor takes no lock: [`Book::save`] checks that the file still holds the
    /// text read, and writes nothing when it does not.
    pub fn open(path: &Path, phones: Readings) -> Result<Book, EditError> {
        let lock =
            lock_beside(path).map_err(|e| EditError::Io(format!("cannot lock {}: {e}", path.display())))?;
        // One read: the edit is made on exactly the text that validated.
        let (config, text) = crate::files::read_config_text(path, &phones).map_err(EditError::Invalid)?;
        Ok(Book {
            path: path.to_path_buf(),
            doc: None,
            text: text.clone(),
            spliced: None,
            phones,
            config,
            read: text,
            _lock: lock,
            last_prospect: None,
        })
    }

    /// The whole document, parsed from the text as edited so far.
    fn doc(&mut self) -> Result<&mut DocumentMut, EditError> {
        if self.doc.is_none() {
            // It validated, so it parses.
            let doc = self
                .text
                .parse::<DocumentMut>()
                .map_err(|e| EditError::Io(format!("cannot edit {}: {e}", self.path.display())))?;
            self.doc = Some(doc);
            self.spliced = None;
        }
        Ok(self.doc.as_mut().expect("parsed above"))
    }

    /// Makes `edit` on prospect `id`'s table alone, parsed from its span of the text and
    /// written back in place: `None` (nothing changed) when the whole document is already
    /// parsed, another prospect was edited so, the quick reader does not find the table, or the
    /// edited table would not be one table of whole lines.
    fn splice<R>(&mut self, id: &str, edit: impl FnOnce(&mut Table) -> R) -> Option<R> {
        if self.doc.is_some() || self.spliced.as_deref().is_some_and(|s| s != id) {
            return None;
        }
        let span = Config::prospect_table_span(&self.text, id)?;
        let mut one = self.text[span.clone()].parse::<DocumentMut>().ok()?;
        let table = one.get_mut("prospects")?.get_mut(id)?.as_table_mut()?;
        let done = edit(table);
        let edited = one.to_string();
        // Still one table of whole lines, so the rest of the file reads as it did.
        if Config::prospect_table_span(&edited, id) != Some(0..edited.len()) {
            return None;
        }
        self.text.replace_range(span, &edited);
        self.spliced = Some(id.to_owned());
        Some(done)
    }

    /// The book as it was read, before any edit.
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn prospects_table(&mut self) -> Result<&mut Table, EditError> {
        let root = self.doc()?.as_table_mut();
        if !root.contains_key("prospects") {
            let mut prospects = Table::new();
            // Only `[prospects.ID]` headers are written, never a bare `[prospects]`.
            prospects.set_implicit(true);
            root.insert("prospects", Item::Table(prospects));
        }
        root.get_mut("prospects").and_then(Item::as_table_mut).ok_or_else(|| {
            EditError::Refused("`prospects` in the config is not a table of [prospects.ID] tables".into())
        })
    }

    fn prospect_table(&mut self, id: &str) -> Result<&mut Table, EditError> {
        let prospects = self.prospects_table()?;
        match prospects.get_mut(id) {
            Some(Item::Table(table)) => Ok(table),
            Some(_) => Err(EditError::Refused(format!(
                "prospects.{id} is written inline; edit it by hand or as a [prospects.{id}] table"
            ))),
            None => Err(EditError::Refused(format!("no prospect `{id}` in the config"))),
        }
    }

    /// Whether the book has a prospect with this exact id.
    ///
    /// # Errors
    /// The file no longer parses (it validated when read).
    pub fn has(&mut self, id: &str) -> Result<bool, EditError> {
        let doc = self.doc()?;
        Ok(doc.get("prospects").and_then(Item::as_table_like).is_some_and(|t| t.contains_key(id)))
    }

    /// Whether a prospect's table has `key` (set, not defaulted).
    ///
    /// # Errors
    /// The file no longer parses (it validated when read).
    pub fn has_key(&mut self, id: &str, key: &str) -> Result<bool, EditError> {
        Ok(self
            .doc()?
            .get("prospects")
            .and_then(|p| p.get(id))
            .and_then(Item::as_table_like)
            .is_some_and(|t| t.contains_key(key)))
    }

    /// Adds a `[prospects.ID]` table after the last prospect, with `comment` lines above it.
    ///
    /// # Errors
    /// A duplicate id, or an id that could not be typed on the command line.
    pub fn add(&mut self, id: &str, fields: Vec<(&str, Value)>, comment: &[String]) -> Result<(), EditError> {
        if self.has(id)? {
            return Err(EditError::Refused(format!("a prospect `{id}` is already in the config")));
        }
        let mut table = Table::new();
        for (key, value) in fields {
            table.insert(key, Item::Value(value));
        }
        let mut prefix = String::from("\n");
        for line in comment {
            prefix.push_str("# ");
            prefix.push_str(&single_line(line));
            prefix.push('\n');
        }
        table.decor_mut().set_prefix(prefix);
        let last = match self.last_prospect {
            Some(last) => last,
            None => max_position(self.prospects_table()?),
        };
        // After the last prospect, not at the end of the file (where drips may follow): the
        // tables written after it move one place down. Every table under `prospects` is at or
        // before `last`, so only the others are looked at.
        if let Some(last) = last {
            shift_tables_after(self.doc()?.as_table_mut(), last, Some("prospects"));
            table.set_position(Some(last + 1));
            self.last_prospect = Some(Some(last + 1));
        } else {
            self.last_prospect = Some(None);
        }
        self.prospects_table()?.insert(id, Item::Table(table));
        Ok(())
    }

    /// Sets one key of a prospect; `comment` (if any) goes after the value on its line.
    ///
    /// # Errors
    /// An unknown prospect, or one written inline.
    pub fn set(&mut self, id: &str, key: &str, value: Value, comment: Option<&str>) -> Result<(), EditError> {
        let value = match comment {
            Some(comment) => line_comment(value, comment),
            None => value,
        };
        let set = |table: &mut Table| set_key(table, key, value.clone(), comment);
        if self.splice(id, set).is_none() {
            set(self.prospect_table(id)?);
        }
        Ok(())
    }

    /// Removes one key of a prospect; whether it was there.
    ///
    /// # Errors
    /// An unknown prospect, or one written inline.
    pub fn unset(&mut self, id: &str, key: &str) -> Result<bool, EditError> {
        match self.splice(id, |table| table.remove(key).is_some()) {
            Some(removed) => Ok(removed),
            None => Ok(self.prospect_table(id)?.remove(key).is_some()),
        }
    }

    /// The text the file would hold.
    pub fn text(&self) -> String {
        match &self.doc {
            Some(doc) => doc.to_string(),
            None => self.text.clone(),
        }
    }

    /// Validates the edited book and, when `write`, replaces the file with it atomically.
    /// Returns the new config.
    ///
    /// # Errors
    /// [`EditError::WouldBeInvalid`] (nothing written) or [`EditError::Io`].
    pub fn save(self, write: bool) -> Result<Config, EditError> {
        let text = self.text();
        // A book no command could read back (they refuse a larger file) is never written.
        if text.len() as u64 > crate::files::MAX_CONFIG_BYTES {
            return Err(EditError::Refused(format!(
                "nothing written: the config would be {} MiB, over the {} MiB a config may be (every command would refuse it); import the file in parts, or keep fewer prospects in one book",
                text.len() / (1024 * 1024),
                crate::files::MAX_CONFIG_BYTES / (1024 * 1024)
            )));
        }
        let config = match &self.spliced {
            Some(id) if self.doc.is_none() => {
                crate::files::config_after_edit(&self.path, self.config, &text, &self.phones, id)
            }
            _ => crate::files::config_from_text_with(&self.path, &text, &self.phones),
        }
        .map_err(EditError::WouldBeInvalid)?;
        if write {
            // Other edits wait on the lock; an editor does not, so look before writing over it,
            // as late as can be: just before the rename.
            match replace_file(&self.path, text.as_bytes(), self.read.as_bytes()) {
                Ok(true) => {}
                Ok(false) => return Err(changed_under_edit(&self.path)),
                Err(e) => return Err(EditError::Io(format!("cannot write {}: {e}", self.path.display()))),
            }
        }
        Ok(config)
    }
}

/// Sets `key` in a prospect's table. The comment that was on the line is kept, unless a new one
/// replaces it, or it is import's note on how the old value was guessed (`# guessed from
/// +61 4`), which a value set by hand makes stale.
fn set_key(table: &mut Table, key: &str, value: Value, comment: Option<&str>) {
    match table.get_mut(key) {
        Some(Item::Value(old)) => {
            let suffix = old.decor().suffix().cloned();
            *old = value;
            let guessed = |s: &toml_edit::RawString| {
                s.as_str().is_some_and(|s| {
                    s.trim_start().trim_start_matches('#').trim_start().starts_with("guessed")
                })
            };
            if comment.is_none()
                && let Some(suffix) = suffix.filter(|s| !guessed(s))
            {
                old.decor_mut().set_suffix(suffix);
            }
        }
        _ => {
            table.insert(key, Item::Value(value));
        }
    }
}

/// Moves every table written after position `after` one place down, making room there; the
/// key `skip` (whose tables are all at or before `after`) is not looked into.
fn shift_tables_after(table: &mut Table, after: isize, skip: Option<&str>) {
    let shift = |t: &mut Table| {
        if let Some(p) = t.position().filter(|p| *p > after) {
            t.set_position(Some(p + 1));
        }
    };
    for (key, item) in table.iter_mut() {
        if skip == Some(key.get()) {
            continue;
        }
        match item {
            Item::Table(t) => {
                shift(t);
                shift_tables_after(t, after, None);
            }
            Item::ArrayOfTables(array) => {
                for t in array.iter_mut() {
                    shift(t);
                    shift_tables_after(t, after, None);
                }
            }
            _ => {}
        }
    }
}

/// The greatest position of the tables in `table`, at any depth (a prospect's own sub-tables
/// included).
fn max_position(table: &Table) -> Option<isize> {
    table
        .iter()
        .flat_map(|(_, item)| match item {
            Item::Table(t) => vec![t.position(), max_position(t)],
            Item::ArrayOfTables(array) => {
                array.iter().flat_map(|t| [t.position(), max_position(t)]).collect()
            }
            _ => Vec::new(),
        })
        .flatten()
        .max()
}

/// An exclusive lock on `.NAME.lock` beside the file `path` is (or points to), waited for.
fn lock_beside(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(dir.join(format!(".{name}.lock")))?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)?;
    Ok(file)
}

/// Writes `bytes` to a new file beside `path` with its mode, syncs it, and renames it over
/// `path`: a reader sees the old file or the new one, never a mix, and a crash leaves the old.
/// Just before the rename, `path` must still hold `expected` (what the edit started from);
/// when it does not (an editor saved it meanwhile), nothing is replaced: `Ok(false)`.
fn replace_file(path: &Path, bytes: &[u8], expected: &[u8]) -> std::io::Result<bool> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    // A config kept elsewhere behind a symlink (a dotfiles repository) stays a symlink: the
    // file it points to is the one replaced.
    let path = &std::fs::canonicalize(path)?;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o7777;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.ringback-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(&temp)?;
        // The umask may have narrowed the mode given above; the file keeps the old one.
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        if std::fs::read(path)? != expected {
            return Ok(false);
        }
        std::fs::rename(&temp, path)?;
        // The rename itself survives a crash only once the folder is synced.
        std::fs::File::open(dir)?.sync_all()?;
        Ok(true)
    })();
    if !matches!(result, Ok(true)) {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
