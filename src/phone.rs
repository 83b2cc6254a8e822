//! Phone numbers: free text as people write them, read with libphonenumber's rules (the
//! `rlibphonenumber` port) into E.164 and an extension; the grouped international form a person
//! reads; and the `tel:` URI a dialler opens (RFC 3966). The one home for number rules: config
//! validation, `add`/`set`, import, every renderer and the nudge's Call button read numbers here.
//!
//! Core: pure text rules; it may not touch the state, the channels, the daemon or the command
//! line.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use rlibphonenumber::{
    NumberLengthType, PHONE_NUMBER_UTIL, ParseError, PhoneNumber, PhoneNumberFormat, PhoneNumberType, Region,
    ValidationError,
};

/// Why a number cannot be dialled from abroad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    /// Letters or signs no phone number has.
    NotANumber,
    /// Written without a country code, and no country to read it in (or an unknown code).
    NoCountry,
    /// Fewer digits than any number of its country.
    TooShort,
    /// More digits than any number of its country, or a length none has.
    TooLong,
    /// Complete only inside its area (`+1 555 0000`): the area code is missing.
    LocalOnly,
}

impl std::fmt::Display for PhoneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PhoneError::NotANumber => "not a phone number",
            PhoneError::NoCountry => "no country code, and no country to read it in",
            PhoneError::TooShort => "too few digits for a number of its country",
            PhoneError::TooLong => "too many digits, or a length no number of its country has",
            PhoneError::LocalOnly => "only dialled locally: the area code is missing",
        })
    }
}

/// A number as dialled: E.164 and the extension to ask for once through.
///
/// Only what reading costs little is kept: the book is read on every command, and asking
/// libphonenumber whether a number is valid, or which of the 25 regions of `+1` it is in, runs
/// every region's patterns (about 8 µs a number, and their first compilation). [`Number::valid`]
/// and [`Number::geographic`] ask it when a caller needs them (`check`, `import`).
///
/// The grouped form a person reads is worked out when first asked for, then kept, not when the
/// number is read: laying a number out by its country's patterns is a third of reading it, and
/// a large book's agenda shows a few thousand of its 100 000 numbers. Readings kept in the
/// state carry it (see [`Kept`]).
#[derive(Debug, Clone)]
pub struct Number {
    /// The E.164 form (`+442079460011`).
    e164: Box<str>,
    /// [`Number::grouped`], once worked out.
    grouped: OnceLock<Box<str>>,
    pub extension: Option<String>,
    /// Its international calling code (`44`).
    pub country_code: u32,
}

/// Two readings are the same number whether or not either has its grouped form yet (which
/// follows from the rest).
impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        (self.e164(), &self.extension, self.country_code)
            == (other.e164(), &other.extension, other.country_code)
    }
}

impl Eq for Number {}

impl Number {
    /// `+442079460011`.
    pub fn e164(&self) -> &str {
        &self.e164
    }

    fn parsed(&self) -> Option<PhoneNumber> {
        PHONE_NUMBER_UTIL.parse(self.e164(), None).ok()
    }

    /// A number its country's plan has (possible only means its length is one some number of
    /// the country has).
    pub fn valid(&self) -> bool {
        self.parsed().is_some_and(|n| n.is_valid())
    }

    /// Tied to a place: a valid landline, or a mobile in a country whose mobiles have area
    /// codes (libphonenumber's GEO_MOBILE_COUNTRIES: Mexico, Argentina, Brazil, Indonesia and
    /// China), so its prefix says the zone. The rule of libphonenumber's
    /// `getTimeZonesForNumber`.
    pub fn geographic(&self) -> bool {
        let Some(number) = self.parsed().filter(PhoneNumber::is_valid) else { return false };
        match number.get_type() {
            PhoneNumberType::FixedLine | PhoneNumberType::FixedLineOrMobile => true,
            PhoneNumberType::Mobile => matches!(self.country_code, 52 | 54 | 55 | 62 | 86),
            _ => false,
        }
    }

    /// The ISO code of the main country of its calling code (`US` for every `+1`, `GB` for
    /// `+44`): where a number written without its country code is read. Countries sharing a
    /// calling code share its trunk and international prefixes, so the main one reads alike.
    pub fn dialling_region(&self) -> Option<String> {
        let code = i32::try_from(self.country_code).ok()?;
        PHONE_NUMBER_UTIL.get_region_for_country_code(code).map(|r| r.to_string())
    }

    /// The RFC 3966 URI a dialler opens: `tel:+442079460011`, `tel:+14165550101;ext=204`.
    pub fn tel_uri(&self) -> String {
        match &self.extension {
            Some(ext) => format!("tel:{};ext={ext}", self.e164()),
            None => format!("tel:{}", self.e164()),
        }
    }

