//! The nook command line: build an index from a `.fvecs` file, search it, print its
//! statistics, and sweep search parameters against ground truth; with the `embed`
//! feature, build a static site's prebuilt index (`site.rs`).

#[cfg(all(feature = "embed", not(target_arch = "wasm32")))]
mod site;
#[cfg(all(feature = "embed", not(target_arch = "wasm32")))]
mod site_paged;

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Instant;

use nook::format::File;
use nook::format::fvecs::{parse_fvecs, parse_ivecs};
use nook::index::{IndexParams, PqParams, PruneParams, PrunedIndex, TwoLevelParams, VectorIndex};
use nook::{Metric, TableVectors};

const USAGE: &str = "usage:
  nook build  BASE.fvecs OUT.nook [--metric l2|cosine|dot] [--m 16] [--ef-construction 200]
              [--threads 2] [--pruned [--m-hub 16] [--m-small 6] [--hub-fraction 0.02] [--pq 32] [--pq-bits 8|4]]
  nook search INDEX.nook QUERIES.fvecs [--k 10] [--ef 64] [--rerank 32] [--batch 16]
              [--vectors BASE.fvecs (pruned indexes: the exact vectors)]
  nook stats  INDEX.nook
  nook bench  INDEX.nook QUERIES.fvecs TRUTH.ivecs [--vectors BASE.fvecs] [--k 10]
              (recall@k and queries/s over ef = 10..320)
  nook site build OUT_DIR INPUT...   (a static site's prebuilt index; `nook site build --help`;
              needs the `embed` feature)
  nook site search SITE_DIR QUERY   (a paged site, as a browser reads it)";

type Res<T> = Result<T, String>;

struct Args {
    positional: Vec<String>,
    options: HashMap<String, String>,
    flags: Vec<String>,
}

impl Args {
    fn parse(raw: &[String]) -> Args {
        let mut a = Args { positional: vec![], options: HashMap::new(), flags: vec![] };
        let mut i = 0;
        while i < raw.len() {
            if let Some(name) = raw[i].strip_prefix("--") {
                match raw.get(i + 1).filter(|v| !v.starts_with("--")) {
                    Some(v) if name != "pruned" => {
                        a.options.insert(name.to_string(), v.clone());
                        i += 1;
                    }
                    _ => a.flags.push(name.to_string()),
                }
            } else {
                a.positional.push(raw[i].clone());
            }
            i += 1;
        }
        a
    }

    fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> Res<T> {
        match self.options.get(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("--{name} expects a number, got {v:?}")),
        }
    }

    fn path(&self, i: usize, what: &str) -> Res<&str> {
        self.positional.get(i).map(|s| s.as_str()).ok_or_else(|| format!("missing {what}\n{USAGE}"))
    }
}

fn read(path: &str) -> Res<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

fn vectors(path: &str) -> Res<(usize, Vec<f32>)> {
    parse_fvecs(&read(path)?).map_err(|e| format!("{path}: {e}"))
}

enum Loaded {
    Stored(VectorIndex),
    Pruned(PrunedIndex),
}

fn load(path: &str) -> Res<Loaded> {
    let bytes = read(path)?;
    let kind = File::parse(&bytes).map_err(|e| format!("{path}: {e}"))?.header.kind;
    match kind {
        nook::format::Kind::Stored => VectorIndex::load(&bytes).map(Loaded::Stored),
        nook::format::Kind::Pruned | nook::format::Kind::Flat => PrunedIndex::load(&bytes).map(Loaded::Pruned),
    }
    .map_err(|e| format!("{path}: {e}"))
}

fn build(a: &Args) -> Res<()> {
    let (dims, base) = vectors(a.path(0, "BASE.fvecs")?)?;
    let out = a.path(1, "OUT.nook")?;
    let metric = Metric::parse(a.options.get("metric").map_or("l2", |s| s.as_str())).map_err(|e| e.to_string())?;
    let params = IndexParams { m: a.num("m", 16)?, ef_construction: a.num("ef-construction", 200)?, ..IndexParams::new(metric, dims) };
    let threads = a.num("threads", 2)?;
    let n = base.len() / dims;
    let t = Instant::now();
    let mut idx = VectorIndex::new(params).map_err(|e| e.to_string())?;
    idx.add_batch(&(0..n as u64).collect::<Vec<_>>(), &base, threads).map_err(|e| e.to_string())?;
    eprintln!("built HNSW over {n} x {dims} in {:.1} s", t.elapsed().as_secs_f64());
    let bytes = if a.flags.iter().any(|f| f == "pruned") {
        let prune = PruneParams { m_hub: a.num("m-hub", 16)?, m: a.num("m-small", 6)?, hub_fraction: a.num("hub-fraction", 0.02)?, ..Default::default() };
        let pq = PqParams { subspaces: a.num("pq", 32)?, bits: a.num("pq-bits", 8)?, ..Default::default() };
        let t = Instant::now();
        let pruned = PrunedIndex::build(&idx, &prune, &pq, threads).map_err(|e| e.to_string())?;
        eprintln!("pruned + PQ in {:.1} s", t.elapsed().as_secs_f64());
        pruned.save()
    } else {
        idx.reorder_for_locality();
        idx.save()
    };
    std::fs::write(out, &bytes).map_err(|e| format!("cannot write {out}: {e}"))?;
    eprintln!("wrote {out}: {} bytes ({:.1} per vector)", bytes.len(), bytes.len() as f64 / n as f64);
    Ok(())
}

