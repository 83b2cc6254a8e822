//! A CSV export as it comes: any of the encodings real exports use, `,` or `;` or tab, a
//! preamble before the header (LinkedIn) and a footer after the data (Salesforce reports), read
//! into records that each know the physical line they start on.

use encoding_rs::Encoding;

/// The records of an export, after its header.
#[derive(Debug)]
pub struct Sheet {
    /// What the bytes were read as, for the report (`UTF-8`, `windows-1252`, `UTF-16LE`).
    pub encoding: &'static str,
    /// Whether the encoding was assumed rather than known (no BOM, not valid UTF-8, no --encoding).
    pub encoding_assumed: bool,
    pub delimiter: u8,
    pub header: Vec<String>,
    /// The physical line the header is on.
    pub header_line: u64,
    pub records: Vec<Record>,
    /// Where the data ended before the end of the file: the line and text of a one-field row
    /// (a report's footer). Nothing after it is read.
    pub footer: Option<(u64, String)>,
}

#[derive(Debug)]
pub struct Record {
    /// The physical line the record starts on (a quoted field may span several).
    pub line: u64,
    pub fields: Vec<String>,
}

/// How to read the bytes; `None` means find out.
#[derive(Debug, Default, Clone)]
pub struct ReadOptions {
    pub encoding: Option<&'static Encoding>,
    pub delimiter: Option<u8>,
}

/// Decodes an export: a BOM decides (UTF-8, UTF-16LE/BE); else `--encoding`; else UTF-16 when
/// the first bytes have a NUL in every other place (text in UTF-16 with no BOM; assumed, and
/// said so); else UTF-8 when the bytes are valid UTF-8; else Windows-1252, which is what Excel
/// and Outlook write on a Western Windows, and which the report says was assumed.
pub fn decode(bytes: &[u8], forced: Option<&'static Encoding>) -> (String, &'static str, bool) {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return (text.into_owned(), encoding.name(), false);
    }
    if let Some(encoding) = forced {
        let (text, _) = encoding.decode_without_bom_handling(bytes);
        return (text.into_owned(), encoding.name(), false);
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(bytes);
        return (text.into_owned(), encoding.name(), true);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), "UTF-8", false),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), encoding_rs::WINDOWS_1252.name(), true)
        }
    }
}

/// UTF-16LE or BE when the first character pairs hold NULs on one side only: every ASCII
/// character (a header, a comma, a line end) in UTF-16 has one, and a UTF-8 or 8-bit export
/// has none at all, so even a file of mostly Greek or Cyrillic names is told apart.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let pairs: Vec<&[u8]> = bytes.chunks_exact(2).take(512).collect();
    let nul_at = |i: usize| pairs.iter().filter(|p| p[i] == 0 && p[1 - i] != 0).count();
    match (nul_at(0), nul_at(1)) {
        (0, odd) if odd >= 2 => Some(encoding_rs::UTF_16LE),
        (even, 0) if even >= 2 => Some(encoding_rs::UTF_16BE),
        (even, odd) if odd >= 2 && odd >= 8 * even => Some(encoding_rs::UTF_16LE),
        (even, odd) if even >= 2 && even >= 8 * odd => Some(encoding_rs::UTF_16BE),
        _ => None,
    }
}

/// The separator of the first lines: the one of `,` `;` tab seen most outside quotes.
fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for byte in text.bytes().take(16 * 1024) {
        match byte {
            b'"' => quoted = !quoted,
            _ if quoted => {}
            _ => {
                for (d, n) in &mut counts {
                    if byte == *d {
                        *n += 1;
                    }
                }
            }
        }
    }
    // A tie (none at all) keeps the comma.
    counts.iter().fold((b',', 0), |best, &(d, n)| if n > best.1 { (d, n) } else { best }).0
}

