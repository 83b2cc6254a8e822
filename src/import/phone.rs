//! Phone numbers as exports write them, made E.164, and the prospect's zone guessed from the
//! number's prefix or the row's country, with the tables `scripts/gen-zones.py` generates from
//! libphonenumber, tzdata and iso-codes (`zones.txt`; licences in `ZONES-LICENSE.md`).

use std::collections::HashMap;

pub use crate::phone::{PhoneError, e164};

const TABLES: &str = include_str!("zones.txt");

/// The generated tables, by section.
pub struct Zones {
    sections: HashMap<&'static str, HashMap<&'static str, &'static str>>,
    /// `[mobile]` compiled: (calling code, mobile pattern, fixed-line pattern), anchored.
    mobiles: Vec<(&'static str, regex::Regex, Option<regex::Regex>)>,
}

impl Zones {
    pub fn load() -> Zones {
        let mut sections: HashMap<&str, HashMap<&str, &str>> = HashMap::new();
        let mut current = "";
        for line in TABLES.lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                current = name;
                continue;
            }
            if let Some((key, value)) = line.split_once('\t') {
                sections.entry(current).or_default().insert(key, value);
            }
        }
        let whole = |pattern: &str| regex::Regex::new(&format!("^(?:{pattern})$")).ok();
        let mobiles = sections
            .get("mobile")
            .into_iter()
            .flat_map(|m| m.values())
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let code = fields.next()?;
                let mobile = whole(fields.next()?)?;
                let fixed = fields.next().filter(|f| *f != "NA" && !f.is_empty()).and_then(whole);
                Some((code, mobile, fixed))
            })
            .collect();
        Zones { sections, mobiles }
    }

    fn get(&self, section: &str, key: &str) -> Option<&'static str> {
        self.sections.get(section)?.get(key).copied()
    }

    /// The zones libphonenumber gives an E.164 number (`+16045550100`), with the prefix they
    /// are for: a mobile number tied to no place (most countries' mobiles: `+61 4…`, `+7 9…`)
    /// gets every zone of its calling code, as libphonenumber's number-type-aware lookup does;
    /// any other number, the zones of the longest known prefix of its digits.
    pub fn by_phone(&self, e164: &str) -> Option<(&'static str, Vec<&'static str>)> {
        let digits = e164.strip_prefix('+')?;
        let mobile = self.mobiles.iter().find(|(code, mobile, fixed)| {
            digits.strip_prefix(code).is_some_and(|national| {
                mobile.is_match(national) && !fixed.as_ref().is_some_and(|f| f.is_match(national))
            })
        });
        if let Some((code, _, _)) = mobile
            && let Some((key, zones)) = self.sections.get("phone").and_then(|p| p.get_key_value(code))
        {
            return Some((*key, zones.split('&').filter(|z| !z.is_empty()).collect()));
        }
        (1..=digits.len()).rev().find_map(|n| {
            let prefix = &digits[..n];
            let zones = self.get("phone", prefix)?;
            let zones: Vec<&str> = zones.split('&').filter(|z| !z.is_empty()).collect();
            let (key, _) = self.sections.get("phone")?.get_key_value(prefix)?;
            Some((*key, zones))
        })
    }

    /// A country as exports write it (`Canada`, `CA`, `Deutschland`) as its ISO code.
    pub fn country_code(&self, country: &str) -> Option<&'static str> {
        let key = fold_spaces(country);
        self.get("country-name", &key)
    }

    /// The zone of a country with one zone, or of a state or province (`US`, `NY`).
    pub fn by_country(&self, code: &str, state: Option<&str>) -> Option<&'static str> {
        if let Some(state) = state {
            let key = format!("{}:{}", code.to_lowercase(), fold_spaces(state));
            if let Some(region) = self.get("region-name", &key)
                && let Some(zone) = self.get("region", region)
            {
                return Some(zone);
            }
        }
        // A country whose other zones hold few people (Germany and Büsingen) has a main one.
        self.get("country", code).or_else(|| self.get("country-main", code))
    }

    /// `prefix` when it is a country calling code (`1`, `44`, `358`).
    pub fn calling_code_from_prefix(&self, prefix: &str) -> Option<&'static str> {
        self.sections.get("calling")?.values().find(|code| **code == prefix).copied()
    }

    /// The current name of a zone an export wrote by an old one (`Asia/Calcutta`).
    pub fn current_name(&self, zone: &str) -> Option<&'static str> {
        self.get("link", zone)
    }

    /// The international calling code of a country (`CA` → `1`).
    pub fn calling_code(&self, code: &str) -> Option<&'static str> {
        self.get("calling", code)
    }
}

fn fold_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_exports_write_them() {
        assert_eq!(e164("+1 (604) 555-0100", None), Ok("+16045550100".into()));
        assert_eq!(e164("604.555.0100", Some("1")), Ok("+16045550100".into()));
        assert_eq!(e164("1-604-555-0100 ext. 12", Some("1")), Ok("+16045550100".into()));
        assert_eq!(e164("0171 1234567", Some("49")), Ok("+491711234567".into()));
        assert_eq!(e164("06 1234 5678", Some("39")), Ok("+390612345678".into()));
        assert_eq!(e164("0041 44 555 00 00", None), Ok("+41445550000".into()));
        assert_eq!(e164("tel:+44 20 7946 0000", None), Ok("+442079460000".into()));
        assert_eq!(e164("+44 (0)20 7946 0000", None), Ok("+442079460000".into()));
        assert_eq!(e164("604-555-0100x12", Some("1")), Ok("+16045550100".into()));
        assert_eq!(e164("8 916 555-01-23", Some("7")), Ok("+79165550123".into()));
        assert_eq!(e164("06 1 234 5678", Some("36")), Ok("+3612345678".into()));
        assert_eq!(e164("0171 1234567", None), Err(PhoneError::NoCountry));
        assert_eq!(e164("call me maybe", Some("1")), Err(PhoneError::NotANumber));
        assert_eq!(e164("555-0100", Some("1")), Err(PhoneError::Length));
        assert_eq!(e164("+1 604 +555", None), Err(PhoneError::NotANumber));
    }

    #[test]
    fn zones_by_the_longest_prefix_and_by_country() {
        let zones = Zones::load();
        assert_eq!(zones.by_phone("+16045550100").map(|z| z.1), Some(vec!["America/Vancouver"]));
        assert_eq!(zones.by_phone("+442079460000").map(|z| z.1), Some(vec!["Europe/London"]));
        // Mobiles are tied to no place: a Sydney-looking +61 4 is any Australian zone.
        let mobile = zones.by_phone("+61412345678").unwrap().1;
        assert!(mobile.contains(&"Australia/Perth") && mobile.contains(&"Australia/Sydney"), "{mobile:?}");
        assert!(zones.by_phone("+79123456789").unwrap().1.len() > 5);
        assert_eq!(zones.by_phone("+61292345678").map(|z| z.1), Some(vec!["Australia/Sydney"]));
        assert_eq!(zones.country_code("Deutschland"), Some("DE"));
        assert_eq!(zones.country_code("United States"), Some("US"));
        assert_eq!(zones.by_country("DE", None), Some("Europe/Berlin"));
        assert_eq!(zones.by_country("US", Some("NY")), Some("America/New_York"));
        assert_eq!(zones.by_country("CA", Some("British Columbia")), Some("America/Vancouver"));
        assert_eq!(zones.by_country("US", None), None, "the US has several zones");
        assert_eq!(zones.by_country("RU", None), None, "so has Russia");
        assert_eq!(zones.calling_code("CA"), Some("1"));
    }
}
