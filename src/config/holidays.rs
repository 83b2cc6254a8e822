//! Public holidays of a prospect's country or subdivision (`holidays = "CA-ON"`), 2020-2035,
//! from the table `scripts/gen-holidays.py` generates from the Python `holidays` package (MIT;
//! the notice is in the table's header).

use jiff::civil::Date;

const TABLE: &str = include_str!("holidays.txt");

/// The first and last year the table covers.
pub const YEARS: (i16, i16) = (2020, 2035);

/// A country's or subdivision's calendar, as the package gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holidays {
    /// The code as the table writes it (`CA-ON`, `AT-9` for `AT-W`).
    pub code: String,
    pub dates: Vec<Date>,
    /// Which days of the week are worked, Monday first: the country's weekend is the rest
    /// (Friday and Saturday in Saudi Arabia and Israel, Sunday alone in Hong Kong).
    pub workdays: [bool; 7],
}

/// A holiday calendar, by its code (`CA`, `CA-ON`, or an alias the package knows such as
/// `AT-W`), any case.
///
/// # Errors
/// A code the table does not have, in words that say what is expected.
pub fn lookup(code: &str) -> Result<Holidays, String> {
    let wanted = code.trim().to_uppercase();
    let mut section = "";
    let mut canonical = wanted.clone();
    for line in TABLE.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name;
            continue;
        }
        let mut fields = line.split('\t');
        let key = fields.next().unwrap_or_default();
        match section {
            "alias" if key == wanted => canonical = fields.next().unwrap_or_default().to_owned(),
            "dates" if key == canonical => {
                let dates = fields
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|d| {
                        let (y, md) = d.split_at_checked(4)?;
                        let (m, day) = md.split_at_checked(2)?;
                        Date::new(y.parse().ok()?, m.parse().ok()?, day.parse().ok()?).ok()
                    })
                    .collect();
                let workdays = weekend_of(canonical.split('-').next().unwrap_or_default());
                return Ok(Holidays { code: canonical, dates, workdays });
            }
            _ => {}
        }
    }
    let country = wanted.split('-').next().unwrap_or_default();
    let known_country = TABLE.lines().any(|l| l.split('\t').next() == Some(country));
    Err(if known_country && wanted.contains('-') {
        format!("unknown subdivision `{code}` of {country}: expected an ISO 3166-2 code such as `CA-ON`")
    } else {
        format!(
            "unknown holiday calendar `{code}`: expected a country (ISO 3166-1, such as `CA`) or a subdivision (`CA-ON`) of one of the {} countries ringback knows",
            TABLE
                .lines()
                .skip_while(|l| *l != "[dates]")
                .skip(1)
                .filter(|l| l.split('\t').next().is_some_and(|k| !k.contains('-')))
                .count()
        )
    })
}

/// The worked days of a country, from the table's `[weekends]` (Saturday and Sunday off where
/// the table says nothing).
fn weekend_of(country: &str) -> [bool; 7] {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let line = TABLE
        .lines()
        .skip_while(|l| *l != "[weekends]")
        .find_map(|l| l.strip_prefix(country).and_then(|rest| rest.strip_prefix('\t')));
    let Some(days) = line else {
        return [true, true, true, true, true, false, false];
    };
    let mut workdays = [true; 7];
    for day in days.split(',') {
        if let Some(i) = DAYS.iter().position(|d| *d == day) {
            workdays[i] = false;
        }
    }
    workdays
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_subdivisions_and_aliases() {
        let ca = lookup("ca").unwrap();
        assert_eq!(ca.code, "CA");
        assert!(ca.dates.contains(&Date::constant(2026, 7, 1)), "Canada Day");
        let qc = lookup("CA-QC").unwrap();
        assert!(
            qc.dates.contains(&Date::constant(2026, 6, 24))
                && !ca.dates.contains(&Date::constant(2026, 6, 24))
        );
        assert_eq!(lookup("AT-W").unwrap().code, "AT-9");
        assert!(lookup("XX").unwrap_err().contains("unknown holiday calendar `XX`"));
        assert!(lookup("CA-ZZ").unwrap_err().contains("unknown subdivision `CA-ZZ` of CA"));
        let de = lookup("DE").unwrap();
        assert!(de.dates.iter().all(|d| (YEARS.0..=YEARS.1).contains(&d.year())));
    }

    #[test]
    fn weekends_are_the_countrys_own() {
        let week = |code: &str| lookup(code).unwrap().workdays;
        assert_eq!(week("SA"), [true, true, true, true, false, false, true], "Sun-Thu");
        assert_eq!(week("IL"), week("SA"));
        assert_eq!(week("AE"), [true, true, true, true, true, false, false], "Mon-Fri since 2022");
        assert_eq!(week("US-CA"), [true, true, true, true, true, false, false]);
        assert_eq!(week("HK"), [true, true, true, true, true, true, false]);
        for gulf in ["QA", "KW", "BH", "OM"] {
            assert_eq!(week(gulf), week("SA"), "{gulf}");
        }
        for g20 in "AR AU BR CA CN FR DE IN ID IT JP KR MX RU SA ZA TR GB US".split(' ') {
            assert!(lookup(g20).is_ok(), "{g20} is in the table");
        }
    }
}
