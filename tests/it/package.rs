//! The Debian package packaging/deb.sh builds, built here: installed with dpkg into a scratch
//! root, enabled with systemctl there, and every file in it checked against the binary under
//! test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::helpers::require;

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"))
}

#[track_caller]
fn ok(program: &str, args: &[&str]) -> String {
    let out = run(program, args);
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Builds the package with packaging/deb.sh, in a target folder of its own (the one this test
/// runs from is locked by `cargo test`), and returns it.
fn package() -> PathBuf {
    // Cargo and rustc hang under libfaketime (scripts/faketime-sweep.sh): the build keeps the
    // real clock, and what it builds does not depend on the date.
    let probe = crate::helpers::real_clock(&mut Command::new("cargo")).args(["deb", "--version"]).output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "cargo-deb is missing: cargo install cargo-deb --locked (scripts/test.sh does)"
    );
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = repo.join("target/package-test");
    let built = crate::helpers::real_clock(&mut Command::new(repo.join("packaging/deb.sh")))
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("packaging/deb.sh runs");
    assert!(built.status.success(), "packaging/deb.sh failed:\n{}", String::from_utf8_lossy(&built.stderr));
    // cargo-deb warned of the missing licence and copyright before there were any.
    let said = String::from_utf8_lossy(&built.stderr).to_lowercase();
    assert!(
        !said.lines().any(|l| l.contains("warning") && (l.contains("licen") || l.contains("copyright"))),
        "{said}"
    );
    let name = format!("ringback_{}-1_", env!("CARGO_PKG_VERSION"));
    std::fs::read_dir(target.join("debian"))
        .expect("cargo-deb's output folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&name))
                && p.extension().is_some_and(|e| e == "deb")
        })
        .unwrap_or_else(|| panic!("packaging/deb.sh made no {name}*.deb"))
}