    /// The number as a person reads it: libphonenumber's international grouping
    /// (`+44 20 7946 0011`, `+1 416-555-0101`), then ` ext. 204` whatever the country's own
    /// style, so one book reads one way.
    pub fn grouped(&self) -> String {
        self.grouped
            .get_or_init(|| grouped(self.e164(), self.extension.as_deref()).into_boxed_str())
            .to_string()
    }
}

/// Reads free text as a number and an extension, as libphonenumber does: `+44 (0)20 7946 0011`
/// (the trunk 0 in brackets is not dialled from abroad), `+1 416 555 0101 x 204`, `ext. 204`,
/// `;ext=204`, `#204`, a `tel:` URI, `Mobile: +44 …`. A number written without its country code
/// is read in `region`'s country (an ISO code: `me.phone`'s country, or an import row's), with
/// its trunk prefix and international prefix (`00`, `011`) as that country dials them.
///
/// # Errors
/// [`PhoneError`] when the number is not one a dialler abroad can call: libphonenumber's
/// IS_POSSIBLE, which a local-only number (`+1 555 0000`) is not.
pub fn read(text: &str, region: Option<&str>) -> Result<Number, PhoneError> {
    let region = region.and_then(|r| r.to_ascii_uppercase().parse::<Region>().ok());
    let number = PHONE_NUMBER_UTIL.parse(text, region).map_err(|e| match e {
        ParseError::InvalidCountryCode => PhoneError::NoCountry,
        ParseError::NotANumber(_) => PhoneError::NotANumber,
        ParseError::TooShortAfterIdd | ParseError::TooShortNsn => PhoneError::TooShort,
        ParseError::TooLongNsn => PhoneError::TooLong,
    })?;
    match number.is_possible_with_reason() {
        Ok(NumberLengthType::IsPossible) => {}
        Ok(NumberLengthType::IsPossibleLocalOnly) => return Err(PhoneError::LocalOnly),
        Err(ValidationError::InvalidCountryCode) => return Err(PhoneError::NoCountry),
        Err(ValidationError::TooShort) => return Err(PhoneError::TooShort),
        Err(_) => return Err(PhoneError::TooLong),
    }
    let extension = number.extension.clone().filter(|e| !e.is_empty());
    let e164 = number.format_as(PhoneNumberFormat::E164);
    Ok(Number::from_parts(&e164, extension, u32::try_from(number.country_code).unwrap_or(0), ""))
}

/// [`Number::grouped`] of a number read as `e164` (its own form when libphonenumber cannot read
/// it again, which a number it wrote never is): grouped without its extension, which is
/// written one way whatever the country's style.
fn grouped(e164: &str, extension: Option<&str>) -> String {
    // A number read back as another (a possible but invalid one whose digits start with what
    // reads as a trunk prefix) is shown as dialled.
    let plain =
        PHONE_NUMBER_UTIL.parse(e164, None).ok().filter(|n| n.format_as(PhoneNumberFormat::E164) == e164);
    let grouped = plain.as_ref().map_or(e164.into(), |n| n.format_as(PhoneNumberFormat::International));
    match extension {
        Some(ext) => format!("{grouped} ext. {ext}"),
        None => grouped.into_owned(),
    }
}

/// The rules the readings in [`Readings`] were made with: libphonenumber's version (its
/// metadata changes what a number reads as), then this module's own reading (which errors,
/// the grouped form): readings kept under other rules are read again. A test
/// (`phones::the_rules_version_is_the_locked_crates`) holds the first to `Cargo.lock`; change
/// the second with [`read`] or [`Number`].
pub const RULES: &str = "rlibphonenumber 2.2.15; ringback reading 1";

/// What a number read as, as kept between runs: `Ok` with its parts, or the error's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// The country it was read in (`""` for none), and its text.
    pub region: String,
    pub text: String,
    pub reading: Result<Number, PhoneError>,
}

/// Numbers read before, by the country they were read in and their text, and the dialling
/// region of each calling code asked for. Reading a book's numbers costs libphonenumber's
/// metadata at its first use (10-13 ms: it decodes every country's and compiles the patterns
/// reading uses) and about 1.5 µs a number; a book read again costs neither. The state keeps
/// them (see `State::phone_readings`); what a caller that keeps them reads here afresh is
/// in [`Readings::in_use`]. Shared by the threads reading a book.
#[derive(Default)]
pub struct Readings {
    /// What was kept, loaded when a number is first read: the book's other checks go on
    /// meanwhile (a book is read on two threads, its numbers on the second).
    load: Mutex<Option<Load>>,
    known: OnceLock<Known>,
    /// Whether what is read afresh is recorded, for a caller that keeps it (a large book's
    /// numbers would otherwise be held twice for nothing).
    keeping: bool,
    fresh: Mutex<Fresh>,
}

