//! `nook site build` end to end on the real model: JSONL + Markdown / HTML pages in, a
//! manifest and a content-named index file out, which opens as a collection and finds
//! passages by meaning; bad input is refused with a message naming the line.
//!
//! Needs the prepared model (`scripts/fetch_model.sh`; `NOOK_MODEL_DIR`, default `models/`).

#![cfg(all(feature = "embed", not(target_arch = "wasm32")))]

use std::path::{Path, PathBuf};
use std::process::Command;

use nook::collection::{Collection, Settings, export};
use nook::embed::Embedder;

fn model_dir() -> PathBuf {
    std::env::var_os("NOOK_MODEL_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"))
}

fn nook(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nook")).args(args).env("NOOK_MODEL_DIR", model_dir()).output().expect("run nook");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into())
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nook-site-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    v.sort();
    v
}

#[test]
fn site_build_writes_a_manifest_and_an_index_that_finds_passages() {
    let dir = temp_dir("ok");
    let jsonl = dir.join("docs.jsonl");
    std::fs::write(
        &jsonl,
        "{\"id\": \"lh\", \"title\": \"The lighthouse keeper\", \"text\": \"A keeper tends the lamp of a lighthouse on a rocky island.\"}\n\
         {\"id\": 2, \"title\": \"Tax forms\", \"text\": \"How to fill in the yearly income tax return.\", \"meta\": {\"tag\": \"money\"}}\n",
    )
    .unwrap();
    let pages = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser/site-pages");
    let out = dir.join("out");
    let (ok, err) = nook(&["site", "build", out.to_str().unwrap(), jsonl.to_str().unwrap(), pages.to_str().unwrap(), "--base-url", "/docs/", "--threads", "2"]);
    assert!(ok, "{err}");
    let names = files(&out);
    assert_eq!(names.len(), 2, "{names:?}");
    let index_name = names.iter().find(|n| n.starts_with("index.")).unwrap().clone();
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("nook-site.json")).unwrap()).unwrap();
    let bytes = std::fs::read(out.join(&index_name)).unwrap();
    assert_eq!(manifest["index"]["file"], index_name.as_str());
    assert_eq!(manifest["index"]["bytes"].as_u64(), Some(bytes.len() as u64));
    let sha = manifest["index"]["sha256"].as_str().unwrap();
    assert_eq!(index_name, format!("index.{}.nook", &sha[..16]), "named by its hash");
    assert_eq!(manifest["model"]["bytes"].as_u64(), Some(std::fs::metadata(model_dir().join("minilm-l6-int8.onnx")).unwrap().len()));

    // It opens as a collection; passages point to their headings and rank by meaning.
    let snap = export::decode(&bytes).unwrap();
    let mut c = Collection::load(Settings::default(), 384, &snap).unwrap();
    assert_eq!(Some(c.len() as u64), manifest["documents"].as_u64());
    assert_eq!(c.len(), 2 + 4 + 3, "2 JSONL documents, 4 guide passages, 3 bread passages");
    let mut e =
        Embedder::from_bytes(&std::fs::read(model_dir().join("minilm-l6-int8.onnx")).unwrap(), &std::fs::read(model_dir().join("tokenizer.json")).unwrap())
            .unwrap();
    let top = |c: &mut Collection, e: &mut Embedder, q: &str| {
        let found = c.search(e, q, 1, true, None).unwrap();
        c.doc(found[0].key).unwrap().url.to_string()
    };
    assert_eq!(top(&mut c, &mut e, "how often should the sourdough culture be fed"), "/docs/notes/bread.html#feeding");
    assert_eq!(top(&mut c, &mut e, "what is a sourdough starter made of"), "/docs/notes/bread.html");
    assert_eq!(top(&mut c, &mut e, "starfish eating shellfish"), "/docs/guide.html#sea-stars");
    assert_eq!(c.doc(c.key_of("2").unwrap()).unwrap().meta, "{\"tag\":\"money\"}");

    // The same inputs give the same files (reproducible); a changed input replaces the
    // index file and removes the old one.
    let (ok, err) = nook(&["site", "build", out.to_str().unwrap(), jsonl.to_str().unwrap(), pages.to_str().unwrap(), "--base-url", "/docs/", "--threads", "1"]);
    assert!(ok, "{err}");
    assert_eq!(files(&out), names, "one thread or two: the same index");
    std::fs::write(&jsonl, "{\"id\": \"only\", \"text\": \"one document\"}\n").unwrap();
    let (ok, err) = nook(&["site", "build", out.to_str().unwrap(), jsonl.to_str().unwrap()]);
    assert!(ok, "{err}");
    let after = files(&out);
    assert_eq!(after.len(), 2);
    assert!(!after.contains(&index_name));
}

