//! The weekly review in the digest: on the first digest of a week only, in the text and the
//! HTML part, and the HTML read by a real browser (headless Chromium).

use std::process::Command;

use crate::helpers::{BASE, Book, eml_text, require};

/// Bill called every weekday of the week of 16 November, reached on Thursday.
fn reviewed() -> Book {
    let book = Book::new(
        &BASE.replace("[notify.email]", "[schedule]\ndigest = \"0 7 * * Mon-Fri\"\n\n[notify.email]"),
    );
    for (at, outcome) in [
        ("2026-11-16T08:10", "no-answer"),
        ("2026-11-17T08:10", "no-answer"),
        ("2026-11-18T20:10", "no-answer"),
        ("2026-11-19T20:15", "spoke"),
    ] {
        book.run(&["log", "bill-jones", outcome, "--at", at, "--no-promise"]).code(0);
    }
    book
}

#[test]
fn the_first_digest_of_a_week_reviews_the_week_before_and_no_other_does() {
    let book = reviewed();
    let monday = book.run(&["digest", "--at", "2026-11-23T07:00"]).code(0).stdout;
    let review =
        &monday[monday.find("== Last week: Mon 16 Nov – Sun 22 Nov ==").expect("a review on Monday")..];
    assert!(monday.find("== Coming up ==").unwrap() < monday.find("== Last week").unwrap(), "{monday}");
    assert!(review.contains("  calls: 4, contacts: 1 (1/4)\n"), "{review}");
    let tuesday = book.run(&["digest", "--at", "2026-11-24T07:00"]).code(0).stdout;
    assert!(!tuesday.contains("== Last week"), "{tuesday}");
}

#[test]
fn the_review_in_the_html_part_reads_in_a_browser() {
    require(&["chromium"], "chromium");
    let book = reviewed();
    // And a call due that Monday, so the page holds a script with numbers in it.
    let config = std::fs::read_to_string(&book.config).unwrap();
    book.write_config(&format!(
        "{config}\n[prospects.ann-lee]\nname = \"Ann Lee\"\nphone = \"+1 416 555 0142\"\nsince = 2026-11-23\ncall_windows = [\"07:30-08:30\"]\n"
    ));
    book.run(&["digest", "--send", "--at", "2026-11-23T07:00"]).code(0);
    let outbox = book.config.parent().unwrap().join("outbox");
    let eml = std::fs::read_dir(&outbox).unwrap().next().expect("an .eml").unwrap().path();
    let text = eml_text(&eml);
    let start = text.find("<!DOCTYPE html>").expect("the HTML part");
    let end = text[start..].find("</html>").expect("its end") + start + "</html>".len();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("digest.html");
    std::fs::write(&page, &text[start..end]).unwrap();
    let chromium = |extra: &[&str]| {
        let profile = dir.path().join(format!("profile-{}", extra.len()));
        crate::helpers::real_clock(&mut Command::new("chromium"))
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("chromium runs")
    };
    // What the browser made of it: the review's table, one row a week, with bar widths.
    let dom = String::from_utf8(chromium(&["--dump-dom"]).stdout).unwrap();
    let table = &dom[dom.find("id=\"review-weeks\"").expect("the review's weeks in the DOM")..];
    let table = &table[..table.find("</div>").unwrap_or(table.len())];
    assert_eq!(dom.matches("week of Mon").count(), 4, "{dom}");
    assert!(dom.contains("4 calls") && dom.contains("1/4 connected"), "{dom}");
    assert!(
        table.contains("width: 100px; height: 12px; background: #4a7bd0"),
        "the busiest week's bar is full: {table}"
    );

    // On a 390 px phone: no number, time range or id breaks across lines, and the review's
    // bars keep their width. A script measures the laid-out page and writes what it found.
    let measured = dir.path().join("measured.html");
    // Chromium will not make a window narrower than 500 px: the body is held to 390 instead.
    let probe = r#"<style>body { width: 390px !important; max-width: 390px !important; margin: 0 !important; }</style><script>
var broken = [];
document.querySelectorAll('.nw').forEach(function (e) {
  var tops = new Set(Array.from(e.getClientRects()).map(function (r) { return Math.round(r.top); }));
  if (tops.size > 1) { broken.push(e.textContent); }
});
var bars = Array.from(document.querySelectorAll('.bar')).map(function (e) { return e.getBoundingClientRect().width; });
document.body.setAttribute('data-broken', JSON.stringify(broken));
document.body.setAttribute('data-bars', JSON.stringify(bars));
document.body.setAttribute('data-wide', String(document.body.scrollWidth));
</script></body>"#;
    std::fs::write(&measured, text[start..end].replace("</body>", probe)).unwrap();
    let narrow = crate::helpers::real_clock(&mut Command::new("chromium"))
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--window-size=390,2000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", dir.path().join("profile-narrow").display()))
        .arg(format!("file://{}", measured.display()))
        .output()
        .expect("chromium runs");
    let narrow = String::from_utf8(narrow.stdout).unwrap();
    let attribute = |name: &str| -> String {
        let at = narrow.find(&format!("{name}=\"")).unwrap_or_else(|| panic!("no {name} in:\n{narrow}"));
        let rest = &narrow[at + name.len() + 2..];
        rest[..rest.find('"').unwrap()].replace("&quot;", "\"")
    };
    assert_eq!(attribute("data-broken"), "[]", "broken across lines at 390 px");
    // The numbers inside the scripts are held whole too.
    assert!(
        narrow.contains(r#"<span class="nw" style="white-space: nowrap;">+1 416-555-0199</span>"#),
        "no unbreakable number in a script:\n{narrow}"
    );
    let bars: Vec<f64> = serde_json::from_str(&attribute("data-bars")).unwrap();
    assert_eq!(bars.len(), 8, "{bars:?}");
    assert!(bars.iter().all(|w| *w >= 1.0) && bars.contains(&100.0), "bars at 390 px: {bars:?}");
    let wide: u32 = attribute("data-wide").parse().unwrap();
    assert!(wide <= 390, "the page is {wide} px wide on a 390 px screen");
    let shot = dir.path().join("shot.png");
    let out = chromium(&[&format!("--screenshot={}", shot.display()), "--window-size=800,1600"]);
    let png = std::fs::read(&shot)
        .unwrap_or_else(|_| panic!("no screenshot: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    // An 800 px wide page with text and bars compresses to more than a blank one would.
    assert!(png.len() > 10_000, "a {} byte screenshot is nearly blank", png.len());
}
