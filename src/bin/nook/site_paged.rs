//! `nook site build --layout paged` and `nook site search`: a static site's index cut into
//! pages (`nook::site::paged`), and a search that reads them as a browser does — page by
//! page, counting requests and bytes — for checking a build and for the site benchmark.

use std::path::Path;
use std::time::Instant;

use nook::collection::{Doc, Embed, Settings};
use nook::embed::Embedder;
use nook::site::paged::{self, Layout, Page, SiteIndex, SiteQuery, Step};
use serde_json::{Value, json};

use super::site::{Model, embed_many, progress, sha256, write_manifest};
use super::{Args, Res};

/// Embed every document (`threads` embedders) and write the paged site under `out`.
#[allow(clippy::too_many_arguments)]
pub fn build(a: &Args, out: &str, docs: Vec<Doc>, model: &Model, embed: &mut Embedder, helpers: &mut [Embedder], threads: usize, t: Instant) -> Res<()> {
    // Duplicate ids: the last one wins, as with `add`.
    let mut last: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, d) in docs.iter().enumerate() {
        last.insert(&d.id, i);
    }
    let keep: Vec<bool> = (0..docs.len()).map(|i| last.get(docs[i].id.as_str()) == Some(&i)).collect();
    let docs: Vec<Doc> = docs.into_iter().zip(keep).filter(|(_, k)| *k).map(|(d, _)| d).collect();
    let n = docs.len();
    let dims = embed.dims();
    // `--embeddings-cache FILE`: embeddings of the same texts by the same model, kept from
    // an earlier build (tagged with a hash of both), are reused instead of recomputed.
    let cache = a.options.get("embeddings-cache");
    let mut tag = <sha2::Sha256 as sha2::Digest>::new();
    sha2::Digest::update(&mut tag, model.identity().1.as_bytes());
    for d in &docs {
        sha2::Digest::update(&mut tag, d.embed_text().as_bytes());
        sha2::Digest::update(&mut tag, [0u8]);
    }
    let tag: String = sha2::Digest::finalize(tag).iter().map(|b| format!("{b:02x}")).collect();
    let cached = cache.and_then(|p| {
        let ok = std::fs::read_to_string(format!("{p}.tag")).ok()? == tag;
        let bytes = std::fs::read(p).ok().filter(|b| ok && b.len() == n * dims * 4)?;
        Some(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect::<Vec<f32>>())
    });
    let vectors = match cached {
        Some(v) => {
            eprintln!("embeddings reused from {}", cache.map_or("", |s| s.as_str()));
            v
        }
        None => {
            let mut vectors = Vec::with_capacity(n * dims);
            let mut report = progress(t);
            for (c, chunk) in docs.chunks(256).enumerate() {
                let seqs: Vec<Vec<u32>> = chunk.iter().map(|d| embed.tokenize(&d.embed_text())).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
                let refs: Vec<&[u32]> = seqs.iter().map(Vec::as_slice).collect();
                vectors.extend(embed_many(helpers, embed, &refs).map_err(|e| e.to_string())?);
                report((c * 256 + chunk.len()).min(n), n);
            }
            if let Some(p) = cache {
                let bytes: Vec<u8> = vectors.iter().flat_map(|x| x.to_le_bytes()).collect();
                std::fs::write(p, bytes).and_then(|_| std::fs::write(format!("{p}.tag"), &tag)).map_err(|e| format!("cannot write {p}: {e}"))?;
            }
            vectors
        }
    };
    let embedded = t.elapsed().as_secs_f64();
    let d = Layout::default();
    let layout = Layout {
        cluster_size: a.num("cluster-size", d.cluster_size)?,
        docs_per_page: a.num("docs-per-page", d.docs_per_page)?,
        nprobe: a.num("nprobe", d.nprobe)?,
        first: a.num("first", d.first)?,
        expand: a.num("expand", d.expand)?,
        rounds: a.num("rounds", d.rounds)?,
        margin: a.num("margin", d.margin)?,
        graph: paged::graph::GraphParams { degree: a.num("degree", d.graph.degree)?, probe: a.num("graph-probe", d.graph.probe)? },
        shard_bytes: a.num("shard-bytes", d.shard_bytes)?,
        spill: a.num("spill", d.spill)?,
        kmeans_sample: a.num("kmeans-sample", d.kmeans_sample)?,
        kmeans_iterations: a.num("kmeans-iterations", d.kmeans_iterations)?,
        pq: nook::quant::PqParams {
            subspaces: a.num("pq", d.pq.subspaces)?,
            bits: a.num("pq-bits", d.pq.bits)?,
            // The rotation learned for the model, as a collection of it would quantize.
            rotation: nook::collection::ModelMark::of(embed).map_err(|e| e.to_string())?.rotation(),
            ..d.pq
        },
    };
    let built = paged::build(docs, &vectors, dims, &layout, &Settings::default(), threads).map_err(|e| e.to_string())?;
    if let Some(p) = a.options.get("vectors-out") {
        let mut bytes = Vec::with_capacity(n * dims * 4);
        for &i in &built.order {
            bytes.extend(vectors[i * dims..(i + 1) * dims].iter().flat_map(|x| x.to_le_bytes()));
        }
        std::fs::write(p, bytes).map_err(|e| format!("cannot write {p}: {e}"))?;
    }

    let dir = Path::new(out);
    let name = paged::build_name(built.build);
    let previous = read_manifest(dir).ok().and_then(|m| m["build"].as_str().map(String::from));
    let folder = dir.join(&name);
    if !folder.join(Page::Head.path()).exists() {
        // Pages first, in a folder renamed into place whole.
        let tmp = dir.join(format!("{name}.tmp"));
        let _ = std::fs::remove_dir_all(&tmp);
        for (page, bytes) in &built.files {
            let path = tmp.join(page.path());
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::rename(&tmp, &folder).map_err(|e| format!("cannot write {}: {e}", folder.display()))?;
    }
    let head = &built.files[0].1;
    let (mb, msha) = model.identity();
    let bytes = built.bytes();
    let manifest = json!({
        "format": "nook-site",
        "version": paged::VERSION,
        "documents": n,
        "dims": dims,
        "model": { "bytes": mb, "sha256": msha },
        "build": name,
        "head": { "file": format!("{name}/{}", Page::Head.path()), "bytes": head.len(), "sha256": sha256(head) },
        "bytes": bytes,
        "files": built.files.len(),
    });
    write_manifest(dir, &serde_json::to_string_pretty(&manifest).unwrap_or_default())?;
    // Builds before the previous one go; the previous one stays for visitors mid-session.
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())?.flatten() {
        let f = entry.file_name().to_string_lossy().to_string();
        let is_build = paged::parse_build(&f).is_ok() && entry.path().join(Page::Head.path()).exists();
        if is_build && f != name && Some(&f) != previous.as_ref() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    eprintln!(
        "{} clusters of ~{} documents; a graph of up to {} neighbours a document; {} documents a page; {} terms in {} shards (~{} terms each)",
        built.clusters,
        n / built.clusters.max(1),
        layout.graph.degree,
        layout.docs_per_page,
        built.terms,
        built.shards,
        built.terms / built.shards.max(1)
    );
    eprintln!(
        "wrote {out}/{} and {out}/{name}/: {n} documents, {} files, {bytes} bytes ({:.0} per document; head {} bytes), embedded in {embedded:.1} s, in all {:.1} s",
        nook::site::MANIFEST,
        built.files.len(),
        bytes as f64 / n.max(1) as f64,
        head.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

fn read_manifest(dir: &Path) -> Res<Value> {
    let p = dir.join(nook::site::MANIFEST);
    let text = std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not JSON ({e})", p.display()))
}

/// A site folder opened from disk, its pages read on demand.
struct Disk<'a> {
    dir: &'a Path,
    build: String,
}

impl Disk<'_> {
    fn read(&self, page: Page) -> Res<Vec<u8>> {
        let p = self.dir.join(&self.build).join(page.path());
        std::fs::read(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    }
}

/// What answering one query read.
#[derive(Default, Clone, Copy)]
struct Reads {
    bytes: usize,
    requests: usize,
    rounds: usize,
    /// Bytes by page kind: clusters, term shards, nodes (embeddings and neighbours), documents.
    kinds: [usize; 4],
}

fn run_query(site: &mut SiteIndex, disk: &Disk, embed: &Embedder, q: &SiteQuery, params: &paged::SiteParams) -> Res<(Vec<paged::SiteHit>, Reads)> {
    let mut reads = Reads::default();
    loop {
        match site.search(embed, q, params).map_err(|e| e.to_string())? {
            Step::Done(hits) => return Ok((hits, reads)),
            Step::Need(pages) => {
                reads.rounds += 1;
                for p in pages {
                    let bytes = disk.read(p)?;
                    reads.bytes += bytes.len();
                    reads.requests += 1;
                    let kind = match p {
                        Page::Cluster(_) | Page::Head => 0,
                        Page::Terms(_) => 1,
                        Page::Node(_) => 2,
                        Page::Docs(_) => 3,
                    };
                    reads.kinds[kind] += bytes.len();
                    site.add(p, &bytes).map_err(|e| e.to_string())?;
                }
            }
        }
    }
}

fn median(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

pub fn search(a: &Args) -> Res<()> {
    let dir = Path::new(a.path(1, "SITE_DIR")?);
    let m = read_manifest(dir)?;
    let version = m["version"].as_u64().filter(|&v| m["format"] == "nook-site" && paged::rules_of(v).is_ok());
    let Some(version) = version else {
        return Err(format!("{}: not a paged nook site this nook reads (format 4 or {}; rebuild it with this nook)", dir.display(), paged::VERSION));
    };
    let build = m["build"].as_str().ok_or("the manifest names no build")?.to_string();
    let id = paged::parse_build(&build).map_err(|e| e.to_string())?;
    let head_file = m["head"]["file"].as_str().ok_or("the manifest names no head")?;
    let head = std::fs::read(dir.join(head_file)).map_err(|e| format!("cannot read {head_file}: {e}"))?;
    if m["head"]["sha256"].as_str() != Some(sha256(&head).as_str()) {
        return Err(format!("{head_file}: its SHA-256 is not the manifest's"));
    }
    let disk = Disk { dir, build };
    let fresh = || SiteIndex::open(version, id, &head).map_err(|e| e.to_string());
    let mut params = fresh()?.head().params;
    params.nprobe = a.num("nprobe", params.nprobe)?;
    params.first = a.num("first", params.first)?;
    params.expand = a.num("expand", params.expand)?;
    params.rounds = a.num("rounds", params.rounds)?;
    params.margin = a.num("margin", params.margin)?;
    if !paged::head::margin_ok(params.margin) {
        return Err(format!("--margin must be between 0 and {} (a cosine distance), not {}", paged::head::MAX_MARGIN, params.margin));
    }
    let k: usize = a.num("k", 10)?;
    let queries: Vec<String> = match a.options.get("queries") {
        Some(f) => {
            let v: Value = serde_json::from_slice(&super::read(f)?).map_err(|e| format!("{f}: {e}"))?;
            v.as_array().ok_or(format!("{f}: not a JSON array"))?.iter().filter_map(|q| q.as_str().or(q["query"].as_str()).map(String::from)).collect()
        }
        None => vec![a.path(2, "QUERY")?.to_string()],
    };
    let truth: Option<Vec<f32>> = match a.options.get("truth") {
        Some(f) => Some(super::read(f)?.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()),
        None => None,
    };
    let mut embed = Model::read(a)?.load()?;
    let dims = fresh()?.head().dims;
    let json_out = a.flags.iter().any(|f| f == "json");
    let mut warm_site = fresh()?;
    let mut kinds = [vec![], vec![], vec![], vec![]];
    let (mut cold_b, mut cold_r, mut warm_b, mut warm_r, mut rounds, mut recalls, mut ms) = (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for text in &queries {
        let tokens = embed.tokenize(text).map_err(|e| e.to_string())?;
        let mut q = Vec::with_capacity(dims);
        embed.embed_query(&tokens, &mut q).map_err(|e| e.to_string())?;
        let query = SiteQuery { text, q: &q, k, hybrid: true };
        let t = Instant::now();
        let (hits, cold) = run_query(&mut fresh()?, &disk, &embed, &query, &params)?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let (_, warm) = run_query(&mut warm_site, &disk, &embed, &query, &params)?;
        let mut row = json!({
            "query": text,
            "hits": hits.iter().map(|h| json!({"id": h.doc.id, "title": h.doc.title, "score": h.score, "similarity": h.similarity, "keyword": h.keyword})).collect::<Vec<_>>(),
            "cold": {"bytes": cold.bytes + head.len(), "requests": cold.requests + 1, "rounds": cold.rounds + 1,
                     "clusters": cold.kinds[0], "terms": cold.kinds[1], "nodes": cold.kinds[2], "docs": cold.kinds[3]},
            "warm": {"bytes": warm.bytes, "requests": warm.requests, "rounds": warm.rounds},
        });
        if let Some(truth) = &truth {
            // Recall of the vector ranking alone against brute force over the f32 embeddings.
            let vq = SiteQuery { hybrid: false, ..query };
            let mut p = params;
            p.min_score = f32::NEG_INFINITY;
            p.min_score_unknown = f32::NEG_INFINITY;
            let (vhits, _) = run_query(&mut fresh()?, &disk, &embed, &vq, &p)?;
            let mut all: Vec<(f32, usize)> = truth.chunks_exact(dims).enumerate().map(|(i, v)| (v.iter().zip(&q).map(|(a, b)| a * b).sum(), i)).collect();
            let kk = k.min(all.len());
            all.select_nth_unstable_by(kk.saturating_sub(1), |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let best: std::collections::HashSet<usize> = all[..kk].iter().map(|x| x.1).collect();
            let r = vhits.iter().filter(|h| best.contains(&(h.position as usize))).count() as f64 / kk.max(1) as f64;
            recalls.push(r);
            row["recall"] = json!(r);
        }
        cold_b.push((cold.bytes + head.len()) as f64);
        for (v, b) in kinds.iter_mut().zip(cold.kinds) {
            v.push(b as f64);
        }
        cold_r.push((cold.requests + 1) as f64);
        rounds.push((cold.rounds + 1) as f64);
        warm_b.push(warm.bytes as f64);
        warm_r.push(warm.requests as f64);
        if json_out {
            println!("{row}");
        } else {
            println!("{text}");
            for (i, h) in hits.iter().enumerate() {
                println!("  {:>2}. {:.3} {}  {}", i + 1, h.score, h.doc.id, h.doc.title);
            }
            println!(
                "  cold: {} B in {} requests, {} round trips; warm: {} B",
                row["cold"]["bytes"], row["cold"]["requests"], row["cold"]["rounds"], warm.bytes
            );
        }
    }
    let mean = |v: &[f64]| if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 };
    let summary = json!({
        "summary": true,
        "queries": queries.len(),
        "head_bytes": head.len(),
        "nprobe": params.nprobe,
        "first": params.first,
        "expand": params.expand,
        "rounds": params.rounds,
        // As written (an f32 widened to f64 would print 0.03500000014901161).
        "margin": params.margin.to_string().parse::<f64>().unwrap_or(f64::NAN),
        "cold": {"bytes_p50": median(&mut cold_b.clone(), 0.5), "bytes_p95": median(&mut cold_b, 0.95), "requests_p50": median(&mut cold_r.clone(), 0.5),
                 "rounds_max": rounds.iter().cloned().fold(0.0, f64::max), "rounds_p50": median(&mut rounds.clone(), 0.5), "rounds_p95": median(&mut rounds, 0.95)},
        "warm": {"bytes_p50": median(&mut warm_b.clone(), 0.5), "bytes_p95": median(&mut warm_b, 0.95), "requests_p50": median(&mut warm_r, 0.5)},
        "native_ms_p50": median(&mut ms, 0.5),
        "cold_p50_by_kind": {"clusters": median(&mut kinds[0], 0.5), "terms": median(&mut kinds[1], 0.5), "nodes": median(&mut kinds[2], 0.5), "docs": median(&mut kinds[3], 0.5)},
        "recall10": if recalls.is_empty() { Value::Null } else { json!(mean(&recalls)) },
    });
    println!("{summary}");
    Ok(())
}