/// Loads the kept readings and dialling regions (see [`Readings::loading`]).
pub type Load = Box<dyn FnOnce() -> (Vec<Kept>, Vec<DiallingRegion>) + Send>;

/// A calling code and the main country of its numbers (see [`Number::dialling_region`]).
pub type DiallingRegion = (u32, Option<String>);

/// Readings kept from earlier runs, each with whether this run used it, and dialling regions.
/// A list with a map of hashes to places holds a large book's readings in far less than a map
/// keyed by their texts would.
#[derive(Default)]
struct Known {
    readings: Vec<Kept>,
    used: Vec<AtomicBool>,
    /// Each reading's place by a hash of its region and text (see [`Known::find`]).
    places: HashMap<u64, u32>,
    regions: HashMap<u32, Option<String>>,
}

/// Readings and dialling regions made here, not known before.
#[derive(Default)]
struct Fresh {
    readings: Vec<Kept>,
    regions: Vec<DiallingRegion>,
}

impl std::fmt::Debug for Readings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readings").field("loaded", &self.known.get().is_some()).finish_non_exhaustive()
    }
}

impl Readings {
    /// Readings `load` gives, called when first needed (on the thread reading numbers);
    /// `keeping` when the caller keeps what is read afresh.
    pub fn loading(load: Load, keeping: bool) -> Readings {
        Readings { load: Mutex::new(Some(load)), keeping, ..Readings::default() }
    }

    fn known(&self) -> &Known {
        self.known.get_or_init(|| {
            let load = self.load.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
            load.map_or_else(Known::default, |load| {
                let (kept, regions) = load();
                Known::from(kept, regions)
            })
        })
    }

    /// [`read`], or what it gave before for the same text in the same country.
    ///
    /// # Errors
    /// As [`read`].
    pub fn read(&self, text: &str, region: Option<&str>) -> Result<Number, PhoneError> {
        let known = self.known();
        if let Some(at) = known.find(region.unwrap_or(""), text) {
            known.used[at].store(true, Ordering::Relaxed);
            return known.readings[at].reading.clone();
        }
        let reading = read(text, region);
        if self.keeping {
            let region = region.unwrap_or("").to_owned();
            self.fresh().readings.push(Kept { region, text: text.to_owned(), reading: reading.clone() });
        }
        reading
    }

    /// [`Number::dialling_region`], or what it gave before for the same calling code.
    pub fn dialling_region(&self, number: &Number) -> Option<String> {
        if let Some(region) = self.known().regions.get(&number.country_code) {
            return region.clone();
        }
        let region = number.dialling_region();
        if self.keeping {
            self.fresh().regions.push((number.country_code, region.clone()));
        }
        region
    }

    fn fresh(&self) -> std::sync::MutexGuard<'_, Fresh> {
        self.fresh.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether what should be kept differs from what was known: a number was read afresh, or
    /// a known one was not used (no longer in the book).
    pub fn changed(&self) -> bool {
        if !self.keeping {
            return false;
        }
        let fresh = self.fresh();
        !fresh.readings.is_empty()
            || !fresh.regions.is_empty()
            || self.known().used.iter().any(|used| !used.load(Ordering::Relaxed))
    }

    /// What to keep: every reading used here, known or fresh, and every dialling region.
    pub fn in_use(&self) -> (Vec<Kept>, Vec<DiallingRegion>) {
        let known = self.known();
        let fresh = self.fresh();
        let mut readings = fresh.readings.clone();
        let used = known.readings.iter().zip(&known.used).filter(|(_, used)| used.load(Ordering::Relaxed));
        readings.extend(used.map(|(kept, _)| kept.clone()));
        let mut regions: Vec<_> =
            known.regions.iter().map(|(code, region)| (*code, region.clone())).collect();
        regions.extend(fresh.regions.iter().cloned());
        (readings, regions)
    }
}

impl Known {
    fn from(readings: Vec<Kept>, regions: Vec<DiallingRegion>) -> Known {
        let used = readings.iter().map(|_| AtomicBool::new(false)).collect();
        let mut places = HashMap::with_capacity(readings.len());
        for (at, kept) in readings.iter().enumerate() {
            places.entry(place_hash(&kept.region, &kept.text)).or_insert(at as u32);
        }
        Known { readings, used, places, regions: regions.into_iter().collect() }
    }

    /// The place of the reading of `text` in `region`. Of two keys sharing a hash (about one
    /// chance in 10^11 in a book of 100 000) the first is found, and the other is read afresh.
    fn find(&self, region: &str, text: &str) -> Option<usize> {
        let at = *self.places.get(&place_hash(region, text))? as usize;
        let kept = &self.readings[at];
        (kept.region == region && kept.text == text).then_some(at)
    }
}

fn place_hash(region: &str, text: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // A fixed key: the places are built and looked up in one process.
    let mut hasher =
        std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().build_hasher();
    hasher.write(region.as_bytes());
    hasher.write_u8(0xff);
    hasher.write(text.as_bytes());
    hasher.finish()
}

