//! nook under test, in a child process (see `ann.rs`):
//! - stored-vector mode (`VectorIndex`): build, recall/QPS curve over ef, saved bytes;
//! - pruned + PQ + recompute mode (`PrunedIndex` over the same graph): sweep ef x rerank
//!   single pass each, then time the cheapest points (fewest exact vectors requested)
//!   that reach recall@10 0.90 and 0.95.
//!
//! Same parameters as the hnsw_rs peer: M 16, ef_construction 200.

use std::time::Instant;

use nook::index::{IndexParams, PqParams, PruneParams, PrunedIndex, TwoLevelParams, VectorIndex};

use crate::Config;
use crate::data::{Dataset, Metric};
use crate::gt::GroundTruth;
use crate::measure::{self, K, Record, Searcher, Truth};

pub const M: usize = 16;
pub const EF_CONSTRUCTION: usize = 200;
pub const SEED: u64 = 42;
/// Where an interleaved run keeps the saved index, under the work directory.
pub const SAVE_FILE: &str = "nook.idx";
/// Recall@10 targets of the pruned-mode operating points.
pub const TARGETS: [f64; 2] = [0.90, 0.95];

pub struct Stored<'a> {
    pub idx: &'a VectorIndex,
    pub ds: &'a Dataset,
}

impl Searcher for Stored<'_> {
    type State = nook::index::SearchScratch;
    type Param = usize;
    fn state(&self) -> Self::State {
        self.idx.scratch()
    }
    fn search(&self, q: usize, ef: usize, st: &mut Self::State, out: &mut [u32]) -> u32 {
        let hits = self.idx.search(self.ds.query(q), K, ef, None, st).expect("nook search");
        for (o, h) in out.iter_mut().zip(hits) {
            *o = h.id as u32;
        }
        0
    }
}

struct Pruned<'a> {
    pruned: &'a PrunedIndex,
    ds: &'a Dataset,
    batch: usize,
}

