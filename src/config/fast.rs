//! The common shape of a book, read without building a document tree.
//!
//! A book is mostly `[prospects.ID]` tables of one-line `key = value` pairs, and a document tree
//! of a 10 000-prospect book costs most of the time and memory a command spends. [`split`] reads
//! those tables straight into [`raw::Prospect`]s and hands back the rest of the file for the
//! general parser. It reads a strict subset of TOML and gives up (`None`) on anything outside it:
//! quoted or dotted keys, escapes, multi-line values, sub-tables of a prospect, a key the
//! contract does not name, a value of the wrong type. The caller then parses the whole file
//! the general way, and does so too whenever validation finds any problem, so every diagnostic
//! comes from the general parser, at its place, with its text. `tests::fast_and_general_agree`
//! and the `config_fast` fuzz target hold the two paths to the same result.

use std::ops::Range;

use toml::Spanned;
use toml::value::Datetime;

use super::raw;

/// A book split into its prospect tables and everything else.
#[derive(Debug)]
pub(super) struct Split {
    /// The file without the prospect tables found here: every other line, in order.
    pub rest: String,
    /// Each `[prospects.ID]` table, in file order, read with [`Table::read`] when needed: a
    /// raw copy of the whole book would double what it costs to hold.
    pub tables: Vec<Table>,
}

impl Split {
    /// The table of prospect `id`, when there is exactly one.
    pub fn only(&self, text: &str, id: &str) -> Option<&Table> {
        let mut tables = self.tables.iter().filter(|t| t.id(text) == id);
        let table = tables.next()?;
        tables.next().is_none().then_some(table)
    }
}

/// One `[prospects.ID]` table: where its id and its lines are in the file.
#[derive(Debug)]
pub(super) struct Table {
    id: Range<usize>,
    body: Range<usize>,
}

impl Table {
    /// The id as written in the header.
    pub fn id<'t>(&self, text: &'t str) -> &'t str {
        &text[self.id.clone()]
    }

    /// From the start of its header line to the next table's header (its trailing comments and
    /// blank lines included).
    pub fn span(&self, text: &str) -> Range<usize> {
        let header = text[..self.id.start].rfind('\n').map_or(0, |n| n + 1);
        header..self.body.end
    }

    /// The table's id and fields, or `None` when it holds anything outside the subset.
    pub fn read(&self, text: &str) -> Option<(Spanned<String>, raw::Prospect)> {
        let mut fields = Fields::default();
        let mut offset = self.body.start;
        for line in text[self.body.clone()].split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let body = line.strip_suffix('\n').map_or(line, |l| l.strip_suffix('\r').unwrap_or(l));
            fields.line(body, start)?;
        }
        Some((Spanned::new(self.id.clone(), text[self.id.clone()].to_owned()), fields.finish()?))
    }
}

/// Finds the prospect tables, or `None` when the file names prospects in any way this reader
/// does not follow (the tables' own lines are read, and may give up, later).
pub(super) fn split(text: &str) -> Option<Split> {
    let mut rest = String::with_capacity(text.len().min(64 * 1024));
    // About one table per 200 bytes of a typical book: a guess saves most regrowing without a
    // pass over the text to count them.
    let mut tables = Vec::with_capacity(text.len() / 200 + 1);
    let mut other = Other::default();
    // The table being passed over: its id's span and where its lines start.
    let mut current: Option<(Range<usize>, usize)> = None;
    let mut start = 0;
    while start < text.len() {
        if current.is_some() {
            // Inside a prospect table only the next line starting with `[` matters: every line
            // must be whole (`Table::read` gives up on anything else, an indented header too).
            match text[start - 1..].find("\n[") {
                Some(at) => start += at,
                None => break,
            }
        }
        let end = text[start..].find('\n').map_or(text.len(), |n| start + n + 1);
        let line = &text[start..end];
        let body = line.strip_suffix('\n').map_or(line, |l| l.strip_suffix('\r').unwrap_or(l));
        let header_place = current.is_some() || other.at_line_start();
        if header_place && body.trim_start_matches([' ', '\t']).starts_with('[') {
            if let Some((id, from)) = current.take() {
                tables.push(Table { id, body: from..start });
            }
            if let Some(id) = prospect_header(body, start)? {
                current = Some((id, end));
                start = end;
                continue;
            }
        }
        if current.is_none() {
            other.line(body)?;
            rest.push_str(line);
        }
        start = end;
    }
    if let Some((id, from)) = current.take() {
        tables.push(Table { id, body: from..text.len() });
    }
    if other.open.is_some() || other.depth != 0 {
        return None;
    }
    Some(Split { rest, tables })
}

