//! Syntax errors, reported once at their place: a missing `]` must not become one error per line
//! of the rest of the file.
//!
//! The TOML parser recovers after an error and keeps going, which is right for independent
//! typos and wrong after an unclosed array or inline table: every later line then "fails". So the
//! first error decides: when it lies inside an array or inline table opened on an earlier line,
//! that opening bracket is the error (with the key it belongs to), and nothing after it is
//! reported; otherwise the first few errors on separate lines are reported.

use std::ops::Range;

use super::diag::{Diagnostic, LineIndex};

/// Most syntax errors reported from one file; the rest are summed up in one more line.
pub const MAX_SYNTAX_ERRORS: usize = 3;

/// The diagnostics for a file's syntax errors (`errors` is not empty), and whether they are
/// independent typos, after which the rest of the file can still be checked (not an unclosed
/// bracket or a nesting limit, after which nothing that follows can be trusted).
pub fn diagnostics(text: &str, errors: &[toml::de::Error]) -> (Vec<Diagnostic>, bool) {
    let diagnostics = diagnose(text, errors);
    let independent = diagnostics.iter().all(|d| d.key.is_empty());
    (diagnostics, independent)
}

/// The table (`prospects.bill-jones`, `me`) whose header comes last before `offset`, or `""`
/// for the top of the file: its other checks cannot be trusted after a syntax error in it.
pub fn table_at(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    before
        .lines()
        .rev()
        .map(str::trim_start)
        .find(|l| l.starts_with('['))
        .map(|header| {
            let inner = header.trim_start_matches('[');
            let end = inner.find(']').unwrap_or(inner.len());
            inner[..end].split('.').map(|part| part.trim().trim_matches('"')).collect::<Vec<_>>().join(".")
        })
        .unwrap_or_default()
}

fn diagnose(text: &str, errors: &[toml::de::Error]) -> Vec<Diagnostic> {
    // After an unclosed bracket there can be millions of follow-on errors: order them without
    // formatting each, and only ever format the few that are shown.
    let mut errors: Vec<(Range<usize>, &toml::de::Error)> =
        errors.iter().map(|e| (e.span().unwrap_or(0..0), e)).collect();
    errors.sort_by_key(|(span, _)| span.start);
    let index = LineIndex::new(text);
    let Some((first_span, first)) = errors.first().cloned() else { return Vec::new() };
    let first_message = message(first.message());
    let open = open_brackets(text, first_span.start);
    let line_of = |offset: usize| index.line_column(text, offset).0;

    if first_message.contains("recurs") {
        if let Some(outer) = open.first() {
            return vec![Diagnostic::new(
                first_span,
                outer.key.clone(),
                format!(
                    "arrays and inline tables are nested more than {NESTING_LIMIT} levels deep here: flatten this value"
                ),
            )];
        }
        // A dotted key or table header with too many parts; the parser gives no place.
        let (span, key) = long_key(text).unwrap_or((first_span, String::new()));
        return vec![Diagnostic::new(
            span,
            key,
            format!("this key has more than {NESTING_LIMIT} dotted parts: use fewer"),
        )];
    }
    if let Some(unclosed) = open.last()
        && line_of(unclosed.offset) < line_of(first_span.start)
    {
        let (what, close) = if unclosed.bracket == b'[' { ("array", ']') } else { ("inline table", '}') };
        let (line, column) = index.line_column(text, first_span.start);
        return vec![Diagnostic::new(
            unclosed.offset..unclosed.offset + 1,
            unclosed.key.clone(),
            format!(
                "this {what} is never closed: expected `{close}` (the first thing that does not fit is at {line}:{column}: {first_message})"
            ),
        )];
    }

    // Independent errors: one per line, a few at most.
    let mut out = vec![Diagnostic::new(first_span.clone(), "", first_message)];
    let mut last_line = line_of(first_span.start);
    let mut rest = errors.iter().skip(1).filter(|(span, _)| {
        let line = line_of(span.start);
        let new = line > last_line;
        if new {
            last_line = line;
        }
        new
    });
    for (span, e) in rest.by_ref().take(MAX_SYNTAX_ERRORS - 1) {
        out.push(Diagnostic::new(span.clone(), "", message(e.message())));
    }
    if let Some((span, _)) = rest.next() {
        let more = 1 + rest.count();
        out.push(Diagnostic::new(
            span.clone(),
            "",
            format!(
                "{more} more syntax error{} from here on, not shown: fix the ones above first",
                if more == 1 { "" } else { "s" }
            ),
        ));
    }
    out
}

