//! The state: one SQLite file holding the event log, when config entries were first seen, the
//! delivery ledger, the email outbox and the scheduler's last runs.
//!
//! The file is created with mode 0600 (it names prospects), in WAL mode so the daemon reads
//! while `ringback log` writes, and migrated with `PRAGMA user_version`.
//!
//! Edge: it stores what the core defines (events, first sightings, digest records) and may not
//! touch the rendering, the channels, the daemon or the command line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, params};

use crate::config::{Config, NextStep};
use crate::files::{narrow, private_dir};
use crate::plan::{Event, History, Loading, Logged, Outcome, PromiseChoice, seen_keys};
pub use crate::schedule::DigestRecord;

mod mailbox;
mod packs;
mod phones;
pub use mailbox::{FolderMark, Handled};

/// Errors from the state database.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot create the state folder `{0}`: {1}")]
    Folder(PathBuf, std::io::Error),
    #[error("cannot open the state `{0}`: {1}")]
    Open(PathBuf, rusqlite::Error),
    #[error("cannot create the state `{0}`: {1}")]
    Create(PathBuf, std::io::Error),
    #[error("the state `{0}` has schema version {1}, newer than this ringback knows ({2}): upgrade ringback")]
    TooNew(PathBuf, i64, i64),
    #[error("cannot read the system's random source for the feed's token: {0}")]
    Random(std::io::Error),
    /// A database call failed while doing `operation` (`load the history`, `queue an email`).
    /// (The error is quoted in the message, so it is not also a `source`.)
    #[error("state database error (cannot {operation}): {error}")]
    Sql { operation: &'static str, error: rusqlite::Error },
    #[error(
        "another `ringback run` (pid {1}) is already using the state `{0}`: stop it first (`systemctl --user stop ringback`)"
    )]
    Locked(PathBuf, String),
    #[error("cannot lock the state `{0}`: {1}")]
    Lock(PathBuf, std::io::Error),
    #[error("the state holds a bad {0}: `{1}`")]
    Corrupt(&'static str, String),
}

impl From<rusqlite::Error> for StateError {
    fn from(error: rusqlite::Error) -> Self {
        // Named by the public method it happened in, through `during`.
        StateError::Sql { operation: "use the state", error }
    }
}

impl StateError {
    /// Names the operation a database error happened in.
    fn during(self, operation: &'static str) -> StateError {
        match self {
            StateError::Sql { error, .. } => StateError::Sql { operation, error },
            other => other,
        }
    }
}

/// Each migration takes the schema from its index to the next version.
const MIGRATIONS: &[&str] = &[
    // 1: the event log and first-seen marks.
    "CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        prospect TEXT NOT NULL,
        at INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        note TEXT,
        promise TEXT NOT NULL DEFAULT 'auto',
        next_step_on TEXT,
        next_step_what TEXT,
        until TEXT,
        item TEXT,
        logged_at INTEGER NOT NULL
    );
    CREATE INDEX events_by_prospect ON events (prospect, at, id);
    CREATE TABLE seen (
        prospect TEXT NOT NULL,
        key TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (prospect, key)
    ) WITHOUT ROWID;",
    // 2: the daemon's delivery ledger, email outbox and last runs.
    "CREATE TABLE ledger (
        key TEXT PRIMARY KEY,
        at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        created INTEGER NOT NULL,
        sender TEXT NOT NULL,
        recipient TEXT NOT NULL,
        message BLOB NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try INTEGER NOT NULL,
        last_error TEXT,
        status TEXT NOT NULL DEFAULT 'pending'
    );
    CREATE TABLE runs (
        name TEXT PRIMARY KEY,
        occurrence TEXT NOT NULL,
        at INTEGER NOT NULL,
        outcome TEXT NOT NULL
    ) WITHOUT ROWID;",
    // 3: a claim on a letter being sent, and what became of every digest occurrence.
    "ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
    ALTER TABLE outbox ADD COLUMN claimed_by INTEGER;
    CREATE TABLE digests (
        at INTEGER PRIMARY KEY,
        through INTEGER NOT NULL,
        count INTEGER NOT NULL,
        occurrence TEXT NOT NULL,
        outcome TEXT NOT NULL,
        recorded INTEGER NOT NULL
    );",
    // 4: events taken back with `ringback undo`, kept for the record.
    "CREATE TABLE undone (
        seq INTEGER PRIMARY KEY,
        -- The event's id when it was logged; SQLite may give it to a later event.
        id INTEGER NOT NULL,
        prospect TEXT NOT NULL,
        at INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        note TEXT,
        promise TEXT NOT NULL,
        next_step_on TEXT,
        next_step_what TEXT,
        until TEXT,
        item TEXT,
        logged_at INTEGER NOT NULL,
        undone_at INTEGER NOT NULL
    );",
    // 5: the calendar feed: each item's last form, so a client sees a change only when there
    // is one (DTSTAMP and SEQUENCE), and the secret in the feed's URL.
    "CREATE TABLE feed (
        uid TEXT PRIMARY KEY,
        -- When the item is placed (UTC start and end, or a date), and everything else it says.
        placed TEXT NOT NULL,
        fingerprint INTEGER NOT NULL,
        sequence INTEGER NOT NULL,
        changed_at INTEGER NOT NULL
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );",
    // 6: the events one button press logged (a snooze for everyone in a nudge) share its id,
    // the first one's, so `undo` takes them back together.
    "ALTER TABLE events ADD COLUMN press INTEGER;
    ALTER TABLE undone ADD COLUMN press INTEGER;
    CREATE INDEX events_by_press ON events (press) WHERE press IS NOT NULL;",
    // 7: the mailbox: where an event came from, how far each folder has been read, and the
    // messages acted on (date, subject and Message-ID only: never a body).
    "ALTER TABLE events ADD COLUMN source TEXT;
    ALTER TABLE undone ADD COLUMN source TEXT;
    CREATE TABLE mailbox_folders (
        role TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        last_uid INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE mailbox_messages (
        message_id TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        at INTEGER NOT NULL,
        subject TEXT NOT NULL,
        handled_at INTEGER NOT NULL
    ) WITHOUT ROWID;",
    // 8: what each phone number of the book read as (libphonenumber's metadata costs more to
    // load than a small book costs to plan), and under which version of its rules.
    "CREATE TABLE phone_readings (
        region TEXT NOT NULL,
        text TEXT NOT NULL,
        e164 TEXT,
        extension TEXT,
        country_code INTEGER,
        grouped TEXT,
        error INTEGER,
        PRIMARY KEY (region, text)
    ) WITHOUT ROWID;
    CREATE TABLE phone_regions (
        country_code INTEGER PRIMARY KEY,
        region TEXT
    );",
    // 9: each prospect's events packed into one row (see `packs`).
    packs::MIGRATION,
];

/// The first schema version with `event_packs`.
const PACKED: i64 = 9;

/// How long a claim on a letter lasts: longer than any send may take (the send itself is
/// bounded by a minute), so only a claimant that died leaves one to expire.
pub const CLAIM: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

/// Sent and given-up letters, delivery keys and the digest log are kept this long, then pruned.
pub const RETENTION: jiff::SignedDuration = jiff::SignedDuration::from_hours(24 * 90);

/// An open state database.
pub struct State {
    conn: Connection,
    path: PathBuf,
    /// The schema version when opened read-only (older files are read as they are).
    version: i64,
    /// Events this connection appended: SQLite's `data_version` does not count a
    /// connection's own commits, and the daemon must see its own writes too.
    own_writes: i64,
}

