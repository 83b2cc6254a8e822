//! Each prospect's events packed into one row, kept by triggers: a large history is read as
//! 100 000 rows of text rather than a million rows of columns.
//!
//! Stepping through a million rows and their nine columns is most of what a large book's
//! `agenda` costs (SQLite's scan alone takes about 170 ms; with the columns read out, about
//! 360 ms). The table `event_packs` holds, for each prospect with events, those events written
//! one after another in a form quick to read back ([`unpack`]). Triggers on `events` keep it:
//! an insert appends its event, a delete or a change to what the planner reads writes the
//! prospect's row again from its events. Whatever writes the events (ringback, or `sqlite3`
//! by hand), the packs follow, with one exception: an `INSERT OR REPLACE` that replaces an
//! event deletes it without firing a delete trigger, so its old form stays packed (a trigger
//! before the insert cannot tell a replacing insert from an `OR IGNORE` one that keeps the
//! old row). A reader therefore holds the packs to the table: one prospect's to its count,
//! the book's to the last event's id and to each id packed once (counting a million rows
//! reads 25 MB of index pages, about 15 ms), and reads the table itself when they disagree
//! or do not read (see `State::history_where`). They are a quicker way to the same history,
//! never a second truth. A pack edited or deleted by hand that does not hold the last event
//! is not noticed.
//!
//! An event is `ID,AT,` then six fields (outcome, promise, next step's day, next step's text,
//! until, item), each `-` for none or `LENGTH:TEXT` with the text's length in bytes: text of
//! any content reads back exactly, with no escaping.

/// A field of `row`'s `column`: `-`, or its length in bytes, `:` and its text.
macro_rules! field {
    ($row:literal, $column:literal) => {
        concat!(
            "(CASE WHEN ",
            $row,
            ".",
            $column,
            " IS NULL THEN '-' ELSE length(CAST(",
            $row,
            ".",
            $column,
            " AS BLOB)) || ':' || ",
            $row,
            ".",
            $column,
            " END)"
        )
    };
}

/// The packed form of the event `row` (`NEW`, `OLD` or a table's alias).
macro_rules! packed {
    ($row:literal) => {
        concat!(
            $row,
            ".id || ',' || ",
            $row,
            ".at || ',' || ",
            field!($row, "outcome"),
            " || ",
            field!($row, "promise"),
            " || ",
            field!($row, "next_step_on"),
            " || ",
            field!($row, "next_step_what"),
            " || ",
            field!($row, "until"),
            " || ",
            field!($row, "item")
        )
    };
}

/// One prospect's row written again from its events (none when it has none left).
macro_rules! repack {
    ($prospect:literal) => {
        concat!(
            "DELETE FROM event_packs WHERE prospect = ",
            $prospect,
            ";
            INSERT INTO event_packs (prospect, packed)
                SELECT prospect, group_concat(line, '') FROM (
                    SELECT e.prospect AS prospect, ",
            packed!("e"),
            " AS line
                    FROM events e WHERE e.prospect = ",
            $prospect,
            " ORDER BY e.at, e.id
                ) GROUP BY prospect;"
        )
    };
}

/// Migration 9: the packs, filled from the events there are, and the triggers that keep them.
pub(super) const MIGRATION: &str = concat!(
    "CREATE TABLE event_packs (
        prospect TEXT PRIMARY KEY,
        packed TEXT NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO event_packs (prospect, packed)
        SELECT prospect, group_concat(line, '') FROM (
            SELECT e.prospect AS prospect, ",
    packed!("e"),
    " AS line
            FROM events e ORDER BY e.prospect, e.at, e.id
        ) GROUP BY prospect;
    CREATE TRIGGER event_packs_insert AFTER INSERT ON events BEGIN
        INSERT INTO event_packs (prospect, packed) VALUES (NEW.prospect, ",
    packed!("NEW"),
    ")
            ON CONFLICT (prospect) DO UPDATE SET packed = packed || excluded.packed;
    END;
    CREATE TRIGGER event_packs_delete AFTER DELETE ON events BEGIN ",
    repack!("OLD.prospect"),
    " END;
    CREATE TRIGGER event_packs_update
        AFTER UPDATE OF id, prospect, at, outcome, promise, next_step_on, next_step_what, until, item
        ON events BEGIN ",
    repack!("OLD.prospect"),
    repack!("NEW.prospect"),
    " END;"
);

/// One event as packed: its text fields borrowed from the pack.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Packed<'t> {
    pub id: i64,
    pub at: i64,
    pub outcome: &'t str,
    pub promise: &'t str,
    pub next_step_on: Option<&'t str>,
    pub next_step_what: Option<&'t str>,
    pub until: Option<&'t str>,
    pub item: Option<&'t str>,
}