/// How deep the TOML parser lets values and dotted keys nest (its `LIMIT`).
const NESTING_LIMIT: usize = 80;

/// The first line whose key or table header has more than [`NESTING_LIMIT`] dotted parts, with
/// its span and its first parts as the key.
fn long_key(text: &str) -> Option<(Range<usize>, String)> {
    let mut offset = 0;
    let mut header = "";
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let is_header = trimmed.starts_with('[');
        let key = if is_header {
            trimmed.trim_end().trim_matches(|c| c == '[' || c == ']').trim()
        } else {
            trimmed.split_once('=').map_or("", |(k, _)| k.trim())
        };
        if key.matches('.').count() >= NESTING_LIMIT {
            let start = offset + (line.len() - trimmed.len());
            let shown: Vec<&str> = key.split('.').take(3).map(str::trim).collect();
            let shown = format!("{}...", shown.join("."));
            let key = if is_header || header.is_empty() { shown } else { format!("{header}.{shown}") };
            return Some((start..start + 1, key));
        }
        if is_header {
            header = key;
        }
        offset += line.len();
    }
    None
}

/// The parser's messages as one lowercase line without a trailing period.
fn message(message: &str) -> String {
    message.trim().trim_end_matches('.').replace('\n', " ")
}

/// An array or inline table not yet closed at some offset.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Open {
    offset: usize,
    bracket: u8,
    /// The dotted key whose value it is (the outermost one's, for nested brackets), as written.
    key: String,
}

/// The value brackets still open at `upto`, outermost first. A small scanner that knows strings,
/// comments and table headers, enough to tell a value's `[` from a header's.
fn open_brackets(text: &str, upto: usize) -> Vec<Open> {
    let b = text.as_bytes();
    let upto = upto.min(b.len());
    let mut stack: Vec<Open> = Vec::new();
    let mut header = String::new();
    let mut line_start = 0;
    let mut at_line_start = true;
    let mut i = 0;
    while i < upto {
        let c = b[i];
        match c {
            b'\n' => {
                line_start = i + 1;
                at_line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                i = find_byte(b, i, b'\n');
                continue;
            }
            b'"' | b'\'' => i = skip_string(b, i),
            b'[' if stack.is_empty() && at_line_start => {
                let end = find_byte(b, i, b'\n').min(find_byte(b, i, b'#'));
                header = text[i..end].trim().trim_matches(|c| c == '[' || c == ']').trim().to_owned();
                i = end;
                continue;
            }
            b'[' | b'{' => {
                let key = match stack.first() {
                    Some(outer) => outer.key.clone(),
                    None => {
                        let line = &text[line_start..i];
                        let name = line.split_once('=').map_or("", |(k, _)| k.trim());
                        match (header.is_empty(), name.is_empty()) {
                            (_, true) => header.clone(),
                            (true, false) => name.to_owned(),
                            (false, false) => format!("{header}.{name}"),
                        }
                    }
                };
                stack.push(Open { offset: i, bracket: c, key });
                i += 1;
            }
            b']' | b'}' => {
                stack.pop();
                i += 1;
            }
            _ => i += 1,
        }
        at_line_start = false;
    }
    stack
}

fn find_byte(b: &[u8], from: usize, byte: u8) -> usize {
    b[from..].iter().position(|&c| c == byte).map_or(b.len(), |p| from + p)
}

/// The offset just after the string starting at `i` (or the end of its line when unterminated).
fn skip_string(b: &[u8], i: usize) -> usize {
    let quote = b[i];
    let triple = b.len() >= i + 3 && b[i + 1] == quote && b[i + 2] == quote;
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < b.len() {
        let c = b[j];
        if c == b'\\' && quote == b'"' {
            j += 2;
            continue;
        }
        if !triple && c == b'\n' {
            return j;
        }
        if c == quote {
            if !triple {
                return j + 1;
            }
            if b.len() >= j + 3 && b[j + 1] == quote && b[j + 2] == quote {
                return j + 3;
            }
        }
        j += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_is_not_an_open_array() {
        let text = "[drips.q]\nitems = [\n  \"a\", # ]\n  \"]\",\n";
        let open = open_brackets(text, text.len());
        assert_eq!(open, vec![Open { offset: 18, bracket: b'[', key: "drips.q.items".to_owned() }]);
    }

    #[test]
    fn closed_brackets_and_strings_are_skipped() {
        let text = "[a]\nx = [1, [2], \"[\", '{', \"\"\"\n[\"\"\"]\ny = { z = 1 }\n";
        assert!(open_brackets(text, text.len()).is_empty());
    }
}
