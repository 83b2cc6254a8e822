//! Phone numbers: free text as people write them read into E.164 and an extension, and the
//! `tel:` URI a dialler opens (RFC 3966). The one home for number rules: import, the digest's
//! links, the calendar feed and the nudge's Call button all read numbers here.
//!
//! Core: pure text rules; it may not touch the state, the channels, the daemon or the command
//! line. (Grouped display and libphonenumber's validity rules are still to come: see the README.)

/// Why a number could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum PhoneError {
    /// Letters or signs no phone number has.
    NotANumber,
    /// Written without a country code, and the row says no country to take it from.
    NoCountry,
    /// Too short or too long for any number.
    Length,
}

/// A number in E.164 (`+16045550100`). A number written without its country code is read in
/// `calling`'s country (e.g. `1` for the US); an extension is left out (see [`read`]).
///
/// # Errors
/// [`PhoneError`] saying what is wrong with it.
pub fn e164(text: &str, calling: Option<&str>) -> Result<String, PhoneError> {
    read(text, calling).map(|number| number.e164)
}

/// A number as dialled: E.164, and the extension to ask for once through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    pub e164: String,
    pub extension: Option<String>,
}

impl Number {
    /// The RFC 3966 URI a dialler opens: `tel:+442079460011`, `tel:+14165550101;ext=204`.
    pub fn tel_uri(&self) -> String {
        match &self.extension {
            Some(ext) => format!("tel:{};ext={ext}", self.e164),
            None => format!("tel:{}", self.e164),
        }
    }
}

/// The `tel:` URI of a number as the book has it, written with its country code; `None` when it
/// cannot be read (the number is then shown to be dialled by hand).
pub fn tel_uri(text: &str) -> Option<String> {
    read(text, None).ok().map(|n| n.tel_uri())
}

/// What follows `tel:` for a number as the book has it: [`tel_uri`]'s, or, for a number it
/// cannot read (one written without its country code), its digits as written, as a local call.
pub fn tel_target(text: &str) -> String {
    match tel_uri(text) {
        Some(uri) => uri.trim_start_matches("tel:").to_owned(),
        None => text.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect(),
    }
}

/// Reads free text as a number and an extension: `+44 (0)20 7946 0011` (the trunk 0 in
/// brackets is not dialled from abroad), `+1 416 555 0101 x 204`, `ext. 204`, `;ext=204`,
/// `#204`. A number written without its country code is read in `calling`'s country, with that
/// country's trunk prefix taken off.
///
/// # Errors
/// [`PhoneError`] saying what is wrong with it.
pub fn read(text: &str, calling: Option<&str>) -> Result<Number, PhoneError> {
    let lower = text.to_lowercase();
    // `+1 604 555 0100 x12`, `ext. 12`, `;ext=12`: the extension is for a person, not the dialler.
    let cut = ["ext", "x", ";", "#"].iter().filter_map(|mark| lower.find(mark)).min();
    let number = cut.map_or(lower.as_str(), |at| &lower[..at]);
    let extension = cut
        .map(|at| lower[at..].chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|digits| !digits.is_empty());
    let number = number.trim().trim_start_matches("tel:");
    // `+44 (0)20 7946 0000`: the trunk 0 written for callers at home, not dialled from abroad.
    let without_trunk;
    let number = if number.starts_with('+') && number.contains("(0)") {
        without_trunk = number.replacen("(0)", "", 1);
        without_trunk.as_str()
    } else {
        number
    };
    if number.chars().any(|c| !(c.is_ascii_digit() || " +-()./\u{a0}".contains(c)))
        || number.chars().skip(1).any(|c| c == '+')
    {
        return Err(PhoneError::NotANumber);
    }
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let international = if number.starts_with('+') {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else {
        let calling = calling.ok_or(PhoneError::NoCountry)?;
        if calling == "1" {
            // North America: ten digits, or eleven with the leading 1.
            match digits.len() {
                10 => format!("1{digits}"),
                11 if digits.starts_with('1') => digits,
                _ => return Err(PhoneError::Length),
            }
        } else {
            // Italy, San Marino and the Vatican keep the 0; elsewhere it is a trunk prefix.
            // The trunk prefix dialled at home: 0 almost everywhere, 8 in Russia, Kazakhstan,
            // Belarus and Lithuania, 06 in Hungary; none in Italy, San Marino and the Vatican.
            let trunk = match calling {
                "39" | "378" | "379" => "",
                "7" | "375" | "370" => "8",
                "36" => "06",
                _ => "0",
            };
            let national =
                if trunk.is_empty() { &digits[..] } else { digits.strip_prefix(trunk).unwrap_or(&digits) };
            format!("{calling}{national}")
        }
    };
    if !(7..=15).contains(&international.len()) {
        return Err(PhoneError::Length);
    }
    Ok(Number { e164: format!("+{international}"), extension })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tel_uris_keep_the_number_and_the_extension_apart() {
        assert_eq!(tel_uri("+44 (0)20 7946 0011").as_deref(), Some("tel:+442079460011"));
        assert_eq!(tel_uri("+1 416 555 0101 x 204").as_deref(), Some("tel:+14165550101;ext=204"));
        assert_eq!(tel_uri("+1 416 555 0101 ext. 204").as_deref(), Some("tel:+14165550101;ext=204"));
        assert_eq!(tel_uri("tel:+1-416-555-0101;ext=204").as_deref(), Some("tel:+14165550101;ext=204"));
        assert_eq!(tel_uri("+49 30 1234567").as_deref(), Some("tel:+49301234567"));
        assert_eq!(tel_uri("call me maybe"), None);
        assert_eq!(tel_uri("416 555 0101"), None, "no country code: not dialled as a guess");
    }
}
