//! The hnsw_rs peer (crates.io `hnsw_rs` 0.3, feature `simdeez_f`): build, recall/QPS
//! curve, bytes of its `file_dump`. Runs inside a child process (see `ann.rs`), so the
//! peak resident memory it reports belongs to hnsw_rs alone.
//!
//! Parameters as nook's: max_nb_connection (M) 16, ef_construction 200, 16 layers.
//! L2 sets use `DistL2`; cosine sets use `DistDot` on L2-normalised vectors (hnsw_rs's
//! SIMD path for cosine; its `DistCosine` is scalar f64) unless `--hnsw-cosine cosine`.

use std::time::Instant;

use hnsw_rs::prelude::*;

use crate::Config;
use crate::data::{Dataset, Metric};
use crate::gt::GroundTruth;
use crate::measure::{self, Record, Searcher, Truth};

pub const M: usize = 16;
pub const EF_CONSTRUCTION: usize = 200;
pub const MAX_LAYER: usize = 16;
/// Where an interleaved run keeps the dump, under the work directory, and its basename.
pub const DUMP_DIR: &str = "hnsw_rs";
pub const DUMP_NAME: &str = "hnsw";

/// An index reloaded from its dump, with the distance chosen at run time.
pub enum Loaded<'a> {
    L2(Hnsw<'a, f32, DistL2>),
    Dot(Hnsw<'a, f32, DistDot>),
    Cosine(Hnsw<'a, f32, DistCosine>),
}

impl Loaded<'_> {
    fn search(&self, q: &[f32], k: usize, ef: usize) -> Vec<Neighbour> {
        match self {
            Loaded::L2(h) => h.search(q, k, ef),
            Loaded::Dot(h) => h.search(q, k, ef),
            Loaded::Cosine(h) => h.search(q, k, ef),
        }
    }
}

/// Reload the dump of an interleaved run.
pub fn load<'a>(io: &'a HnswIo, metric: Metric, cfg: &Config) -> Result<Loaded<'a>, String> {
    fn e(err: impl std::fmt::Display) -> String {
        format!("hnsw_rs reload: {err}")
    }
    let mut l = match metric {
        Metric::L2 => Loaded::L2(io.load_hnsw_with_dist(DistL2 {}).map_err(e)?),
        Metric::Cosine if cfg.hnsw_cosine_scalar => Loaded::Cosine(io.load_hnsw_with_dist(DistCosine {}).map_err(e)?),
        Metric::Cosine => Loaded::Dot(io.load_hnsw_with_dist(DistDot {}).map_err(e)?),
    };
    match &mut l {
        Loaded::L2(h) => h.set_searching_mode(true),
        Loaded::Dot(h) => h.set_searching_mode(true),
        Loaded::Cosine(h) => h.set_searching_mode(true),
    }
    Ok(l)
}

pub struct LoadedSearcher<'a, 'b> {
    pub h: &'a Loaded<'b>,
    pub ds: &'a Dataset,
}

impl Searcher for LoadedSearcher<'_, '_> {
    type State = ();
    type Param = usize;
    fn state(&self) {}
    fn search(&self, q: usize, ef: usize, _: &mut (), out: &mut [u32]) -> u32 {
        for (o, n) in out.iter_mut().zip(self.h.search(self.ds.query(q), measure::K, ef)) {
            *o = n.d_id as u32;
        }
        0
    }
}

/// Which hnsw_rs distance a cosine set uses.
pub fn cosine_distance_name(cfg: &Config) -> &'static str {
    if cfg.hnsw_cosine_scalar { "DistCosine" } else { "DistDot (normalised vectors)" }
}

/// `ds` is already prepared (normalised for cosine sets); `truth` loads the ground truth
/// after the build, so that it does not count towards the build's peak memory.
pub fn run(ds: &Dataset, cfg: &Config, truth: &dyn Fn() -> Result<GroundTruth, String>) -> Result<(), String> {
    match ds.metric {
        Metric::L2 => go(DistL2 {}, "DistL2", ds, cfg, truth),
        Metric::Cosine if cfg.hnsw_cosine_scalar => go(DistCosine {}, "DistCosine", ds, cfg, truth),
        Metric::Cosine => go(DistDot {}, "DistDot", ds, cfg, truth),
    }
}

