//! What the book's phone numbers read as, kept between runs (see [`crate::phone::Readings`]):
//! a command then reads a book without loading libphonenumber's metadata. Readings made under
//! another version of its rules are not used.

use rusqlite::{OptionalExtension, params};

use super::{State, StateError};
use crate::phone::{DiallingRegion, Kept, Number, PhoneError, RULES, Readings};

/// The schema version that keeps readings: an older state, opened read-only, has none.
const SINCE: i64 = 8;

impl State {
    /// The readings kept in the state at `path`, loaded (read-only) when a number is first
    /// read (`keeping` when the caller keeps them again, see [`Readings::loading`]): none when
    /// there is no state yet or it cannot be read. A cache: a command then reads every number,
    /// and says what is wrong with the state when it reads it for anything else.
    pub fn known_phones(path: &std::path::Path, keeping: bool) -> Readings {
        let path = path.to_path_buf();
        Readings::loading(
            Box::new(move || {
                let known = State::open_read_only(&path).and_then(|state| match state {
                    Some(state) => state.phone_readings(),
                    None => Ok(Default::default()),
                });
                known.unwrap_or_else(|e| {
                    tracing::debug!("no phone readings: {e}");
                    Default::default()
                })
            }),
            keeping,
        )
    }

    /// The readings kept, and dialling regions by calling code, when made under this build's
    /// rules; none otherwise.
    ///
    /// # Errors
    /// On a database error.
    pub fn phone_readings(&self) -> Result<(Vec<Kept>, Vec<DiallingRegion>), StateError> {
        if self.version < SINCE {
            return Ok(Default::default());
        }
        let result = (|| {
            let rules: Option<String> = self
                .conn
                .query_row("SELECT value FROM settings WHERE key = 'phone_rules'", [], |r| r.get(0))
                .optional()?;
            if rules.as_deref() != Some(RULES) {
                return Ok(Default::default());
            }
            let mut stmt = self.conn.prepare(
                "SELECT region, text, e164, extension, country_code, grouped, error FROM phone_readings",
            )?;
            let kept = stmt
                .query_map([], |r| {
                    let reading = match (r.get::<_, Option<String>>(2)?, r.get::<_, Option<i64>>(6)?) {
                        // E.164 is at most 16 characters: a longer one (a state edited by
                        // hand) is no reading, and the number is read again.
                        (Some(e164), None) if e164.len() <= 16 => {
                            Ok(Number::from_parts(&e164, r.get(3)?, r.get(4)?, &r.get::<_, String>(5)?))
                        }
                        (_, code) => match code.and_then(PhoneError::from_code) {
                            Some(error) => Err(error),
                            // A code this build does not know: read again.
                            None => return Ok(None),
                        },
                    };
                    Ok(Some(Kept { region: r.get(0)?, text: r.get(1)?, reading }))
                })?
                .filter_map(Result::transpose)
                .collect::<Result<Vec<_>, _>>()?;
            let mut stmt = self.conn.prepare("SELECT country_code, region FROM phone_regions")?;
            let regions =
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
            Ok((kept, regions))
        })();
        result.map_err(|e: rusqlite::Error| StateError::from(e).during("read the phone readings"))
    }

    /// Keeps what `readings` says the book's numbers read as, replacing what was kept, when
    /// that changed (a number read afresh, or one no longer in the book); else writes nothing.
    /// They are a cache: a failure (the state busy past its timeout) is logged, writes
    /// nothing, and never fails the command or the daemon.
    pub fn keep_phone_readings(&mut self, readings: &Readings) {
        if !readings.changed() {
            return;
        }
        let (kept, regions) = readings.in_use();
        let result = (|| {
            let tx = self.conn.transaction()?;
            tx.execute("DELETE FROM phone_readings", [])?;
            tx.execute("DELETE FROM phone_regions", [])?;
            {
                let mut insert = tx.prepare(
                    "INSERT OR REPLACE INTO phone_readings (region, text, e164, extension, country_code, grouped, error)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                for Kept { region, text, reading } in &kept {
                    match reading {
                        Ok(n) => insert.execute(params![
                            region,
                            text,
                            n.e164(),
                            n.extension,
                            n.country_code,
                            n.grouped(),
                            None::<i64>
                        ])?,
                        Err(e) => insert.execute(params![
                            region,
                            text,
                            None::<String>,
                            None::<String>,
                            None::<i64>,
                            None::<String>,
                            e.code()
                        ])?,
                    };
                }
                let mut insert = tx
                    .prepare("INSERT OR REPLACE INTO phone_regions (country_code, region) VALUES (?1, ?2)")?;
                for (code, region) in &regions {
                    insert.execute(params![code, region])?;
                }
            }
            tx.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('phone_rules', ?1)", [RULES])?;
            tx.commit()
        })();
        if let Err(e) = result {
            tracing::warn!("{}", StateError::from(e).during("keep the phone readings"));
        }
    }
}
