//! `nook site build`: a static site's prebuilt index (see `nook::site`), embedded natively
//! on every core with the same model file the browser runs.

use std::path::{Path, PathBuf};
use std::time::Instant;

use nook::collection::{Doc, Embed, Settings};
use nook::embed::Embedder;
use nook::site::{self, source};
use sha2::{Digest, Sha256};

use super::{Args, Res};

pub const USAGE: &str = "  nook site build OUT_DIR INPUT... [--base-url /] [--max-chars 1200] [--threads N]
              [--keep-embeddings-from 64 (whole: passages of that many tokens carry their
              embedding, 388 bytes each in int8, so a visitor's searches never recompute them)]
              [--layout whole|paged] (whole: one file a visitor downloads once; paged: pages a
              query fetches on demand, for large sites)
              paged: [--vectors-out FILE.f32 (embeddings in site order)] [--embeddings-cache FILE]
              [--cluster-size 64] [--docs-per-page 4] [--shard-bytes 6000] [--degree 24] [--graph-probe 24]
              [--nprobe 12] [--first 96] [--expand 32] [--rounds 5] [--margin 0.03] [--spill 1.5] [--pq 64 --pq-bits 4] [--kmeans-sample 48] [--kmeans-iterations 16]
              [--model FILE.onnx --tokenizer tokenizer.json (default: $NOOK_MODEL_DIR or models/)]
              INPUT: a .jsonl file of {id, text, title?, url?, meta?} per line, or a folder whose
              .md / .html pages are split into passages at headings (URL = base URL + path,
              .md served as .html)
  nook site search SITE_DIR (QUERY | --queries FILE.json) [--k 10] [--nprobe N] [--first N] [--expand N] [--rounds N] [--margin X]
              [--truth FILE.f32 (recall against brute force)] [--json]
              searches a paged site as a browser would, page by page, and counts what it reads";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Write the manifest last, in one rename: a folder served mid-build still names a
/// complete index.
pub fn write_manifest(dir: &Path, manifest: &str) -> Res<()> {
    let tmp = dir.join(format!("{}.tmp", site::MANIFEST));
    std::fs::write(&tmp, manifest).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, dir.join(site::MANIFEST)).map_err(|e| format!("cannot write {}: {e}", dir.join(site::MANIFEST).display()))
}

/// Every .md / .html / .htm file under `dir` (hidden entries and `node_modules` skipped),
/// sorted (so builds are reproducible).
fn pages(dir: &Path, out: &mut Vec<PathBuf>) -> Res<()> {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if name.starts_with('.') || name == "node_modules" {
            continue; // hidden folders and files, installed packages: never the site's pages
        }
        if p.is_dir() {
            pages(&p, out)?;
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "html" | "htm")) {
            out.push(p);
        }
    }
    Ok(())
}

