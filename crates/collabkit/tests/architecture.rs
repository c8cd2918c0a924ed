//! The shape of the workspace, checked: what review would otherwise have to catch.
//!
//! - the server's top-level modules import each other without cycles;
//! - no file of any crate (the PostgreSQL backend included) imports a file that imports it
//!   back, through `crate::`, `super::` or `self::` paths;
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

/// Every path a source text names through `crate::`, `super::` or `self::`, groups expanded
/// (`crate::{a::{b, c}, d}` gives `crate::a::b`, `crate::a::c`, `crate::d`), as segments that
/// start with that keyword. Line comments are left out: a doc link is not an import.
fn rooted_paths(source: &str) -> Vec<Vec<String>> {
    let code: String = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    for root in ["crate::", "super::", "self::"] {
        for (i, _) in code.match_indices(root) {
            let before = code[..i].chars().last();
            // `collabkit_crate::`, `a::self::` (a path's middle) or `super::super::`.
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut at = i + root.len();
            let prefix = vec![root.trim_end_matches(':').to_owned()];
            parse_tree(&code, bytes, &mut at, prefix, &mut out);
        }
    }
    out
}

/// One use-tree at `at`: `a::b`, `a::{..}`, `*`; pushes the paths it names onto `out`.
fn parse_tree(
    code: &str,
    bytes: &[u8],
    at: &mut usize,
    mut path: Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    loop {
        while *at < bytes.len() && bytes[*at].is_ascii_whitespace() {
            *at += 1;
        }
        if *at < bytes.len() && bytes[*at] == b'{' {
            *at += 1;
            loop {
                parse_tree(code, bytes, at, path.clone(), out);
                while *at < bytes.len() && bytes[*at].is_ascii_whitespace() {
                    *at += 1;
                }
                // Past an `as name` to the group's next item or its end.
                while *at < bytes.len() && !matches!(bytes[*at], b',' | b'}') {
                    *at += 1;
                }
                match bytes.get(*at) {
                    Some(b',') => *at += 1,
                    Some(_) => {
                        *at += 1;
                        return;
                    }
                    None => return,
                }
                while *at < bytes.len() && bytes[*at].is_ascii_whitespace() {
                    *at += 1;
                }
                if bytes.get(*at) == Some(&b'}') {
                    *at += 1;
                    return;
                }
            }
        }
        let start = *at;
        while *at < bytes.len() && (bytes[*at].is_ascii_alphanumeric() || bytes[*at] == b'_') {
            *at += 1;
        }
        if *at > start {
            path.push(code[start..*at].to_owned());
        }
        if code[*at..].starts_with("::") && *at > start {
            *at += 2;
            continue;
        }
        // `as name` and anything else end the path.
        out.push(path);
        return;
    }
}

/// A crate's source files by module path (`realtime::room`; `lib.rs` and `main.rs` are the
/// root, `[]`; `a/mod.rs` is `a`).
fn module_files(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut modules = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap().with_extension("");
        let mut path: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(
            path.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            path.pop();
        }
        if path.first().is_some_and(|p| p == "bin") {
            continue; // a binary of its own: another crate root
        }
        modules.insert(path, file);
    }
    modules
}

/// The file-level import graph of one crate: module → the modules its file names. A path
/// resolves to the longest module it starts with; an edge between a module and its own
/// ancestor (a `mod.rs` re-exporting its children, a child using its parent's items) is how
/// modules nest, not a cycle, and is left out.
fn file_graph(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let modules = module_files(src);
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let mut deps = BTreeSet::new();
        for path in rooted_paths(&std::fs::read_to_string(file).unwrap()) {
            let mut absolute: Vec<String> = match path[0].as_str() {
                "crate" => Vec::new(),
                "self" => module.clone(),
                _ => module[..module.len().saturating_sub(1)].to_vec(),
            };
            let mut rest = &path[1..];
            while rest.first().is_some_and(|s| s == "super") {
                absolute.pop();
                rest = &rest[1..];
            }
            absolute.extend(rest.iter().cloned());
            let target = (0..=absolute.len())
                .rev()
                .map(|n| absolute[..n].to_vec())
                .find(|prefix| modules.contains_key(prefix))
                .unwrap_or_default();
            let nested = target.starts_with(module) || module.starts_with(&target);
            if !nested {
                deps.insert(target);
            }
        }
        graph.insert(module.clone(), deps);
    }
    graph
}