/// `Some(Some(id's span))` for `[prospects.ID]`, `Some(None)` for a header that is not about
/// prospects, `None` for any other header naming them (`[prospects]`, `[prospects.a.b]`,
/// quoted or spaced keys, arrays of tables).
fn prospect_header(body: &str, start: usize) -> Option<Option<Range<usize>>> {
    let lead = body.len() - body.trim_start_matches([' ', '\t']).len();
    let inner = &body[lead + 1..];
    let after_ws = inner.trim_start_matches([' ', '\t']);
    let names_prospects =
        ["prospects", "\"prospects\"", "'prospects'"].iter().any(|p| after_ws.starts_with(p))
            || after_ws.starts_with('[');
    if !names_prospects {
        return Some(None);
    }
    if let Some(array) = after_ws.strip_prefix('[') {
        // `[[...]]`: an array of tables; only the general parser reads those.
        let name = array.trim_start_matches([' ', '\t']);
        return if ["prospects", "\"prospects\"", "'prospects'"].iter().any(|p| name.starts_with(p)) {
            None
        } else {
            Some(None)
        };
    }
    let id_part = inner.strip_prefix("prospects.")?;
    let id_len = id_part.bytes().take_while(|&b| is_bare(b)).count();
    if id_len == 0 {
        return None;
    }
    let tail = id_part[id_len..].strip_prefix(']')?;
    if !is_trailer(tail) {
        return None;
    }
    let id_start = start + lead + 1 + "prospects.".len();
    Some(Some(id_start..id_start + id_len))
}

fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Whitespace, then nothing or a comment TOML accepts.
fn is_trailer(text: &str) -> bool {
    let text = text.trim_start_matches([' ', '\t']);
    text.is_empty() || (text.starts_with('#') && text.chars().all(|c| c == '\t' || !is_control(c)))
}

fn is_control(c: char) -> bool {
    (c as u32) < 0x20 || c as u32 == 0x7f
}

/// Where the general part of the file stands at the end of a line: inside a multi-line string,
/// or inside brackets of a value that goes on. A `[` that starts a line is a header only
/// outside both.
#[derive(Debug, Default)]
struct Other {
    open: Option<&'static str>,
    depth: usize,
}

impl Other {
    fn at_line_start(&self) -> bool {
        self.open.is_none() && self.depth == 0
    }

    /// Follows strings, comments and brackets through one line; `None` when brackets close
    /// more than they open (the general parser will say what is wrong).
    fn line(&mut self, body: &str) -> Option<()> {
        let bytes = body.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if let Some(close) = self.open {
                match find_close(body, i, close) {
                    Some(end) => {
                        i = end;
                        self.open = None;
                    }
                    None => return Some(()),
                }
                continue;
            }
            match bytes[i] {
                b'#' => return Some(()),
                b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                    self.open = Some("\"\"\"");
                    i += 3;
                }
                b'\'' if bytes[i..].starts_with(b"'''") => {
                    self.open = Some("'''");
                    i += 3;
                }
                b'"' => i = skip_basic(bytes, i + 1),
                b'\'' => {
                    i = bytes[i + 1..].iter().position(|&b| b == b'\'').map_or(bytes.len(), |p| i + p + 2)
                }
                b'[' | b'{' => {
                    self.depth += 1;
                    i += 1;
                }
                b']' | b'}' => {
                    self.depth = self.depth.checked_sub(1)?;
                    i += 1;
                }
                _ => i += 1,
            }
        }
        Some(())
    }
}

