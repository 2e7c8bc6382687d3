//! One vocabulary from Rust to JS: the names the core reads (`nook::options`) are the
//! client's `SETTINGS` (`pkg/src/index.js`), every name the client accepts is declared in
//! `pkg/src/index.d.ts` and nothing else is, and the wasm parser reads each core name; the
//! error names are `records::Kind`'s (plus the client's own network error); a hit has the
//! fields the wasm layer sets, and a document the fields it reads, as declared.

use std::collections::BTreeSet;

use nook::options::{CLIENT, EMBEDDER, SETTINGS};

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The quoted names of the JS array literal that starts after `start`.
fn js_list(src: &str, start: &str) -> BTreeSet<String> {
    let at = src.find(start).unwrap_or_else(|| panic!("{start:?} not found"));
    let body = &src[at + start.len()..];
    let body = &body[..body.find("];").expect("the list ends with ];")];
    body.split(',').map(str::trim).filter_map(|s| s.strip_prefix('\'').and_then(|s| s.strip_suffix('\''))).map(String::from).collect()
}

/// The property names declared in `block` (optional ones too when `optional`).
fn ts_names(block: &str, optional: bool) -> BTreeSet<String> {
    block
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let name: String = l.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            let rest = &l[name.len()..];
            (!name.is_empty() && (rest.starts_with(": ") || optional && rest.starts_with("?:"))).then_some(name)
        })
        .collect()
}

/// The text of the declaration that starts at `start`, up to `end`.
fn block<'a>(src: &'a str, start: &str, end: &str) -> &'a str {
    let at = src.find(start).unwrap_or_else(|| panic!("{start:?} not found"));
    &src[at..at + src[at..].find(end).expect("the declaration ends")]
}

/// The quoted names in `src` after each `marker` (e.g. `set(&o, "`).
fn quoted_after(src: &str, marker: &str) -> BTreeSet<String> {
    src.match_indices(marker).filter_map(|(at, _)| src[at + marker.len()..].split('"').next()).map(String::from).collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_client_declarations_and_core_name_the_same_options() {
    let index = read("pkg/src/index.js");
    let core: BTreeSet<String> = set(&SETTINGS).union(&set(&EMBEDDER)).cloned().collect();
    assert_eq!(js_list(&index, "const SETTINGS = ["), core, "pkg/src/index.js SETTINGS vs src/options.rs");
    let accepted = js_list(&index, "const OPTIONS = [");
    let mut expected = set(&CLIENT);
    assert!(index.contains("'searchWorkers', ...SETTINGS];"), "OPTIONS is the client's names and then SETTINGS");
    expected.extend(core.iter().cloned());
    let accepted: BTreeSet<String> = accepted.into_iter().chain(core.iter().cloned()).collect();
    assert_eq!(accepted, expected, "pkg/src/index.js OPTIONS vs src/options.rs CLIENT + the core's");

    let dts = read("pkg/src/index.d.ts");
    let mut declared = ts_names(block(&dts, "export interface NookSettings {", "\n}"), true);
    for source in ["export type NookModelSource", "export type NookTokenizerSource"] {
        // Each source is a union of one required name and the other one forbidden.
        declared.extend(ts_names(block(&dts, source, ";\n\n"), false));
    }
    assert_eq!(declared, expected, "pkg/src/index.d.ts NookOptions vs the names nook accepts");

    // The parser reads every core name (a name it skipped would be refused as unknown).
    let convert = read("src/wasm/convert.rs");
    for name in &core {
        assert!(convert.contains(&format!("\"{name}\"")), "src/wasm/convert.rs never reads option {name}");
    }
}

#[test]
fn error_names_hit_and_document_fields_are_the_same_in_rust_and_js() {
    use nook::records::Kind;
    // The core's kinds, and the two only the client raises: NookNetworkError (fetching a
    // model or a site index) and NookUnsupportedError (no worker, wasm SIMD or IndexedDB).
    let mut names: BTreeSet<String> = Kind::ALL.iter().map(|k| k.name().to_string()).collect();
    assert_eq!(names.len(), Kind::ALL.len(), "two kinds share a name");
    names.insert("NookNetworkError".into());
    names.insert("NookUnsupportedError".into());
    assert_eq!(js_list(&read("pkg/src/index.js"), "export const ERROR_NAMES = ["), names, "pkg/src/index.js ERROR_NAMES vs records::Kind");
    let dts = read("pkg/src/index.d.ts");
    let union = block(&dts, "export type NookErrorName =", ";\n");
    let declared: BTreeSet<String> = union.split('\'').skip(1).step_by(2).map(String::from).collect();
    assert_eq!(declared, names, "pkg/src/index.d.ts NookErrorName vs records::Kind");

    let convert = read("src/wasm/convert.rs");
    let hit = block(&convert, "pub fn doc_hit_to_js", "\n}");
    let fields = quoted_after(hit, "set(&o, \"");
    assert_eq!(ts_names(block(&dts, "export interface Hit", "\n}"), false), fields, "pkg/src/index.d.ts Hit vs src/wasm/convert.rs hit_to_js");

    // A document: the fields docs_from_js reads are the ones NookDoc declares.
    let docs = block(&convert, "pub fn docs_from_js", "\n}");
    let read: BTreeSet<String> = quoted_after(docs, "get(&d, \"").union(&quoted_after(docs, "opt_string(&d, \"")).cloned().collect();
    assert_eq!(ts_names(block(&dts, "export interface NookDoc", "\n}"), true), read, "pkg/src/index.d.ts NookDoc vs src/wasm/convert.rs docs_from_js");
}
