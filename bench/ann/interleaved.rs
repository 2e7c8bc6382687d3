//! The query child of an interleaved run (the default): after the build children have
//! measured build time, peak memory and bytes, and left their indexes in the work
//! directory, this child reloads both (hnsw_rs from its dump, nook from `save()` bytes)
//! and times their query passes alternately, so that the load of a shared machine falls
//! on both alike. Then it runs nook's pruned mode, built from the reloaded index.

use hnsw_rs::prelude::HnswIo;

use crate::Config;
use crate::data::Dataset;
use crate::gt::GroundTruth;
use crate::measure::{self, Truth};
use crate::{hnsw_runs, nook_runs};

pub fn run(ds: &Dataset, cfg: &Config, gt: &GroundTruth) -> Result<(), String> {
    let work = crate::work_dir().ok_or("the query child needs NOOK_ANN_WORK")?;
    let wants = |l: &str| cfg.libs.iter().any(|x| x == l);

    let dump = work.join(hnsw_runs::DUMP_DIR);
    let io = HnswIo::new(&dump, hnsw_runs::DUMP_NAME);
    let hnsw = if wants("hnsw_rs") && dump.exists() {
        eprintln!("query: reloading hnsw_rs from {}", dump.display());
        Some(hnsw_runs::load(&io, ds.metric, cfg)?)
    } else {
        None
    };
    let saved = work.join(nook_runs::SAVE_FILE);
    let nook = if saved.exists() {
        eprintln!("query: loading nook from {}", saved.display());
        let bytes = std::fs::read(&saved).map_err(|e| format!("{}: {e}", saved.display()))?;
        Some(nook::index::VectorIndex::load(&bytes).map_err(|e| format!("nook VectorIndex::load: {e}"))?)
    } else {
        None
    };

    let truth = Truth { metric: ds.metric, dims: ds.dims, base: &ds.base, queries: &ds.queries, gt };
    let hs = hnsw.as_ref().map(|h| hnsw_runs::LoadedSearcher { h, ds });
    let ns = nook.as_ref().filter(|_| wants("nook")).map(|idx| nook_runs::Stored { idx, ds });
    measure::ef_curves_interleaved(
        hs.as_ref().map(|s| ("hnsw_rs", s)),
        ns.as_ref().map(|s| ("nook", s)),
        &truth,
        ds.n_queries(),
        &cfg.efs,
        &cfg.query_threads,
        cfg.runs,
    );
    drop(hnsw);
    if wants("pruned") {
        let idx = nook.as_ref().ok_or("pruned mode needs the nook index, which is missing")?;
        nook_runs::pruned(idx, ds, cfg, &truth)?;
    }
    Ok(())
}
