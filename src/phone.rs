//! Phone numbers: free text as people write them, read with libphonenumber's rules (the
//! `rlibphonenumber` port) into E.164 and an extension; the grouped international form a person
//! reads; and the `tel:` URI a dialler opens (RFC 3966). The one home for number rules: config
//! validation, `add`/`set`, import, every renderer and the nudge's Call button read numbers here.
//!
//! Core: pure text rules; it may not touch the state, the channels, the daemon or the command
//! line.

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    /// `+442079460011`.
    pub e164: String,
    pub extension: Option<String>,
    /// Its international calling code (`44`).
    pub country_code: u32,
}

impl Number {
    fn parsed(&self) -> Option<PhoneNumber> {
        PHONE_NUMBER_UTIL.parse(&self.e164, None).ok()
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
            Some(ext) => format!("tel:{};ext={ext}", self.e164),
            None => format!("tel:{}", self.e164),
        }
    }

    /// The number as a person reads it: libphonenumber's international grouping
    /// (`+44 20 7946 0011`, `+1 416-555-0101`), then ` ext. 204` whatever the country's own
    /// style, so one book reads one way.
    pub fn grouped(&self) -> String {
        let grouped = match PHONE_NUMBER_UTIL.parse(&self.e164, None) {
            Ok(number) => number.format_as(PhoneNumberFormat::International).into_owned(),
            Err(_) => self.e164.clone(),
        };
        match &self.extension {
            Some(ext) => format!("{grouped} ext. {ext}"),
            None => grouped,
        }
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
    Ok(Number {
        e164: number.format_as(PhoneNumberFormat::E164).into_owned(),
        extension: number.extension.clone().filter(|e| !e.is_empty()),
        country_code: u32::try_from(number.country_code).unwrap_or(0),
    })
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
    fn people_read_the_international_grouping_with_one_extension_style() {
        let shown = |t: &str| read(t, Some("US")).map_or_else(|_| t.to_owned(), |n| n.grouped());
        assert_eq!(shown("+442079460011"), "+44 20 7946 0011");
        assert_eq!(shown("+44 (0)20 7946 0011 x204"), "+44 20 7946 0011 ext. 204");
        assert_eq!(shown("+1 (416) 555-0101;ext=204"), "+1 416-555-0101 ext. 204");
        assert_eq!(shown("+911244567890"), "+91 124 456 7890");
        assert_eq!(shown("ask reception"), "ask reception");
    }
}
