//! The state: one SQLite file holding the event log, when config entries were first seen, the
//! delivery ledger, the email outbox and the scheduler's last runs.
//!
//! The file is created with mode 0600 (it names prospects), in WAL mode so the daemon reads
//! while `ringback log` writes, and migrated with `PRAGMA user_version`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, params};

use crate::config::{Config, NextStep};
use crate::plan::{Event, History, Outcome, PromiseChoice, seen_keys};

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
    #[error("state database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the state holds a bad {0}: `{1}`")]
    Corrupt(&'static str, String),
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
];

/// An open state database.
pub struct State {
    conn: Connection,
    path: PathBuf,
}

impl State {
    /// Opens the state, creating it (mode 0600) and its folder on first use.
    ///
    /// # Errors
    /// When the folder or file cannot be created, the file is not SQLite, or its schema is
    /// newer than this build.
    pub fn open(path: &Path) -> Result<State, StateError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StateError::Folder(dir.to_path_buf(), e))?;
        }
        if !path.exists() {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(path)
                .map_err(|e| StateError::Create(path.to_path_buf(), e))?;
        }
        let conn = Connection::open(path).map_err(|e| StateError::Open(path.to_path_buf(), e))?;
        let mut state = State { conn, path: path.to_path_buf() };
        state.prepare().map_err(|e| match e {
            StateError::Sql(e) => StateError::Open(path.to_path_buf(), e),
            other => other,
        })?;
        Ok(state)
    }

    fn prepare(&mut self) -> Result<(), StateError> {
        self.conn.busy_timeout(std::time::Duration::from_secs(5))?;
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        let version: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StateError::TooNew(self.path.clone(), version, known));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Loads every event (without its note) and first-seen mark, in one query each.
    ///
    /// # Errors
    /// On a database error or a malformed row.
    pub fn history(&self) -> Result<History, StateError> {
        let mut history = History::default();
        // A plain table scan in insertion order is several times faster than walking the
        // prospect index (a random row lookup per event); each prospect is sorted after.
        // Notes are for people, not the planner: NULL here keeps a large load light; use
        // `events_of` to read them.
        let mut stmt = self.conn.prepare(
            "SELECT id, prospect, at, outcome, NULL, promise, next_step_on, next_step_what, until, item
             FROM events",
        )?;
        let mut rows = stmt.query([])?;
        // Groups by prospect with one hash lookup per change of prospect, not per row: rows
        // of one prospect often come together.
        let mut groups: Vec<(std::sync::Arc<str>, Vec<Event>)> = Vec::new();
        let mut index: HashMap<std::sync::Arc<str>, usize> = HashMap::new();
        let mut last: Option<usize> = None;
        while let Some(row) = rows.next()? {
            let prospect = row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            let slot = match last.filter(|&i| *groups[i].0 == *prospect) {
                Some(i) => i,
                None => match index.get(prospect) {
                    Some(&i) => i,
                    None => {
                        let id: std::sync::Arc<str> = prospect.into();
                        index.insert(id.clone(), groups.len());
                        groups.push((id, Vec::with_capacity(16)));
                        groups.len() - 1
                    }
                },
            };
            last = Some(slot);
            let event = event_from_row(row, groups[slot].0.clone())?;
            groups[slot].1.push(event);
        }
        history.events.reserve(groups.len());
        for (id, events) in groups {
            history.events.insert(id.to_string(), events);
        }
        for events in history.events.values_mut() {
            if !events.is_sorted_by_key(|e| (e.at, e.seq)) {
                events.sort_by_key(|e| (e.at, e.seq));
            }
        }
        let mut stmt = self.conn.prepare("SELECT prospect, key, at FROM seen")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let at = timestamp(row.get(2)?)?;
            history.seen.insert((row.get(0)?, row.get(1)?), at);
        }
        Ok(history)
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
        let mut fresh = Vec::new();
        for prospect in config.prospects.values() {
            for key in seen_keys(prospect) {
                let k = (prospect.id.clone(), key);
                if !history.seen.contains_key(&k) {
                    fresh.push(k);
                }
            }
        }
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
        for k in fresh {
            history.seen.insert(k, now);
        }
        Ok(count)
    }

    /// Appends an event; it is durable when this returns.
    ///
    /// # Errors
    /// On a database error.
    pub fn append(&mut self, event: &Event, logged_at: Timestamp) -> Result<i64, StateError> {
        let promise = match event.promise {
            PromiseChoice::Auto => "auto".to_owned(),
            PromiseChoice::Skip => "none".to_owned(),
            PromiseChoice::On(d) => d.to_string(),
        };
        self.conn.execute(
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
        Ok(self.conn.last_insert_rowid())
    }

    /// One prospect's events, oldest first.
    ///
    /// # Errors
    /// On a database error or a malformed row.
    pub fn events_of(&self, prospect: &str) -> Result<Vec<Event>, StateError> {
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
    }

    /// Every prospect id the state knows (from events or sightings) with its event count.
    ///
    /// # Errors
    /// On a database error.
    pub fn known_ids(&self) -> Result<HashMap<String, i64>, StateError> {
        let mut stmt = self.conn.prepare(
            "SELECT prospect, SUM(n) FROM (
                SELECT prospect, COUNT(*) AS n FROM events GROUP BY prospect
                UNION ALL SELECT prospect, 0 FROM seen WHERE key = 'prospect'
             ) GROUP BY prospect",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether a delivery with this key was recorded.
    ///
    /// # Errors
    /// On a database error.
    pub fn delivered(&self, key: &str) -> Result<bool, StateError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM ledger WHERE key = ?1", [key], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Records a delivery; returns false when the key was already there.
    ///
    /// # Errors
    /// On a database error.
    pub fn record_delivery(&mut self, key: &str, at: Timestamp) -> Result<bool, StateError> {
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO ledger (key, at) VALUES (?1, ?2)",
            params![key, at.as_second()],
        )?;
        Ok(n == 1)
    }
}

