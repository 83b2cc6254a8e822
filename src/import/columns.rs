//! Which column holds what, for every export ringback knows, and a row read through that map.
//!
//! Headers are compared normalized (lowercase letters and digits only), so `First Name`,
//! `FirstName`, `FIRSTNAME` and `Person - First name` differ only where they really do.

/// A header as compared: lowercase letters and digits.
pub fn normalize(header: &str) -> String {
    header.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The exports recognised by their header, most specific first: (name, headers all present).
const SOURCES: &[(&str, &[&str])] = &[
    ("LinkedIn Connections", &["firstname", "lastname", "url", "connectedon"]),
    // HubSpot's contacts export also has `Record ID` and `Contact owner`, as Zoho's does; its
    // lifecycle stage and IP time zone are its own.
    ("HubSpot", &["recordid", "lifecyclestage"]),
    ("HubSpot", &["recordid", "iptimezone"]),
    ("Zoho CRM", &["recordid", "contactowner"]),
    ("Zoho CRM", &["recordid", "leadowner"]),
    ("HubSpot", &["recordid", "firstname", "lastname"]),
    ("Pipedrive", &["personname"]),
    ("Close", &["primarycontactname"]),
    ("Salesforce Data Loader", &["firstname", "lastname", "mobilephone", "mailingcountry"]),
    ("Salesforce Data Loader", &["id", "firstname", "lastname"]),
    ("Salesforce report", &["firstname", "lastname", "mailingstateprovince"]),
    ("Salesforce report", &["firstname", "lastname", "accountname"]),
    ("Google Contacts (Google CSV)", &["firstname", "phone1value"]),
    ("Google Contacts (Google CSV)", &["firstname", "email1value"]),
    ("Google Contacts (legacy Google CSV)", &["givenname", "familyname"]),
    ("Thunderbird", &["displayname", "primaryemail"]),
    ("Outlook (desktop)", &["emailtype", "emaildisplayname"]),
    ("Outlook.com", &["businesscountryregion", "imaddress"]),
    ("Outlook CSV", &["homecountry", "businesscountry"]),
    ("Outlook CSV", &["businesscountryregion"]),
];

/// The name of the export this header comes from, if it is one ringback knows.
pub fn source(header: &[String]) -> Option<&'static str> {
    let names: Vec<String> = header.iter().map(|h| normalize(h)).collect();
    SOURCES
        .iter()
        .find(|(_, needed)| needed.iter().all(|n| names.iter().any(|h| h == n)))
        .map(|(name, _)| *name)
}

/// What a column may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Name,
    FirstName,
    MiddleName,
    LastName,
    Company,
    /// A phone number, ranked: mobile 0, work 1, primary 2, other 3.
    Phone(u8),
    Email,
    Notes,
    Url,
    Country,
    State,
    Timezone,
    /// HubSpot's zone guessed from the contact's IP: used when `Time Zone` is empty.
    IpTimezone,
}

/// The keys `--map KEY=COLUMN` takes.
pub const MAP_KEYS: &[(&str, Key)] = &[
    ("name", Key::Name),
    ("first_name", Key::FirstName),
    ("last_name", Key::LastName),
    ("company", Key::Company),
    ("mobile", Key::Phone(0)),
    ("phone", Key::Phone(1)),
    ("email", Key::Email),
    ("notes", Key::Notes),
    ("url", Key::Url),
    ("country", Key::Country),
    ("state", Key::State),
    ("timezone", Key::Timezone),
];

