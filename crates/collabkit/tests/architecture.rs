//! The shape of the workspace, checked: what review would otherwise have to catch.
//!
//! - the server's top-level modules import each other without cycles;
//! - the domain crate knows no database and no command line;
//! - a backend crate does not depend on the server crate;
//! - the server crate forbids `unsafe`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn crate_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `crate::<module>` paths a source text uses, including `crate::{a, b}` groups.
fn crate_imports(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in source.match_indices("crate::") {
        let before = source[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `collabkit_crate::`
        }
        let rest = &source[i + "crate::".len()..];
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            group[..end].split(',').collect()
        } else {
            vec![rest]
        };
        for name in names {
            let name: String = name
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

#[test]
fn top_level_modules_import_each_other_without_cycles() {
    let src = crate_dir("collabkit").join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let mut files = Vec::new();
        if path.is_dir() {
            rust_files(&path, &mut files);
        } else {
            files.push(path.clone());
        }
        let mut deps = BTreeSet::new();
        for file in files {
            deps.extend(crate_imports(&std::fs::read_to_string(file).unwrap()));
        }
        deps.remove(&name);
        graph.insert(name, deps);
    }
    assert!(graph.len() > 8, "modules found: {graph:?}");
    // Depth-first search for a back edge.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = path.iter().position(|n| n == node) {
            panic!("import cycle: {} -> {node}", path[at..].join(" -> "));
        }
        path.push(node.to_owned());
        for dep in graph.get(node).into_iter().flatten() {
            if graph.contains_key(dep) {
                visit(dep, graph, path, done);
            }
        }
        path.pop();
        done.insert(node.to_owned());
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn imports_are_parsed() {
    let imports = crate_imports("use crate::{api, store::X};\nlet a = crate::delivery::x();");
    assert_eq!(
        imports.into_iter().collect::<Vec<_>>(),
        ["api", "delivery", "store"]
    );
}

/// The `[dependencies]` table of a crate's manifest, as text.
fn dependencies(name: &str) -> String {
    let manifest = std::fs::read_to_string(crate_dir(name).join("Cargo.toml")).unwrap();
    let start = manifest
        .find("[dependencies]")
        .expect("a [dependencies] table");
    let rest = &manifest[start + 1..];
    let end = rest.find("\n[").map_or(rest.len(), |i| i + 1);
    rest[..end].to_owned()
}

#[test]
fn the_domain_knows_no_database_and_no_command_line() {
    let deps = dependencies("collabkit-domain");
    for banned in [
        "rusqlite",
        "clap",
        "collabkit =",
        "collabkit.",
        "postgres",
        "sqlx",
    ] {
        assert!(
            !deps.lines().any(|l| l.trim_start().starts_with(banned)),
            "collabkit-domain depends on {banned}"
        );
    }
}

#[test]
fn backends_do_not_depend_on_the_server() {
    for backend in ["collabkit-store-sqlite", "collabkit-store-conformance"] {
        let deps = dependencies(backend);
        assert!(
            !deps
                .lines()
                .any(|l| l.starts_with("collabkit.") || l.starts_with("collabkit =")),
            "{backend} depends on the server crate"
        );
    }
}

#[test]
fn the_server_forbids_unsafe() {
    let lib = std::fs::read_to_string(crate_dir("collabkit").join("src/lib.rs")).unwrap();
    assert!(lib.contains("#![forbid(unsafe_code)]"));
    let domain = std::fs::read_to_string(crate_dir("collabkit-domain").join("src/lib.rs")).unwrap();
    assert!(domain.contains("#![forbid(unsafe_code)]"));
}
