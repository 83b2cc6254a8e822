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
        let lines = diagnostics
            .iter()
            .map(|d| {
                let (line, column) = line_column(source, d.span.start);
                let message = d.message.trim_end_matches('.');
                if d.key.is_empty() {
                    format!("{file}:{line}:{column}: {message}")
                } else {
                    format!("{file}:{line}:{column}: {}: {message}", d.key)
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

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
