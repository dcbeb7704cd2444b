//! The layout keeps the design: the crates depend downward only (core <- store <- app <- server
//! and the CLI), no two files of a crate import each other (directly or round a loop), the web
//! pages never reach into the API handlers, and nothing a user reads names our sources.
//!
//! It reads the `use` lines and the `crate::`/`super::` paths of every source file; a module may
//! use what its parent modules define (that is what a parent is for), so only references to
//! siblings and to descendants count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable source folder") {
            let p = e.expect("a folder entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The module path of a file under `src/`: `web/pages/account.rs` is `web::pages::account`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The text without comments and string literals, so a path in a doc or a message is no edge.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < b.len() {
        if b[i] == '/' && b.get(i + 1) == Some(&'/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if b[i] == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                i += if b[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == '\'' && b.get(i + 2) == Some(&'\'') {
            // A char literal like '"' or '{'.
            i += 3;
        } else if b[i] == '\'' && b.get(i + 1) == Some(&'\\') {
            i += 4;
            while i < b.len() && b[i - 1] != '\'' {
                i += 1;
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// The paths a `use` tree names, braces expanded: `a::{b, c::d}` is `a::b` and `a::c::d`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or("").trim().to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(expand)
        .map(|p| {
            if p == "self" {
                prefix.trim_end_matches("::").to_string()
            } else {
                format!("{prefix}{p}")
            }
        })
        .collect()
}

/// Every path of the file that starts at `crate`, `super` or `self`.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    // The use statements, with their groups.
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        let after = &rest[at + 4..];
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = after.find(';').unwrap_or(after.len());
        out.extend(expand(&after[..end].replace(char::is_whitespace, "")));
    }
    // Paths written in the code itself.
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(start) {
            let at = from + at;
            from = at + start.len();
            if at > 0 && chars_before_is_ident(code, at) {
                continue;
            }
            let tail: String = code[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(tail.trim_end_matches(':').to_string());
        }
    }
    out
}

fn chars_before_is_ident(code: &str, at: usize) -> bool {
    code[..at]
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
}

/// The module a path leads to, among the crate's files: its longest known prefix.
fn resolve(here: &[String], path: &str, modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    let mut segs = path.split("::").filter(|s| !s.is_empty());
    let mut at: Vec<String> = match segs.next()? {
        "crate" => Vec::new(),
        "self" => here.to_vec(),
        "super" => {
            let mut m = here.to_vec();
            m.pop();
            m
        }
        _ => return None,
    };
    let mut best = None;
    for s in segs {
        if s == "super" {
            at.pop();
            continue;
        }
        at.push(s.to_string());
        if modules.contains(&at) {
            best = Some(at.clone());
        }
    }
    best
}

struct Graph {
    /// Crate-relative file names, by module path.
    files: BTreeMap<Vec<String>, String>,
    edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
}

fn graph(krate: &str) -> Graph {
    let src = workspace().join("crates").join(krate).join("src");
    let files: BTreeMap<Vec<String>, String> = sources(&src)
        .into_iter()
        .map(|f| {
            (
                module_of(&src, &f),
                f.strip_prefix(&src).unwrap().display().to_string(),
            )
        })
        .collect();
    let modules: BTreeSet<Vec<String>> = files.keys().cloned().collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, file) in &files {
        let text = std::fs::read_to_string(src.join(file)).expect("readable source");
        let code = code_only(&text);
        for p in paths(&code) {
            let Some(to) = resolve(module, &p, &modules) else {
                continue;
            };
            // A module may use what its parents define.
            if to == *module || module.starts_with(&to) {
                continue;
            }
            edges.entry(module.clone()).or_default().insert(to);
        }
    }
    Graph { files, edges }
}