/// Header aliases, normalized, for each key. A header not listed is not read.
const ALIASES: &[(Key, &[&str])] = &[
    (Key::Name, &["name", "fullname", "displayname", "personname", "primarycontactname", "contactname"]),
    (Key::FirstName, &["firstname", "givenname", "personfirstname"]),
    (Key::MiddleName, &["middlename", "additionalname"]),
    (Key::LastName, &["lastname", "familyname", "surname", "personlastname"]),
    (
        Key::Company,
        &[
            "company",
            "companyname",
            "organizationname",
            "organization",
            "organization1name",
            "accountname",
            "personorganization",
            "associatedcompany",
        ],
    ),
    (
        Key::Phone(0),
        &["mobilephone", "mobile", "mobilenumber", "mobilephonenumber", "personphonemobile", "cellphone"],
    ),
    (
        Key::Phone(1),
        &[
            "businessphone",
            "workphone",
            "phone",
            "phonenumber",
            "personphonework",
            "companymainphone",
            "businessphone2",
        ],
    ),
    (Key::Phone(2), &["primaryphone", "primarycontactprimaryphone"]),
    (
        Key::Phone(3),
        &[
            "homephone",
            "homephone2",
            "otherphone",
            "personphonehome",
            "personphoneother",
            "primarycontactotherphones",
        ],
    ),
    (
        Key::Email,
        &[
            "emailaddress",
            "email",
            "primaryemail",
            "personemailwork",
            "personemailhome",
            "personemailother",
            "primarycontactprimaryemail",
            "email2address",
            "email3address",
            "secondaryemail",
            "primarycontactotheremails",
        ],
    ),
    (Key::Notes, &["notes", "description", "note"]),
    (Key::Url, &["url", "linkedinurl", "profileurl", "primarycontactprimaryurl"]),
    (
        Key::Country,
        &[
            "country",
            "countryregion",
            "businesscountryregion",
            "businesscountry",
            "workcountry",
            "mailingcountry",
            "address1country",
            "homecountryregion",
            "homecountry",
            "ipcountrycode",
        ],
    ),
    (
        Key::State,
        &[
            "state",
            "stateregion",
            "stateprovince",
            "businessstate",
            "workstate",
            "mailingstate",
            "mailingstateprovince",
            "address1region",
            "homestate",
        ],
    ),
    (Key::Timezone, &["timezone"]),
    (Key::IpTimezone, &["iptimezone"]),
];

/// A Google group: `Phone 1 - Label` / `Phone 1 - Value` (or `- Type`), same for `E-mail n`.
#[derive(Debug, Clone, Copy)]
struct Group {
    label: Option<usize>,
    value: usize,
    phone: bool,
}

/// Where each key is read from in one export.
#[derive(Debug, Default)]
pub struct Columns {
    keyed: Vec<(Key, usize)>,
    groups: Vec<Group>,
    /// Outlook desktop: an address column and the column saying `SMTP` or `EX` (Exchange).
    email_types: Vec<(usize, usize)>,
}

/// One row as read: every value found, not yet judged.
#[derive(Debug, Default)]
pub struct Contact {
    pub name: Option<String>,
    pub first: Option<String>,
    pub middle: Option<String>,
    pub last: Option<String>,
    pub company: Option<String>,
    /// (rank, text as written): mobile 0, work 1, primary 2, other 3.
    pub phones: Vec<(u8, String)>,
    /// (marked primary, address as written).
    pub emails: Vec<(bool, String)>,
    pub notes: Option<String>,
    pub url: Option<String>,
    pub country: Option<String>,
    pub state: Option<String>,
    pub timezone: Option<String>,
    pub ip_timezone: Option<String>,
}

impl Contact {
    /// Every cell as one line of text, control characters (escape sequences, line breaks that
    /// would forge a line of the report or of a comment) replaced by spaces; notes keep their
    /// line breaks. What a row says reaches the report, the terminal and the book only so.
    pub fn cleaned(mut self) -> Contact {
        let line = |text: &mut Option<String>| {
            if let Some(t) = text {
                *t = crate::book::single_line(t);
            }
        };
        for field in [
            &mut self.name,
            &mut self.first,
            &mut self.middle,
            &mut self.last,
            &mut self.company,
            &mut self.url,
            &mut self.country,
            &mut self.state,
            &mut self.timezone,
            &mut self.ip_timezone,
        ] {
            line(field);
        }
        for (_, phone) in &mut self.phones {
            *phone = crate::book::single_line(phone);
        }
        for (_, email) in &mut self.emails {
            *email = crate::book::single_line(email);
        }
        self.notes = self.notes.map(|notes| crate::config::without_controls(notes, true));
        self
    }
}

