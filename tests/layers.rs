//! The crate's layers only point down, and no module imports another in a circle.
//!
//! Every `crate::…` path in `src/` (in `use` lines, in code, in attribute strings such as
//! `deserialize_with`) and every `super::…` path is an import of the module file it names.
//! A file may import files of its own layer or of layers below it; the imports between files
//! may form no circle. A module naming its own submodules (`mod`, `pub use child::…`) is its
//! structure, not an import, and is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;

/// The layers from the top down: each may import only its own and those after it.
const LAYERS: &[&[&str]] = &[
    &["main"],
    &["cli"],
    &["startup"],
    &["api", "webhooks"],
    &["http", "seed"],
    &["auth", "accounts", "school_import", "notify"],
    &["db"],
    &["error", "config"],
    &["domain", "observability"],
];

/// A module of `src/`, as its path from the crate root (`["api", "hubs", "read"]`).
type Module = Vec<String>;

#[test]
fn every_import_points_to_its_own_layer_or_one_below() {
    let modules = modules();
    let mut upward = Vec::new();
    for (module, imports) in &modules {
        for imported in imports {
            if rank(imported) < rank(module) {
                upward.push(format!("{} imports {}", name(module), name(imported)));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports running up:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_modules_import_each_other_in_a_circle() {
    let modules = modules();
    let circles = circles(&modules);
    let described: Vec<String> = circles
        .iter()
        .map(|circle| circle.iter().map(name).collect::<Vec<_>>().join(" → "))
        .collect();
    assert!(
        described.is_empty(),
        "import circles:\n{}",
        described.join("\n")
    );
}

#[test]
fn the_check_sees_the_imports_it_judges() {
    let modules = modules();
    let startup = modules
        .get(&module("startup"))
        .expect("src/startup.rs is read");
    assert!(
        startup.contains(&module("api")),
        "startup registers the API"
    );
    let parse = modules
        .get(&module("http::parse"))
        .expect("src/http/parse.rs is read");
    assert!(
        parse.contains(&module("error")),
        "grouped `use` lines are expanded"
    );
    assert!(rank(&module("api::hubs::read")) < rank(&module("db::hubs")));
    let mut with_circle = BTreeMap::new();
    with_circle.insert(module("db::a"), BTreeSet::from([module("db::b")]));
    with_circle.insert(module("db::b"), BTreeSet::from([module("db::a")]));
    assert_eq!(circles(&with_circle).len(), 1, "a circle of two is found");
}

fn module(path: &str) -> Module {
    path.split("::").map(str::to_owned).collect()
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "crate".to_owned()
    } else {
        module.join("::")
    }
}

/// The layer's place from the top (0); the crate root counts as the top.
fn rank(module: &Module) -> usize {
    let Some(top) = module.first() else {
        return 0;
    };
    LAYERS
        .iter()
        .position(|layer| layer.contains(&top.as_str()))
        .unwrap_or_else(|| panic!("src/{top} belongs to no layer: add it to LAYERS"))
}

/// Every module file of `src/` with the module files it imports.
fn modules() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files: BTreeMap<Module, PathBuf> = rust_files(&src)
        .into_iter()
        .map(|file| (module_of(&src, &file), file))
        .collect();
    let known: BTreeSet<Module> = files.keys().cloned().collect();
    files
        .iter()
        .map(|(module, file)| {
            let text = without_tests(&fs::read_to_string(file).expect("source is readable"));
            let text = without_comments(&text);
            let imports = imported_paths(module, &text)
                .into_iter()
                .filter_map(|path| longest_module(&known, &path))
                .filter(|imported| imported != module && !imported.starts_with(module))
                .collect();
            (module.clone(), imports)
        })
        .collect()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("src/ is readable").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

/// `src/api/hubs/read.rs` is `api::hubs::read`, `src/api/hubs/mod.rs` is `api::hubs`,
/// `src/lib.rs` the crate root and `src/main.rs` the program, `main`.
fn module_of(src: &Path, file: &Path) -> Module {
    let relative = file
        .strip_prefix(src)
        .expect("under src/")
        .with_extension("");
    let mut parts: Module = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|last| last == "mod" || last == "lib")
    {
        parts.pop();
    }
    parts
}

/// The text before its unit tests (`#[cfg(test)]`, last in a file by convention), which may
/// reach anything their module can.
fn without_tests(text: &str) -> String {
    text.split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The text without `//` comments (doc comments name modules without importing them).
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The absolute module paths the text refers to: `crate::…` and `super::…` paths, with
/// grouped `use` lines expanded, and `mathshub::…` in the program.
fn imported_paths(module: &Module, text: &str) -> Vec<Module> {
    let uses = Regex::new(r"(?s)\buse\s+((?:crate|super|mathshub)::[^;]*);").expect("regex");
    let paths =
        Regex::new(r"\b(?:crate|super|mathshub)(?:::[A-Za-z_][A-Za-z0-9_]*)+").expect("regex");
    let mut found = Vec::new();
    for statement in uses.captures_iter(text) {
        found.extend(expand(&statement[1].split_whitespace().collect::<String>()));
    }
    let rest = uses.replace_all(text, "");
    found.extend(paths.find_iter(&rest).map(|path| path.as_str().to_owned()));
    found
        .iter()
        .filter_map(|path| absolute(module, path))
        .collect()
}

/// `crate::a::{b, c::{d, e}}` as `crate::a::b`, `crate::a::c::d`, `crate::a::c::e`.
fn expand(path: &str) -> Vec<String> {
    let Some(open) = path.find('{') else {
        return vec![path.trim_end_matches("::").to_owned()];
    };
    let prefix = &path[..open];
    let inner = &path[open + 1..path.rfind('}').expect("a `use` group closes")];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (at, character) in inner.char_indices() {
        match character {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|item| !item.is_empty())
        .flat_map(|item| expand(&format!("{prefix}{item}")))
        .map(|expanded| expanded.trim_end_matches("::self").to_owned())
        .collect()
}

/// The path from the crate root: `super` climbs from the file's module.
fn absolute(module: &Module, path: &str) -> Option<Module> {
    let path = path.split(" as ").next()?;
    let mut parts = path.split("::");
    let mut resolved = match parts.next()? {
        "crate" | "mathshub" => Vec::new(),
        _ => {
            let mut parent = module.clone();
            parent.pop()?;
            parent
        }
    };
    for part in parts {
        if part == "super" {
            resolved.pop()?;
        } else {
            resolved.push(part.to_owned());
        }
    }
    Some(resolved)
}

/// The module file a path lands in: the longest of its prefixes that is a module.
fn longest_module(known: &BTreeSet<Module>, path: &Module) -> Option<Module> {
    (1..=path.len())
        .rev()
        .map(|length| path[..length].to_vec())
        .find(|prefix| known.contains(prefix))
}

/// The circles of the import graph, each as the modules of one strongly connected component
/// of more than one module (Tarjan's algorithm).
fn circles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Search<'a> {
        graph: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        found: Vec<Vec<Module>>,
    }

    impl<'a> Search<'a> {
        fn visit(&mut self, module: &'a Module) {
            let order = self.index.len();
            self.index.insert(module, order);
            self.low.insert(module, order);
            self.stack.push(module);
            self.on_stack.insert(module);
            for next in self.graph.get(module).into_iter().flatten() {
                if !self.graph.contains_key(next) {
                    continue;
                }
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[module].min(self.low[next]);
                    self.low.insert(module, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[module].min(self.index[next]);
                    self.low.insert(module, low);
                }
            }
            if self.low[module] == self.index[module] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.push(member.clone());
                    if member == module {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }

    let mut search = Search {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for module in graph.keys() {
        if !search.index.contains_key(module) {
            search.visit(module);
        }
    }
    search.found
}