/// The index after a basic string's closing quote (or the line's end), escapes skipped.
fn skip_basic(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The index after a multi-line string's closing delimiter on this line, if it closes here.
/// Up to two quotes may stand right before the delimiter, and a backslash escapes in `"""`.
fn find_close(body: &str, mut i: usize, close: &str) -> Option<usize> {
    let bytes = body.as_bytes();
    let quote = close.as_bytes()[0];
    while i < bytes.len() {
        if quote == b'"' && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        // Bytes, not `str` slices: `i` may stand inside a multi-byte character.
        if bytes[i..].starts_with(close.as_bytes()) {
            let mut end = i + 3;
            while end < bytes.len() && bytes[end] == quote && end < i + 5 {
                end += 1;
            }
            return Some(end);
        }
        i += 1;
    }
    None
}

/// One prospect's fields as read so far.
#[derive(Debug, Default)]
struct Fields {
    name: Option<String>,
    company: Option<String>,
    phone: Option<Spanned<String>>,
    email: Option<String>,
    timezone: Option<Spanned<String>>,
    relationship: Option<Spanned<String>>,
    since: Option<Spanned<Datetime>>,
    cadence: Option<Spanned<String>>,
    call_windows: Option<Spanned<Vec<Spanned<String>>>>,
    emails: Option<Spanned<Vec<Spanned<String>>>>,
    hook: Option<String>,
    value: Option<String>,
    gatekeeper: Option<String>,
    boss: Option<String>,
    notes: Option<String>,
    url: Option<String>,
    holidays: Option<Spanned<String>>,
    workdays: Option<Spanned<Vec<Spanned<String>>>>,
    promised_callback: Option<Spanned<Datetime>>,
    next_step: Option<Spanned<raw::NextStep>>,
    status: Option<Spanned<String>>,
}

impl Fields {
    fn finish(self) -> Option<raw::Prospect> {
        Some(raw::Prospect {
            name: self.name?,
            company: self.company,
            phone: self.phone,
            email: self.email,
            emails: self.emails.map(|e| e.into_inner().into_iter().map(Spanned::into_inner).collect()),
            timezone: self.timezone,
            relationship: self.relationship,
            since: self.since,
            cadence: self.cadence,
            call_windows: self.call_windows,
            hook: self.hook,
            value: self.value,
            gatekeeper: self.gatekeeper,
            boss: self.boss,
            notes: self.notes,
            url: self.url,
            holidays: self.holidays,
            workdays: self.workdays,
            promised_callback: self.promised_callback,
            next_step: self.next_step,
            status: self.status,
        })
    }

    /// One line of a prospect table: blank, a comment, or `key = value`.
    fn line(&mut self, body: &str, start: usize) -> Option<()> {
        let mut cursor = Cursor { text: body, at: 0, base: start };
        cursor.skip_ws();
        if cursor.done() || cursor.peek() == Some(b'#') {
            return is_trailer(cursor.rest()).then_some(());
        }
        let key = cursor.bare_key()?;
        cursor.skip_ws();
        cursor.expect(b'=')?;
        cursor.skip_ws();
        // Each key once: a repeated key is the general parser's error to report.
        macro_rules! once {
            ($field:ident, $value:expr) => {{
                if self.$field.is_some() {
                    return None;
                }
                self.$field = Some($value);
            }};
        }
        match key {
            "name" => once!(name, cursor.string()?.into_inner()),
            "company" => once!(company, cursor.string()?.into_inner()),
            "phone" => once!(phone, cursor.string()?),
            "email" => once!(email, cursor.string()?.into_inner()),
            "hook" => once!(hook, cursor.string()?.into_inner()),
            "value" => once!(value, cursor.string()?.into_inner()),
            "gatekeeper" => once!(gatekeeper, cursor.string()?.into_inner()),
            "boss" => once!(boss, cursor.string()?.into_inner()),
            "notes" => once!(notes, cursor.string()?.into_inner()),
            "url" => once!(url, cursor.string()?.into_inner()),
            "holidays" => once!(holidays, cursor.string()?),
            "timezone" => once!(timezone, cursor.string()?),
            "relationship" => once!(relationship, cursor.string()?),
            "cadence" => once!(cadence, cursor.string()?),
            "status" => once!(status, cursor.string()?),
            "since" => once!(since, cursor.date()?),
            "promised_callback" => once!(promised_callback, cursor.date()?),
            "call_windows" => once!(call_windows, cursor.strings()?),
            "emails" => once!(emails, cursor.strings()?),
            "workdays" => once!(workdays, cursor.strings()?),
            "next_step" => once!(next_step, cursor.next_step()?),
            _ => return None,
        }
        is_trailer(cursor.rest()).then_some(())
    }
}

/// A position in one line, with the line's offset in the file for spans.
struct Cursor<'t> {
    text: &'t str,
    at: usize,
    base: usize,
}