impl Columns {
    /// Maps a header; `overrides` (`--map`) replace what the aliases find for their key.
    ///
    /// # Errors
    /// An override naming a column the header does not have.
    pub fn new(header: &[String], overrides: &[(Key, String)]) -> Result<Columns, String> {
        Columns::mapped(header, overrides, true)
    }

    /// As [`Columns::new`], but an override naming a missing column is left out: for telling
    /// whether a row is the header at all.
    pub fn lenient(header: &[String], overrides: &[(Key, String)]) -> Columns {
        Columns::mapped(header, overrides, false).unwrap_or_default()
    }

    fn mapped(header: &[String], overrides: &[(Key, String)], strict: bool) -> Result<Columns, String> {
        let names: Vec<String> = header.iter().map(|h| normalize(h)).collect();
        let mut columns = Columns::default();
        for (i, name) in names.iter().enumerate() {
            if let Some(group) = google_group(name, &names, i) {
                columns.groups.push(group);
                continue;
            }
            // Close: a lead is a company, named `display_name`; the person is its primary contact.
            let close_lead = name == "displayname" && names.iter().any(|n| n == "primarycontactname");
            let found = if close_lead {
                Some(&(Key::Company, &[][..]))
            } else {
                ALIASES.iter().find(|(_, aliases)| aliases.contains(&name.as_str()))
            };
            if let Some((key, _)) = found {
                if overrides.iter().any(|(k, _)| k == key) {
                    continue;
                }
                columns.keyed.push((*key, i));
                if *key == Key::Email
                    && let Some(kind) = email_type_column(name, &names)
                {
                    columns.email_types.push((i, kind));
                }
            }
        }
        for (key, column) in overrides {
            let wanted = normalize(column);
            let Some(i) = names.iter().position(|n| *n == wanted) else {
                if !strict {
                    continue;
                }
                return Err(format!(
                    "--map: no column `{column}` in the header; it has: {}",
                    crate::config::single_line(
                        &header.iter().filter(|h| !h.is_empty()).cloned().collect::<Vec<_>>().join(", ")
                    )
                ));
            };
            columns.keyed.push((*key, i));
        }
        Ok(columns)
    }

    /// Whether the header maps enough to name a person or reach them.
    pub fn usable(&self) -> bool {
        self.keyed.iter().any(|(k, _)| {
            matches!(k, Key::Name | Key::FirstName | Key::LastName | Key::Email | Key::Phone(_))
        }) || !self.groups.is_empty()
    }

    /// Reads one row.
    pub fn read(&self, fields: &[String]) -> Contact {
        let cell = |i: usize| fields.get(i).map(String::as_str).filter(|s| !s.is_empty());
        let mut contact = Contact::default();
        for &(key, i) in &self.keyed {
            let Some(text) = cell(i) else { continue };
            let first = |slot: &mut Option<String>| {
                if slot.is_none() {
                    *slot = Some(text.to_owned());
                }
            };
            match key {
                Key::Name => first(&mut contact.name),
                Key::FirstName => first(&mut contact.first),
                Key::MiddleName => first(&mut contact.middle),
                Key::LastName => first(&mut contact.last),
                Key::Company => first(&mut contact.company),
                Key::Notes => first(&mut contact.notes),
                Key::Url => first(&mut contact.url),
                Key::Country => first(&mut contact.country),
                Key::State => first(&mut contact.state),
                Key::Timezone => first(&mut contact.timezone),
                Key::IpTimezone => first(&mut contact.ip_timezone),
                Key::Phone(rank) => {
                    contact.phones.extend(split_values(text).map(|p| (rank, p.to_owned())));
                }
                Key::Email => {
                    let exchange = self
                        .email_types
                        .iter()
                        .find(|(address, _)| *address == i)
                        .and_then(|&(_, kind)| cell(kind))
                        .is_some_and(|kind| kind.eq_ignore_ascii_case("EX"));
                    if !exchange {
                        contact.emails.extend(split_values(text).map(|e| (false, e.to_owned())));
                    }
                }
            }
        }
        for group in &self.groups {
            let Some(values) = cell(group.value) else { continue };
            let labels: Vec<&str> =
                group.label.and_then(cell).map(|l| l.split(" ::: ").collect()).unwrap_or_default();
            for (n, value) in values.split(" ::: ").map(str::trim).filter(|v| !v.is_empty()).enumerate() {
                let label = labels.get(n).or(labels.first()).copied().unwrap_or("");
                // `* ` marks the primary value.
                let primary = label.starts_with('*');
                let label = label.trim_start_matches('*').trim().to_lowercase();
                if group.phone {
                    let rank = match label.as_str() {
                        "mobile" | "cell" => 0,
                        "work" | "business" => 1,
                        "main" | "primary" => 2,
                        _ if primary => 2,
                        _ => 3,
                    };
                    contact.phones.push((rank, value.to_owned()));
                } else {
                    contact.emails.push((primary, value.to_owned()));
                }
            }
        }
        contact
    }
}