impl PhoneError {
    /// A stable code for keeping the error (see [`Kept`]).
    pub fn code(self) -> i64 {
        match self {
            PhoneError::NotANumber => 1,
            PhoneError::NoCountry => 2,
            PhoneError::TooShort => 3,
            PhoneError::TooLong => 4,
            PhoneError::LocalOnly => 5,
        }
    }

    /// The error a [`PhoneError::code`] stands for.
    pub fn from_code(code: i64) -> Option<PhoneError> {
        Some(match code {
            1 => PhoneError::NotANumber,
            2 => PhoneError::NoCountry,
            3 => PhoneError::TooShort,
            4 => PhoneError::TooLong,
            5 => PhoneError::LocalOnly,
            _ => return None,
        })
    }
}

impl Number {
    /// A number as kept (see [`Kept`]): its E.164 form, extension, calling code and grouped form
    /// (empty when not yet worked out).
    pub fn from_parts(e164: &str, extension: Option<String>, country_code: u32, grouped: &str) -> Number {
        let kept = OnceLock::new();
        if !grouped.is_empty() {
            let _ = kept.set(grouped.into());
        }
        Number { e164: e164.into(), grouped: kept, extension, country_code }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tel(text: &str, region: Option<&str>) -> Option<String> {
        read(text, region).ok().map(|n| n.tel_uri())
    }

    #[test]
    fn tel_uris_keep_the_number_and_the_extension_apart() {
        assert_eq!(tel("+44 (0)20 7946 0011", Some("US")).as_deref(), Some("tel:+442079460011"));
        assert_eq!(tel("+1 416 555 0101 x 204", None).as_deref(), Some("tel:+14165550101;ext=204"));
        assert_eq!(tel("+1 416 555 0101 ext. 204", None).as_deref(), Some("tel:+14165550101;ext=204"));
        assert_eq!(tel("tel:+1-416-555-0101;ext=204", None).as_deref(), Some("tel:+14165550101;ext=204"));
        assert_eq!(tel("416 555 0101", Some("CA")).as_deref(), Some("tel:+14165550101"));
        assert_eq!(tel("020 7946 0011", Some("GB")).as_deref(), Some("tel:+442079460011"));
        assert_eq!(read("call me maybe", Some("US")), Err(PhoneError::NotANumber));
        assert_eq!(read("416 555 0101", None), Err(PhoneError::NoCountry));
        assert_eq!(read("+1 555 0000", None), Err(PhoneError::LocalOnly));
        assert_eq!(read("+44 20", None), Err(PhoneError::TooShort));
    }

    #[test]
    fn a_known_reading_is_not_read_again() {
        let text = "+44 (0)20 7946 0011 x204";
        let kept_as = |kept: Vec<Kept>, regions: Vec<DiallingRegion>| {
            Readings::loading(Box::new(move || (kept, regions)), true)
        };
        let first = kept_as(Vec::new(), Vec::new());
        let number = first.read(text, Some("US")).unwrap();
        assert!(first.changed());
        let (kept, _) = first.in_use();
        assert_eq!(kept.len(), 1);
        // Kept with a wrong e164, so a second read that went to libphonenumber would show.
        let marked = Kept { reading: Ok(Number::from_parts("+1", None, 44, "kept")), ..kept[0].clone() };
        // A region no code has, so a look-up that went to libphonenumber would show.
        let again = kept_as(vec![marked], vec![(44, Some("XX".into()))]);
        assert!(again.changed(), "a reading not used yet is not to be kept");
        assert_eq!(again.read(text, Some("US")).unwrap().grouped(), "kept");
        assert!(!again.changed(), "every number known and used");
        assert_eq!(again.dialling_region(&number).as_deref(), Some("XX"));
        assert_eq!(again.read(text, Some("GB")), Ok(number.clone()), "another country is another reading");
        assert!(again.changed());
        assert_eq!(again.in_use().0.len(), 2);
        assert_eq!(PhoneError::from_code(PhoneError::LocalOnly.code()), Some(PhoneError::LocalOnly));
    }

    #[test]
    fn people_read_the_international_grouping_with_one_extension_style() {
        let shown = |t: &str| read(t, Some("US")).map_or_else(|_| t.to_owned(), |n| n.grouped());
        assert_eq!(shown("+442079460011"), "+44 20 7946 0011");
        assert_eq!(shown("+44 (0)20 7946 0011 x204"), "+44 20 7946 0011 ext. 204");
        assert_eq!(shown("+1 (416) 555-0101;ext=204"), "+1 416-555-0101 ext. 204");
        assert_eq!(shown("+911244567890"), "+91 124 456 7890");
        assert_eq!(shown("ask reception"), "ask reception");
    }
}
