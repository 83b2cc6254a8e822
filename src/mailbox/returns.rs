//! The day someone is back, read from the text of their auto-reply ("back on 14 December",
//! "bis zum 14.12.", "jusqu'au 14 décembre", "hasta el 14 de diciembre").
//!
//! No maintained crate reads dates in several languages, so this is a table: the date shapes
//! people write, the month names of seven languages (accent-folded, so `März` is `marz`), and
//! the cue in front of a date that says whether it is the last day away (*until*) or the first
//! day back (*back on*). Several dates: the cued one nearest the text's start wins, else the
//! latest. A date before the message or more than [`FURTHEST`] days after it is a signature's
//! or a legal notice's, not a return.

use std::sync::OnceLock;

use jiff::civil::Date;
use regex::Regex;

use crate::config::fold_accent;

/// A return date further out than this is not believed.
pub const FURTHEST: i64 = 120;

/// How much of the reply is read: the message itself, not the quoted mail below it.
const READ: usize = 1500;

/// What an auto-reply says about the sender's return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Back {
    /// The last day away ("until 14 December"): they are back the day after.
    Until(Date),
    /// The first day back ("back on 15 December").
    On(Date),
}

impl Back {
    /// The first day they are back.
    pub fn first_day(self) -> Date {
        match self {
            Back::Until(day) => day.tomorrow().unwrap_or(day),
            Back::On(day) => day,
        }
    }
}

/// Cues for the last day away, accent-folded and lower case.
const UNTIL: &[&str] = &[
    "until",
    "till",
    "through",
    "thru",
    "to",
    "bis",
    "bis zum",
    "bis einschliesslich",
    "jusqu'au",
    "jusqu'a",
    "jusqu au",
    "au",
    "hasta",
    "hasta el",
    "al",
    "fino al",
    "fino a",
    "tot",
    "tot en met",
    "t/m",
    "ate",
    "a",
];

/// Cues for the first day back.
const BACK_ON: &[&str] = &[
    "back on",
    "back",
    "back in the office on",
    "return on",
    "returning on",
    "return",
    "returning",
    "as of",
    "from",
    "zuruck am",
    "zuruck",
    "wieder",
    "ab",
    "ab dem",
    "de retour le",
    "de retour",
    "a partir du",
    "des le",
    "de vuelta el",
    "regresare el",
    "volvere el",
    "a partir del",
    "rientrero il",
    "di ritorno il",
    "a partire dal",
    "terug op",
    "vanaf",
    "weer aanwezig",
    "de volta em",
    "retorno em",
    "regresso a",
    "a partir de",
];