/// Several values in one cell: Google joins them with ` ::: `, Pipedrive and others with `,`.
fn split_values(text: &str) -> impl Iterator<Item = &str> {
    text.split(" ::: ").flat_map(|v| v.split([',', ';'])).map(str::trim).filter(|v| !v.is_empty())
}

/// `phone1value` / `email2value`, with its `…label` or `…type` column.
fn google_group(name: &str, names: &[String], _at: usize) -> Option<Group> {
    let (stem, phone) = if let Some(rest) = name.strip_prefix("phone") {
        (rest, true)
    } else {
        (name.strip_prefix("email")?, false)
    };
    let number = stem.strip_suffix("value")?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let prefix = if phone { "phone" } else { "email" };
    let label = ["label", "type"]
        .iter()
        .find_map(|suffix| names.iter().position(|n| *n == format!("{prefix}{number}{suffix}")));
    let value = names.iter().position(|n| n == name)?;
    Some(Group { label, value, phone })
}

/// Outlook desktop's `E-mail Type` beside `E-mail Address` (and `E-mail 2 Type`, …).
fn email_type_column(name: &str, names: &[String]) -> Option<usize> {
    let kind = format!("{}type", name.strip_suffix("address")?);
    names.iter().position(|n| *n == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(line: &str) -> Vec<String> {
        line.split(',').map(str::to_owned).collect()
    }

    #[test]
    fn google_groups_take_every_value_with_its_label() {
        let h =
            header("First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value");
        let columns = Columns::new(&h, &[]).unwrap();
        let row = header(
            "Ada,Lovelace,* Work,ada@example.com,Work ::: Mobile,+44 20 7946 0000 ::: +44 7700 900123",
        );
        let contact = columns.read(&row);
        assert_eq!(contact.emails, [(true, "ada@example.com".to_owned())]);
        assert_eq!(contact.phones, [(1, "+44 20 7946 0000".to_owned()), (0, "+44 7700 900123".to_owned())]);
        assert_eq!(source(&h), Some("Google Contacts (Google CSV)"));
    }

    #[test]
    fn an_exchange_address_is_not_an_email() {
        let h = header("First Name,E-mail Address,E-mail Type,E-mail Display Name");
        let columns = Columns::new(&h, &[]).unwrap();
        assert!(columns.read(&header("Ada,/o=ExchangeLabs/cn=ada,EX,Ada")).emails.is_empty());
        assert_eq!(columns.read(&header("Ada,ada@example.com,SMTP,Ada")).emails.len(), 1);
    }

    #[test]
    fn a_map_override_replaces_the_alias_and_names_a_missing_column() {
        let h = header("Vorname,Nachname,Firma,Telefon");
        let map = [(Key::FirstName, "Vorname".to_owned()), (Key::Phone(1), "Telefon".to_owned())];
        let columns = Columns::new(&h, &map).unwrap();
        let contact = columns.read(&header("Jürgen,Müller,ACME,+49 221 123456"));
        assert_eq!(contact.first.as_deref(), Some("Jürgen"));
        assert_eq!(contact.phones, [(1, "+49 221 123456".to_owned())]);
        let missing = Columns::new(&h, &[(Key::Email, "E-Mail".to_owned())]).unwrap_err();
        assert!(missing.contains("no column `E-Mail`"), "{missing}");
    }
}
