//! The planner alone on generated books: `cargo bench --bench planner`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use jiff::civil::date;
use ringback::config::Config;
use ringback::plan::{self, History, Logged, Outcome, PromiseChoice};

fn book(n: usize) -> Config {
    let mut text = String::from(
        r#"[me]
name = "Bench"
timezone = "America/Toronto"
max_calls_per_day = 50
[cadences.standard]
steps = [
  { wait = "0 days", action = "call" },
  { wait = "2 workdays", action = "call" },
  { wait = "3 workdays", action = "email" },
  { wait = "1 week", action = "call" },
  { wait = "1 week", action = "call" },
  { wait = "2 weeks", action = "call" },
  { wait = "2 weeks", action = "email" },
]
then = "quarterly"
[drips.quarterly]
every = "3 months"
items = [{ title = "Report" }]
"#,
    );
    let zones = ["America/Toronto", "Europe/Berlin", "Asia/Tokyo"];
    for i in 0..n {
        text.push_str(&format!(
            "[prospects.p{i}]\nname = \"P{i}\"\ntimezone = \"{}\"\nsince = 2026-{:02}-{:02}\n",
            zones[i % 3],
            6 + i % 6,
            1 + i % 28
        ));
    }
    Config::from_toml(&text).expect("valid bench book")
}

fn history(n: usize, m: usize) -> History {
    let outcomes = [Outcome::Voicemail, Outcome::NoAnswer, Outcome::Emailed, Outcome::Gatekeeper];
    let start = date(2026, 6, 1).at(9, 0, 0, 0).in_tz("America/Toronto").unwrap().timestamp();
    let ids: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
    let mut who = Vec::with_capacity(n * m);
    let mut log = Vec::with_capacity(n * m);
    for i in 0..n {
        for k in 0..m {
            let event = Logged::new(
                (i * m + k) as i64,
                start + jiff::SignedDuration::from_hours((k * 24 * 5 + i % 97) as i64),
                outcomes[(i + k) % outcomes.len()],
                PromiseChoice::Auto,
                None,
                None,
                None,
            );
            who.push(i as u32);
            log.push(event);
        }
    }
    History::from_loaded(ids, who, log)
}

fn planner(c: &mut Criterion) {
    let at: Timestamp = "2026-11-24T12:00:00Z".parse().unwrap();
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    for n in [1_000, 10_000] {
        let config = book(n);
        let history = history(n, 10);
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| plan::plan(&config, &history, at, 1))
        });
    }
    group.finish();
}

criterion_group!(benches, planner);
criterion_main!(benches);