struct HnswSearcher<'a, 'b, D: Distance<f32> + Send + Sync> {
    h: &'a Hnsw<'b, f32, D>,
    ds: &'a Dataset,
}

impl<D: Distance<f32> + Send + Sync> Searcher for HnswSearcher<'_, '_, D> {
    type State = ();
    type Param = usize;
    fn state(&self) {}
    fn search(&self, q: usize, ef: usize, _: &mut (), out: &mut [u32]) -> u32 {
        for (o, n) in out.iter_mut().zip(self.h.search(self.ds.query(q), measure::K, ef)) {
            *o = n.d_id as u32;
        }
        0
    }
}

fn go<D: Distance<f32> + Send + Sync>(
    dist: D,
    dist_name: &str,
    ds: &Dataset,
    cfg: &Config,
    truth: &dyn Fn() -> Result<GroundTruth, String>,
) -> Result<(), String> {
    let n = ds.n_base();
    let rss_data = measure::vm_bytes("VmRSS");
    if !measure::reset_peak() {
        eprintln!("hnsw_rs: cannot reset VmHWM; the peak includes data loading");
    }
    eprintln!("hnsw_rs: building {n} x {} ({dist_name}), {} threads ...", ds.dims, cfg.build_threads);
    let cpu0 = measure::cpu_secs();
    let t = Instant::now();
    let mut h: Hnsw<f32, D> = Hnsw::new(M, n, MAX_LAYER, EF_CONSTRUCTION, dist);
    let items: Vec<(&[f32], usize)> = (0..n).map(|i| (ds.base_row(i), i)).collect();
    if cfg.build_threads > 1 {
        // rayon's global pool; the parent sets RAYON_NUM_THREADS for this child.
        h.parallel_insert_slice(&items);
    } else {
        for &it in &items {
            h.insert_slice(it);
        }
    }
    let build = t.elapsed().as_secs_f64();
    drop(items);
    h.set_searching_mode(true);
    let peak = measure::vm_bytes("VmHWM");
    eprintln!("hnsw_rs: built in {build:.1} s, peak RSS {:.0} MiB", peak as f64 / (1 << 20) as f64);
    Record::new("build")
        .s("lib", "hnsw_rs")
        .u("threads", cfg.build_threads as u64)
        .f("secs", build)
        .f("cpu_secs", measure::cpu_secs() - cpu0)
        .f("load", measure::load_avg())
        .u("peak_rss", peak)
        .u("data_rss", rss_data)
        .s("distance", dist_name)
        .emit();

    // Interleaved runs keep the dump for the query child (see interleaved.rs).
    let keep = crate::work_dir().filter(|_| cfg.interleave).map(|w| w.join(DUMP_DIR));
    let dir = keep.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("nook-ann-hnsw-{}", std::process::id())));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let dumped = h.file_dump(&dir, DUMP_NAME).map_err(|e| format!("hnsw_rs file_dump: {e}"))?;
    let bytes = measure::dir_bytes(&dir);
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    eprintln!("hnsw_rs: dump {dumped}.* = {bytes} bytes ({:.0} B/vector)", bytes as f64 / n as f64);
    Record::new("disk").s("lib", "hnsw_rs").u("bytes", bytes).emit();
    if keep.is_some() {
        return Ok(());
    }

    let gt = truth()?;
    let truth = Truth { metric: ds.metric, dims: ds.dims, base: &ds.base, queries: &ds.queries, gt: &gt };
    let s = HnswSearcher { h: &h, ds };
    measure::ef_curve("hnsw_rs", &s, &truth, ds.n_queries(), &cfg.efs, &cfg.query_threads, cfg.runs);
    Ok(())
}
