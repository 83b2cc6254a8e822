//! Prospects as people type them: `why Muller` finds Jürgen Müller, `why oconnor` Siobhan
//! O'Connor, and a typo anywhere gets the nearest id suggested.

use super::{Config, Lookup, Prospect};

/// The plain letters of an accented Latin one (`é` → `e`, `ß` → `ss`, `Ł` → `L`), else itself.
pub fn fold_accent(c: char) -> impl Iterator<Item = char> {
    const FOLDS: &[(&str, &str)] = &[
        ("àáâãäåāăą", "a"),
        ("ÀÁÂÃÄÅĀĂĄ", "A"),
        ("çćĉċč", "c"),
        ("ÇĆĈĊČ", "C"),
        ("ďđ", "d"),
        ("ĎĐ", "D"),
        ("èéêëēĕėęě", "e"),
        ("ÈÉÊËĒĔĖĘĚ", "E"),
        ("ĝğġģ", "g"),
        ("ĜĞĠĢ", "G"),
        ("ìíîïĩīĭįı", "i"),
        ("ÌÍÎÏĨĪĬĮİ", "I"),
        ("ķ", "k"),
        ("Ķ", "K"),
        ("ĺļľŀł", "l"),
        ("ĹĻĽĿŁ", "L"),
        ("ñńņňŉ", "n"),
        ("ÑŃŅŇ", "N"),
        ("òóôõöøōŏő", "o"),
        ("ÒÓÔÕÖØŌŎŐ", "O"),
        ("ŕŗř", "r"),
        ("ŔŖŘ", "R"),
        ("śŝşš", "s"),
        ("ŚŜŞŠ", "S"),
        ("ţťŧ", "t"),
        ("ŢŤŦ", "T"),
        ("ùúûüũūŭůűų", "u"),
        ("ÙÚÛÜŨŪŬŮŰŲ", "U"),
        ("ýÿ", "y"),
        ("ÝŸ", "Y"),
        ("źżž", "z"),
        ("ŹŻŽ", "Z"),
        ("ß", "ss"),
        ("æ", "ae"),
        ("Æ", "AE"),
        ("œ", "oe"),
        ("Œ", "OE"),
        ("þ", "th"),
        ("Þ", "TH"),
        ("ð", "d"),
        ("Ð", "D"),
    ];
    let folded = FOLDS.iter().find(|(from, _)| from.contains(c)).map(|(_, to)| *to);
    let mut buffer = [0u8; 4];
    let own = c.encode_utf8(&mut buffer).to_owned();
    folded.map_or(own, str::to_owned).chars().collect::<Vec<_>>().into_iter()
}

/// The words of a name or id as they are typed: lowercase, accents folded (`Müller` →
/// `muller`), apostrophes and dots dropped inside a word (`O'Connor` → `oconnor`), split at
/// spaces, hyphens and other punctuation.
pub fn typed_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in text.chars().flat_map(fold_accent) {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if matches!(c, '\'' | '\u{2019}' | '\u{02BC}' | '`' | '.') {
            // Part of the word: `O'Connor`, `St.John`.
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// A prospect's id and name, read as typed words.
struct Typed {
    id: Vec<String>,
    name: Vec<String>,
}

impl Typed {
    fn of(prospect: &Prospect) -> Typed {
        Typed { id: typed_words(&prospect.id), name: typed_words(&prospect.name) }
    }

    fn words(&self) -> impl Iterator<Item = &String> {
        self.id.iter().chain(&self.name)
    }

    /// Every word typed begins a word of the id or name (`mul` finds Müller, `bill jo` Bill
    /// Jones), or the words typed, run together, begin the id's or the name's (`billj`).
    fn matches(&self, query: &[String]) -> bool {
        let joined = query.concat();
        query.iter().all(|q| self.words().any(|w| w.starts_with(q.as_str())))
            || self.id.concat().starts_with(&joined)
            || self.name.concat().starts_with(&joined)
    }

    /// How far the query is from this prospect: the fewest single-letter edits (a swap of two
    /// neighbours is one) to its id, its name, or, for a one-word query, one of their words.
    fn distance(&self, query: &[String]) -> usize {
        let joined = query.concat();
        let whole = [self.id.concat(), self.name.concat()];
        let words = self.words().filter(|_| query.len() == 1);
        whole
            .iter()
            .chain(words)
            .map(|target| super::diag::edit_distance(&joined, target))
            .min()
            .unwrap_or(usize::MAX)
    }
}

impl Config {
    /// The prospect `query` names: its id; else, read as typed words (case and accents
    /// aside), an id or name equal to it; else the one prospect every word of it begins a
    /// word of (see [`typed_words`]).
    ///
    /// # Errors
    /// [`Lookup::Unknown`] when nobody matches, [`Lookup::Ambiguous`] with the candidates.
    pub fn find_prospect(&self, query: &str) -> Result<&Prospect, Lookup> {
        if let Some(p) = self.prospects.get(query) {
            return Ok(p);
        }
        let query = typed_words(query);
        if query.is_empty() {
            return Err(Lookup::Unknown);
        }
        fn one(found: Vec<&Prospect>) -> Result<&Prospect, Lookup> {
            match found.as_slice() {
                [] => Err(Lookup::Unknown),
                [one] => Ok(one),
                many => Err(Lookup::Ambiguous(many.iter().map(|p| (p.id.clone(), p.name.clone())).collect())),
            }
        }
        let typed: Vec<(&Prospect, Typed)> = self.prospects.values().map(|p| (&**p, Typed::of(p))).collect();
        // Exact matches first: an id or a whole name is never ambiguous with a longer one.
        let exact: Vec<&Prospect> =
            typed.iter().filter(|(_, t)| t.id == query || t.name == query).map(|(p, _)| *p).collect();
        if !exact.is_empty() {
            return one(exact);
        }
        one(typed.iter().filter(|(_, t)| t.matches(&query)).map(|(p, _)| *p).collect())
    }

    /// The prospect nearest to what was typed, wherever the typo is, if one is near enough:
    /// a quarter of the letters typed may be wrong (at least one, at most three).
    pub fn nearest_prospect(&self, query: &str) -> Option<&Prospect> {
        let query = typed_words(query);
        let letters = query.iter().map(|w| w.chars().count()).sum::<usize>();
        let allowed = (letters / 4).clamp(1, 3);
        self.prospects
            .values()
            .map(|p| (Typed::of(p).distance(&query), p))
            .filter(|(d, _)| *d <= allowed)
            .min_by(|(a, p), (b, q)| a.cmp(b).then_with(|| p.id.cmp(&q.id)))
            .map(|(_, p)| &**p)
    }
}
