//! The systemd user unit: it verifies, and its exposure stays low.

use std::process::Command;

use crate::helpers::require;

#[test]
fn unit_passes_systemd_analyze_verify_and_security() {
    require(&["systemd-analyze"], "systemd");
    let dir = tempfile::tempdir().unwrap();
    let runtime = dir.path().join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    crate::helpers::set_mode(&runtime, 0o700);
    let unit =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/systemd/ringback.service")).unwrap();
    assert!(unit.contains("RestartPreventExitStatus=78"));
    assert!(unit.contains("Type=notify"));
    // verify checks that ExecStart exists: point it at the binary under test.
    let unit = unit.replace("%h/.cargo/bin/ringback", env!("CARGO_BIN_EXE_ringback"));
    let path = dir.path().join("ringback.service");
    std::fs::write(&path, unit).unwrap();
    // `Documentation=man:ringback(1)` is checked with `man`: the page the binary writes.
    let man1 = dir.path().join("man/man1");
    std::fs::create_dir_all(&man1).unwrap();
    let page = Command::new(env!("CARGO_BIN_EXE_ringback")).arg("man").output().unwrap();
    assert!(page.status.success());
    std::fs::write(man1.join("ringback.1"), page.stdout).unwrap();
    let verify = Command::new("systemd-analyze")
        .args(["--user", "verify", path.to_str().unwrap()])
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("MANPATH", dir.path().join("man"))
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    assert!(verify.stderr.is_empty(), "warnings: {}", String::from_utf8_lossy(&verify.stderr));
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--user", path.to_str().unwrap()])
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&security.stdout);
    let exposure: f64 = text
        .lines()
        .find_map(|l| l.split("Overall exposure level for ringback.service: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{text}"));
    assert!(exposure <= 3.0, "exposure {exposure} > 3.0");
}