#[test]
fn the_debian_package_installs_the_binary_unit_manual_and_completions() {
    require(&["dpkg", "dpkg-deb"], "dpkg");
    require(&["systemctl", "systemd-analyze"], "systemd");
    require(&["groff"], "groff-base");
    let deb = package();
    let deb = deb.to_str().unwrap();
    let fields = ok("dpkg-deb", &["--field", deb, "Package", "Version", "Depends", "Section"]);
    assert!(fields.contains("Package: ringback\n"), "{fields}");
    assert!(fields.contains(&format!("Version: {}-1\n", env!("CARGO_PKG_VERSION"))), "{fields}");
    assert!(fields.contains("Depends: libc6"), "{fields}");

    // dpkg -i, into a scratch root with its own package database.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    for sub in ["var/lib/dpkg/info", "var/lib/dpkg/updates"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    let root_arg = format!("--root={}", root.display());
    // libc6 is not in the scratch database: its dependency is the only one forced.
    ok("dpkg", &[&root_arg, "--force-not-root", "--force-depends", "--force-script-chrootless", "-i", deb]);
    let listed = ok("dpkg", &[&root_arg, "--listfiles", "ringback"]);
    for file in [
        "/usr/bin/ringback",
        "/usr/lib/systemd/user/ringback.service",
        "/usr/share/man/man1/ringback.1.gz",
        "/usr/share/bash-completion/completions/ringback",
        "/usr/share/zsh/vendor-completions/_ringback",
        "/usr/share/fish/vendor_completions.d/ringback.fish",
        "/usr/share/doc/ringback/examples/ringback.toml",
        "/usr/share/doc/ringback/ZONES-LICENSE.md",
        "/usr/share/doc/ringback/LICENSE-MIT",
        "/usr/share/doc/ringback/LICENSE-APACHE",
        "/usr/share/doc/ringback/copyright",
    ] {
        assert!(listed.lines().any(|l| l == file), "{file} is not in the package:\n{listed}");
    }
    // A real copyright file, not cargo-deb's "Copyright information missing": ringback's
    // licence and the bundled data's.
    let copyright = std::fs::read_to_string(root.join("usr/share/doc/ringback/copyright")).unwrap();
    assert!(
        copyright.starts_with("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")
    );
    assert!(!copyright.contains("missing"), "{copyright}");
    for part in [
        "License: MIT or Apache-2.0",
        "src/import/zones.txt",
        "src/config/holidays.txt",
        "SQLite",
        "libphonenumber",
    ] {
        assert!(copyright.contains(part), "the copyright file does not cover {part}:\n{copyright}");
    }
    let unit = std::fs::read_to_string(root.join("usr/lib/systemd/user/ringback.service")).unwrap();
    assert!(unit.lines().any(|l| l == "Documentation=man:ringback(1)"), "{unit}");

    // The packaged binary is the one under test: the same manual and completions.
    let binary = root.join("usr/bin/ringback");
    let binary = binary.to_str().unwrap();
    let ours = env!("CARGO_BIN_EXE_ringback");
    assert_eq!(ok(binary, &["--version"]), ok(ours, &["--version"]));
    // `init`'s starter points a .deb user at the example installed beside it.
    let starter = dir.path().join("starter.toml");
    ok(
        binary,
        &[
            "--config",
            starter.to_str().unwrap(),
            "--state",
            dir.path().join("s.db").to_str().unwrap(),
            "init",
        ],
    );
    let starter = std::fs::read_to_string(&starter).unwrap();
    let example = "/usr/share/doc/ringback/examples/ringback.toml";
    assert!(starter.contains(example) && root.join(&example[1..]).is_file(), "{starter}");
    assert_eq!(ok(binary, &["man"]), ok(ours, &["man"]), "the packaged binary is not the one under test");
    let manual = root.join("usr/share/man/man1/ringback.1.gz");
    let page = ok("sh", &["-c", &format!("gzip -dc '{}'", manual.display())]);
    assert_eq!(page, ok(ours, &["man"]));
    let groff = {
        use std::io::Write as _;
        let mut child = Command::new("groff")
            .args(["-man", "-ww", "-z"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("groff starts");
        child.stdin.take().unwrap().write_all(page.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(
        groff.status.success() && groff.stderr.is_empty(),
        "groff warns: {}",
        String::from_utf8_lossy(&groff.stderr)
    );
    for (shell, file) in [
        ("bash", "usr/share/bash-completion/completions/ringback"),
        ("zsh", "usr/share/zsh/vendor-completions/_ringback"),
        ("fish", "usr/share/fish/vendor_completions.d/ringback.fish"),
    ] {
        let packaged = std::fs::read_to_string(root.join(file)).unwrap();
        assert_eq!(packaged, ok(ours, &["completions", shell]), "{shell} completions are stale");
    }
    let bash = ok(
        "bash",
        &[
            "-c",
            &format!(
                "source '{}'; complete -p ringback",
                root.join("usr/share/bash-completion/completions/ringback").display()
            ),
        ],
    );
    assert!(bash.contains("-F _clap_complete_ringback ringback"), "{bash}");

    // The unit runs the packaged binary, not ~/.cargo/bin, and enables for every user.
    let unit = std::fs::read_to_string(root.join("usr/lib/systemd/user/ringback.service")).unwrap();
    assert!(unit.lines().any(|l| l == "ExecStart=/usr/bin/ringback run"), "{unit}");
    assert!(!unit.contains(".cargo"), "{unit}");
    ok("systemctl", &[&root_arg, "--global", "enable", "ringback.service"]);
    let wanted = root.join("etc/systemd/user/default.target.wants/ringback.service");
    assert_eq!(std::fs::read_link(&wanted).unwrap(), Path::new("/usr/lib/systemd/user/ringback.service"));
    // systemd-analyze checks ExecStart on this machine: point it at the installed copy.
    let runtime = dir.path().join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    crate::helpers::set_mode(&runtime, 0o700);
    let checked = dir.path().join("ringback.service");
    std::fs::write(&checked, unit.replace("ExecStart=/usr/bin/ringback", &format!("ExecStart={binary}")))
        .unwrap();
    let verify = Command::new("systemd-analyze")
        .args(["--user", "verify", checked.to_str().unwrap()])
        .env("XDG_RUNTIME_DIR", &runtime)
        // `Documentation=man:ringback(1)` is checked with `man`: the page is the package's.
        .env("MANPATH", root.join("usr/share/man"))
        .output()
        .unwrap();
    assert!(
        verify.status.success() && verify.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );

    // The example shipped with it is a valid book for the packaged binary.
    let example = root.join("usr/share/doc/ringback/examples/ringback.toml");
    let state = dir.path().join("state.db");
    let check =
        ok(binary, &["--config", example.to_str().unwrap(), "--state", state.to_str().unwrap(), "check"]);
    assert!(check.contains(": ok"), "{check}");
}