/// How long to wait for another process's write before giving up.
const BUSY: std::time::Duration = std::time::Duration::from_secs(10);

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl State {
    /// Opens the state, creating it (mode 0600) and its folder on first use.
    ///
    /// # Errors
    /// When the folder or file cannot be created, the file is not SQLite, or its schema is
    /// newer than this build.
    pub fn open(path: &Path) -> Result<State, StateError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_dir(dir).map_err(|e| StateError::Folder(dir.to_path_buf(), e))?;
        }
        if !path.exists() {
            open_private(path)?;
        }
        // A state left group- or world-readable by an older ringback is made private, with its
        // write-ahead log and index if a crash left them behind.
        narrow(path, 0o600).map_err(|e| StateError::Create(path.to_path_buf(), e))?;
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            let side = PathBuf::from(side);
            // SQLite deletes these when another process closes its last connection, which may
            // happen between a look and a change: a side file that is gone needs nothing.
            match narrow(&side, 0o600) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(StateError::Create(side, e));
                }
                _ => {}
            }
        }
        let conn = Connection::open(path).map_err(|e| StateError::Open(path.to_path_buf(), e))?;
        let mut state =
            State { conn, path: path.to_path_buf(), version: MIGRATIONS.len() as i64, own_writes: 0 };
        state.prepare().map_err(|e| match e {
            StateError::Sql { error, .. } => StateError::Open(path.to_path_buf(), error),
            other => other,
        })?;
        Ok(state)
    }

    fn prepare(&mut self) -> Result<(), StateError> {
        self.conn.busy_timeout(BUSY)?;
        let known = MIGRATIONS.len() as i64;
        // The common case reads the version without taking a write lock.
        let version: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > known {
            return Err(StateError::TooNew(self.path.clone(), version, known));
        }
        if version < known {
            // Two first commands at once (the daemon starting while `ringback log` runs) both
            // see an old version: the write lock is taken first and the version read again
            // under it, so exactly one of them migrates.
            self.set_wal()?;
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if version > known {
                return Err(StateError::TooNew(self.path.clone(), version, known));
            }
            for sql in MIGRATIONS.iter().skip(version as usize) {
                tx.execute_batch(sql)?;
            }
            tx.pragma_update(None, "user_version", known)?;
            tx.commit()?;
        } else {
            self.set_wal()?;
        }
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(())
    }

    /// WAL lets the daemon read while `ringback log` writes. Switching a fresh file needs an
    /// exclusive lock, for which SQLite does not call the busy handler: retry briefly.
    fn set_wal(&self) -> Result<(), StateError> {
        let deadline = std::time::Instant::now() + BUSY;
        loop {
            let mode: Result<String, _> =
                self.conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0));
            match mode {
                Ok(_) => return Ok(()),
                Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Opens an existing state for reading only: `None` when there is none yet. Commands
    /// that only show things use this, so they never create, migrate or write the state.
    ///
    /// # Errors
    /// When the file is not SQLite or its schema is newer than this build.
    pub fn open_read_only(path: &Path) -> Result<Option<State>, StateError> {
        if !path.exists() {
            return Ok(None);
        }
        use rusqlite::OpenFlags;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StateError::Open(path.to_path_buf(), e))?;
        let opened = (|| {
            conn.busy_timeout(BUSY)?;
            let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
            Ok::<_, rusqlite::Error>(version)
        })();
        let version = opened.map_err(|e| StateError::Open(path.to_path_buf(), e))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StateError::TooNew(path.to_path_buf(), version, known));
        }
        // A state another command has just created and not yet set up holds nothing yet.
        if version == 0 {
            return Ok(None);
        }
        Ok(Some(State { conn, path: path.to_path_buf(), version, own_writes: 0 }))
    }

    /// Takes the daemon's lock on this state: one `ringback run` per state, so two never
    /// deliver the same thing. Held until the returned file is dropped.
    ///
    /// # Errors
    /// [`StateError::Locked`] when another daemon holds it.
    pub fn lock_for_daemon(path: &Path) -> Result<DaemonLock, StateError> {
        use std::io::{Read, Seek, Write};
        use std::os::unix::fs::OpenOptionsExt;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_dir(dir).map_err(|e| StateError::Folder(dir.to_path_buf(), e))?;
        }
        // Named after the state's real path, so a second daemon reaching the same file through
        // a symlink or another spelling of the path meets the same lock.
        // A symlink whose target does not exist yet still names its target.
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let target = std::fs::read_link(path).map(|t| dir.join(t)).unwrap_or_else(|_| path.to_path_buf());
        let real = std::fs::canonicalize(&target)
            .or_else(|_| {
                let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
                std::fs::canonicalize(dir).map(|d| d.join(target.file_name().unwrap_or_default()))
            })
            .unwrap_or(target);
        let mut name = real.into_os_string();
        name.push(".lock");
        let lock_path = PathBuf::from(name);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&lock_path)
            .map_err(|e| StateError::Lock(lock_path.clone(), e))?;
        match file.try_lock() {
            Ok(()) => {
                // The lock file is named by a path, which a hard link gets round: the state file
                // itself is locked too (flock, which SQLite's own fcntl locks leave alone).
                let state = open_private(path)?;
                match state.try_lock() {
                    Ok(()) => {}
                    Err(std::fs::TryLockError::WouldBlock) => {
                        return Err(StateError::Locked(
                            path.to_path_buf(),
                            "unknown: through a hard link".into(),
                        ));
                    }
                    Err(std::fs::TryLockError::Error(e)) => {
                        return Err(StateError::Lock(path.to_path_buf(), e));
                    }
                }
                let _ = file.set_len(0);
                let _ = file.seek(std::io::SeekFrom::Start(0));
                let _ = write!(file, "{}", std::process::id());
                let _ = file.flush();
                Ok(DaemonLock { _by_path: file, _by_file: state })
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                let pid = if pid.trim().is_empty() { "unknown".to_owned() } else { pid.trim().to_owned() };
                Err(StateError::Locked(path.to_path_buf(), pid))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(StateError::Lock(lock_path, e)),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The state file opened to read and write, created private (0600) if it is not there.
fn open_private(path: &Path) -> Result<std::fs::File, StateError> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(|e| StateError::Create(path.to_path_buf(), e))
}

/// Inserts one event; its sequence number.
fn insert_event(conn: &Connection, event: &Event, logged_at: Timestamp) -> rusqlite::Result<i64> {
    let promise = match event.promise {
        PromiseChoice::Auto => "auto".to_owned(),
        PromiseChoice::Skip => "none".to_owned(),
        PromiseChoice::On(d) => d.to_string(),
    };
    conn.execute(
        "INSERT INTO events (prospect, at, outcome, note, promise, next_step_on, next_step_what, until, item, logged_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            event.prospect,
            event.at.as_second(),
            event.outcome.as_str(),
            event.note,
            promise,
            event.next_step.as_ref().map(|s| s.on.to_string()),
            event.next_step.as_ref().map(|s| s.what.clone()),
            event.until.map(|d| d.to_string()),
            event.item,
            logged_at.as_second(),
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The daemon's hold on a state (see [`State::lock_for_daemon`]): released when dropped.
#[derive(Debug)]
pub struct DaemonLock {
    _by_path: std::fs::File,
    _by_file: std::fs::File,
}

impl State {
    /// Loads every event (without its note: from the packs, else the events table) and every
    /// first-seen mark.
    ///
    /// # Errors
    /// On a database error or a malformed row.
    pub fn history(&self) -> Result<History, StateError> {
        self.history_where(None, false)
    }

    /// One prospect's events (its pack, else through the prospect index) and every first-seen mark: all a
    /// plan of that prospect alone reads (see [`crate::plan::plan_for`]), at the cost of its
    /// own rows rather than the book's.
    ///
    /// # Errors
    /// On a database error or a malformed row.
    pub fn history_of(&self, id: &str) -> Result<History, StateError> {
        self.history_where(Some(id), false)
    }

    /// [`State::history_of`] for a command that writes nothing: only this prospect's first
    /// sightings, not the book's (which [`State::mark_seen`] needs to tell what is new).
    ///
    /// # Errors
    /// On a database error or a malformed row.
    pub fn history_of_alone(&self, id: &str) -> Result<History, StateError> {
        self.history_where(Some(id), true)
    }

    /// Everyone's events, or those of `only`; the first sightings of `only` alone when
    /// `seen_alone`, else everyone's.
    fn history_where(&self, only: Option<&str>, seen_alone: bool) -> Result<History, StateError> {
        let result = (|| -> Result<History, StateError> {
            if self.version == 0 {
                // Opened read-only while another process is still creating it: nothing yet.
                return Ok(History::default());
            }
            // One snapshot for the packs, the count they are checked against and the
            // sightings: another process's write between two of them would tear the history.
            let _snapshot =
                self.conn.is_autocommit().then(|| self.conn.unchecked_transaction()).transpose()?;
            // Packs that cannot be read (text that is not UTF-8, a table dropped by hand) are
            // passed over as packs that disagree are: the events table says what is wrong. A
            // busy, full or failing database is not the packs' fault: it is reported.
            let packed = match self.packed_history(only) {
                Ok(packed) => packed,
                Err(StateError::Sql { error, .. })
                    if error.sqlite_error_code().is_some_and(|code| code != rusqlite::ErrorCode::Unknown) =>
                {
                    return Err(error.into());
                }
                Err(_) => self.packs_disagree(),
            };
            let mut loaded = match packed {
                Some(loading) => Ok(loading),
                None => Err(self.history_by_rows(only)?),
            };
            let only_seen = only.filter(|_| seen_alone);
            // In the packs' order (the primary key's, so SQLite sorts nothing).
            let mut stmt = self.conn.prepare(if only_seen.is_some() {
                "SELECT prospect, key, at FROM seen WHERE prospect = ?1 ORDER BY prospect"
            } else {
                "SELECT prospect, key, at FROM seen ORDER BY prospect"
            })?;
            let mut rows = match only_seen {
                Some(id) => stmt.query([id])?,
                None => stmt.query([])?,
            };
            while let Some(row) = rows.next()? {
                let text = |i: usize| -> Result<&str, StateError> {
                    Ok(row.get_ref(i)?.as_str().map_err(rusqlite::Error::from)?)
                };
                let (id, key, at) = (text(0)?, text(1)?, timestamp(row.get(2)?)?);
                match &mut loaded {
                    Ok(loading) => loading.seen(id, key, at),
                    Err(history) => history.mark_seen(id, key, at),
                }
            }
            Ok(loaded.map_or_else(|history| history, Loading::finish))
        })();
        result.map_err(|e| e.during("load the history"))
    }

    /// Everyone's events, or those of `only`, read from their packs (see [`packs`]): one row
    /// of text a prospect. `None` when this state has no packs (an older schema, read as it
    /// is) or they do not agree with the events: the caller then reads the table, which is the
    /// truth. They disagree when a pack is out of form, when one prospect's pack holds fewer
    /// or more events than the table, or when the packs lack the last event logged (what a
    /// trigger dropped by hand would leave). Counting a million events reads 25 MB of index pages
    /// (about 15 ms), so the whole book is held to the last event's id, which costs nothing, and
    /// to each id being packed once.
    fn packed_history(&self, only: Option<&str>) -> Result<Option<Loading>, StateError> {
        if self.version < PACKED {
            return Ok(None);
        }
        let (count, last): (Option<i64>, Option<i64>) = match only {
            Some(id) => {
                let count =
                    self.conn
                        .query_row("SELECT count(*) FROM events WHERE prospect = ?1", [id], |r| r.get(0))?;
                (Some(count), None)
            }
            None => (None, self.conn.query_row("SELECT max(id) FROM events", [], |r| r.get(0))?),
        };
        let mut stmt = self.conn.prepare(if only.is_some() {
            "SELECT prospect, packed FROM event_packs WHERE prospect = ?1"
        } else {
            "SELECT prospect, packed FROM event_packs ORDER BY prospect"
        })?;
        let mut rows = match only {
            Some(id) => stmt.query([id])?,
            None => stmt.query([])?,
        };
        let expected = count.or(last).unwrap_or(0);
        let mut log: Vec<Logged> = Vec::with_capacity(usize::try_from(expected).unwrap_or(0).min(1 << 24));
        let mut groups = Vec::new();
        // The lowest and highest ids packed, kept as they are read rather than found by two
        // more passes over a million events.
        let mut ids: Option<(i64, i64)> = None;
        while let Some(row) = rows.next()? {
            let text = |i: usize| -> Result<&str, StateError> {
                Ok(row.get_ref(i)?.as_str().map_err(rusqlite::Error::from)?)
            };
            let start = log.len();
            for event in packs::unpack(text(1)?) {
                match event.map(logged_from) {
                    Some(Ok(event)) => {
                        ids = Some(ids.map_or((event.seq, event.seq), |(low, high)| {
                            (low.min(event.seq), high.max(event.seq))
                        }));
                        log.push(event);
                    }
                    _ => return Ok(self.packs_disagree()),
                }
            }
            groups.push((text(0)?.to_owned(), start..log.len()));
        }
        let agree = match count {
            Some(count) => i64::try_from(log.len()).ok() == Some(count),
            None => ids.map(|(_, highest)| highest) == last && each_once(&log, ids),
        };
        if !agree {
            return Ok(self.packs_disagree());
        }
        Ok(Some(Loading::new(groups, log)))
    }

    fn packs_disagree<T>(&self) -> Option<T> {
        tracing::warn!(
            state = %self.path.display(),
            "the state's packed events cannot be read or disagree with its events: reading the events \
             (`sqlite3 STATE 'UPDATE events SET at = at'` packs them again)"
        );
        None
    }

    /// Everyone's events, or those of `only`, read row by row from the events table.
    fn history_by_rows(&self, only: Option<&str>) -> Result<History, StateError> {
        // A plain table scan in insertion order is several times faster than walking the
        // prospect index (a random row lookup per event); each prospect is sorted after.
        // Notes are for people, not the planner: NULL here keeps a large load light; use
        // `events_of` to read them.
        let mut stmt = self.conn.prepare(if only.is_some() {
            "SELECT id, prospect, at, outcome, promise, next_step_on, next_step_what, until, item
             FROM events WHERE prospect = ?1"
        } else {
            "SELECT id, prospect, at, outcome, promise, next_step_on, next_step_what, until, item
             FROM events"
        })?;
        // A capacity from the highest id, so a million rows fill one list without regrowing.
        let highest: Option<i64> = match only {
            Some(_) => None,
            None => self.conn.query_row("SELECT max(id) FROM events", [], |r| r.get(0))?,
        };
        let capacity = highest.unwrap_or(0).clamp(0, 1 << 24) as usize;
        let mut log: Vec<Logged> = Vec::with_capacity(capacity);
        let mut who: Vec<u32> = Vec::with_capacity(capacity);
        let mut rows = match only {
            Some(id) => stmt.query([id])?,
            None => stmt.query([])?,
        };
        // Numbers prospects with one hash lookup per change of prospect, not per row: rows
        // of one prospect often come together.
        let mut ids: Vec<String> = Vec::new();
        let mut index: HashMap<String, u32, crate::plan::Quick> = HashMap::default();
        let mut last: Option<u32> = None;
        while let Some(row) = rows.next()? {
            let prospect = row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            let number = match last.filter(|&i| ids[i as usize] == prospect) {
                Some(i) => i,
                None => match index.get(prospect) {
                    Some(&i) => i,
                    None => {
                        let i = ids.len() as u32;
                        index.insert(prospect.to_owned(), i);
                        ids.push(prospect.to_owned());
                        i
                    }
                },
            };
            last = Some(number);
            who.push(number);
            log.push(logged_from_row(row)?);
        }
        drop(rows);
        drop(index);
        Ok(History::from_loaded(ids, who, log))
    }

    /// Records the first sighting of each prospect (and hand-entered promise and next step)
    /// that the history does not know yet, and adds them to it.
    ///
    /// # Errors
    /// On a database error.
    pub fn mark_seen(
        &mut self,
        config: &Config,
        history: &mut History,
        now: Timestamp,
    ) -> Result<usize, StateError> {
        let result = (|| -> Result<usize, StateError> {
            let fresh = unseen(config, history);
            if fresh.is_empty() {
                return Ok(0);
            }
            let tx = self.conn.transaction()?;
            {
                let mut stmt =
                    tx.prepare("INSERT OR IGNORE INTO seen (prospect, key, at) VALUES (?1, ?2, ?3)")?;
                for (id, key) in &fresh {
                    stmt.execute(params![id, key, now.as_second()])?;
                }
            }
            tx.commit()?;
            let count = fresh.len();
            for (id, key) in fresh {
                history.mark_seen(&id, &key, now);
            }
            Ok(count)
        })();
        result.map_err(|e| e.during("record first sightings"))
    }

    /// Changes whenever the event log may have changed: another process's commit (SQLite's
    /// `data_version`) or an event this connection appended.
    ///
    /// # Errors
    /// On a database error.
    pub fn history_version(&self) -> Result<(i64, i64), StateError> {
        let result = (|| -> Result<(i64, i64), StateError> { Ok((self.data_version()?, self.own_writes)) })();
        result.map_err(|e| e.during("read the history's version"))
    }

    /// Appends an event; it is durable when this returns.
    ///
    /// Counted in [`State::history_version`], so the daemon sees its own writes.
    ///
    /// # Errors
    /// On a database error.
    pub fn append(&mut self, event: &Event, logged_at: Timestamp) -> Result<i64, StateError> {
        let result = (|| -> Result<i64, StateError> {
            let seq = insert_event(&self.conn, event, logged_at)?;
            self.own_writes += 1;
            Ok(seq)
        })();
        result.map_err(|e| e.during("log an event"))
    }

    /// The events of one button press (a snooze for everyone in a nudge), in one transaction,
    /// marked as one press: `undo` takes them back together. Returns their sequence numbers.
    ///
    /// # Errors
    /// On a database error; then none is logged.
    pub fn append_press(&mut self, events: &[Event], logged_at: Timestamp) -> Result<Vec<i64>, StateError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| StateError::from(e).during("log a button press"))?;
        let mut seqs = Vec::with_capacity(events.len());
        for event in events {
            let seq = insert_event(&tx, event, logged_at)
                .map_err(|e| StateError::from(e).during("log a button press"))?;
            let press = seqs.first().copied().unwrap_or(seq);
            tx.execute("UPDATE events SET press = ?1 WHERE id = ?2", params![press, seq])
                .map_err(|e| StateError::from(e).during("log a button press"))?;
            seqs.push(seq);
        }
        tx.commit().map_err(|e| StateError::from(e).during("log a button press"))?;
        self.own_writes += 1;
        Ok(seqs)
    }

    /// One prospect's events, oldest first.
    ///
    /// # Errors
    /// On a database error or a malformed row.
    pub fn events_of(&self, prospect: &str) -> Result<Vec<Event>, StateError> {
        let result = (|| -> Result<Vec<Event>, StateError> {
            let mut stmt = self.conn.prepare(
                "SELECT id, prospect, at, outcome, note, promise, next_step_on, next_step_what, until, item
                 FROM events WHERE prospect = ?1 ORDER BY at, id",
            )?;
            let mut rows = stmt.query([prospect])?;
            let mut events = Vec::new();
            while let Some(row) = rows.next()? {
                events.push(event_from_row(row, prospect.into())?);
            }
            Ok(events)
        })();
        result.map_err(|e| e.during("read a prospect's events"))
    }

    /// Takes back the last logged event (by when it was logged), of one prospect or of any,
    /// with every other event of its button press (a snooze for everyone in a nudge is one
    /// press): they leave the event log and are kept in the `undone` table. Empty when there is
    /// none.
    ///
    /// # Errors
    /// On a database error or a malformed row.
    pub fn undo_last(&mut self, prospect: Option<&str>, now: Timestamp) -> Result<Vec<Event>, StateError> {
        self.undo(prospect, None, now)
    }

    /// Takes back the event with this sequence number (with the rest of its button press), as
    /// [`State::undo_last`] does: what `ringback dial` logged, whatever was logged after it.
    /// Empty when it is gone already.
    ///
    /// # Errors
    /// On a database error or a malformed row.
    pub fn undo_event(&mut self, seq: i64, now: Timestamp) -> Result<Vec<Event>, StateError> {
        self.undo(None, Some(seq), now)
    }

    fn undo(
        &mut self,
        prospect: Option<&str>,
        seq: Option<i64>,
        now: Timestamp,
    ) -> Result<Vec<Event>, StateError> {
        let result = (|| -> Result<Vec<Event>, StateError> {
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let last: Option<(i64, String)> = {
                let mut stmt = tx.prepare(
                    "SELECT id, prospect FROM events WHERE (?1 IS NULL OR prospect = ?1) AND (?2 IS NULL OR id = ?2)
                     ORDER BY id DESC LIMIT 1",
                )?;
                let mut rows = stmt.query(params![prospect, seq])?;
                match rows.next()? {
                    Some(row) => Some((row.get(0)?, row.get(1)?)),
                    None => None,
                }
            };
            let Some((id, _)) = last else { return Ok(Vec::new()) };
            // One button press is one undo: every event it logged goes back together.
            let press: Option<i64> =
                tx.query_row("SELECT press FROM events WHERE id = ?1", [id], |r| r.get(0))?;
            let ids: Vec<i64> = match press {
                Some(press) => {
                    let mut stmt = tx.prepare("SELECT id FROM events WHERE press = ?1 ORDER BY id")?;
                    stmt.query_map([press], |r| r.get(0))?.collect::<Result<_, _>>()?
                }
                None => vec![id],
            };
            let mut events = Vec::with_capacity(ids.len());
            for id in ids {
                let event = {
                    let mut stmt = tx.prepare(
                        "SELECT id, prospect, at, outcome, note, promise, next_step_on, next_step_what, until, item
                         FROM events WHERE id = ?1",
                    )?;
                    let mut rows = stmt.query([id])?;
                    let row = rows.next()?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
                    let who: String = row.get(1)?;
                    event_from_row(row, who.as_str().into())?
                };
                tx.execute(
                    "INSERT INTO undone (id, prospect, at, outcome, note, promise, next_step_on, next_step_what, until, item, logged_at, undone_at, press, source)
                     SELECT id, prospect, at, outcome, note, promise, next_step_on, next_step_what, until, item, logged_at, ?2, press, source
                     FROM events WHERE id = ?1",
                    params![id, now.as_second()],
                )?;
                tx.execute("DELETE FROM events WHERE id = ?1", [id])?;
                // Its nudges may be shown again: an undone snooze or "no answer" brings the
                // call back, and while its window is open the daemon nudges for it anew. (Keys
                // are `desktop:nudge:KIND:ID:DAY:WINDOW`; ids hold no `:`.)
                let keys: Vec<String> = {
                    let mut stmt = tx.prepare("SELECT key FROM ledger WHERE key LIKE 'desktop:nudge:%'")?;
                    stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
                };
                for key in keys.iter().filter(|k| k.split(':').nth(3) == Some(&*event.prospect)) {
                    tx.execute("DELETE FROM ledger WHERE key = ?1", [key])?;
                }
                events.push(event);
            }
            tx.commit()?;
            self.own_writes += 1;
            Ok(events)
        })();
        result.map_err(|e| e.during("take back an event"))
    }

    /// How each feed item stands: `(uid, placed, fingerprint)` in, `(sequence, changed_at)` out,
    /// in the same order. An item seen for the first time starts at sequence 0, changed now; a
    /// new `placed` (the item moved) raises its sequence; any other change only its time.
    /// With `record` false nothing is written (a feed for another time than now).
    ///
    /// # Errors
    /// On a database error.
    pub fn feed_revisions(
        &mut self,
        items: &[(String, String, u64)],
        now: Timestamp,
        record: bool,
    ) -> Result<Vec<(i64, Timestamp)>, StateError> {
        let result = (|| -> Result<Vec<(i64, Timestamp)>, StateError> {
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut out = Vec::with_capacity(items.len());
            let mut wrote = false;
            {
                let mut read =
                    tx.prepare("SELECT placed, fingerprint, sequence, changed_at FROM feed WHERE uid = ?1")?;
                let mut write = tx.prepare(
                    "INSERT INTO feed (uid, placed, fingerprint, sequence, changed_at) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (uid) DO UPDATE SET placed = ?2, fingerprint = ?3, sequence = ?4, changed_at = ?5",
                )?;
                for (uid, placed, fingerprint) in items {
                    // SQLite integers are signed: the fingerprint is kept by its bits.
                    let fingerprint = *fingerprint as i64;
                    let old: Option<(String, i64, i64, i64)> = read
                        .query_row([uid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                        .optional()?;
                    let (sequence, changed) = match old {
                        Some((p, f, sequence, changed)) if p == *placed && f == fingerprint => {
                            out.push((sequence, Timestamp::from_second(changed).unwrap_or(now)));
                            continue;
                        }
                        Some((p, _, sequence, _)) if p == *placed => (sequence, now),
                        Some((_, _, sequence, _)) => (sequence + 1, now),
                        None => (0, now),
                    };
                    if record {
                        write.execute(params![uid, placed, fingerprint, sequence, changed.as_second()])?;
                        wrote = true;
                    }
                    out.push((sequence, changed));
                }
            }
            tx.commit()?;
            if wrote {
                self.own_writes += 1;
            }
            Ok(out)
        })();
        result.map_err(|e| e.during("record the calendar feed"))
    }

    /// The secret in the feed's URL: made once from the system's random source, then kept.
    ///
    /// # Errors
    /// On a database error or when the random source cannot be read.
    pub fn feed_token(&mut self) -> Result<String, StateError> {
        let result = (|| -> Result<String, StateError> {
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let kept: Option<String> = tx
                .query_row("SELECT value FROM settings WHERE key = 'feed_token'", [], |r| r.get(0))
                .optional()?;
            if let Some(token) = kept {
                return Ok(token);
            }
            let mut bytes = [0u8; 16];
            rustix::rand::getrandom(&mut bytes, rustix::rand::GetRandomFlags::empty())
                .map_err(|e| StateError::Random(e.into()))?;
            let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            tx.execute("INSERT INTO settings (key, value) VALUES ('feed_token', ?1)", [&token])?;
            tx.commit()?;
            self.own_writes += 1;
            Ok(token)
        })();
        result.map_err(|e| e.during("keep the feed's token"))
    }

    /// Nudges snoozed for an hour from a notification, by ledger key, with when they return:
    /// kept here so a restart does not bring them back at once.
    ///
    /// # Errors
    /// On a database error.
    pub fn renudges(&self) -> Result<Vec<(String, Timestamp)>, StateError> {
        let result = (|| -> Result<Vec<(String, Timestamp)>, StateError> {
            let mut stmt = self.conn.prepare("SELECT key, value FROM settings WHERE key LIKE 'renudge:%'")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (key, at) = row?;
                if let (Some(key), Ok(at)) = (key.strip_prefix("renudge:"), at.parse::<i64>())
                    && let Ok(at) = Timestamp::from_second(at)
                {
                    out.push((key.to_owned(), at));
                }
            }
            Ok(out)
        })();
        result.map_err(|e| e.during("read the snoozed nudges"))
    }

    /// Records that the nudge `key` returns at `at`.
    ///
    /// # Errors
    /// On a database error.
    pub fn snooze_nudge(&mut self, key: &str, at: Timestamp) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)",
                params![format!("renudge:{key}"), at.as_second().to_string()],
            )
            .map_err(|e| StateError::from(e).during("snooze a nudge"))?;
        self.own_writes += 1;
        Ok(())
    }

    /// Forgets the snoozed nudges that have returned by `now`.
    ///
    /// # Errors
    /// On a database error.
    pub fn drop_returned_nudges(&mut self, now: Timestamp) -> Result<(), StateError> {
        let returned: Vec<String> = self
            .renudges()?
            .into_iter()
            .filter(|(_, at)| *at <= now)
            .map(|(k, _)| format!("renudge:{k}"))
            .collect();
        for key in returned {
            self.conn
                .execute("DELETE FROM settings WHERE key = ?1", [key])
                .map_err(|e| StateError::from(e).during("forget a snoozed nudge"))?;
            self.own_writes += 1;
        }
        Ok(())
    }

    /// Records a nudge on screen: the notification server's id for it, when its window ends,
    /// and its ledger keys. A daemon killed before it could close the nudge leaves this
    /// behind, so the next one takes the dead buttons down and shows the nudge again.
    ///
    /// # Errors
    /// On a database error.
    pub fn record_shown_nudge(&mut self, nudge: &ShownNudge) -> Result<(), StateError> {
        let ShownNudge { id, until, server, keys } = nudge;
        let value = [until.map_or(0, Timestamp::as_second).to_string(), server.clone()]
            .into_iter()
            .chain(keys.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n");
        self.conn
            .execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)",
                params![format!("shown:{id}"), value],
            )
            .map_err(|e| StateError::from(e).during("record a nudge on screen"))?;
        self.own_writes += 1;
        Ok(())
    }

    /// The nudges recorded on screen: (notification id, window end, ledger keys).
    ///
    /// # Errors
    /// On a database error.
    pub fn shown_nudges(&self) -> Result<Vec<ShownNudge>, StateError> {
        let result = (|| -> Result<Vec<ShownNudge>, StateError> {
            let mut stmt = self.conn.prepare("SELECT key, value FROM settings WHERE key LIKE 'shown:%'")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (key, value) = row?;
                let Some(Ok(id)) = key.strip_prefix("shown:").map(str::parse::<u32>) else { continue };
                let mut lines = value.lines();
                let until = lines
                    .next()
                    .and_then(|s| s.parse::<i64>().ok())
                    .filter(|&s| s != 0)
                    .and_then(|s| Timestamp::from_second(s).ok());
                let server = lines.next().unwrap_or_default().to_owned();
                out.push(ShownNudge { id, until, server, keys: lines.map(str::to_owned).collect() });
            }
            Ok(out)
        })();
        result.map_err(|e| e.during("read the nudges on screen"))
    }

    /// Forgets the nudges recorded on screen whose ids are given (closed, or to be shown anew).
    ///
    /// # Errors
    /// On a database error.
    pub fn forget_shown_nudges(&mut self, ids: &[u32]) -> Result<(), StateError> {
        for id in ids {
            self.conn
                .execute("DELETE FROM settings WHERE key = ?1", [format!("shown:{id}")])
                .map_err(|e| StateError::from(e).during("forget a nudge on screen"))?;
            self.own_writes += 1;
        }
        Ok(())
    }

    /// The feed's token as it is now, if one was made; read only.
    ///
    /// # Errors
    /// On a database error.
    pub fn current_feed_token(&self) -> Result<Option<String>, StateError> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = 'feed_token'", [], |r| r.get(0))
            .optional()
            .map_err(|e| StateError::from(e).during("read the feed's token"))
    }

    /// A new token for the feed, replacing the old (whose URL then answers 404).
    ///
    /// # Errors
    /// On a database error or when the random source cannot be read.
    pub fn new_feed_token(&mut self) -> Result<String, StateError> {
        let result = (|| -> Result<(), StateError> {
            self.conn.execute("DELETE FROM settings WHERE key = 'feed_token'", [])?;
            Ok(())
        })();
        result.map_err(|e| e.during("replace the feed's token"))?;
        self.feed_token()
    }

    /// Every prospect id the state knows (from events or sightings) with its event count.
    ///
    /// # Errors
    /// On a database error.
    pub fn known_ids(&self) -> Result<HashMap<String, i64>, StateError> {
        let result = (|| -> Result<HashMap<String, i64>, StateError> {
            let mut stmt = self.conn.prepare(
                "SELECT prospect, SUM(n) FROM (
                    SELECT prospect, COUNT(*) AS n FROM events GROUP BY prospect
                    UNION ALL SELECT prospect, 0 FROM seen WHERE key = 'prospect'
                 ) GROUP BY prospect",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })();
        result.map_err(|e| e.during("list the prospects it knows"))
    }

    /// Whether a delivery with this key was recorded.
    ///
    /// # Errors
    /// On a database error.
    pub fn delivered(&self, key: &str) -> Result<bool, StateError> {
        let result = (|| -> Result<bool, StateError> {
            Ok(self
                .conn
                .query_row("SELECT 1 FROM ledger WHERE key = ?1", [key], |_| Ok(()))
                .optional()?
                .is_some())
        })();
        result.map_err(|e| e.during("read the delivery ledger"))
    }

    /// Records a delivery; returns false when the key was already there.
    ///
    /// # Errors
    /// On a database error.
    pub fn record_delivery(&mut self, key: &str, at: Timestamp) -> Result<bool, StateError> {
        let result = (|| -> Result<bool, StateError> {
            let n = self.conn.execute(
                "INSERT OR IGNORE INTO ledger (key, at) VALUES (?1, ?2)",
                params![key, at.as_second()],
            )?;
            Ok(n == 1)
        })();
        result.map_err(|e| e.during("record a delivery"))
    }
}

/// An email waiting in (or gone through) the outbox.
/// A nudge a daemon showed and has not yet taken down (see [`State::record_shown_nudge`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownNudge {
    /// The notification server's id.
    pub id: u32,
    /// When the nudge's window ends.
    pub until: Option<Timestamp>,
    /// Which notification server gave the id (see `notify::desktop::server_identity`): an id
    /// means nothing to another, so only that one's are closed. Empty when unknown.
    pub server: String,
    /// The ledger keys of the items it shows.
    pub keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub id: i64,
    /// The delivery key, e.g. `email:digest:2026-11-24T07:00:00`.
    pub key: String,
    pub created: Timestamp,
    pub sender: String,
    pub recipient: String,
    /// The whole RFC 5322 message.
    pub message: Vec<u8>,
    pub attempts: i64,
    /// The process sending it, while it is claimed.
    pub claimed_by: Option<i64>,
}