/// The groups of files that import each other round a loop (Tarjan's strongly connected
/// components of more than one file).
fn loops(g: &Graph) -> Vec<Vec<String>> {
    struct State<'a> {
        g: &'a Graph,
        index: BTreeMap<Vec<String>, usize>,
        low: BTreeMap<Vec<String>, usize>,
        stack: Vec<Vec<String>>,
        on: BTreeSet<Vec<String>>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit(s: &mut State, v: &Vec<String>) {
        s.index.insert(v.clone(), s.next);
        s.low.insert(v.clone(), s.next);
        s.next += 1;
        s.stack.push(v.clone());
        s.on.insert(v.clone());
        for w in s.g.edges.get(v).cloned().unwrap_or_default() {
            if !s.index.contains_key(&w) {
                visit(s, &w);
                let lw = s.low[&w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on.contains(&w) {
                let iw = s.index[&w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(&w);
                let done = &w == v;
                group.push(s.g.files[&w].clone());
                if done {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.out.push(group);
            }
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in g.files.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

const CRATES: [&str; 5] = ["core", "store", "app", "server", "sherpa"];

#[test]
fn no_two_files_of_a_crate_import_each_other() {
    let mut found = Vec::new();
    for krate in CRATES {
        for group in loops(&graph(krate)) {
            found.push(format!("crates/{krate}/src: {}", group.join(" <-> ")));
        }
    }
    assert!(
        found.is_empty(),
        "import loops (split the shared part into a module both use):\n{}",
        found.join("\n")
    );
}

#[test]
fn web_pages_never_reach_into_the_api_handlers() {
    let g = graph("server");
    let mut found = Vec::new();
    for (from, tos) in &g.edges {
        for to in tos {
            if from.first().is_some_and(|m| m == "web")
                && to.first().is_some_and(|m| m == "handlers")
            {
                found.push(format!("{} -> {}", g.files[from], g.files[to]));
            }
        }
    }
    assert!(
        found.is_empty(),
        "web pages importing API handlers (share through sherpa_app or core instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_crates_depend_downward_only() {
    // Each crate and the Sherpa crates it may depend on.
    let allowed: [(&str, &[&str]); 5] = [
        ("core", &[]),
        ("store", &["sherpa-core"]),
        ("app", &["sherpa-core", "sherpa-store"]),
        ("server", &["sherpa-core", "sherpa-store", "sherpa-app"]),
        (
            "sherpa",
            &["sherpa-core", "sherpa-store", "sherpa-app", "sherpa-server"],
        ),
    ];
    for (krate, may) in allowed {
        let manifest =
            std::fs::read_to_string(workspace().join("crates").join(krate).join("Cargo.toml"))
                .expect("a manifest");
        let deps = manifest
            .split("[dependencies]")
            .nth(1)
            .and_then(|d| d.split("\n[").next())
            .unwrap_or("");
        for line in deps.lines() {
            let name = line.split(['=', '.']).next().unwrap_or("").trim();
            if name.starts_with("sherpa-") {
                assert!(
                    may.contains(&name),
                    "crates/{krate} depends on {name}: the layers go core <- store <- app <- server, sherpa"
                );
            }
        }
    }
}

#[test]
fn the_product_speaks_a_cs_teams_language_not_our_sources() {
    // Pages, task reasons, emails and API text come from string literals and templates.
    let mut found = Vec::new();
    let root = workspace().join("crates");
    let mut files: Vec<PathBuf> = Vec::new();
    for krate in CRATES {
        files.extend(sources(&root.join(krate).join("src")));
    }
    files.push(workspace().join("README.md"));
    let templates = root.join("server/templates");
    files.extend(
        std::fs::read_dir(&templates)
            .expect("templates")
            .map(|e| e.expect("entry").path()),
    );
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable");
        let is_template = f.extension().is_some_and(|x| x == "html" || x == "md");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let shown = if is_template { line } else { code };
            let lower = shown.to_lowercase();
            let in_text = is_template || shown.contains('"');
            if in_text && (lower.contains("seed 00") || lower.contains("seeds 00")) {
                found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "source names in what users read:\n{}",
        found.join("\n")
    );
}

#[test]
fn usage_is_read_only_from_settled_rollups() {
    // The SQLite intake holds rollups in memory for up to two seconds; a statement that reads
    // a rollup table runs on the pool of a `Rollups`, which only settling makes. The health
    // readers run every statement on theirs (`self.rows`).
    let mut found = Vec::new();
    for f in sources(&workspace().join("crates/store/src")) {
        let text = std::fs::read_to_string(&f).expect("readable");
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let reads = ["FROM usage_", "JOIN usage_"]
                .iter()
                .any(|t| line.contains(t));
            if !reads || line.contains("DELETE") {
                continue;
            }
            let runs = lines[n..]
                .iter()
                .find(|l| l.contains(".fetch_") || l.contains("self.rows::<"));
            let settled = runs.is_some_and(|l| l.contains("rollups") || l.contains("self.rows::<"));
            if !settled {
                found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "usage read without settling the rollups (use Store::rollups):\n{}",
        found.join("\n")
    );
}

/// utoipa names a schema by its type's name alone: two handlers' `ToSchema` types of one name
/// would silently make one of them describe the other's responses in the OpenAPI document.
#[test]
fn every_api_schema_has_a_name_of_its_own() {
    let handlers = workspace().join("crates/server/src/handlers");
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in sources(&handlers) {
        let text = std::fs::read_to_string(&file).expect("readable source");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !(line.trim_start().starts_with("#[derive(") && line.contains("ToSchema")) {
                continue;
            }
            let declared = lines[i + 1..].iter().take(6).find_map(|l| {
                let l = l.trim_start();
                l.strip_prefix("pub struct ")
                    .or_else(|| l.strip_prefix("pub enum "))
                    .or_else(|| l.strip_prefix("struct "))
                    .map(|rest| {
                        rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                            .next()
                            .unwrap_or_default()
                            .to_string()
                    })
            });
            if let Some(name) = declared {
                let at = file
                    .strip_prefix(&handlers)
                    .unwrap_or(&file)
                    .display()
                    .to_string();
                seen.entry(name).or_default().push(at);
            }
        }
    }
    assert!(
        seen.len() > 50,
        "the handlers' schemas were found: {}",
        seen.len()
    );
    let twice: Vec<_> = seen.iter().filter(|(_, at)| at.len() > 1).collect();
    assert!(twice.is_empty(), "schema names declared twice: {twice:?}");
}