/// The events of one pack, in the order written; `None` at the first thing out of form.
pub(super) fn unpack(text: &str) -> impl Iterator<Item = Option<Packed<'_>>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let event = read_one(&mut rest);
        if event.is_none() {
            // Nothing after a malformed event can be trusted to start where it seems to.
            rest = "";
        }
        Some(event)
    })
}

fn read_one<'t>(rest: &mut &'t str) -> Option<Packed<'t>> {
    let id = integer(rest, b',')?;
    let at = integer(rest, b',')?;
    Some(Packed {
        id,
        at,
        outcome: field(rest)??,
        promise: field(rest)??,
        next_step_on: field(rest)?,
        next_step_what: field(rest)?,
        until: field(rest)?,
        item: field(rest)?,
    })
}

/// A decimal integer (with its sign) ended by `end`, which is passed: read in one pass, as a
/// million events hold two each.
fn integer(rest: &mut &str, end: u8) -> Option<i64> {
    let bytes = rest.as_bytes();
    let negative = bytes.first() == Some(&b'-');
    let first = usize::from(negative);
    let mut at = first;
    let mut value: i64 = 0;
    while let Some(&digit) = bytes.get(at)
        && digit.is_ascii_digit()
    {
        value = value.checked_mul(10)?.checked_add(i64::from(digit - b'0'))?;
        at += 1;
    }
    if at == first || bytes.get(at) != Some(&end) {
        return None;
    }
    *rest = &rest[at + 1..];
    Some(if negative { -value } else { value })
}

/// `-` (none) or `LENGTH:TEXT`; `None` when out of form.
fn field<'t>(rest: &mut &'t str) -> Option<Option<&'t str>> {
    if let Some(after) = rest.strip_prefix('-') {
        *rest = after;
        return Some(None);
    }
    let length = usize::try_from(integer(rest, b':')?).ok()?;
    let text = rest.get(..length)?;
    *rest = &rest[length..];
    Some(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_any_content_reads_back_as_written() {
        let text = "7,1781192831,9:voicemail4:auto--10:2026-12-014:a,b-12,-5,5:spoke10:2026-12-0410:2026-12-0711:send: 1-2,3--";
        let events: Vec<_> = unpack(text).collect();
        assert_eq!(
            events,
            [
                Some(Packed {
                    id: 7,
                    at: 1781192831,
                    outcome: "voicemail",
                    promise: "auto",
                    next_step_on: None,
                    next_step_what: None,
                    until: Some("2026-12-01"),
                    item: Some("a,b-"),
                }),
                Some(Packed {
                    id: 12,
                    at: -5,
                    outcome: "spoke",
                    promise: "2026-12-04",
                    next_step_on: Some("2026-12-07"),
                    next_step_what: Some("send: 1-2,3"),
                    until: None,
                    item: None,
                }),
            ]
        );
    }

    #[test]
    fn a_pack_out_of_form_says_so_and_reads_no_further() {
        for bad in [
            "7,x,5:spoke4:auto----",
            "7,,5:spoke4:auto----",
            "7,1,5:spoke4:auto---",
            "7,1,50:spoke4:auto----",
            "7,1,-4:auto----",
            "7,99999999999999999999,5:spoke4:auto----",
            // A good event after a bad one is not read: where it starts cannot be trusted.
            "7,x,5:spoke4:auto----8,1,5:spoke4:auto----",
        ] {
            let events: Vec<_> = unpack(bad).collect();
            assert_eq!(events, [None], "{bad}");
        }
    }
}