impl<'a> Searcher for Pruned<'a> {
    type State = (nook::index::SearchScratch, nook::TableVectors<'a>);
    /// (ef, rerank)
    type Param = (usize, usize);
    fn state(&self) -> Self::State {
        (self.pruned.scratch(), nook::TableVectors { vectors: &self.ds.base, dims: self.ds.dims })
    }
    fn search(&self, q: usize, (ef, rerank): (usize, usize), st: &mut Self::State, out: &mut [u32]) -> u32 {
        let p = TwoLevelParams { ef, rerank, batch: self.batch, ..TwoLevelParams::default() };
        let (hits, stats) = self.pruned.search(self.ds.query(q), K, &p, None, &mut st.1, &mut st.0).expect("nook pruned search");
        for (o, h) in out.iter_mut().zip(hits) {
            *o = h.id as u32;
        }
        stats.exact as u32
    }
}

/// `ds` is already prepared (normalised for cosine sets); `truth` loads the ground truth
/// after the build, so that it does not count towards the build's peak memory.
pub fn run(ds: &Dataset, cfg: &Config, truth: &dyn Fn() -> Result<GroundTruth, String>) -> Result<(), String> {
    let n = ds.n_base();
    let metric = match ds.metric {
        Metric::L2 => nook::Metric::L2,
        Metric::Cosine => nook::Metric::Cosine,
    };
    let rss_data = measure::vm_bytes("VmRSS");
    if !measure::reset_peak() {
        eprintln!("nook: cannot reset VmHWM; the peak includes data loading");
    }
    eprintln!("nook: building {n} x {} ({metric:?}), {} threads ...", ds.dims, cfg.build_threads);
    let cpu0 = measure::cpu_secs();
    let t = Instant::now();
    let params = IndexParams { metric, dims: ds.dims, m: M, ef_construction: EF_CONSTRUCTION, seed: SEED };
    let mut idx = VectorIndex::new(params).map_err(|e| format!("nook VectorIndex::new: {e}"))?;
    let ids: Vec<u64> = (0..n as u64).collect();
    idx.add_batch(&ids, &ds.base, cfg.build_threads).map_err(|e| format!("nook add_batch: {e}"))?;
    if cfg.nook_reorder {
        idx.reorder_for_locality();
    }
    let build = t.elapsed().as_secs_f64();
    drop(ids);
    let peak = measure::vm_bytes("VmHWM");
    eprintln!("nook: built in {build:.1} s, peak RSS {:.0} MiB", peak as f64 / (1 << 20) as f64);
    Record::new("build")
        .s("lib", "nook")
        .u("threads", cfg.build_threads as u64)
        .f("secs", build)
        .f("cpu_secs", measure::cpu_secs() - cpu0)
        .f("load", measure::load_avg())
        .u("peak_rss", peak)
        .u("data_rss", rss_data)
        .s("reorder_for_locality", if cfg.nook_reorder { "true" } else { "false" })
        .emit();
    let saved = idx.save();
    let bytes = saved.len() as u64;
    eprintln!("nook: save() = {bytes} bytes ({:.0} B/vector)", bytes as f64 / n as f64);
    Record::new("disk").s("lib", "nook").u("bytes", bytes).emit();
    if let Some(w) = crate::work_dir().filter(|_| cfg.interleave) {
        // Interleaved runs measure queries in the query child (see interleaved.rs).
        let p = w.join(SAVE_FILE);
        return std::fs::write(&p, &saved).map_err(|e| format!("{}: {e}", p.display()));
    }
    drop(saved);

    let gt = truth()?;
    let truth = Truth { metric: ds.metric, dims: ds.dims, base: &ds.base, queries: &ds.queries, gt: &gt };
    let nq = ds.n_queries();
    if cfg.libs.iter().any(|l| l == "nook") {
        let s = Stored { idx: &idx, ds };
        measure::ef_curve("nook", &s, &truth, nq, &cfg.efs, &cfg.query_threads, cfg.runs);
    }
    if cfg.libs.iter().any(|l| l == "pruned") {
        pruned(&idx, ds, cfg, &truth)?;
    }
    Ok(())
}

pub fn pruned(idx: &VectorIndex, ds: &Dataset, cfg: &Config, truth: &Truth) -> Result<(), String> {
    let mut prune = PruneParams::default();
    if let Some(m) = cfg.prune_m {
        prune.m = m;
    }
    if let Some(m) = cfg.prune_m_hub {
        prune.m_hub = m;
    }
    let mut pq = PqParams::default();
    if let Some(s) = cfg.pq_subspaces {
        pq.subspaces = s;
    }
    eprintln!("nook pruned: building ({prune:?}, {pq:?}) ...");
    let t = Instant::now();
    let pruned = PrunedIndex::build(idx, &prune, &pq, cfg.build_threads).map_err(|e| format!("nook PrunedIndex::build: {e}"))?;
    let secs = t.elapsed().as_secs_f64();
    let sz = pruned.sizes();
    // The index proper, as the issue counts it; ids and headers are reported separately.
    let index_bytes = (sz.graph + sz.codes + sz.codebook) as u64;
    eprintln!("nook pruned: built in {secs:.1} s, sizes {sz:?}");
    Record::new("pruned_build")
        .f("secs", secs)
        .s("prune", &format!("{prune:?}"))
        .s("pq", &format!("{pq:?}"))
        .u("batch", cfg.batch as u64)
        .u("graph", sz.graph as u64)
        .u("codes", sz.codes as u64)
        .u("codebook", sz.codebook as u64)
        .u("ids", sz.ids as u64)
        .u("file", sz.total as u64)
        .u("index", index_bytes)
        .emit();

    let s = Pruned { pruned: &pruned, ds, batch: cfg.batch };
    let nq = ds.n_queries();
    let sweep_threads = cfg.query_threads.iter().copied().max().unwrap_or(1);
    // (ef, rerank, recall, median exact)
    let mut points: Vec<(usize, usize, f64, f64)> = Vec::new();
    // The grid, then (while recall@10 0.95 is not reached) doubled ef up to
    // --pruned-ef-max with the larger rerank values.
    let top = TARGETS[TARGETS.len() - 1];
    let mut efs = cfg.pruned_efs.clone();
    let mut i = 0;
    while i < efs.len() {
        let ef = efs[i];
        let reranks: Vec<usize> = if i < cfg.pruned_efs.len() {
            cfg.reranks.clone()
        } else {
            let mut r: Vec<usize> = cfg.reranks.iter().copied().chain([240, 320]).filter(|&r| r >= 40).collect();
            r.sort_unstable();
            r.dedup();
            r
        };
        for rerank in reranks.into_iter().filter(|&r| r <= ef && r >= K) {
            let p = measure::measure(&s, (ef, rerank), truth, nq, sweep_threads, 1);
            let exact = measure::median_u32(&p.counts);
            let mean = p.counts.iter().map(|&c| c as f64).sum::<f64>() / nq as f64;
            eprintln!(
                "  pruned ef {ef:>4} rerank {rerank:>4}: recall@10 {:.4}  exact median {exact:.0} mean {mean:.1}  {:.0} q/s ({sweep_threads} threads)",
                p.recall, p.qps
            );
            Record::new("pruned_point")
                .u("ef", ef as u64)
                .u("rerank", rerank as u64)
                .f("recall", p.recall)
                .f("exact_median", exact)
                .f("exact_mean", mean)
                .u("threads", sweep_threads as u64)
                .f("qps", p.qps)
                .f("cpu_qps", p.cpu_qps)
                .emit();
            points.push((ef, rerank, p.recall, exact));
        }
        i += 1;
        let last = efs.last().copied().unwrap_or(0);
        if i == efs.len() && !points.iter().any(|p| p.2 >= top) && last * 2 <= cfg.pruned_ef_max {
            efs.push(last * 2);
        }
    }
    for target in TARGETS {
        // The cheapest point reaching the target: fewest exact vectors, then smallest ef.
        let best = points.iter().filter(|p| p.2 >= target).min_by(|a, b| a.3.total_cmp(&b.3).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
        let Some(&(ef, rerank, _, _)) = best else {
            eprintln!("  pruned: recall@10 {target} not reached by the sweep");
            Record::new("pruned_op").f("target", target).s("reached", "false").emit();
            continue;
        };
        let p = measure::measure(&s, (ef, rerank), truth, nq, 1, cfg.runs);
        let exact = measure::median_u32(&p.counts);
        eprintln!("  pruned @{target}: ef {ef} rerank {rerank}: recall@10 {:.4}, exact median {exact:.0}, {:.0} q/s (1 thread)", p.recall, p.qps);
        Record::new("pruned_op")
            .f("target", target)
            .s("reached", "true")
            .u("ef", ef as u64)
            .u("rerank", rerank as u64)
            .f("recall", p.recall)
            .f("exact_median", exact)
            .f("qps", p.qps)
            .list("qps_runs", &p.qps_runs)
            .f("cpu_qps", p.cpu_qps)
            .u("index", index_bytes)
            .emit();
    }
    Ok(())
}