/// `--layout paged`: a folder per build, `nook site search` finds passages by meaning and
/// by words; a rebuild keeps the previous build (visitors mid-session) and drops older ones.
#[test]
fn paged_site_builds_searches_and_keeps_one_previous_build() {
    let dir = temp_dir("paged");
    let jsonl = dir.join("docs.jsonl");
    std::fs::write(
        &jsonl,
        "{\"id\": \"lh\", \"title\": \"The lighthouse keeper\", \"text\": \"A keeper tends the lamp of a lighthouse on a rocky island.\"}\n",
    )
    .unwrap();
    let pages = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser/site-pages");
    let out = dir.join("out");
    let build = |extra: &str| {
        std::fs::write(dir.join("extra.jsonl"), format!("{{\"id\": \"x\", \"text\": \"{extra}\"}}\n")).unwrap();
        let (ok, err) = nook(&[
            "site",
            "build",
            out.to_str().unwrap(),
            jsonl.to_str().unwrap(),
            dir.join("extra.jsonl").to_str().unwrap(),
            pages.to_str().unwrap(),
            "--layout",
            "paged",
            "--base-url",
            "/docs/",
        ]);
        assert!(ok, "{err}");
        let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("nook-site.json")).unwrap()).unwrap();
        m["build"].as_str().unwrap().to_string()
    };
    let first = build("first version");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("nook-site.json")).unwrap()).unwrap();
    assert_eq!((m["version"].as_u64(), m["documents"].as_u64()), (Some(6), Some(1 + 1 + 4 + 3)));
    assert_eq!(m["head"]["file"], format!("{first}/head.bin"));
    let search = |q: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_nook"))
            .args(["site", "search", out.to_str().unwrap(), q, "--k", "1", "--json"])
            .env("NOOK_MODEL_DIR", model_dir())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let row: serde_json::Value = serde_json::from_str(String::from_utf8_lossy(&o.stdout).lines().next().unwrap()).unwrap();
        (row["hits"][0]["id"].as_str().unwrap_or("").to_string(), row["cold"]["rounds"].as_u64())
    };
    assert_eq!(search("starfish eating shellfish"), ("/docs/guide.html#sea-stars".to_string(), Some(4)));
    assert_eq!(search("lighthouse").0, "lh");
    let (ok, err) = nook(&["site", "search", out.to_str().unwrap(), "lighthouse", "--margin", "3"]);
    assert!(!ok && err.contains("--margin must be between 0 and 2"), "{err}");
    let second = build("second version");
    let third = build("third version");
    assert!(first != second && second != third);
    let mut builds: Vec<String> = files(&out).into_iter().filter(|f| f.len() == 16).collect();
    builds.sort();
    let mut want = vec![second, third];
    want.sort();
    assert_eq!(builds, want, "the current build and the one before it");
}

#[test]
fn site_build_help() {
    for args in [&["site", "build", "--help"][..], &["site", "--help"], &["site", "help"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_nook")).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("nook site build OUT_DIR INPUT..."), "{args:?}");
    }
    let (ok, err) = nook(&["site"]);
    assert!(!ok && err.contains("usage"), "{err}");
}

#[test]
fn site_build_refuses_bad_input_clearly() {
    let dir = temp_dir("bad");
    let jsonl = dir.join("bad.jsonl");
    std::fs::write(&jsonl, "{\"id\": 1, \"text\": \"fine\"}\n{\"id\": 2}\n").unwrap();
    let out = dir.join("out");
    let (ok, err) = nook(&["site", "build", out.to_str().unwrap(), jsonl.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("bad.jsonl") && err.contains("line 2: `text` must be a string"), "{err}");
    assert!(!out.exists(), "nothing written");
    let (ok, err) = nook(&["site", "build", out.to_str().unwrap()]);
    assert!(!ok && err.contains("no INPUT"), "{err}");
    let (ok, err) = nook(&["site", "build", out.to_str().unwrap(), dir.join("missing.jsonl").to_str().unwrap()]);
    assert!(!ok && err.contains("cannot read"), "{err}");
    // Hidden folders and installed packages are never a site's pages.
    let empty = dir.join("empty");
    for sub in [".drafts", "node_modules/pkg"] {
        std::fs::create_dir_all(empty.join(sub)).unwrap();
        std::fs::write(empty.join(sub).join("page.md"), "# A page\nwith text").unwrap();
    }
    let (ok, err) = nook(&["site", "build", out.to_str().unwrap(), empty.to_str().unwrap()]);
    assert!(!ok && err.contains("no documents"), "{err}");
}
