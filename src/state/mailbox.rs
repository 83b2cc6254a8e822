//! What the mailbox reader keeps: how far each folder has been read, and the messages acted
//! on, so each is acted on once across restarts, reconnects and a new UIDVALIDITY.

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use super::{State, StateError, event_from_row, insert_event};
use crate::plan::{Event, Outcome};

/// How far a folder has been read: UIDs are good only within their UIDVALIDITY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderMark {
    /// The folder's name on the server.
    pub name: String,
    pub uidvalidity: u32,
    pub last_uid: u32,
}

/// A message acted on: only what the events it logged say, never its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// Its Message-ID, or a hash of its Date, From and Subject when it has none.
    pub message_id: String,
    /// `inbox` or `sent`.
    pub role: &'static str,
    pub at: Timestamp,
    pub subject: String,
}

impl State {
    /// How far the folder of this role (`inbox`, `sent`) has been read.
    ///
    /// # Errors
    /// On a database error.
    pub fn folder_mark(&self, role: &str) -> Result<Option<FolderMark>, StateError> {
        let result = self
            .conn
            .query_row(
                "SELECT name, uidvalidity, last_uid FROM mailbox_folders WHERE role = ?1",
                [role],
                |r| Ok(FolderMark { name: r.get(0)?, uidvalidity: r.get(1)?, last_uid: r.get(2)? }),
            )
            .optional();
        result.map_err(|e| StateError::from(e).during("read how far the mailbox was read"))
    }

    /// Records how far a folder has been read.
    ///
    /// # Errors
    /// On a database error.
    pub fn set_folder_mark(&mut self, role: &str, mark: &FolderMark) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT INTO mailbox_folders (role, name, uidvalidity, last_uid) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (role) DO UPDATE SET name = ?2, uidvalidity = ?3, last_uid = ?4",
                params![role, mark.name, mark.uidvalidity, mark.last_uid],
            )
            .map(|_| ())
            .map_err(|e| StateError::from(e).during("record how far the mailbox was read"))
    }

    /// Whether a message was acted on already.
    ///
    /// # Errors
    /// On a database error.
    pub fn was_handled(&self, message_id: &str) -> Result<bool, StateError> {
        self.conn
            .query_row("SELECT 1 FROM mailbox_messages WHERE message_id = ?1", [message_id], |_| Ok(()))
            .optional()
            .map(|found| found.is_some())
            .map_err(|e| StateError::from(e).during("look up a message"))
    }

    /// Logs what a message means and marks it acted on, in one transaction: `false` (and
    /// nothing written) when it was acted on before. Each event's source names the folder
    /// and the Message-ID.
    ///
    /// # Errors
    /// On a database error; then nothing is written.
    pub fn log_message(
        &mut self,
        message: &Handled,
        events: &[Event],
        logged_at: Timestamp,
    ) -> Result<bool, StateError> {
        let result = (|| -> Result<bool, StateError> {
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let fresh = tx.execute(
                "INSERT OR IGNORE INTO mailbox_messages (message_id, role, at, subject, handled_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    message.message_id,
                    message.role,
                    message.at.as_second(),
                    message.subject,
                    logged_at.as_second()
                ],
            )? == 1;
            if !fresh {
                return Ok(false);
            }
            let source = format!("mailbox {} <{}>", message.role, message.message_id);
            for event in events {
                let seq = insert_event(&tx, event, logged_at)?;
                tx.execute("UPDATE events SET source = ?1 WHERE id = ?2", params![source, seq])?;
            }
            tx.commit()?;
            self.own_writes += 1;
            Ok(true)
        })();
        result.map_err(|e| e.during("log a message from the mailbox"))
    }

    /// Where each of a prospect's events came from, by sequence number, for those that did not
    /// come from the command line (`mailbox inbox <id@host>`).
    ///
    /// # Errors
    /// On a database error.
    pub fn sources_of(&self, prospect: &str) -> Result<HashMap<i64, String>, StateError> {
        let result = (|| -> Result<HashMap<i64, String>, StateError> {
            let mut stmt = self
                .conn
                .prepare("SELECT id, source FROM events WHERE prospect = ?1 AND source IS NOT NULL")?;
            let rows = stmt.query_map([prospect], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })();
        result.map_err(|e| e.during("read where events came from"))
    }

    /// What the mailbox told, for the digest: every `replied`, `auto-reply` and `bounced`
    /// event, each with the outcome of its prospect's latest event (by time, then order).
    ///
    /// # Errors
    /// On a database error or a malformed row.
    pub fn mail_news(&self) -> Result<Vec<(Event, Outcome)>, StateError> {
        let result = (|| -> Result<Vec<(Event, Outcome)>, StateError> {
            let mut stmt = self.conn.prepare(
                "SELECT id, prospect, at, outcome, note, promise, next_step_on, next_step_what, until, item,
                    (SELECT l.outcome FROM events l WHERE l.prospect = e.prospect ORDER BY l.at DESC, l.id DESC LIMIT 1)
                 FROM events e WHERE outcome IN ('replied', 'auto-reply', 'bounced') ORDER BY at, id",
            )?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let who: String = row.get(1)?;
                let event = event_from_row(row, who.as_str().into())?;
                let latest: String = row.get(10)?;
                let latest =
                    latest.parse::<Outcome>().map_err(|_| StateError::Corrupt("outcome", latest.clone()))?;
                out.push((event, latest));
            }
            Ok(out)
        })();
        result.map_err(|e| e.during("read what the mailbox told"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PromiseChoice;

    fn replied(at: &str) -> Event {
        Event {
            seq: 0,
            prospect: "bill".into(),
            at: at.parse().unwrap(),
            outcome: Outcome::Replied,
            note: Some("Re: month-end".into()),
            promise: PromiseChoice::Auto,
            next_step: None,
            until: None,
            item: None,
        }
    }

    #[test]
    fn a_message_is_logged_once_and_its_events_name_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = State::open(&dir.path().join("state.db")).unwrap();
        let message = Handled {
            message_id: "abc@mail.example".into(),
            role: "inbox",
            at: "2026-12-01T10:14:00Z".parse().unwrap(),
            subject: "Re: month-end".into(),
        };
        let now: Timestamp = "2026-12-01T11:00:00Z".parse().unwrap();
        assert!(state.log_message(&message, &[replied("2026-12-01T10:14:00Z")], now).unwrap());
        assert!(!state.log_message(&message, &[replied("2026-12-01T10:14:00Z")], now).unwrap());
        assert_eq!(state.events_of("bill").unwrap().len(), 1);
        let seq = state.events_of("bill").unwrap()[0].seq;
        assert_eq!(state.sources_of("bill").unwrap()[&seq], "mailbox inbox <abc@mail.example>");
        assert!(state.was_handled("abc@mail.example").unwrap());
        let mark = FolderMark { name: "INBOX".into(), uidvalidity: 7, last_uid: 12 };
        state.set_folder_mark("inbox", &mark).unwrap();
        assert_eq!(state.folder_mark("inbox").unwrap(), Some(mark));
        assert_eq!(state.mail_news().unwrap()[0].1, Outcome::Replied);
    }
}