/// Whether a claimant process still runs. Our own pid counts as gone: a claim under it is
/// from an earlier process that had the same pid (this process finishes its sends).
fn process_alive(pid: i64) -> bool {
    pid != i64::from(std::process::id()) && Path::new(&format!("/proc/{pid}")).exists()
}

impl State {
    /// Queues an email and records its delivery key in one transaction, before any send, so a
    /// crash at any point neither loses it nor queues it twice. Returns the outbox id, or `None`
    /// if the key was already delivered or queued.
    ///
    /// # Errors
    /// On a database error.
    pub fn enqueue(
        &mut self,
        key: &str,
        sender: &str,
        recipient: &str,
        message: &[u8],
        now: Timestamp,
    ) -> Result<Option<i64>, StateError> {
        self.queue(key, sender, recipient, message, now, false).map_err(|e| e.during("queue an email"))
    }

    /// Queues an email already claimed by the caller (see [`State::claim`]), so no daemon
    /// picks it up while the caller sends it.
    ///
    /// # Errors
    /// On a database error.
    pub fn enqueue_claimed(
        &mut self,
        key: &str,
        sender: &str,
        recipient: &str,
        message: &[u8],
        now: Timestamp,
    ) -> Result<Option<i64>, StateError> {
        self.queue(key, sender, recipient, message, now, true).map_err(|e| e.during("queue an email"))
    }