impl<'t> Cursor<'t> {
    fn done(&self) -> bool {
        self.at >= self.text.len()
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn rest(&self) -> &'t str {
        &self.text[self.at..]
    }

    fn span(&self, from: usize) -> Range<usize> {
        self.base + from..self.base + self.at
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    fn bare_key(&mut self) -> Option<&'t str> {
        let from = self.at;
        while self.peek().is_some_and(is_bare) {
            self.at += 1;
        }
        (self.at > from).then(|| &self.text[from..self.at])
    }

    /// A one-line basic string without escapes, or a literal string.
    fn string(&mut self) -> Option<Spanned<String>> {
        let from = self.at;
        let quote = self.peek().filter(|q| matches!(q, b'"' | b'\''))?;
        let rest = &self.text[self.at + 1..];
        let len = rest.bytes().position(|b| b == quote)?;
        let content = &rest[..len];
        // Escapes and control characters are the general parser's to read or refuse.
        if content.chars().any(|c| (c == '\\' && quote == b'"') || (c != '\t' && is_control(c))) {
            return None;
        }
        // `"""` or `'''` open a multi-line string.
        if len == 0 && rest.as_bytes().get(1) == Some(&quote) {
            return None;
        }
        self.at += len + 2;
        Some(Spanned::new(self.span(from), content.to_owned()))
    }

    /// A local date, `YYYY-MM-DD`, and nothing of a time after it.
    fn date(&mut self) -> Option<Spanned<Datetime>> {
        let from = self.at;
        let text = self.text.get(self.at..self.at + 10)?;
        let b = text.as_bytes();
        let digits = [0, 1, 2, 3, 5, 6, 8, 9].iter().all(|&i| b[i].is_ascii_digit());
        if !digits || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        // A time may follow a date after a space or `T`; leave such values to the parser.
        match self.text.as_bytes().get(self.at + 10) {
            None | Some(b'\t' | b'#' | b',' | b'}') => {}
            Some(b' ') if !self.text.as_bytes().get(self.at + 11).is_some_and(u8::is_ascii_digit) => {}
            Some(_) => return None,
        }
        let value: Datetime = text.parse().ok()?;
        value.date.as_ref()?;
        self.at += 10;
        Some(Spanned::new(self.span(from), value))
    }

