//! Phone numbers as exports write them, made E.164, and the prospect's zone guessed from the
//! number's prefix or the row's country, with the tables `scripts/gen-zones.py` generates from
//! libphonenumber, tzdata and iso-codes (`zones.txt`; licences in `ZONES-LICENSE.md`).

use std::collections::HashMap;

use crate::phone::Number;

const TABLES: &str = include_str!("zones.txt");

/// The generated tables, by section.
pub struct Zones {
    sections: HashMap<&'static str, HashMap<&'static str, &'static str>>,
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
        Zones { sections }
    }

    fn get(&self, section: &str, key: &str) -> Option<&'static str> {
        self.sections.get(section)?.get(key).copied()
    }

    /// The zones libphonenumber gives a number, with the prefix they are for, by its
    /// number-type-aware rule (`getTimeZonesForNumber`): a number tied to a place (a landline,
    /// or a mobile where mobiles have area codes) gets the zones of the longest known prefix of
    /// its digits; any other valid number (most countries' mobiles: `+61 4…`, `+7 9…`; toll-free)
    /// every zone of its calling code; a number not valid for its country, none.
    pub fn by_phone(&self, number: &Number) -> Option<(&'static str, Vec<&'static str>)> {
        if !number.valid() {
            return None;
        }
        let digits = number.e164().strip_prefix('+')?;
        let phone = self.sections.get("phone")?;
        let found = if number.geographic() {
            (1..=digits.len()).rev().find_map(|n| phone.get_key_value(&digits[..n]))
        } else {
            phone.get_key_value(number.country_code.to_string().as_str())
        };
        found.map(|(key, zones)| (*key, zones.split('&').filter(|z| !z.is_empty()).collect()))
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

    /// The current name of a zone an export wrote by an old one (`Asia/Calcutta`).
    pub fn current_name(&self, zone: &str) -> Option<&'static str> {
        self.get("link", zone)
    }
}

fn fold_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::PhoneError;

    fn e164(text: &str, region: Option<&str>) -> Result<String, PhoneError> {
        crate::phone::read(text, region).map(|n| n.e164().to_owned())
    }

    #[test]
    fn numbers_as_exports_write_them() {
        assert_eq!(e164("+1 (604) 555-0100", None), Ok("+16045550100".into()));
        assert_eq!(e164("604.555.0100", Some("CA")), Ok("+16045550100".into()));
        assert_eq!(e164("1-604-555-0100 ext. 12", Some("CA")), Ok("+16045550100".into()));
        assert_eq!(e164("0171 1234567", Some("DE")), Ok("+491711234567".into()));
        assert_eq!(e164("06 1234 5678", Some("IT")), Ok("+390612345678".into()));
        assert_eq!(e164("0041 44 555 00 00", Some("DE")), Ok("+41445550000".into()));
        assert_eq!(e164("tel:+44 20 7946 0000", None), Ok("+442079460000".into()));
        assert_eq!(e164("+44 (0)20 7946 0000", None), Ok("+442079460000".into()));
        assert_eq!(e164("604-555-0100x12", Some("US")), Ok("+16045550100".into()));
        assert_eq!(e164("8 916 555-01-23", Some("RU")), Ok("+79165550123".into()));
        assert_eq!(e164("06 1 234 5678", Some("HU")), Ok("+3612345678".into()));
        assert_eq!(e164("0171 1234567", None), Err(PhoneError::NoCountry));
        assert_eq!(e164("call me maybe", Some("US")), Err(PhoneError::NotANumber));
        assert_eq!(e164("555-0100", Some("US")), Err(PhoneError::LocalOnly));
    }

    #[test]
    fn zones_by_the_longest_prefix_and_by_country() {
        let zones = Zones::load();
        let number = |text: &str| crate::phone::read(text, None).unwrap();
        assert_eq!(zones.by_phone(&number("+16045550100")).map(|z| z.1), Some(vec!["America/Vancouver"]));
        assert_eq!(zones.by_phone(&number("+442079460000")).map(|z| z.1), Some(vec!["Europe/London"]));
        // Mobiles are tied to no place: a Sydney-looking +61 4 is any Australian zone.
        let mobile = zones.by_phone(&number("+61412345678")).unwrap().1;
        assert!(mobile.contains(&"Australia/Perth") && mobile.contains(&"Australia/Sydney"), "{mobile:?}");
        assert!(zones.by_phone(&number("+79123456789")).unwrap().1.len() > 5);
        assert_eq!(zones.by_phone(&number("+61292345678")).map(|z| z.1), Some(vec!["Australia/Sydney"]));
        assert_eq!(zones.country_code("Deutschland"), Some("DE"));
        assert_eq!(zones.country_code("United States"), Some("US"));
        assert_eq!(zones.by_country("DE", None), Some("Europe/Berlin"));
        assert_eq!(zones.by_country("US", Some("NY")), Some("America/New_York"));
        assert_eq!(zones.by_country("CA", Some("British Columbia")), Some("America/Vancouver"));
        assert_eq!(zones.by_country("US", None), None, "the US has several zones");
        assert_eq!(zones.by_country("RU", None), None, "so has Russia");
    }
}