    fn queue(
        &mut self,
        key: &str,
        sender: &str,
        recipient: &str,
        message: &[u8],
        now: Timestamp,
        claimed: bool,
    ) -> Result<Option<i64>, StateError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let id = enqueue_in(&tx, key, sender, recipient, message, now, claimed)?;
        tx.commit()?;
        Ok(id)
    }

    /// Claims a due letter for sending: true for exactly one caller, until it reports the
    /// outcome or [`CLAIM`] passes (a claimant that died).
    ///
    /// # Errors
    /// On a database error.
    pub fn claim(&mut self, letter: &Letter, now: Timestamp) -> Result<bool, StateError> {
        let result = (|| -> Result<bool, StateError> {
            // A claim whose process is gone (killed mid-send) is taken over at once.
            let dead = letter.claimed_by.filter(|&pid| !process_alive(pid));
            let n = self.conn.execute(
                "UPDATE outbox SET status = 'sending', claimed_until = ?2, claimed_by = ?5
                 WHERE id = ?1 AND ((status = 'pending' AND next_try <= ?3)
                                    OR (status = 'sending' AND (claimed_until <= ?3 OR claimed_by = ?4)))",
                params![
                    letter.id,
                    (now + CLAIM).as_second(),
                    now.as_second(),
                    dead,
                    i64::from(std::process::id())
                ],
            )?;
            Ok(n == 1)
        })();
        result.map_err(|e| e.during("claim an email"))
    }

    /// Letters due to be sent: pending ones whose next try has come, and claims that expired.
    ///
    /// # Errors
    /// On a database error.
    pub fn due_letters(&self, now: Timestamp) -> Result<Vec<Letter>, StateError> {
        let result = (|| -> Result<Vec<Letter>, StateError> {
            let mut stmt = self.conn.prepare(
                "SELECT id, key, created, sender, recipient, message, attempts, claimed_by, claimed_until FROM outbox
                 WHERE (status = 'pending' AND next_try <= ?1) OR status = 'sending'
                 ORDER BY id",
            )?;
            let rows = stmt.query_map([now.as_second()], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, i64>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get::<_, Option<i64>>(7)?,
                    r.get::<_, Option<i64>>(8)?,
                ))
            })?;
            let mut letters = Vec::new();
            for row in rows {
                let (id, key, created, sender, recipient, message, attempts, claimed_by, claimed_until) =
                    row?;
                // A live claimant's letter is theirs until its claim expires (the pid may be reused).
                if claimed_by.is_some_and(process_alive) && claimed_until.is_some_and(|u| u > now.as_second())
                {
                    continue;
                }
                letters.push(Letter {
                    id,
                    key,
                    created: timestamp(created)?,
                    sender,
                    recipient,
                    message,
                    attempts,
                    claimed_by,
                });
            }
            Ok(letters)
        })();
        result.map_err(|e| e.during("read the outbox"))
    }

    /// When the next pending letter is due, if any.
    ///
    /// # Errors
    /// On a database error.
    pub fn next_letter_at(&self) -> Result<Option<Timestamp>, StateError> {
        let result = (|| -> Result<Option<Timestamp>, StateError> {
            let at: Option<i64> = self.conn.query_row(
                "SELECT MIN(CASE status WHEN 'pending' THEN next_try ELSE claimed_until END)
                         FROM outbox WHERE status IN ('pending', 'sending')",
                [],
                |r| r.get(0),
            )?;
            at.map(timestamp).transpose()
        })();
        result.map_err(|e| e.during("read the outbox"))
    }

    /// Marks a letter sent.
    ///
    /// # Errors
    /// On a database error.
    pub fn letter_sent(&mut self, id: i64) -> Result<(), StateError> {
        let result = (|| -> Result<(), StateError> {
            self.conn.execute(
                "UPDATE outbox SET status = 'sent', attempts = attempts + 1, last_error = NULL, claimed_until = NULL, claimed_by = NULL
                 WHERE id = ?1",
                [id],
            )?;
            Ok(())
        })();
        result.map_err(|e| e.during("mark an email sent"))
    }

    /// Records a failed try: retried at `next_try`, or given up on when `next_try` is `None`.
    ///
    /// # Errors
    /// On a database error.
    pub fn letter_failed(
        &mut self,
        id: i64,
        error: &str,
        next_try: Option<Timestamp>,
    ) -> Result<(), StateError> {
        let result = (|| -> Result<(), StateError> {
            match next_try {
                Some(at) => self.conn.execute(
                    "UPDATE outbox SET status = 'pending', attempts = attempts + 1, last_error = ?2, next_try = ?3,
                     claimed_until = NULL, claimed_by = NULL WHERE id = ?1",
                    params![id, error, at.as_second()],
                )?,
                None => self.conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, status = 'failed', claimed_until = NULL,
                     claimed_by = NULL WHERE id = ?1",
                    params![id, error],
                )?,
            };
            Ok(())
        })();
        result.map_err(|e| e.during("record a failed email"))
    }

    /// Counts of outbox letters by status, for `check` and tests.
    ///
    /// # Errors
    /// On a database error.
    pub fn outbox_counts(&self) -> Result<HashMap<String, i64>, StateError> {
        let result = (|| -> Result<HashMap<String, i64>, StateError> {
            let mut stmt = self.conn.prepare("SELECT status, COUNT(*) FROM outbox GROUP BY status")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })();
        result.map_err(|e| e.during("count the outbox"))
    }

    /// Removes a ledger key, so a delivery that failed before it left is tried again.
    ///
    /// # Errors
    /// On a database error.
    pub fn forget_delivery(&mut self, key: &str) -> Result<(), StateError> {
        let result = (|| -> Result<(), StateError> {
            self.conn.execute("DELETE FROM ledger WHERE key = ?1", [key])?;
            Ok(())
        })();
        result.map_err(|e| e.during("take back a delivery"))
    }

    /// The instant of the latest digest occurrence accounted for (sent or skipped), if any.
    ///
    /// # Errors
    /// On a database error.
    pub fn last_digest_handled(&self) -> Result<Option<Timestamp>, StateError> {
        let result = (|| -> Result<Option<Timestamp>, StateError> {
            let at: Option<i64> =
                self.conn.query_row("SELECT MAX(through) FROM digests", [], |r| r.get(0))?;
            at.map(timestamp).transpose()
        })();
        result.map_err(|e| e.during("read the digest log"))
    }

    /// Accounts for digest occurrences: `first..=through` (`count` of them, named by
    /// `occurrence`) were sent or skipped. Returns false when `first` was already accounted for.
    ///
    /// # Errors
    /// On a database error.
    pub fn record_digest(&mut self, record: &DigestRecord, now: Timestamp) -> Result<bool, StateError> {
        let result = (|| -> Result<bool, StateError> {
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let fresh = record_digest_in(&tx, record, now)?;
            tx.commit()?;
            Ok(fresh)
        })();
        result.map_err(|e| e.during("log a digest"))
    }

    /// Sends a digest in one transaction: accounts for its occurrence, queues its email (if
    /// any) and records the desktop key (if any). Returns `None`, changing nothing, when the
    /// occurrence was already accounted for; else whether the desktop key is new (a state
    /// upgraded from before the digest log may hold it already: the summary was shown).
    ///
    /// # Errors
    /// On a database error.
    pub fn record_digest_sent(
        &mut self,
        record: &DigestRecord,
        letter: Option<(&str, &str, &str, &[u8])>,
        desktop_key: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<bool>, StateError> {
        let result = (|| -> Result<Option<bool>, StateError> {
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            if !record_digest_in(&tx, record, now)? {
                return Ok(None);
            }
            if let Some((key, sender, recipient, message)) = letter {
                enqueue_in(&tx, key, sender, recipient, message, now, false)?;
            }
            let mut desktop_fresh = false;
            if let Some(key) = desktop_key {
                desktop_fresh = tx.execute(
                    "INSERT OR IGNORE INTO ledger (key, at) VALUES (?1, ?2)",
                    params![key, now.as_second()],
                )? == 1;
            }
            tx.commit()?;
            Ok(Some(desktop_fresh))
        })();
        result.map_err(|e| e.during("log a sent digest"))
    }

    /// Whether, from `since` and before `before`, a digest was sent, and whether one was missed
    /// (skipped or superseded): the week's review goes in the first digest sent in its week.
    ///
    /// # Errors
    /// On a database error.
    pub fn digests_between(&self, since: Timestamp, before: Timestamp) -> Result<(bool, bool), StateError> {
        let result = (|| -> Result<(bool, bool), StateError> {
            if self.version < 3 {
                return Ok((false, false));
            }
            let (sent, missed): (Option<i64>, Option<i64>) = self.conn.query_row(
                "SELECT SUM(outcome = 'sent'), SUM(outcome <> 'sent') FROM digests
                 WHERE through >= ?1 AND at < ?2",
                [since.as_second(), before.as_second()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok((sent.unwrap_or(0) > 0, missed.unwrap_or(0) > 0))
        })();
        result.map_err(|e| e.during("read the digest log"))
    }

    /// The latest digest occurrences accounted for, newest first: (occurrence, count, outcome).
    ///
    /// # Errors
    /// On a database error.
    pub fn recent_digests(&self, limit: usize) -> Result<Vec<(String, i64, String)>, StateError> {
        let result = (|| -> Result<Vec<(String, i64, String)>, StateError> {
            if self.version < 3 {
                return Ok(Vec::new());
            }
            let mut stmt = self
                .conn
                .prepare("SELECT occurrence, count, outcome FROM digests ORDER BY at DESC LIMIT ?1")?;
            let rows = stmt.query_map([limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })();
        result.map_err(|e| e.during("read the digest log"))
    }

    /// Deletes what is older than [`RETENTION`]: sent and given-up letters, delivery keys no
    /// letter needs, and the digest log (its newest row always stays: it says where the
    /// schedule resumes). Events and first sightings are never pruned. Returns rows removed.
    ///
    /// # Errors
    /// On a database error.
    pub fn prune(&mut self, now: Timestamp) -> Result<usize, StateError> {
        let result = (|| -> Result<usize, StateError> {
            let before = (now - RETENTION).as_second();
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut n = tx.execute(
                "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND created < ?1",
                [before],
            )?;
            n += tx.execute(
                "DELETE FROM ledger WHERE at < ?1 AND NOT EXISTS (SELECT 1 FROM outbox WHERE outbox.key = ledger.key)",
                [before],
            )?;
            n += tx.execute(
                "DELETE FROM digests WHERE recorded < ?1 AND at < (SELECT MAX(at) FROM digests)",
                [before],
            )?;
            tx.commit()?;
            Ok(n)
        })();
        result.map_err(|e| e.during("prune old records"))
    }

    /// SQLite's counter of commits by other connections: when it changes, reload the history.
    ///
    /// # Errors
    /// On a database error.
    pub fn data_version(&self) -> Result<i64, StateError> {
        let result = (|| -> Result<i64, StateError> {
            Ok(self.conn.pragma_query_value(None, "data_version", |r| r.get(0))?)
        })();
        result.map_err(|e| e.during("read the data version"))
    }
}

fn record_digest_in(
    tx: &rusqlite::Transaction<'_>,
    r: &DigestRecord,
    now: Timestamp,
) -> Result<bool, StateError> {
    let n = tx.execute(
        "INSERT OR IGNORE INTO digests (at, through, count, occurrence, outcome, recorded)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            r.first.as_second(),
            r.through.as_second(),
            r.count,
            r.occurrence,
            r.outcome,
            now.as_second()
        ],
    )?;
    Ok(n == 1)
}

fn enqueue_in(
    tx: &rusqlite::Transaction<'_>,
    key: &str,
    sender: &str,
    recipient: &str,
    message: &[u8],
    now: Timestamp,
    claimed: bool,
) -> Result<Option<i64>, StateError> {
    let fresh =
        tx.execute("INSERT OR IGNORE INTO ledger (key, at) VALUES (?1, ?2)", params![key, now.as_second()])?;
    if fresh != 1 {
        return Ok(None);
    }
    let (status, claimed_until, claimed_by) = if claimed {
        ("sending", Some((now + CLAIM).as_second()), Some(i64::from(std::process::id())))
    } else {
        ("pending", None, None)
    };
    tx.execute(
        "INSERT INTO outbox (key, created, sender, recipient, message, next_try, status, claimed_until, claimed_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?2, ?6, ?7, ?8)",
        params![key, now.as_second(), sender, recipient, message, status, claimed_until, claimed_by],
    )?;
    Ok(Some(tx.last_insert_rowid()))
}

/// The first-sighting keys the history does not hold yet.
fn unseen(config: &Config, history: &History) -> Vec<(String, String)> {
    let mut fresh = Vec::new();
    for prospect in config.prospects.values() {
        // Every prospect has the key `prospect`, checked without making the key list: a book's
        // every prospect is looked at on every command that writes.
        if !history.was_seen(&prospect.id, "prospect") {
            fresh.push((prospect.id.clone(), "prospect".to_owned()));
        }
        if prospect.promised_callback.is_none() && prospect.next_step.is_none() {
            continue;
        }
        for key in seen_keys(prospect).into_iter().filter(|k| k != "prospect") {
            if !history.was_seen(&prospect.id, &key) {
                fresh.push((prospect.id.clone(), key));
            }
        }
    }
    fresh
}

fn timestamp(seconds: i64) -> Result<Timestamp, StateError> {
    Timestamp::from_second(seconds).map_err(|_| StateError::Corrupt("timestamp", seconds.to_string()))
}

fn date(text: &str) -> Result<Date, StateError> {
    text.parse().map_err(|_| StateError::Corrupt("date", text.to_owned()))
}

/// An outcome as the state stores it: its name exactly, looked up without the allocations of
/// reading what people type (a million times for a large history), which stays the fallback.
fn stored_outcome(name: &str) -> Result<Outcome, StateError> {
    Outcome::ALL
        .into_iter()
        .find(|o| o.as_str() == name)
        .or_else(|| name.parse().ok())
        .ok_or_else(|| StateError::Corrupt("outcome", name.to_owned()))
}

/// A row of `SELECT id, prospect, at, outcome, promise, next_step_on, next_step_what, until,
/// item` as the planner keeps it, reading text in place rather than into new strings.
fn logged_from_row(row: &rusqlite::Row<'_>) -> Result<Logged, StateError> {
    let text = |i: usize| -> Result<Option<&str>, StateError> {
        Ok(row.get_ref(i)?.as_str_or_null().map_err(rusqlite::Error::from)?)
    };
    logged_from(packs::Packed {
        id: row.get(0)?,
        at: row.get(2)?,
        outcome: text(3)?.unwrap_or_default(),
        promise: text(4)?.unwrap_or_default(),
        next_step_on: text(5)?,
        next_step_what: text(6)?,
        until: text(7)?,
        item: text(8)?,
    })
}

/// Whether no event is packed twice (an event replaced by hand stays packed in its old form:
/// see [`packs`]), by a bit for each id from the lowest to the highest of `ids`, the ids'
/// range; a book whose ids are too sparse for that (64 million past its count) is taken as it
/// is.
fn each_once(log: &[Logged], ids: Option<(i64, i64)>) -> bool {
    let Some((lowest, highest)) = ids else { return true };
    let span = usize::try_from(highest.abs_diff(lowest)).unwrap_or(usize::MAX);
    if span > log.len() + (1 << 26) {
        return true;
    }
    let mut seen = vec![0u64; span / 64 + 1];
    for event in log {
        let id = usize::try_from(event.seq.abs_diff(lowest)).unwrap_or(usize::MAX);
        let (word, bit) = (id / 64, 1u64 << (id % 64));
        if seen[word] & bit != 0 {
            return false;
        }
        seen[word] |= bit;
    }
    true
}

/// An event's columns, from a row or a pack, as the planner keeps it.
fn logged_from(e: packs::Packed<'_>) -> Result<Logged, StateError> {
    let outcome = stored_outcome(e.outcome)?;
    let promise = match e.promise {
        "auto" => PromiseChoice::Auto,
        "none" => PromiseChoice::Skip,
        d => PromiseChoice::On(date(d)?),
    };
    let next_step = match (e.next_step_on, e.next_step_what) {
        (Some(on), Some(what)) => Some(NextStep { on: date(on)?, what: what.to_owned() }),
        _ => None,
    };
    let until = e.until.map(date).transpose()?;
    let item = e.item.map(str::to_owned);
    Ok(Logged::new(e.id, timestamp(e.at)?, outcome, promise, until, next_step, item))
}

fn event_from_row(row: &rusqlite::Row<'_>, prospect: std::sync::Arc<str>) -> Result<Event, StateError> {
    let text = |i: usize| -> Result<&str, StateError> {
        Ok(row.get_ref(i)?.as_str().map_err(rusqlite::Error::from)?)
    };
    let outcome = text(3)?;
    let promise = text(5)?;
    let next_on: Option<String> = row.get(6)?;
    let next_what: Option<String> = row.get(7)?;
    let until: Option<String> = row.get(8)?;
    Ok(Event {
        seq: row.get(0)?,
        prospect,
        at: timestamp(row.get(2)?)?,
        outcome: stored_outcome(outcome)?,
        note: row.get(4)?,
        promise: match promise {
            "auto" => PromiseChoice::Auto,
            "none" => PromiseChoice::Skip,
            d => PromiseChoice::On(date(d)?),
        },
        next_step: match (next_on, next_what) {
            (Some(on), Some(what)) => Some(NextStep { on: date(&on)?, what }),
            _ => None,
        },
        until: until.as_deref().map(date).transpose()?,
        item: row.get(9)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_error_names_what_was_being_done() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let state = State::open(&path).unwrap();
        state.conn.execute_batch("DROP TABLE events").unwrap();
        let error = state.history().expect_err("no events table").to_string();
        assert!(error.starts_with("state database error (cannot load the history): "), "{error}");
        assert!(error.contains("no such table: events"), "{error}");
    }

    fn event(prospect: &str, second: i64, outcome: Outcome) -> Event {
        Event {
            seq: 0,
            prospect: prospect.into(),
            at: Timestamp::from_second(second).unwrap(),
            outcome,
            note: Some("a note, which the planner never reads".into()),
            promise: PromiseChoice::Auto,
            next_step: None,
            until: None,
            item: None,
        }
    }

    /// Events of three prospects with text of every awkward kind, logged out of order, one
    /// taken back, two changed by hand.
    fn awkward_history(state: &mut State) {
        let day = |d: &str| d.parse::<Date>().unwrap();
        let now = Timestamp::from_second(1_790_000_000).unwrap();
        let mut log = |e: Event| state.append(&e, now).unwrap();
        log(event("ann", 1_780_000_000, Outcome::Voicemail));
        log(Event {
            promise: PromiseChoice::On(day("2026-07-01")),
            ..event("ann", 1_779_000_000, Outcome::Spoke)
        });
        log(Event {
            next_step: Some(NextStep { on: day("2026-08-03"), what: "send: 12:ab-, then\n3 -".into() }),
            promise: PromiseChoice::Skip,
            ..event("bob", 1_781_000_000, Outcome::Spoke)
        });
        log(Event {
            item: Some("Zoë's case — ½ price, 4:x-".into()),
            ..event("bob", 1_782_000_000, Outcome::DripSent)
        });
        log(Event { until: Some(day("2026-09-09")), ..event("cy", -86_400, Outcome::Snooze) });
        log(event("cy", 1_783_000_000, Outcome::NoAnswer));
        state
            .append_press(
                &[event("ann", 1_784_000_000, Outcome::Snooze), event("cy", 1_784_000_000, Outcome::Snooze)],
                now,
            )
            .unwrap();
        state.undo_last(Some("bob"), now).unwrap();
        state.conn.execute_batch("UPDATE events SET at = at - 5000000 WHERE id = 1; UPDATE events SET prospect = 'cy' WHERE id = 2;").unwrap();
    }

    /// Every prospect's events, as the planner reads them.
    fn events(history: &History) -> Vec<(String, Vec<Logged>)> {
        ["ann", "bob", "cy", "dee"].map(|id| (id.to_owned(), history.events_of(id).to_vec())).to_vec()
    }

    #[test]
    fn the_packed_events_read_as_the_events_table_does() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = State::open(&dir.path().join("state.db")).unwrap();
        awkward_history(&mut state);
        // First sightings of prospects with events and without, as a load walks along them.
        state
            .conn
            .execute_batch(
                "INSERT INTO seen VALUES ('ann', 'prospect', 100), ('bea', 'prospect', 101),
                 ('cy', 'promise:2026-07-01', 102), ('cy', 'prospect', 103), ('zed', 'prospect', 104)",
            )
            .unwrap();
        let sightings = |history: &History| {
            [
                ("ann", "prospect"),
                ("bea", "prospect"),
                ("cy", "promise:2026-07-01"),
                ("cy", "prospect"),
                ("zed", "prospect"),
            ]
            .map(|(id, key)| history.seen_at(id, key).map(Timestamp::as_second))
        };
        assert_eq!(sightings(&state.history().unwrap()), [100, 101, 102, 103, 104].map(Some));
        let packed = state.packed_history(None).unwrap().expect("the packs agree with the events").finish();
        let rows = state.history_by_rows(None).unwrap();
        assert_eq!(events(&packed), events(&rows));
        assert_eq!(packed.len(), 7);
        assert_eq!(packed.events_of("bob").len(), 1, "the drip-sent taken back");
        assert_eq!(packed.events_of("cy")[0].until(), Some("2026-09-09".parse().unwrap()));
        for id in ["ann", "cy", "nobody"] {
            let one = state.packed_history(Some(id)).unwrap().expect("one prospect's pack agrees").finish();
            assert_eq!(one.events_of(id), rows.events_of(id));
        }
        // A pack that no longer reads, or that misses events, is not trusted: the table is read.
        let full = events(&state.history().unwrap());
        state
            .conn
            .execute_batch("UPDATE event_packs SET packed = substr(packed, 3) WHERE prospect = 'ann'")
            .unwrap();
        assert!(state.packed_history(None).unwrap().is_none());
        assert_eq!(events(&state.history().unwrap()), full);
        assert_eq!(
            sightings(&state.history().unwrap()),
            [100, 101, 102, 103, 104].map(Some),
            "read with the rows"
        );
        state.conn.execute_batch("DELETE FROM event_packs WHERE prospect = 'ann'").unwrap();
        assert!(state.packed_history(Some("ann")).unwrap().is_none());
        assert_eq!(state.history_of("ann").unwrap().events_of("ann"), full[0].1);
        // Any change to an event writes its prospect's pack again: all agree once more.
        state.conn.execute_batch("UPDATE events SET at = at").unwrap();
        assert_eq!(events(&state.packed_history(None).unwrap().expect("packs written again").finish()), full);
        // An event replaced by hand (its deletion fires no trigger) stays packed in its old form.
        state
            .conn
            .execute_batch("INSERT OR REPLACE INTO events (id, prospect, at, outcome, logged_at) VALUES (1, 'cy', 5, 'won', 5)")
            .unwrap();
        assert!(state.packed_history(None).unwrap().is_none(), "event 1 packed twice");
        let replaced = events(&state.history().unwrap());
        assert_eq!(replaced[0].1.len(), full[0].1.len() - 1, "ann's event 1 is gone");
        assert!(replaced[2].1.iter().any(|e| e.seq == 1 && e.outcome == Outcome::Won), "now cy's");
        state.conn.execute_batch("UPDATE events SET at = at").unwrap();
        // Packs left behind by a trigger dropped by hand.
        state.conn.execute_batch("DROP TRIGGER event_packs_insert").unwrap();
        let now = Timestamp::from_second(1_790_000_000).unwrap();
        state.append(&event("dee", 1_785_000_000, Outcome::Meeting), now).unwrap();
        assert!(state.packed_history(None).unwrap().is_none());
        assert_eq!(events(&state.history().unwrap())[3].1.len(), 1, "dee's meeting, read from the table");
    }

    #[test]
    fn an_event_packed_twice_is_found_whatever_the_ids() {
        let logged = |ids: &[i64]| -> Vec<Logged> {
            let at = Timestamp::from_second(0).unwrap();
            ids.iter()
                .map(|&id| Logged::new(id, at, Outcome::Spoke, PromiseChoice::Auto, None, None, None))
                .collect()
        };
        let once = |ids: &[i64]| {
            let range = ids.iter().min().zip(ids.iter().max()).map(|(&low, &high)| (low, high));
            each_once(&logged(ids), range)
        };
        assert!(once(&[]));
        assert!(once(&[-3, 0, 5, 64, 65, 1000]));
        assert!(!once(&[-3, 0, 5, -3]), "typed in by hand, below zero");
        assert!(!once(&[1, 2, 3, 130, 2]));
        // Too sparse to hold a bit for each id: taken as it is.
        assert!(once(&[1, 1 << 40, 1]));
    }

    #[test]
    fn a_state_from_before_the_packs_gets_them_filled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut older = Connection::open(&path).unwrap();
        let tx = older.transaction().unwrap();
        for sql in &MIGRATIONS[..PACKED as usize - 1] {
            tx.execute_batch(sql).unwrap();
        }
        tx.pragma_update(None, "user_version", PACKED - 1).unwrap();
        tx.commit().unwrap();
        let mut state = State { conn: older, path: path.clone(), version: PACKED - 1, own_writes: 0 };
        awkward_history(&mut state);
        let before = events(&state.history().unwrap());
        let packs = "SELECT count(*) FROM sqlite_master WHERE name = 'event_packs'";
        assert_eq!(state.conn.query_row(packs, [], |r| r.get::<_, i64>(0)).unwrap(), 0, "no packs before");
        drop(state);
        let state = State::open(&path).unwrap();
        let packed =
            state.packed_history(None).unwrap().expect("the migration packs the events there are").finish();
        assert_eq!(events(&packed), before);
    }
}