/// Run every query; returns (result ids per query, seconds, mean exact vectors per query).
fn run_queries(index: &Loaded, queries: &[f32], dims: usize, k: usize, ef: usize, tl: TwoLevelParams, base: &[f32]) -> Res<(Vec<Vec<u64>>, f64, f64)> {
    let mut all = Vec::with_capacity(queries.len() / dims);
    let mut exact = 0usize;
    let t = Instant::now();
    match index {
        Loaded::Stored(idx) => {
            let mut s = idx.scratch();
            for q in queries.chunks_exact(dims) {
                let hits = idx.search(q, k, ef, None, &mut s).map_err(|e| e.to_string())?;
                all.push(hits.iter().map(|h| h.id).collect());
            }
        }
        Loaded::Pruned(idx) => {
            if base.is_empty() {
                return Err("a pruned index needs --vectors BASE.fvecs to recompute exact distances".into());
            }
            let mut s = idx.scratch();
            let mut provider = TableVectors { vectors: base, dims };
            for q in queries.chunks_exact(dims) {
                let (hits, stats) = idx.search(q, k, &tl, None, &mut provider, &mut s).map_err(|e| e.to_string())?;
                exact += stats.exact;
                all.push(hits.iter().map(|h| h.id).collect());
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let nq = all.len().max(1) as f64;
    Ok((all, secs, exact as f64 / nq))
}

fn search(a: &Args) -> Res<()> {
    let index = load(a.path(0, "INDEX.nook")?)?;
    let (dims, queries) = vectors(a.path(1, "QUERIES.fvecs")?)?;
    let base = match a.options.get("vectors") {
        Some(p) => vectors(p)?.1,
        None => vec![],
    };
    let k = a.num("k", 10)?;
    let tl = TwoLevelParams { ef: a.num("ef", 64)?, rerank: a.num("rerank", 32)?, batch: a.num("batch", 16)?, ..TwoLevelParams::default() };
    let (results, secs, exact) = run_queries(&index, &queries, dims, k, tl.ef, tl, &base)?;
    for (i, r) in results.iter().enumerate() {
        println!("{i}\t{}", r.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" "));
    }
    eprintln!("{} queries in {secs:.3} s ({:.0} q/s), {exact:.1} exact vectors per query", results.len(), results.len() as f64 / secs);
    Ok(())
}

fn stats(a: &Args) -> Res<()> {
    let path = a.path(0, "INDEX.nook")?;
    let bytes = read(path)?;
    let file = File::parse(&bytes).map_err(|e| format!("{path}: {e}"))?;
    let loaded = load(path)?;
    let (docs, nodes) = match &loaded {
        Loaded::Stored(i) => (i.len(), i.ids().nodes()),
        Loaded::Pruned(i) => (i.len(), i.ids().nodes()),
    };
    println!(
        "kind: {:?}\nmetric: {}\ndims: {}\nformat version: {}\ndocuments: {docs} ({} deleted, not yet compacted)",
        file.header.kind,
        file.header.metric.name(),
        file.header.dims,
        file.header.version,
        nodes - docs
    );
    println!("{:<8} {:>14} {:>12}", "part", "bytes", "per node");
    let row = |name: &str, len: usize| println!("{name:<8} {len:>14} {:>12.2}", len as f64 / nodes.max(1) as f64);
    match &loaded {
        Loaded::Pruned(i) => {
            let s = i.sizes();
            [("codes", s.codes), ("codebook", s.codebook), ("ids", s.ids), ("graph", s.graph)].into_iter().for_each(|(n, l)| row(n, l));
        }
        Loaded::Stored(_) => file.section_sizes().into_iter().for_each(|(tag, len)| row(&tag, len)),
    }
    row("total", bytes.len());
    Ok(())
}

fn bench(a: &Args) -> Res<()> {
    let index = load(a.path(0, "INDEX.nook")?)?;
    let (dims, queries) = vectors(a.path(1, "QUERIES.fvecs")?)?;
    let (tdims, truth) = parse_ivecs(&read(a.path(2, "TRUTH.ivecs")?)?).map_err(|e| e.to_string())?;
    let base = match a.options.get("vectors") {
        Some(p) => vectors(p)?.1,
        None => vec![],
    };
    let k: usize = a.num("k", 10)?;
    if tdims < k {
        return Err(format!("ground truth has {tdims} neighbours per query, fewer than k = {k}"));
    }
    println!("{:>5} {:>7} {:>10} {:>10} {:>12}", "ef", "rerank", "recall@k", "q/s", "exact/query");
    for ef in [10usize, 20, 40, 80, 160, 320] {
        let tl = TwoLevelParams { ef, rerank: ef.max(k) / 2 + k / 2, batch: 16, ..TwoLevelParams::default() };
        let (results, secs, exact) = run_queries(&index, &queries, dims, k, ef, tl, &base)?;
        let mut hit = 0usize;
        for (i, r) in results.iter().enumerate() {
            let t = &truth[i * tdims..i * tdims + k];
            hit += r.iter().filter(|id| t.contains(&(**id as i32))).count();
        }
        let recall = hit as f64 / (results.len() * k) as f64;
        println!("{ef:>5} {:>7} {recall:>10.4} {:>10.0} {exact:>12.1}", tl.rerank, results.len() as f64 / secs);
    }
    Ok(())
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = raw.first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let args = Args::parse(&raw[1..]);
    let result = match cmd.as_str() {
        "build" => build(&args),
        "search" => search(&args),
        "stats" => stats(&args),
        "bench" => bench(&args),
        #[cfg(all(feature = "embed", not(target_arch = "wasm32")))]
        "site" => site::run(&args),
        #[cfg(not(all(feature = "embed", not(target_arch = "wasm32"))))]
        "site" => Err("this nook was built without the `embed` feature: cargo build --release --features embed".into()),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nook: {e}");
            ExitCode::FAILURE
        }
    }
}