/// The documents of every input, in order.
fn documents(inputs: &[String], base_url: &str, max_chars: usize) -> Res<Vec<Doc>> {
    let mut docs = Vec::new();
    for input in inputs {
        let path = Path::new(input);
        if path.is_dir() {
            let mut files = Vec::new();
            pages(path, &mut files)?;
            for f in files {
                let text = std::fs::read_to_string(&f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
                let rel = f.strip_prefix(path).unwrap_or(&f).to_string_lossy().replace('\\', "/");
                let is_md = rel.ends_with(".md");
                let url = format!("{}{}", base_url, if is_md { format!("{}.html", &rel[..rel.len() - 3]) } else { rel });
                docs.extend(if is_md { source::from_markdown(&url, &text, max_chars) } else { source::from_html(&url, &text, max_chars) });
            }
        } else {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {input}: {e}"))?;
            docs.extend(source::from_jsonl(&text).map_err(|e| format!("{input}: {e}"))?);
        }
    }
    Ok(docs)
}

/// The model files the CLI embeds with (`--model`, `--tokenizer`, else $NOOK_MODEL_DIR or models/).
pub struct Model {
    pub path: String,
    pub bytes: Vec<u8>,
    pub tokenizer: Vec<u8>,
}

impl Model {
    pub fn read(a: &Args) -> Res<Model> {
        let model_dir = std::env::var("NOOK_MODEL_DIR").unwrap_or_else(|_| "models".into());
        let path = a.options.get("model").cloned().unwrap_or_else(|| format!("{model_dir}/minilm-l6-int8.onnx"));
        let tok_path = a.options.get("tokenizer").cloned().unwrap_or_else(|| format!("{model_dir}/tokenizer.json"));
        Ok(Model { bytes: super::read(&path)?, tokenizer: super::read(&tok_path)?, path })
    }

    pub fn load(&self) -> Res<Embedder> {
        Embedder::from_bytes(&self.bytes, &self.tokenizer).map_err(|e| format!("{}: {e}", self.path))
    }

    /// (bytes, SHA-256) for a manifest.
    pub fn identity(&self) -> (usize, String) {
        (self.bytes.len(), sha256(&self.bytes))
    }
}

/// Embed token sequences on the calling embedder and `helpers`, one thread each, in order.
pub fn embed_many(helpers: &mut [Embedder], own: &mut dyn Embed, seqs: &[&[u32]]) -> nook::records::Result<Vec<f32>> {
    let per = seqs.len().div_ceil(helpers.len() + 1).max(1);
    let mut parts = seqs.chunks(per);
    let mine = parts.next().unwrap_or_default();
    let (first, rest) = std::thread::scope(|s| {
        let running: Vec<_> = helpers
            .iter_mut()
            .zip(parts)
            .map(|(h, part)| {
                s.spawn(move || {
                    let mut v = Vec::new();
                    Embed::embed_tokens(h, part, &mut v).map(|_| v)
                })
            })
            .collect();
        let mut v = Vec::new();
        let first = own.embed_tokens(mine, &mut v).map(|_| v);
        let rest: Vec<nook::records::Result<Vec<f32>>> = running
            .into_iter()
            .map(|j| j.join().unwrap_or_else(|_| Err(nook::records::Failure::new(nook::records::Kind::Embed, "an embedding thread panicked"))))
            .collect();
        (first, rest)
    });
    let mut all = first?;
    for p in rest {
        all.extend(p?);
    }
    Ok(all)
}

/// Progress lines every 10 s.
pub fn progress(t: Instant) -> impl FnMut(usize, usize) {
    let mut last = Instant::now();
    move |done: usize, total: usize| {
        if last.elapsed().as_secs() >= 10 || done == total {
            eprintln!("  {done} / {total} documents ({:.0}/s)", done as f64 / t.elapsed().as_secs_f64());
            last = Instant::now();
        }
    }
}

pub fn run(a: &Args) -> Res<()> {
    if a.flags.iter().chain(a.options.keys()).any(|f| f == "help" || f == "h") || a.positional.first().map(String::as_str) == Some("help") {
        println!("usage:\n{USAGE}");
        return Ok(());
    }
    match a.positional.first().map(String::as_str) {
        Some("build") => {}
        Some("search") => return super::site_paged::search(a),
        _ => return Err(format!("usage:\n{USAGE}")),
    }
    let out = a.path(1, "OUT_DIR")?;
    let inputs: Vec<String> = a.positional.iter().skip(2).cloned().collect();
    if inputs.is_empty() {
        return Err(format!("no INPUT given\nusage:\n{USAGE}"));
    }
    let base_url = a.options.get("base-url").cloned().unwrap_or_else(|| "/".into());
    let max_chars = a.num("max-chars", 1200usize)?;
    let keep_from = a.num("keep-embeddings-from", Settings::default().keep_from_tokens)?;
    let threads = a.num("threads", std::thread::available_parallelism().map_or(2, |n| n.get()))?.max(1);
    let paged = match a.options.get("layout").map(String::as_str) {
        None | Some("whole") => false,
        Some("paged") => true,
        Some(other) => return Err(format!("--layout is whole or paged, not {other:?}")),
    };

    let t = Instant::now();
    let docs = documents(&inputs, &base_url, max_chars)?;
    if docs.is_empty() {
        return Err("the inputs hold no documents".into());
    }
    let model = Model::read(a)?;
    // `threads` models in all: the one that tokenizes embeds the first share of each chunk
    // on this thread, the others the rest on threads of their own.
    let mut embed = model.load()?;
    let mut helpers = (1..threads).map(|_| model.load()).collect::<Res<Vec<_>>>()?;
    eprintln!("{} documents from {} input(s); embedding on {threads} thread(s)", docs.len(), inputs.len());
    if paged {
        return super::site_paged::build(a, out, docs, &model, &mut embed, &mut helpers, threads, t);
    }
    let embed_many = |own: &mut dyn Embed, seqs: &[&[u32]]| embed_many(&mut helpers, own, seqs);
    let settings = Settings { keep_from_tokens: keep_from, ..Settings::default() };
    let (bytes, collection) = site::build(settings, &mut embed, docs, 256, embed_many, progress(t)).map_err(|e| e.to_string())?;

    let digest = sha256(&bytes);
    let file = format!("index.{}.nook", &digest[..16]);
    let dir = Path::new(out);
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {out}: {e}"))?;
    std::fs::write(dir.join(&file), &bytes).map_err(|e| format!("cannot write {out}/{file}: {e}"))?;
    let (mb, msha) = model.identity();
    let manifest = site::manifest(collection.len(), embed.dims(), (mb, &msha), &file, (bytes.len(), &digest));
    write_manifest(dir, &manifest)?;
    // Index files of earlier builds go (a visitor holding an old manifest refetches it).
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())?.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with("index.") && name.ends_with(".nook") && name != file {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    eprintln!(
        "wrote {out}/{} and {out}/{file}: {} documents, {} bytes ({:.0} per document), in {:.1} s",
        site::MANIFEST,
        collection.len(),
        bytes.len(),
        bytes.len() as f64 / collection.len().max(1) as f64,
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