/// Reads the decoded text into records; `is_header` says whether a row is the header (the
/// first such row among the first ten is taken; rows before it are a preamble).
///
/// # Errors
/// No header among the first rows, or a CSV the reader cannot make sense of.
pub fn read(
    bytes: &[u8],
    options: &ReadOptions,
    is_header: impl Fn(&[String]) -> bool,
) -> Result<Sheet, String> {
    let (text, encoding, encoding_assumed) = decode(bytes, options.encoding);
    // One kind of line end: the reader then counts lines as an editor does (with `\r\n` it puts
    // a record's start on the line before), and cells hold `\n` as TOML will.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let delimiter = options.delimiter.unwrap_or_else(|| sniff_delimiter(&text));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut header: Option<(Vec<String>, u64)> = None;
    let mut footer = None;
    let mut records = Vec::new();
    let mut seen = 0;
    // Lines counted up to `counted`, in bytes: records come in order, so each is counted once.
    let (mut counted, mut line) = (0usize, 1u64);
    for row in reader.records() {
        let row = row.map_err(|e| match e.position() {
            Some(p) => format!("line {}: not readable as CSV: {e}", p.line()),
            None => format!("not readable as CSV: {e}"),
        })?;
        // The record starts at its first character: after the line ends and blank lines the
        // reader put before it.
        let offset = row.position().map_or(counted, |p| p.byte() as usize).max(counted);
        let start = offset + text[offset..].bytes().take_while(|b| matches!(b, b'\n' | b'\r')).count();
        line += text.as_bytes()[counted..start].iter().filter(|b| **b == b'\n').count() as u64;
        counted = start;
        let fields: Vec<String> = row.iter().map(clean).collect();
        match &header {
            None => {
                seen += 1;
                if is_header(&fields) {
                    header = Some((fields, line));
                } else if seen >= 10 {
                    break;
                }
            }
            Some((names, _)) => {
                // A footer (Salesforce's "Grand Totals", its copyright lines) is one field long.
                if fields.len() == 1 && names.len() > 1 {
                    footer = Some((line, fields[0].clone()));
                    break;
                }
                if fields.iter().all(String::is_empty) {
                    continue;
                }
                records.push(Record { line, fields });
            }
        }
    }
    let Some((header, header_line)) = header else {
        return Err(format!(
            "no header row with a name, phone or email column in the first rows (read as {encoding}, `{}`-separated): is this a contacts export? --map KEY=COLUMN names columns, --delimiter and --encoding say how to read it",
            char::from(delimiter).escape_default()
        ));
    };
    Ok(Sheet { encoding, encoding_assumed, delimiter, header, header_line, records, footer })
}

/// A cell as it should be read: Windows line ends inside a quoted field become `\n`; a formula
/// escape (Salesforce Data Loader writes a leading `=` as `'=`) is taken off; spaces trimmed.
fn clean(cell: &str) -> String {
    let cell = cell.trim();
    let cell = cell.strip_prefix('\'').filter(|rest| rest.starts_with('=')).unwrap_or(cell);
    cell.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_found_by_bom_then_validity() {
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("Zoë".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(&utf16, None), ("Zoë".to_owned(), "UTF-16LE", false));
        assert_eq!(decode(b"\xEF\xBB\xBFZo\xC3\xAB", None), ("Zoë".to_owned(), "UTF-8", false));
        assert_eq!(decode(b"Zo\xEB", None), ("Zoë".to_owned(), "windows-1252", true));
        assert_eq!(decode(b"Zo\xEB", Some(encoding_rs::ISO_8859_2)).0, "Zoë");
        let bare: Vec<u8> = "Name\nZoë".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode(&bare, None), ("Name\nZoë".to_owned(), "UTF-16LE", true));
        let bare: Vec<u8> = "Name\nZoë".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&bare, None), ("Name\nZoë".to_owned(), "UTF-16BE", true));
        // Mostly not Latin: the ASCII in it still tells.
        let greek = "Όνομα,Email\nΑλέξανδρος Παπαδόπουλος,a@example.gr\n";
        let bare: Vec<u8> = greek.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode(&bare, None), (greek.to_owned(), "UTF-16LE", true));
    }

    #[test]
    fn the_separator_is_the_one_outside_quotes() {
        assert_eq!(sniff_delimiter("a;b;\"c,d,e,f\"\n1;2;3\n"), b';');
        assert_eq!(sniff_delimiter("a,b,\"c;d;e\"\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc\n"), b'\t');
        assert_eq!(sniff_delimiter("one column\n"), b',');
    }

    #[test]
    fn preamble_footer_and_multi_line_records_keep_their_lines() {
        let text = "Notes:\n\"a note, with a comma\"\n\nName,Phone\n\"Ada\nLovelace\",1\r\nBob,2\n\n\"Grand Totals (2 records)\"\n";
        let sheet =
            read(text.as_bytes(), &ReadOptions::default(), |row| row.first().is_some_and(|f| f == "Name"))
                .expect("readable");
        assert_eq!(sheet.header_line, 4);
        let rows: Vec<(u64, &str)> = sheet.records.iter().map(|r| (r.line, r.fields[0].as_str())).collect();
        assert_eq!(rows, [(5, "Ada\nLovelace"), (7, "Bob")]);
        assert_eq!(clean("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(clean("'quoted'"), "'quoted'");
    }
}
