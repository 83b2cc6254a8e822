//! Public holidays of a prospect's country or subdivision (`holidays = "CA-ON"`), 2020-2035,
//! from the table `scripts/gen-holidays.py` generates from the Python `holidays` package (MIT;
//! the notice is in the table's header).

use jiff::civil::Date;

const TABLE: &str = include_str!("holidays.txt");

/// The first and last year the table covers.
pub const YEARS: (i16, i16) = (2020, 2035);

/// A holiday calendar's dates, by its code (`CA`, `CA-ON`, or an alias the package knows such as
/// `AT-W`), any case; the code as the table writes it comes with them.
///
/// # Errors
/// A code the table does not have, in words that say what is expected.
pub fn lookup(code: &str) -> Result<(String, Vec<Date>), String> {
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
                return Ok((canonical, dates));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_subdivisions_and_aliases() {
        let (code, ca) = lookup("ca").unwrap();
        assert_eq!(code, "CA");
        assert!(ca.contains(&Date::constant(2026, 7, 1)), "Canada Day");
        let (_, qc) = lookup("CA-QC").unwrap();
        assert!(qc.contains(&Date::constant(2026, 6, 24)) && !ca.contains(&Date::constant(2026, 6, 24)));
        assert_eq!(lookup("AT-W").unwrap().0, "AT-9");
        assert!(lookup("XX").unwrap_err().contains("unknown holiday calendar `XX`"));
        assert!(lookup("CA-ZZ").unwrap_err().contains("unknown subdivision `CA-ZZ` of CA"));
        let (_, de) = lookup("DE").unwrap();
        assert!(de.iter().all(|d| (YEARS.0..=YEARS.1).contains(&d.year())));
    }
}