/// Month names by language, accent-folded; English three-letter forms too.
const MONTHS: &[(&str, i8)] = &[
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("sept", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
    // German, with Austria's Jänner and Feber.
    ("januar", 1),
    ("janner", 1),
    ("februar", 2),
    ("feber", 2),
    ("marz", 3),
    ("maerz", 3),
    ("mai", 5),
    ("juni", 6),
    ("juli", 7),
    ("oktober", 10),
    ("dezember", 12),
    // French.
    ("janvier", 1),
    ("fevrier", 2),
    ("mars", 3),
    ("avril", 4),
    ("juin", 6),
    ("juillet", 7),
    ("aout", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("decembre", 12),
    // Spanish, with setiembre.
    ("enero", 1),
    ("febrero", 2),
    ("marzo", 3),
    ("abril", 4),
    ("mayo", 5),
    ("junio", 6),
    ("julio", 7),
    ("agosto", 8),
    ("septiembre", 9),
    ("setiembre", 9),
    ("octubre", 10),
    ("noviembre", 11),
    ("diciembre", 12),
    // Italian.
    ("gennaio", 1),
    ("febbraio", 2),
    ("aprile", 4),
    ("maggio", 5),
    ("giugno", 6),
    ("luglio", 7),
    ("settembre", 9),
    ("ottobre", 10),
    ("dicembre", 12),
    // Dutch.
    ("januari", 1),
    ("februari", 2),
    ("maart", 3),
    ("mei", 5),
    ("augustus", 8),
    // Portuguese.
    ("janeiro", 1),
    ("fevereiro", 2),
    ("marco", 3),
    ("maio", 5),
    ("junho", 6),
    ("julho", 7),
    ("setembro", 9),
    ("outubro", 10),
    ("dezembro", 12),
];

struct Shapes {
    iso: Regex,
    numeric: Regex,
    day_month: Regex,
    month_day: Regex,
}

fn shapes() -> &'static Shapes {
    static SHAPES: OnceLock<Shapes> = OnceLock::new();
    SHAPES.get_or_init(|| {
        let mut names: Vec<&str> = MONTHS.iter().map(|(n, _)| *n).collect();
        // Longest first, so `januar` never stops short of `januari`.
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let months = names.join("|");
        let build = |pattern: &str| Regex::new(pattern).expect("the date shapes are valid patterns");
        Shapes {
            iso: build(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"),
            // `14.12.`, `14.12.2026`, `14/12`, `12/14/26`, `14-12-2026`: the separator repeats.
            numeric: build(r"\b(\d{1,2})([./-])(\d{1,2})(?:([./-])(\d{4}|\d{2})?)?"),
            day_month: build(&format!(
                r"\b(\d{{1,2}})(?:\.|st|nd|rd|th|er|º|°)?\s+(?:de\s+)?({months})\b\.?(?:,?\s+(?:de\s+)?(\d{{4}}))?"
            )),
            month_day: build(&format!(
                r"\b({months})\b\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?"
            )),
        }
    })
}

/// The text as it is matched: the reply before any quoted mail, at most [`READ`] characters,
/// lower case, accents folded, runs of white space one space.
fn prepare(body: &str) -> String {
    let mut kept = String::new();
    for line in body.lines() {
        let trimmed = line.trim();
        let lower = trimmed.to_lowercase();
        let quoted = trimmed.starts_with('>')
            || lower.starts_with("-----original message")
            || lower.starts_with("-----ursprüngliche nachricht")
            || lower.starts_with("-----message d'origine")
            || ["from:", "von:", "de :", "de:", "sent:", "gesendet:", "envoyé :"]
                .iter()
                .any(|h| lower.starts_with(h))
            || (lower.starts_with("on ") && lower.ends_with("wrote:"))
            || (lower.starts_with("am ") && lower.ends_with("schrieb"))
            || (lower.starts_with("am ") && lower.ends_with("schrieb:"))
            || (lower.starts_with("le ") && lower.ends_with("a écrit :"));
        if quoted {
            break;
        }
        kept.push_str(trimmed);
        kept.push(' ');
        if kept.len() > READ * 2 {
            break;
        }
    }
    let mut text = String::with_capacity(kept.len());
    for c in kept.chars().flat_map(|c| c.to_lowercase()).flat_map(fold_accent) {
        if c.is_whitespace() {
            if !text.ends_with(' ') {
                text.push(' ');
            }
        } else {
            text.push(if c == '’' { '\'' } else { c });
        }
        if text.len() >= READ {
            break;
        }
    }
    text
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    Until,
    BackOn,
    None,
}

/// The cue nearest in front of a date at `start`: the words within 40 characters before it.
fn cue_before(text: &str, start: usize) -> Cue {
    let mut from = start.saturating_sub(40);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let window = &text[from..start];
    let mut best: Option<(usize, usize, Cue)> = None;
    for (list, cue) in [(UNTIL, Cue::Until), (BACK_ON, Cue::BackOn)] {
        for phrase in list {
            let Some(at) = rfind_word(window, phrase) else { continue };
            let end = at + phrase.len();
            // Nearest to the date wins; at the same end the longer phrase ("back on" over "on").
            let better = best.is_none_or(|(e, len, _)| end > e || (end == e && phrase.len() > len));
            if better {
                best = Some((end, phrase.len(), cue));
            }
        }
    }
    // A cue counts only when nothing but a few words stand between it and the date.
    match best {
        Some((end, _, cue)) if window[end..].split_whitespace().count() <= 3 => cue,
        _ => Cue::None,
    }
}

/// The last place `phrase` stands as whole words in `text`.
fn rfind_word(text: &str, phrase: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    text.match_indices(phrase)
        .map(|(at, _)| at)
        .filter(|&at| {
            let end = at + phrase.len();
            let before = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
            let after = end == bytes.len() || !bytes[end].is_ascii_alphanumeric() || phrase.ends_with('\'');
            before && after
        })
        .last()
}

fn month_number(name: &str) -> Option<i8> {
    MONTHS.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
}

/// A date from its parts: a missing year is the next such day on or after `sent`; a two-digit
/// year is this century's.
fn date_of(year: Option<i16>, month: i8, day: i8, sent: Date) -> Option<Date> {
    let year = year.map(|y| if y < 100 { 2000 + y } else { y });
    match year {
        Some(y) => Date::new(y, month, day).ok(),
        None => {
            let this = Date::new(sent.year(), month, day).ok();
            match this {
                Some(d) if d >= sent => Some(d),
                _ => Date::new(sent.year() + 1, month, day).ok(),
            }
        }
    }
}

/// The return an auto-reply's body names, if any: `sent` is the message's date (their day);
/// `month_first` reads `05/06` as May 6 (a prospect in the Americas), else as 5 June. Dates
/// where one part is above 12 read the only way they can.
pub fn return_day(body: &str, sent: Date, month_first: bool) -> Option<Back> {
    let text = prepare(body);
    let shapes = shapes();
    let mut found: Vec<(usize, Date)> = Vec::new();
    let number = |s: Option<regex::Match<'_>>| s.and_then(|m| m.as_str().parse::<i16>().ok());
    for c in shapes.iso.captures_iter(&text) {
        let (Some(y), Some(m), Some(d)) = (number(c.get(1)), number(c.get(2)), number(c.get(3))) else {
            continue;
        };
        if let Ok(date) = Date::new(y, m as i8, d as i8) {
            found.push((c.get(0).map_or(0, |m| m.start()), date));
        }
    }
    for c in shapes.numeric.captures_iter(&text) {
        let whole = c.get(0).expect("a match has a whole");
        let separator = c.get(2).map_or("", |m| m.as_str());
        let second = c.get(4).map(|m| m.as_str());
        let year = number(c.get(5));
        // The separator must repeat (`14.12.2026`, `14.12.`): `9.15 Uhr` is a time, `3-4` a
        // range. A slash may stand alone (`12/14`).
        let date_like = match (separator, second) {
            (s, Some(t)) => s == t,
            ("/", None) => true,
            _ => false,
        };
        // `14.12.` followed by more digits is an IP or version, not a date.
        if !date_like || (year.is_none() && text[whole.end()..].starts_with(|c: char| c.is_ascii_digit())) {
            continue;
        }
        if text[..whole.start()].ends_with(['.', '/', '-']) && text[..whole.start()].len() > 1 {
            let before = text[..whole.start() - 1].chars().last();
            if before.is_some_and(|c| c.is_ascii_digit()) {
                continue;
            }
        }
        let (Some(a), Some(b)) = (number(c.get(1)), number(c.get(3))) else { continue };
        // A part above 12 is the day; both at most 12, the region decides for slashes.
        let month_first = b > 12 || (a <= 12 && separator == "/" && month_first);
        let (day, month) = if month_first { (b, a) } else { (a, b) };
        if !(1..=12).contains(&month) {
            continue;
        }
        if let Some(date) = date_of(year, month as i8, day as i8, sent) {
            found.push((whole.start(), date));
        }
    }
    for c in shapes.day_month.captures_iter(&text) {
        let (Some(day), Some(month)) = (number(c.get(1)), c.get(2).and_then(|m| month_number(m.as_str())))
        else {
            continue;
        };
        if let Some(date) = date_of(number(c.get(3)), month, day as i8, sent) {
            found.push((c.get(0).map_or(0, |m| m.start()), date));
        }
    }
    for c in shapes.month_day.captures_iter(&text) {
        let (Some(month), Some(day)) = (c.get(1).and_then(|m| month_number(m.as_str())), number(c.get(2)))
        else {
            continue;
        };
        if let Some(date) = date_of(number(c.get(3)), month, day as i8, sent) {
            found.push((c.get(0).map_or(0, |m| m.start()), date));
        }
    }
    let furthest = sent.checked_add(jiff::Span::new().days(FURTHEST)).unwrap_or(sent);
    found.retain(|(_, d)| *d >= sent && *d <= furthest);
    found.sort();
    found.dedup_by_key(|(_, d)| *d);
    let cued = found.iter().map(|&(at, date)| (cue_before(&text, at), date));
    let cued: Vec<(Cue, Date)> = cued.collect();
    // The end of a range ("from 1 to 14 December") is its last cue; otherwise the first cued
    // date in the text, which is the sentence about the return, before any signature.
    let pick = cued
        .iter()
        .find(|(cue, _)| *cue != Cue::None)
        .copied()
        .or_else(|| cued.iter().max_by_key(|(_, d)| *d).copied())?;
    Some(match pick {
        (Cue::BackOn, day) => Back::On(day),
        (_, day) => Back::Until(day),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn back(body: &str) -> Option<Back> {
        return_day(body, date(2026, 12, 1), false)
    }

    #[test]
    fn the_sentences_people_write_in_four_languages() {
        let until = |d| Some(Back::Until(date(2026, 12, d)));
        let on = |d| Some(Back::On(date(2026, 12, d)));
        assert_eq!(back("I am out of the office until 14 December with limited access."), until(14));
        assert_eq!(back("I'm away and back on December 15th."), on(15));
        assert_eq!(back("Returning Monday, Dec. 14, 2026."), on(14));
        assert_eq!(back("Ich bin bis zum 14.12. nicht im Büro."), until(14));
        assert_eq!(back("Ab dem 15.12.2026 bin ich wieder erreichbar."), on(15));
        assert_eq!(back("Je suis absent jusqu'au 14 décembre inclus."), until(14));
        assert_eq!(back("Je serai de retour le lundi 14 décembre."), on(14));
        assert_eq!(back("Estaré fuera de la oficina hasta el 14 de diciembre."), until(14));
        assert_eq!(back("Vom 1.12. bis 14.12. bin ich im Urlaub."), until(14));
        assert_eq!(back("Sono fuori ufficio fino al 14 dicembre."), until(14));
    }

    #[test]
    fn times_signatures_and_quoted_mail_are_not_returns() {
        assert_eq!(back("Ich bin um 9.15 Uhr wieder da."), None);
        assert_eq!(back("Thanks for your message. I'll answer as soon as I can."), None);
        // A date long past or far off (a copyright line) is not believed.
        assert_eq!(back("Out of office. © 2019-01-01 Acme"), None);
        assert_eq!(back("Out of office.\n> On 20 December we meet\n"), None);
        assert_eq!(
            back("Out of office.\nOn Tue, Dec 1, 2026 at 10:00 Dana wrote:\n> call me on 20 December"),
            None
        );
    }

    #[test]
    fn a_missing_year_is_the_next_such_day_and_slashes_follow_the_region() {
        let sent = date(2026, 12, 20);
        assert_eq!(return_day("Back on 4 January.", sent, false), Some(Back::On(date(2027, 1, 4))));
        // Day first outside the Americas: 5 January; 1 May is too far off to believe.
        assert_eq!(return_day("Out until 05/01", sent, false), Some(Back::Until(date(2027, 1, 5))));
        assert_eq!(return_day("Out until 01/05", sent, false), None);
        assert_eq!(return_day("Out until 01/05", sent, true), Some(Back::Until(date(2027, 1, 5))));
        assert_eq!(return_day("Out until 12/24", sent, false), Some(Back::Until(date(2026, 12, 24))));
        assert_eq!(Back::Until(date(2026, 12, 24)).first_day(), date(2026, 12, 25));
    }
}
