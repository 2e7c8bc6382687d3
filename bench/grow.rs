//! Growing a pruned index without a rebuild (what LEANN itself cannot do): build on the
//! first two thirds of a data set, add the last third with `PrunedIndex::add_batch`, and
//! compare recall@10 and exact vectors per query with a fresh build over all of it.
//!
//! `cargo bench --bench grow -- [fashion-mnist|glove-50] [--queries N] [--base N]`
//! Needs `scripts/fetch_data.sh` and the ground truth cached by `cargo bench --bench ann`
//! (`data/<set>-gt.ivecs`). Writes `bench/results/grow-<set>.md`.

use std::time::Instant;

use nook::format::fvecs::{parse_fvecs, parse_ivecs};
use nook::index::{IndexParams, PqParams, PruneParams, PrunedIndex, TwoLevelParams, VectorIndex};
use nook::{Metric, TableVectors};

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {path}: {e} (run scripts/fetch_data.sh and cargo bench --bench ann first)"))
}

fn pruned(base: &[f32], dims: usize, metric: Metric, prune: &PruneParams, pq: &PqParams) -> (PrunedIndex, f64) {
    let t = Instant::now();
    let mut idx = VectorIndex::new(IndexParams { m: 16, ef_construction: 200, ..IndexParams::new(metric, dims) }).unwrap();
    let n = base.len() / dims;
    idx.add_batch(&(0..n as u64).collect::<Vec<_>>(), base, 2).unwrap();
    let p = PrunedIndex::build(&idx, prune, pq, 2).unwrap();
    (p, t.elapsed().as_secs_f64())
}

fn evaluate(idx: &PrunedIndex, base: &[f32], queries: &[f32], truth: &[i32], tdims: usize, dims: usize, tl: &TwoLevelParams) -> (f64, f64) {
    let mut provider = TableVectors { vectors: base, dims };
    let mut scratch = idx.scratch();
    let (mut hit, mut exact) = (0usize, 0usize);
    let nq = queries.len() / dims;
    for (i, q) in queries.chunks_exact(dims).enumerate() {
        let (hits, stats) = idx.search(q, 10, tl, None, &mut provider, &mut scratch).unwrap();
        let t = &truth[i * tdims..i * tdims + 10];
        hit += hits.iter().filter(|h| t.contains(&(h.id as i32))).count();
        exact += stats.exact;
    }
    (hit as f64 / (nq * 10) as f64, exact as f64 / nq as f64)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let set = args.iter().find(|a| !a.starts_with("--") && a.parse::<usize>().is_err()).cloned().unwrap_or("fashion-mnist".into());
    let opt = |name: &str, default: usize| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default);
    let (metric, prune, pq) = match set.as_str() {
        "fashion-mnist" => (Metric::L2, PruneParams { m: 6, ..Default::default() }, PqParams { subspaces: 32, ..Default::default() }),
        "glove-50" => (Metric::Cosine, PruneParams { m: 6, ..Default::default() }, PqParams { subspaces: 10, ..Default::default() }),
        other => panic!("unknown data set {other}"),
    };
    let data = std::env::var("NOOK_DATA").unwrap_or_else(|_| format!("{}/data", env!("CARGO_MANIFEST_DIR")));
    let (dims, mut base) = parse_fvecs(&read(&format!("{data}/{set}-base.fvecs"))).unwrap();
    let (_, mut queries) = parse_fvecs(&read(&format!("{data}/{set}-query.fvecs"))).unwrap();
    let (tdims, truth) = parse_ivecs(&read(&format!("{data}/{set}-gt.ivecs"))).unwrap();
    let n = opt("--base", base.len() / dims).min(base.len() / dims);
    assert_eq!(n, base.len() / dims, "ground truth is for the full base set; --base must not cut it");
    base.truncate(n * dims);
    queries.truncate(opt("--queries", 2000) * dims);
    let first = n * 2 / 3;

    let (fresh, fresh_s) = pruned(&base, dims, metric, &prune, &pq);
    let (mut grown, first_s) = pruned(&base[..first * dims], dims, metric, &prune, &pq);
    let t = Instant::now();
    grown.add_batch(&(first as u64..n as u64).collect::<Vec<_>>(), &base[first * dims..], 2).unwrap();
    let add_s = t.elapsed().as_secs_f64();

    let mut md = format!(
        "# Growing a pruned index: {set}\n\n- fresh: build over all {n} vectors ({fresh_s:.1} s); grown: build over the first {first} ({first_s:.1} s), then `add_batch` of the last {} ({add_s:.1} s, 2 threads)\n- M 16, ef_construction 200; pruning m_hub {} m {} hubs {}; PQ {} subspaces; {} queries; recall@10 against brute force\n- command: `cargo bench --bench grow -- {set}`\n\n| ef | rerank | fresh recall | grown recall | difference | fresh exact/q | grown exact/q |\n|---:|---:|---:|---:|---:|---:|---:|\n",
        n - first,
        prune.m_hub,
        prune.m,
        prune.hub_fraction,
        pq.subspaces,
        queries.len() / dims
    );
    for (ef, rerank) in [(40, 20), (80, 30), (80, 45), (160, 60), (160, 85)] {
        let tl = TwoLevelParams { ef, rerank, batch: 16, ..TwoLevelParams::default() };
        let (fr, fe) = evaluate(&fresh, &base, &queries, &truth, tdims, dims, &tl);
        let (gr, ge) = evaluate(&grown, &base, &queries, &truth, tdims, dims, &tl);
        md += &format!("| {ef} | {rerank} | {fr:.4} | {gr:.4} | {:+.4} | {fe:.1} | {ge:.1} |\n", gr - fr);
    }
    let (fs, gs) = (fresh.sizes(), grown.sizes());
    md += &format!("\nbytes: fresh {} ({:.1}/vector), grown {} ({:.1}/vector)\n", fs.total, fs.total as f64 / n as f64, gs.total, gs.total as f64 / n as f64);
    print!("{md}");
    let out = format!("{}/bench/results/grow-{set}.md", env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(format!("{}/bench/results", env!("CARGO_MANIFEST_DIR"))).ok();
    std::fs::write(&out, md).expect("write results");
    eprintln!("wrote {out}");
}