/// The cycles of a graph: its strongly connected components of more than one node, each
/// sorted, as `a ⇄ b` texts.
fn cycles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<String> {
    let reaches = |from: &Vec<String>| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(node) = todo.pop() {
            for dep in graph.get(&node).into_iter().flatten() {
                if seen.insert(dep.clone()) {
                    todo.push(dep.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<_, _> = graph.keys().map(|n| (n.clone(), reaches(n))).collect();
    let mut found = BTreeSet::new();
    for node in graph.keys() {
        let component: Vec<String> = graph
            .keys()
            .filter(|other| {
                *other == node || (reach[node].contains(*other) && reach[*other].contains(node))
            })
            .map(|m| m.join("::"))
            .collect();
        if component.len() > 1 {
            found.insert(component.join(" ⇄ "));
        }
    }
    found.into_iter().collect()
}

/// Cycles that exist on the base of issue 21 and are being removed in parallel with this
/// test (each by the change that owns its crate). An entry that no longer matches a cycle
/// makes the test fail, so the list can only shrink: remove the entry with the cycle.
/// (`realtime::connection` → `realtime::room` is one way at file level: `room.rs` names
/// nothing of `connection.rs`.)
const KNOWN_CYCLES: &[&str] = &[];

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let mut roots: Vec<PathBuf> = std::fs::read_dir(crate_dir(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    roots.push(crate_dir("../examples/rust-receiver"));
    roots.sort();
    let mut found = Vec::new();
    let mut crates = Vec::new();
    for root in roots {
        let src = root.join("src");
        if !src.is_dir() {
            continue;
        }
        let name = root.file_name().unwrap().to_string_lossy().into_owned();
        for cycle in cycles(&file_graph(&src)) {
            found.push(format!("{name}: {cycle}"));
        }
        crates.push(name);
    }
    assert!(
        crates.iter().any(|c| c == "collabkit-store-postgres") && crates.len() >= 8,
        "crates read: {crates:?}"
    );
    let new: Vec<_> = found
        .iter()
        .filter(|c| !KNOWN_CYCLES.contains(&c.as_str()))
        .collect();
    let gone: Vec<_> = KNOWN_CYCLES
        .iter()
        .filter(|c| !found.iter().any(|f| f == *c))
        .collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "file-level import cycles: {new:#?}\nknown cycles that are gone (remove them from \
         KNOWN_CYCLES): {gone:#?}"
    );
}

#[test]
fn rooted_paths_are_parsed() {
    let paths = rooted_paths(
        "use crate::{a::{b, c as d}, e};\n// crate::comment\nlet x = super::f::g(self::h);\nuse super::*;",
    );
    let text: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        text,
        [
            "crate::a::b",
            "crate::a::c",
            "crate::e",
            "super::f::g",
            "super",
            "self::h"
        ]
    );
}

#[test]
fn a_cycle_between_two_files_is_found_and_nesting_is_not_one() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir(src.join("a")).unwrap();
    std::fs::write(src.join("lib.rs"), "mod a; mod b; pub use a::X;").unwrap();
    std::fs::write(
        src.join("a/mod.rs"),
        "mod c; pub use c::X; use crate::b::Y;",
    )
    .unwrap();
    std::fs::write(
        src.join("a/c.rs"),
        "use super::Z; use crate::{b::Y}; pub struct X;",
    )
    .unwrap();
    std::fs::write(src.join("b.rs"), "use crate::a::c::X; pub struct Y;").unwrap();
    assert_eq!(cycles(&file_graph(src)), ["a::c ⇄ b"]);
    std::fs::write(src.join("b.rs"), "pub struct Y;").unwrap();
    assert!(cycles(&file_graph(src)).is_empty());
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
    for backend in [
        "collabkit-store-sqlite",
        "collabkit-store-postgres",
        "collabkit-store-conformance",
    ] {
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