/// An email waiting in (or gone through) the outbox.
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
        let tx = self.conn.transaction()?;
        let fresh = tx.execute(
            "INSERT OR IGNORE INTO ledger (key, at) VALUES (?1, ?2)",
            params![key, now.as_second()],
        )?;
        let id = if fresh == 1 {
            tx.execute(
                "INSERT INTO outbox (key, created, sender, recipient, message, next_try) VALUES (?1, ?2, ?3, ?4, ?5, ?2)",
                params![key, now.as_second(), sender, recipient, message],
            )?;
            Some(tx.last_insert_rowid())
        } else {
            None
        };
        tx.commit()?;
        Ok(id)
    }

    /// Pending letters whose next try is due.
    ///
    /// # Errors
    /// On a database error.
    pub fn due_letters(&self, now: Timestamp) -> Result<Vec<Letter>, StateError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, key, created, sender, recipient, message, attempts FROM outbox
             WHERE status = 'pending' AND next_try <= ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([now.as_second()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })?;
        let mut letters = Vec::new();
        for row in rows {
            let (id, key, created, sender, recipient, message, attempts) = row?;
            letters.push(Letter {
                id,
                key,
                created: timestamp(created)?,
                sender,
                recipient,
                message,
                attempts,
            });
        }
        Ok(letters)
    }

    /// When the next pending letter is due, if any.
    ///
    /// # Errors
    /// On a database error.
    pub fn next_letter_at(&self) -> Result<Option<Timestamp>, StateError> {
        let at: Option<i64> =
            self.conn
                .query_row("SELECT MIN(next_try) FROM outbox WHERE status = 'pending'", [], |r| r.get(0))?;
        at.map(timestamp).transpose()
    }

    /// Marks a letter sent.
    ///
    /// # Errors
    /// On a database error.
    pub fn letter_sent(&mut self, id: i64) -> Result<(), StateError> {
        self.conn.execute(
            "UPDATE outbox SET status = 'sent', attempts = attempts + 1, last_error = NULL WHERE id = ?1",
            [id],
        )?;
        Ok(())
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
        match next_try {
            Some(at) => self.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_try = ?3 WHERE id = ?1",
                params![id, error, at.as_second()],
            )?,
            None => self.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, status = 'failed' WHERE id = ?1",
                params![id, error],
            )?,
        };
        Ok(())
    }

    /// Counts of outbox letters by status, for `check` and tests.
    ///
    /// # Errors
    /// On a database error.
    pub fn outbox_counts(&self) -> Result<HashMap<String, i64>, StateError> {
        let mut stmt = self.conn.prepare("SELECT status, COUNT(*) FROM outbox GROUP BY status")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Removes a ledger key, so a delivery that failed before it left is tried again.
    ///
    /// # Errors
    /// On a database error.
    pub fn forget_delivery(&mut self, key: &str) -> Result<(), StateError> {
        self.conn.execute("DELETE FROM ledger WHERE key = ?1", [key])?;
        Ok(())
    }

    /// Records what happened to a scheduled run (a digest sent or skipped).
    ///
    /// # Errors
    /// On a database error.
    pub fn record_run(
        &mut self,
        name: &str,
        occurrence: &str,
        outcome: &str,
        at: Timestamp,
    ) -> Result<(), StateError> {
        self.conn.execute(
            "INSERT INTO runs (name, occurrence, at, outcome) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET occurrence = ?2, at = ?3, outcome = ?4",
            params![name, occurrence, at.as_second(), outcome],
        )?;
        Ok(())
    }

    /// The last recorded run of a schedule: (occurrence, outcome).
    ///
    /// # Errors
    /// On a database error.
    pub fn last_run(&self, name: &str) -> Result<Option<(String, String)>, StateError> {
        Ok(self
            .conn
            .query_row("SELECT occurrence, outcome FROM runs WHERE name = ?1", [name], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// SQLite's counter of commits by other connections: when it changes, reload the history.
    ///
    /// # Errors
    /// On a database error.
    pub fn data_version(&self) -> Result<i64, StateError> {
        Ok(self.conn.pragma_query_value(None, "data_version", |r| r.get(0))?)
    }
}

fn timestamp(seconds: i64) -> Result<Timestamp, StateError> {
    Timestamp::from_second(seconds).map_err(|_| StateError::Corrupt("timestamp", seconds.to_string()))
}

fn date(text: &str) -> Result<Date, StateError> {
    text.parse().map_err(|_| StateError::Corrupt("date", text.to_owned()))
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
        outcome: outcome
            .parse::<Outcome>()
            .map_err(|_| StateError::Corrupt("outcome", outcome.to_owned()))?,
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
