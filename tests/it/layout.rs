//! The module layout lib.rs describes, checked: the core imports nothing of the rendering or
//! the edges, the rendering nothing of the edges, and no two modules import each other, even
//! through others.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const CORE: &[&str] = &["config", "calendar", "phone", "plan", "schedule"];
const RENDER: &[&str] = &["render"];

/// Every `crate::module` a top-level module names in code (comments aside), by module.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src");
        let first = relative.components().next().expect("a path").as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        let names = graph.entry(module.clone()).or_default();
        names.extend(names_in(&text, &module));
    }
    graph
}

/// The modules a source file names: `crate::x`, `crate::{x, y::z}`, and files it includes from
/// another module's folder (`include_str!("../x/...")`), comments aside.
fn names_in(text: &str, module: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let code: String =
        text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let word =
        |s: &str| -> String { s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect() };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        // `crate::{a, b::c}` names several modules at once.
        let found: Vec<String> = match rest.strip_prefix('{') {
            Some(group) => {
                group[..group.find('}').unwrap_or(group.len())].split(',').map(|p| word(p.trim())).collect()
            }
            None => vec![word(rest)],
        };
        names.extend(found.into_iter().filter(|n| !n.is_empty() && *n != module));
    }
    // A file included from another module's folder ties the two as much as an import.
    for (i, _) in code.match_indices("include_str!(\"../") {
        let name = word(&code[i + "include_str!(\"../".len()..]);
        if !name.is_empty() && name != module {
            names.insert(name);
        }
    }
    names
}

#[test]
fn grouped_imports_and_included_files_are_seen() {
    // The reader itself: a check that misses `crate::{a, b}` would pass a layout it should fail.
    let code = "use crate::{plan, state::Letter};\n// crate::daemon in a comment\n\
                const T: &str = include_str!(\"../render/x.html\");\nfn f() { crate::files::x(); }";
    let names: Vec<String> = names_in(code, "config").into_iter().collect();
    assert_eq!(names, ["files", "plan", "render", "state"]);
}

#[test]
fn the_core_and_the_rendering_import_no_edge_and_no_module_cycles() {
    let graph = imports();
    for module in
        ["config", "calendar", "plan", "schedule", "render", "state", "files", "notify", "daemon", "cli"]
    {
        assert!(graph.contains_key(module), "src/{module} is gone: update lib.rs's Layout and this test");
    }
    for (module, names) in &graph {
        let allowed: &[&str] = if CORE.contains(&module.as_str()) {
            CORE
        } else if RENDER.contains(&module.as_str()) {
            &["config", "calendar", "phone", "plan", "schedule"]
        } else if module == "notify" {
            // Transports: handed messages and envelopes, they carry them and say how it went.
            &["config", "render", "files"]
        } else {
            continue;
        };
        let outside: Vec<&String> = names.iter().filter(|n| !allowed.contains(&n.as_str())).collect();
        assert!(outside.is_empty(), "{module} imports {outside:?}, outside what it may use ({allowed:?})");
    }
    // No cycle: every module's imports, followed all the way, never lead back to it.
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = graph[start].iter().collect();
        while let Some(next) = stack.pop() {
            assert_ne!(next, start, "{start} reaches itself through its imports: {graph:?}");
            if seen.insert(next) {
                stack.extend(graph.get(next).into_iter().flatten());
            }
        }
    }
}
