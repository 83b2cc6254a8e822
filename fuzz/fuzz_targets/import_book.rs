//! Any bytes as a contacts export, imported into a small book: the book it would write must
//! hold only what an import means to write. Every cell is hostile (defect 10: a newline in a
//! `Country` cell ended the zone's comment and wrote raw TOML into the book).
//!
//! A failure is a book that is not TOML, that changes anything outside new `[prospects.ID]`
//! tables, whose new prospects have a key the import does not write or differ in number from
//! the report's count, or that holds a line an import does not write (a comment of its own
//! making, a stray table). The import's book then also loads and plans without a panic.
#![no_main]

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

const BASE: &str = r#"[me]
name = "Dana Reyes"
phone = "+1 416 555 0199"
timezone = "America/Toronto"

[templates]
voicemail = "Hi {{ prospect.first_name }}, it's {{ me.name }}."

[cadences.standard]
steps = [{ wait = "0 days", action = "call" }, { wait = "2 workdays", action = "call" }]

[prospects.bill-jones]
name = "Bill Jones"
phone = "+1 604 555 0100"
timezone = "America/Vancouver"
since = 2026-11-20
"#;

/// The keys an import writes into a new prospect's table.
const KEYS: &[&str] = &["name", "company", "phone", "email", "timezone", "notes", "url"];

/// The comments an import writes, above a table or after the zone's value.
const COMMENTS: &[&str] =
    &["# imported from export.csv line ", "# email only: ", "# profile URL only: ", "# guessed from "];

fn book_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("ringback-fuzz-import-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("book.toml");
        std::fs::write(&path, BASE).unwrap();
        path
    })
}

/// Whitespace and comments around a table, key or value: every comment is one an import writes.
fn meant(decor: Option<&toml_edit::RawString>, text: &str) {
    let raw = decor.and_then(|d| d.as_str()).unwrap_or_default();
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        assert!(COMMENTS.iter().any(|c| line.starts_with(c)), "a comment no import writes: {line:?}\n{text}");
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut book = ringback::book::Book::open(book_path()).expect("the fuzz book opens");
    let options = ringback::import::Options::default();
    let Ok((_, report)) = ringback::import::import(&mut book, data, "export.csv", &options) else { return };
    let text = book.text();
    assert!(text.starts_with(BASE), "the import changed the book before its end:\n{text}");
    // Comments live in the decor of tables, keys and values: each is checked where it is.
    let doc: toml_edit::DocumentMut = text.parse().unwrap_or_else(|e| panic!("not TOML: {e}\n{text}"));
    meant(Some(doc.trailing()), &text);
    let added = doc["prospects"].as_table().expect("prospects is a table");
    for (id, item) in added.iter().filter(|(id, _)| *id != "bill-jones") {
        let table = item.as_table().unwrap_or_else(|| panic!("`{id}` is not a table\n{text}"));
        meant(table.decor().prefix(), &text);
        meant(table.decor().suffix(), &text);
        for (key, value) in table.iter() {
            let value = value.as_value().unwrap_or_else(|| panic!("`{id}.{key}` is a table\n{text}"));
            let decor = table.key(key).expect("the key is there").leaf_decor();
            meant(decor.prefix(), &text);
            meant(decor.suffix(), &text);
            meant(value.decor().prefix(), &text);
            meant(value.decor().suffix(), &text);
        }
    }
    let before: toml::Table = toml::from_str(BASE).unwrap();
    let after: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("not TOML: {e}\n{text}"));
    for (key, value) in &before {
        if key != "prospects" {
            assert_eq!(after.get(key), Some(value), "`{key}` changed\n{text}");
        }
    }
    assert_eq!(after.len(), before.len(), "a new top-level key\n{text}");
    let prospects = after["prospects"].as_table().expect("prospects is a table");
    assert_eq!(prospects.get("bill-jones"), before["prospects"].get("bill-jones"), "{text}");
    assert_eq!(prospects.len(), 1 + report.added, "the report's count\n{text}");
    for (id, prospect) in prospects.iter().filter(|(id, _)| *id != "bill-jones") {
        let table = prospect.as_table().unwrap_or_else(|| panic!("`{id}` is not a table\n{text}"));
        for (key, value) in table {
            assert!(KEYS.contains(&key.as_str()), "`{id}` has `{key}`\n{text}");
            assert!(value.is_str(), "`{id}.{key}` is not a string\n{text}");
        }
    }
    if let Ok(config) = book.save(false) {
        common::exercise(&config, common::now());
    }
});
