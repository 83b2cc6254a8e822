//! The digest's cron expression, parsed with croner and explained in words when it is wrong.

use jiff::tz::TimeZone;

/// Parses a 5-field cron, or 6 with seconds first; day-of-month and day-of-week combine with OR.
///
/// # Errors
/// Which field is wrong and what it accepts, never the parser's internals.
pub fn parse_cron(pattern: &str) -> Result<croner::Cron, String> {
    let fields: Vec<&str> = pattern.split_whitespace().collect();
    let is_alias = pattern.trim_start().starts_with('@');
    if !(is_alias || fields.len() == 5 || fields.len() == 6) {
        return Err(format!(
            "expected a cron expression of 5 fields (or 6 with seconds first), found {} in `{pattern}`",
            fields.len()
        ));
    }
    // An empty item in a list (`,`, `1,,2`) parses as a field that matches nothing: the
    // pattern then never fires, and croner searches years before it says so.
    let names: &[&str] = if fields.len() == 6 { &CRON_FIELDS } else { &CRON_FIELDS[1..] };
    let empty_item = fields.iter().position(|f| f.split(',').any(str::is_empty));
    if let Some(i) = empty_item.filter(|_| !is_alias) {
        return Err(format!(
            "{} `{}`: an empty item in a list; expected {}",
            names[i],
            fields[i],
            cron_accepts(names[i])
        ));
    }
    let cron = cron_parser().parse(pattern).map_err(|e| {
        // Find the field at fault by trying each alone, the others left at `*`.
        let bad = (0..fields.len()).find(|&i| {
            let alone: Vec<&str> = (0..fields.len()).map(|j| if j == i { fields[i] } else { "*" }).collect();
            cron_parser().parse(&alone.join(" ")).is_err()
        });
        match bad {
            Some(i) => format!("{} `{}`: expected {}", names[i], fields[i], cron_accepts(names[i])),
            None if is_alias => format!(
                "unknown cron alias `{pattern}`: expected `@yearly`, `@monthly`, `@weekly`, `@daily` or `@hourly`"
            ),
            None => format!("`{pattern}` never matches a time: {}", e.to_string().to_lowercase()),
        }
    })?;
    // A pattern that parses but never fires (31 February) would leave the daemon without a
    // digest, and looking for one costs a long search each time.
    let from = jiff::Timestamp::from_second(1_767_225_600).expect("2026-01-01").to_zoned(TimeZone::UTC);
    if cron.find_next_occurrence(&from, false).is_err() {
        return Err(format!(
            "`{pattern}` never matches a time (a day that does not exist, such as 31 February?)"
        ));
    }
    Ok(cron)
}

/// The fields of a 6-field cron; a 5-field one has no seconds.
const CRON_FIELDS: [&str; 6] = ["second", "minute", "hour", "day-of-month", "month", "day-of-week"];

fn cron_accepts(field: &str) -> &'static str {
    match field {
        "second" | "minute" => "0-59, `*`, ranges and lists like `0,30` or `*/15`",
        "hour" => "0-23, `*`, ranges and lists like `9-17` or `7,19`",
        "day-of-month" => "1-31 or `L` (the last day), `*`, ranges and lists like `1,15`",
        "month" => "1-12 or JAN-DEC, `*`, ranges and lists like `JAN-MAR`",
        _ => "0-7 or MON-SUN (0 and 7 are Sunday), `*`, ranges and lists like `MON-FRI` or `1,3,5`",
    }
}

fn cron_parser() -> croner::parser::CronParser {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Optional)
        .year(croner::parser::Year::Disallowed)
        .build()
}
