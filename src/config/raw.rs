//! The config file as serde sees it: every field the contract names, nothing validated yet.
//!
//! Fields that need checking beyond their TOML type are `Spanned`, so validation can point at the
//! exact `line:column` of a bad zone, window or duration.

use serde::Deserialize;
use toml::Spanned;
use toml::value::Datetime;

pub type S<T> = Spanned<T>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Me {
    pub name: String,
    pub phone: Option<S<String>>,
    pub timezone: Option<S<String>>,
    pub workdays: Option<S<Vec<S<String>>>>,
    #[serde(default)]
    pub holidays: Vec<S<Datetime>>,
    #[serde(default)]
    pub away: Vec<S<Away>>,
    pub max_calls_per_day: Option<S<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Away {
    pub from: S<Datetime>,
    pub to: S<Datetime>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub digest: Option<S<String>>,
    pub nudge: Option<S<String>>,
    pub quiet_hours: Option<S<String>>,
    pub catch_up: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarFeed {
    pub listen: Option<S<String>>,
    pub alarm: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    #[serde(default)]
    pub desktop: Desktop,
    pub email: Option<Email>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Desktop {
    #[serde(default = "yes")]
    pub enabled: bool,
    pub open_with: Option<String>,
}

impl Default for Desktop {
    fn default() -> Self {
        Desktop { enabled: true, open_with: None }
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Email {
    pub to: S<String>,
    pub from: S<String>,
    pub transport: S<String>,
    pub dir: Option<S<String>>,
    pub command: Option<S<String>>,
    pub smtp: Option<S<Smtp>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    pub host: S<String>,
    pub port: Option<S<i64>>,
    pub security: Option<S<String>>,
    pub username: Option<String>,
    pub password_command: Option<S<String>>,
    pub password_file: Option<S<String>>,
    pub password: Option<S<String>>,
    pub ca_file: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mailbox {
    pub host: S<String>,
    pub port: Option<S<i64>>,
    pub security: Option<S<String>>,
    pub username: S<String>,
    pub password_command: Option<S<String>>,
    pub password_file: Option<S<String>>,
    pub password: Option<S<String>>,
    pub ca_file: Option<S<String>>,
    pub lookback: Option<S<String>>,
    #[serde(default)]
    pub drafts: bool,
    pub check_every: Option<S<String>>,
    #[serde(default)]
    pub folders: MailboxFolders,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxFolders {
    pub inbox: Option<String>,
    pub sent: Option<String>,
    pub drafts: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub cadence: Option<S<String>>,
    pub call_windows: Option<S<Vec<S<String>>>>,
    pub keep_in_touch: Option<S<String>>,
    pub holidays: Option<S<String>>,
    pub workdays: Option<S<Vec<S<String>>>>,
    /// The book's hook and value, for prospects that name none.
    pub hook: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cadence {
    pub steps: S<Vec<S<Step>>>,
    pub then: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub wait: S<String>,
    pub action: S<String>,
    pub note: Option<String>,
    pub template: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drip {
    pub every: S<String>,
    pub items: S<Vec<DripItem>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DripItem {
    pub title: String,
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prospect {
    pub name: String,
    pub company: Option<String>,
    pub phone: Option<S<String>>,
    pub email: Option<String>,
    pub emails: Option<Vec<String>>,
    pub timezone: Option<S<String>>,
    pub relationship: Option<S<String>>,
    pub since: Option<S<Datetime>>,
    pub cadence: Option<S<String>>,
    pub call_windows: Option<S<Vec<S<String>>>>,
    pub hook: Option<String>,
    pub value: Option<String>,
    pub gatekeeper: Option<String>,
    pub boss: Option<String>,
    pub notes: Option<String>,
    pub url: Option<String>,
    pub holidays: Option<S<String>>,
    pub workdays: Option<S<Vec<S<String>>>>,
    pub promised_callback: Option<S<Datetime>>,
    pub next_step: Option<S<NextStep>>,
    pub status: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextStep {
    pub on: S<Datetime>,
    pub what: String,
}
