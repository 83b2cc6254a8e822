//! Config diagnostics: where in the file, which key, and what was expected.

use std::fmt;
use std::ops::Range;

/// One problem in a config file, located by byte span until it is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: Range<usize>,
    /// Dotted key path, e.g. `prospects.bill-jones.timezone`; empty for syntax errors.
    pub key: String,
    pub message: String,
}

impl Diagnostic {
    pub fn new(span: Range<usize>, key: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { span, key: key.into(), message: message.into() }
    }
}

/// Every problem found in one config file, rendered as `file:line:column: key: message` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub lines: Vec<String>,
}

impl ConfigError {
    /// An error that is not about a place in the file (unreadable file, permissions).
    pub fn whole_file(file: &str, message: impl fmt::Display) -> Self {
        ConfigError { lines: vec![format!("{file}: {message}")] }
    }

    pub(crate) fn render(file: &str, source: &str, mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics.sort_by_key(|d| d.span.start);
        diagnostics.dedup();
        // One index for all diagnostics: scanning from the start for each would be quadratic.
        let index = LineIndex::new(source);
        let lines = diagnostics
            .iter()
            .map(|d| {
                let (line, column) = index.line_column(source, d.span.start);
                // A message quotes the file's values, which may hold any character: one line,
                // and nothing a terminal would act on.
                let message = super::single_line(&shorten_values(d.message.trim_end_matches('.')));
                if d.key.is_empty() {
                    format!("{file}:{line}:{column}: {message}")
                } else {
                    format!("{file}:{line}:{column}: {}: {message}", shorten(&d.key, KEY_SHOWN))
                }
            })
            .collect();
        ConfigError { lines }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines.join("\n"))
    }
}

impl std::error::Error for ConfigError {}

/// The longest value quoted in a message, in characters: a 1 MB field is shown by its start.
const VALUE_SHOWN: usize = 60;
/// The longest key path shown, in characters.
const KEY_SHOWN: usize = 200;

/// Cuts every backticked value longer than [`VALUE_SHOWN`] characters to its start and `…`.
fn shorten_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut parts = message.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        out.push('`');
        // Odd parts (0-based after the first) are inside backticks.
        if i % 2 == 0 { out.push_str(&shorten(part, VALUE_SHOWN)) } else { out.push_str(part) }
    }
    out
}

fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Byte offsets of line starts, to turn offsets into `line:column` by binary search.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(source: &str) -> LineIndex {
        let starts = std::iter::once(0).chain(source.match_indices('\n').map(|(i, _)| i + 1)).collect();
        LineIndex { starts }
    }

    /// 1-based line and column (in characters) of a byte offset in `source`.
    pub fn line_column(&self, source: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(source, offset.min(source.len()));
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, source[start..offset].chars().count() + 1)
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(source).line_column(source, offset)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The known name nearest to `name` (by edit distance, at most 3; ties to the first in
/// order), for a "did you mean".
pub fn closest<'k>(name: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    known.into_iter().map(|k| (edit_distance(name, k), k)).filter(|(d, _)| *d <= 3).min().map(|(_, k)| k)
}

/// The fewest single-character insertions, deletions, substitutions and swaps of two
/// neighbours that turn `a` into `b` (optimal string alignment), so `doyel` is one from `doyle`.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // Three rows: the one before last, the last, and the one being filled.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut last: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (last[j - 1] + cost).min(last[j] + 1).min(row[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut last, row);
    }
    last[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_agrees_with_a_scan() {
        let source = "a = 1\n\nb = \"é\"\nc";
        for offset in 0..=source.len() + 2 {
            let clamped = floor_char_boundary(source, offset.min(source.len()));
            let before = &source[..clamped];
            let line = before.matches('\n').count() + 1;
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            let expected = (line, before[start..].chars().count() + 1);
            assert_eq!(line_column(source, offset), expected, "offset {offset}");
        }
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "x".repeat(1_000_000);
        let message = shorten_values(&format!("unknown time zone `{long}`: expected an IANA name"));
        assert!(message.len() < 200, "{message}");
        assert!(message.ends_with("…`: expected an IANA name"), "{message}");
    }
}