    /// `["a", "b"]` on one line, a trailing comma allowed.
    fn strings(&mut self) -> Option<Spanned<Vec<Spanned<String>>>> {
        let from = self.at;
        self.expect(b'[')?;
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(b']') {
                self.at += 1;
                break;
            }
            items.push(self.string()?);
            self.skip_ws();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    break;
                }
                _ => return None,
            }
        }
        Some(Spanned::new(self.span(from), items))
    }

    /// `{ on = DATE, what = "..." }`, keys in either order.
    fn next_step(&mut self) -> Option<Spanned<raw::NextStep>> {
        let from = self.at;
        self.expect(b'{')?;
        let (mut on, mut what) = (None, None);
        for i in 0..2 {
            self.skip_ws();
            if i == 1 {
                self.expect(b',')?;
                self.skip_ws();
            }
            match self.bare_key()? {
                "on" if on.is_none() => {
                    self.skip_ws();
                    self.expect(b'=')?;
                    self.skip_ws();
                    on = Some(self.date()?);
                }
                "what" if what.is_none() => {
                    self.skip_ws();
                    self.expect(b'=')?;
                    self.skip_ws();
                    what = Some(self.string()?.into_inner());
                }
                _ => return None,
            }
        }
        self.skip_ws();
        self.expect(b'}')?;
        Some(Spanned::new(self.span(from), raw::NextStep { on: on?, what: what? }))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::Privacy;
    use super::super::parse::{parse, parse_with};
    use super::split;
    use crate::phone::Readings;

    const HEAD: &str = "[me]\nname = \"Ann\"\ntimezone = \"America/Toronto\"\n\
        [cadences.standard]\nsteps = [{ wait = \"0 days\", action = \"call\" }]\n";

    /// Prospect lines the quick reader takes, and ones it must leave to the general parser.
    const LINES: &[&str] = &[
        "name = \"Bill Jones\"",
        "name = 'Bill \"B\" Jones'",
        "name=\"Eve\"   # a comment",
        "name = \"Tab\tbed\"",
        "name = \"Esc\\u00e9\"",
        "name = \"\"\"multi\"\"\"",
        "name = \"\"",
        "name = 5",
        "company = \"Acme\"",
        "phone = \"+1 416 555 0100\"",
        "email = \"bill@example.com\"",
        "timezone = \"Europe/Berlin\"",
        "timezone = \"Mars/Base\"",
        "relationship = \"warm\"",
        "relationship = \"hot\"",
        "since = 2026-06-01",
        "workdays = [\"Sun\", \"Mon\", \"Tue\", \"Wed\", \"Thu\"]",
        "workdays = [\"Funday\"]",
        "workdays = []",
        "since = 2026-02-30",
        "since = 2026-06-01T07:00:00",
        "since = 2026-06-01 07:00:00",
        "since = \"2026-06-01\"",
        "promised_callback = 2026-11-26 # said Thursday",
        "holidays = \"DE\"",
        "holidays = \"FR\"",
        "call_windows = [\"07:30-08:30\", \"17:00-18:00\",]",
        "call_windows = []",
        "call_windows = [\"25:00-26:00\"]",
        "call_windows = [",
        "\"07:30-08:30\"]",
        "next_step = { on = 2026-12-01, what = \"demo\" }",
        "next_step = {what=\"demo\",on=2026-12-01}",
        "next_step.on = 2026-12-01",
        "status = \"paused\"",
        "hook = \"met at the fair\"",
        "hook = \"Zürich ─ café\" # ─",
        "cadence = \"standard\"",
        "cadence = \"missing\"",
        "shoe_size = 44",
        "\"name\" = \"Quoted\"",
        "# a comment line",
        "",
        "   ",
        "[prospects.sub.next_step]",
        "[prospects]",
        "[ prospects.spaced ]",
        "[[prospects]]",
        "[templates]",
        "x = \"\"\"",
        "[prospects.fake] in a string",
        "\"\"\"",
        "name = \"CR\"\r",
    ];

    /// How the file around the prospects may differ: a BOM, CRLF line ends, an indented or
    /// commented header, a multi-line array or string in another table.
    const FRAMES: &[(&str, &str)] = &[
        ("", ""),
        ("\u{feff}", ""),
        ("", "\r"),
        ("", "[templates] # the rest\ncall = '''\n[prospects.hidden]\nname = \"H\"\n'''\n"),
        ("", "[templates]\nnext_step = \"\"\"── é \\\n── \"\"\" # ──\ndrip = \"─\\\"─\"\n"),
        ("", "  [defaults]\ncall_windows = [\n  \"07:30-08:30\",\n]\n"),
        ("", "[drips.d]\nevery = \"1 month\"\nitems = [\n[prospects.x] \n]\n"),
    ];

    fn book() -> impl Strategy<Value = String> {
        let table = (0usize..4, prop::collection::vec(0..LINES.len(), 0..8));
        (0..FRAMES.len(), prop::collection::vec(table, 0..5)).prop_map(|(frame, tables)| {
            let (bom, tail) = FRAMES[frame];
            let mut text = format!("{bom}{HEAD}");
            for (id, lines) in tables {
                text.push_str(&format!("[prospects.p{id}]\nname = \"P{id}\"\n"));
                for line in lines {
                    text.push_str(LINES[line]);
                    text.push('\n');
                }
            }
            if tail == "\r" {
                text = text.replace('\n', "\r\n");
            } else {
                text.push_str(tail);
            }
            text
        })
    }

    fn general(text: &str) -> String {
        format!("{:?}", parse_with(text, "<config>", Privacy::Private, &Readings::default(), None))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn fast_and_general_agree(text in book()) {
            let both = format!("{:?}", parse(&text, "<config>", Privacy::Private, &Readings::default()));
            prop_assert_eq!(both, general(&text));
        }
    }

    /// `text` with `line` added first in its first prospect table, and that table's id.
    fn edited(text: &str, line: &str) -> Option<(String, String)> {
        edited_at(text, line, 0, false)
    }

    /// `text` with `line` put before (or in place of, when `replace`) the table's line
    /// `which` (modulo its lines) in its first prospect table, and that table's id.
    fn edited_at(text: &str, line: &str, which: usize, replace: bool) -> Option<(String, String)> {
        let table = split(text)?.tables.into_iter().next()?;
        let id = table.id(text).to_owned();
        let body = &text[table.body.clone()];
        let lines: Vec<usize> =
            std::iter::once(0).chain(body.match_indices('\n').map(|(at, _)| at + 1)).collect();
        let start = lines[which % lines.len()];
        let end =
            if replace { body[start..].find('\n').map_or(body.len(), |n| start + n + 1) } else { start };
        let at = table.body.start;
        Some((format!("{}{line}\n{}", &text[..at + start], &text[at + end..]), id))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// `set` validates an edit inside one prospect's table by reading that table and the
        /// rest of the file: what it accepts is what reading the whole file gives, and it
        /// never accepts a file the whole read refuses.
        #[test]
        fn one_table_read_again_is_the_whole_file_read(
            text in book(),
            line in 0..LINES.len(),
            which in 0usize..8,
            replace in any::<bool>(),
        ) {
            let Ok(mut config) = parse(&text, "<config>", Privacy::Private, &Readings::default()) else { return Ok(()) };
            let Some((new, id)) = edited_at(&text, LINES[line], which, replace) else { return Ok(()) };
            let before = format!("{config:?}");
            let whole = parse(&new, "<config>", Privacy::Private, &Readings::default());
            if config.reread_one(&new, "<config>", Privacy::Private, &Readings::default(), &id) {
                prop_assert_eq!(format!("{:?}", Ok::<_, ()>(config)), format!("{:?}", whole.map_err(|_| ())));
            } else {
                prop_assert_eq!(format!("{config:?}"), before, "refused, yet changed");
            }
        }
    }

    #[test]
    fn one_table_is_read_again_when_the_quick_reader_can() {
        let text = format!("{HEAD}[prospects.a]\nname = \"A\"\n# about b\n[prospects.b]\nname = \"B\"\n");
        let mut config = parse(&text, "<config>", Privacy::Private, &Readings::default()).unwrap();
        let (new, id) = edited(&text, "holidays = \"DE\"").unwrap();
        assert_eq!(id, "a");
        assert!(config.reread_one(&new, "<config>", Privacy::Private, &Readings::default(), "a"));
        assert_eq!(
            format!("{config:?}"),
            format!("{:?}", parse(&new, "<config>", Privacy::Private, &Readings::default()).unwrap())
        );
        assert!(config.calendars.contains_key("DE"), "the new code's calendar came with it");
        // A problem, or a value the quick reader leaves, is the whole read's to say.
        for line in ["timezone = \"Mars/Base\"", "hook = \"Esc\\u00e9\""] {
            let (new, _) = edited(&text, line).unwrap();
            assert!(
                !config.reread_one(&new, "<config>", Privacy::Private, &Readings::default(), "a"),
                "{line}"
            );
        }
        // Another code in its place: the calendar no one names goes, as a whole read has it.
        let (again, _) = edited_at(&new, "holidays = \"FR\"", 0, true).unwrap();
        assert!(again.contains("holidays = \"FR\"\nname = \"A\""), "{again}");
        assert!(config.reread_one(&again, "<config>", Privacy::Private, &Readings::default(), "a"));
        assert!(!config.calendars.contains_key("DE") && config.calendars.contains_key("FR"));
        assert_eq!(
            format!("{config:?}"),
            format!("{:?}", parse(&again, "<config>", Privacy::Private, &Readings::default()).unwrap())
        );
        let span = super::super::Config::prospect_table_span(&text, "a").unwrap();
        assert_eq!(&text[span], "[prospects.a]\nname = \"A\"\n# about b\n");
    }

    #[test]
    fn the_example_and_a_plain_book_take_the_quick_way() {
        let example = include_str!("../../config/ringback.toml");
        let quick = split(example).expect("the example is read the quick way");
        assert!(!quick.tables.is_empty());
        assert!(quick.tables.iter().all(|t| t.read(example).is_some()));
        assert!(
            parse_with(
                &quick.rest,
                "<config>",
                Privacy::Private,
                &Readings::default(),
                Some((example, &quick.tables))
            )
            .is_ok()
        );
        assert!(!quick.rest.contains("[prospects."));
        assert_eq!(
            format!("{:?}", parse(example, "<config>", Privacy::Private, &Readings::default())),
            general(example)
        );
        let plain = format!("{HEAD}[prospects.bill]\nname = \"Bill\"\nsince = 2026-06-01\n");
        assert_eq!(split(&plain).expect("plain").tables.len(), 1);
    }

    #[test]
    fn multi_byte_text_in_the_rest_of_the_file_is_followed() {
        // Found by the config_fast fuzzer: a multi-line string holding `─` made the reader
        // slice inside the character and panic.
        for tail in
            ["[templates]\nnext_step = \"\"\"\n── The book ──\n\"\"\"\n", "[templates]\ncall = '''─'''\n"]
        {
            let text = format!("{HEAD}{tail}[prospects.a]\nname = \"Ä\"\n");
            assert!(split(&text).is_some(), "{text}");
            assert_eq!(
                format!("{:?}", parse(&text, "<config>", Privacy::Private, &Readings::default())),
                general(&text)
            );
        }
    }

    #[test]
    fn crlf_and_a_bom_still_take_the_quick_way() {
        let plain = format!("\u{feff}{HEAD}[prospects.bill]\nname = \"Bill\"\nsince = 2026-06-01\n");
        for text in [plain.clone(), plain.replace('\n', "\r\n")] {
            let quick = split(&text).expect("split");
            assert_eq!(quick.tables.len(), 1);
            let config = parse_with(
                &quick.rest,
                "<config>",
                Privacy::Private,
                &Readings::default(),
                Some((&text, &quick.tables)),
            );
            assert_eq!(format!("{config:?}"), general(&text), "{text:?}");
            assert!(config.is_ok(), "{config:?}");
        }
    }

    #[test]
    fn anything_unusual_about_prospects_goes_the_general_way() {
        let odd = [
            "[prospects.a.next_step]\non = 2026-12-01\nwhat = \"x\"\n",
            "[prospects]\n",
            "[me.x]\nprospects = 1\n",
            "[prospects.a]\nname = \"A again\"\n",
            "[prospects.b]\nname = \"B\"\nhook = \"\"\"\n[fake]\n\"\"\"\n",
        ];
        for odd in odd {
            let text = format!("{HEAD}[prospects.a]\nname = \"A\"\n{odd}");
            let quick = split(&text).and_then(|s| {
                parse_with(
                    &s.rest,
                    "<config>",
                    Privacy::Private,
                    &Readings::default(),
                    Some((&text, &s.tables)),
                )
                .ok()
            });
            assert!(quick.is_none(), "{odd}");
        }
    }
}
