//! ANN benchmark: nook against hnsw_rs on real data, in the same run (issue 2,
//! "Benchmarks").
//!
//!     scripts/fetch_data.sh                       # once: data/*.fvecs
//!     cargo bench --bench ann -- fashion-mnist
//!     cargo bench --bench ann -- glove-50 --base 100000
//!
//! The parent loads the set, computes or checks the brute-force ground truth
//! (`data/<set>-gt.ivecs`), then re-executes itself once per library (`--child NAME`,
//! hidden) so that each build's peak resident memory (VmHWM) is that library's alone.
//! Children print `@ann` result records on stdout; the parent prints a markdown table and
//! writes `bench/results/ann-<set>[-<base>].{md,json}`. Progress goes to stderr.
//!
//! Modules: `ann/data.rs` (files, exact distance), `ann/gt.rs` (ground truth),
//! `ann/measure.rs` (timed passes, recall, records), `ann/hnsw_runs.rs` (peer),
//! `ann/nook_runs.rs` (nook stored and pruned modes), `ann/report.rs` (md / json).

#[path = "ann/data.rs"]
mod data;
#[path = "ann/gt.rs"]
mod gt;
#[path = "ann/hnsw_runs.rs"]
mod hnsw_runs;
#[path = "ann/interleaved.rs"]
mod interleaved;
#[path = "ann/measure.rs"]
mod measure;
#[path = "ann/nook_runs.rs"]
mod nook_runs;
#[path = "ann/report.rs"]
mod report;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

const USAGE: &str = "usage: cargo bench --bench ann -- [DATASET] [options]
  DATASET              fashion-mnist (default) | glove-50
  --base N             use the first N base vectors (default: all)
  --queries N          use the first N queries (default: all 10,000)
  --runs R             timed passes per point, median reported (default 3)
  --efs LIST           ef values of the curves (default 10,20,40,80,160,320)
  --threads LIST       query thread counts (default 1,2)
  --build-threads T    build threads for both libraries (default 2)
  --libs LIST          hnsw_rs,nook,pruned (default all three)
  --pruned-efs LIST    ef values of the pruned-mode sweep (default 10,20,40,80,160,320)
  --pruned-ef-max E    while recall@10 0.95 is not reached, the sweep doubles ef up to E
                       (default 2560)
  --reranks LIST       rerank values of the pruned-mode sweep (default 10,15,20,30,40,50,60,80,100,120,160)
  --batch B            exact vectors per provider call in pruned mode (default 16)
  --prune-m M          pruned degree of non-hubs (default: nook's PruneParams default)
  --prune-m-hub M      degree of hubs (default: nook's PruneParams default)
  --pq-subspaces S     PQ bytes per vector (default: nook's PqParams default)
  --nook-reorder       call VectorIndex::reorder_for_locality after the build (timed)
  --hnsw-cosine KIND   dot (default: DistDot on normalised vectors) | cosine (DistCosine)
  --data DIR           where fetch_data.sh put the sets (default $NOOK_DATA or <repo>/data)
  --out DIR            results directory (default <repo>/bench/results)
  --sequential         time each library's queries in its own child right after its
                       build (default: reload both and alternate their timed passes)
  --tag NAME           append -NAME to the result file names
  --no-write           print only, write no result files
  --gt-only            compute / check the ground truth cache and stop";

/// The parent's work directory for its children (dumps handed to the query child).
const WORK_ENV: &str = "NOOK_ANN_WORK";

pub fn work_dir() -> Option<PathBuf> {
    std::env::var_os(WORK_ENV).map(PathBuf::from)
}

/// The run's settings (shared by parent and children: children get the same arguments).
pub struct Config {
    pub dataset: String,
    pub data_dir: PathBuf,
    pub out_dir: PathBuf,
    pub base: Option<usize>,
    pub queries: Option<usize>,
    pub runs: usize,
    pub efs: Vec<usize>,
    pub query_threads: Vec<usize>,
    pub build_threads: usize,
    pub libs: Vec<String>,
    pub pruned_efs: Vec<usize>,
    pub reranks: Vec<usize>,
    pub pruned_ef_max: usize,
    pub tag: Option<String>,
    pub batch: usize,
    pub prune_m: Option<usize>,
    pub prune_m_hub: Option<usize>,
    pub pq_subspaces: Option<usize>,
    pub nook_reorder: bool,
    pub hnsw_cosine_scalar: bool,
    pub write: bool,
    pub interleave: bool,
    pub gt_only: bool,
    pub child: Option<String>,
    /// The user's arguments, for the record and for the children.
    pub args: Vec<String>,
    pub args_line: String,
}

fn parse_list(v: &str) -> Result<Vec<usize>, String> {
    v.split(',').map(|x| x.trim().parse::<usize>().map_err(|_| format!("bad number {x:?} in {v:?}"))).collect()
}

fn parse_args(raw: Vec<String>) -> Result<Config, String> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut c = Config {
        dataset: "fashion-mnist".into(),
        data_dir: std::env::var_os("NOOK_DATA").map_or(repo.join("data"), PathBuf::from),
        out_dir: repo.join("bench/results"),
        base: None,
        queries: None,
        runs: 3,
        efs: vec![10, 20, 40, 80, 160, 320],
        query_threads: vec![1, 2],
        build_threads: 2,
        libs: vec!["hnsw_rs".into(), "nook".into(), "pruned".into()],
        pruned_efs: vec![10, 20, 40, 80, 160, 320],
        reranks: vec![10, 15, 20, 30, 40, 50, 60, 80, 100, 120, 160],
        pruned_ef_max: 2560,
        tag: None,
        batch: 16,
        prune_m: None,
        prune_m_hub: None,
        pq_subspaces: None,
        nook_reorder: false,
        hnsw_cosine_scalar: false,
        write: true,
        interleave: true,
        gt_only: false,
        child: None,
        args: Vec::new(),
        args_line: String::new(),
    };
    // `cargo bench` passes --bench to harness = false targets.
    let args: Vec<String> = raw.into_iter().filter(|a| a != "--bench").collect();
    // Everything but a `--child NAME` pair is passed on to the children.
    let mut user = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--child" {
            c.child = Some(it.next().cloned().ok_or("--child needs a value")?);
        } else {
            user.push(a.clone());
        }
    }
    let mut it = user.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--base" => c.base = Some(val()?.parse().map_err(|_| "--base needs a number")?),
            "--queries" => c.queries = Some(val()?.parse().map_err(|_| "--queries needs a number")?),
            "--runs" => c.runs = val()?.parse().map_err(|_| "--runs needs a number")?,
            "--efs" => c.efs = parse_list(&val()?)?,
            "--threads" => c.query_threads = parse_list(&val()?)?,
            "--build-threads" => c.build_threads = val()?.parse().map_err(|_| "--build-threads needs a number")?,
            "--libs" => c.libs = val()?.split(',').map(str::to_string).collect(),
            "--pruned-efs" => c.pruned_efs = parse_list(&val()?)?,
            "--reranks" => c.reranks = parse_list(&val()?)?,
            "--pruned-ef-max" => c.pruned_ef_max = val()?.parse().map_err(|_| "--pruned-ef-max needs a number")?,
            "--tag" => c.tag = Some(val()?),
            "--batch" => c.batch = val()?.parse().map_err(|_| "--batch needs a number")?,
            "--prune-m" => c.prune_m = Some(val()?.parse().map_err(|_| "--prune-m needs a number")?),
            "--prune-m-hub" => c.prune_m_hub = Some(val()?.parse().map_err(|_| "--prune-m-hub needs a number")?),
            "--pq-subspaces" => c.pq_subspaces = Some(val()?.parse().map_err(|_| "--pq-subspaces needs a number")?),
            "--nook-reorder" => c.nook_reorder = true,
            "--hnsw-cosine" => {
                c.hnsw_cosine_scalar = match val()?.as_str() {
                    "dot" => false,
                    "cosine" => true,
                    other => return Err(format!("--hnsw-cosine {other}: use dot or cosine")),
                }
            }
            "--data" => c.data_dir = PathBuf::from(val()?),
            "--out" => c.out_dir = PathBuf::from(val()?),
            "--no-write" => c.write = false,
            "--gt-only" => c.gt_only = true,
            "--sequential" => c.interleave = false,
            s if !s.starts_with('-') => c.dataset = s.to_string(),
            s => return Err(format!("unknown option {s}")),
        }
    }
    for l in &c.libs {
        if !["hnsw_rs", "nook", "pruned"].contains(&l.as_str()) {
            return Err(format!("--libs: unknown library {l:?} (hnsw_rs, nook, pruned)"));
        }
    }
    if data::metric_of(&c.dataset).is_none() {
        return Err(format!("unknown dataset {:?}: fashion-mnist or glove-50", c.dataset));
    }
    c.args_line = user.join(" ");
    c.args = user;
    Ok(c)
}

fn main() -> ExitCode {
    let cfg = match parse_args(std::env::args().skip(1).collect()) {
        Ok(c) => c,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}\n");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let res = match cfg.child.clone() {
        Some(lib) => child(&cfg, &lib),
        None => parent(&cfg),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one library's part: load (and prepare) the data, build, measure, print records.
fn child(cfg: &Config, lib: &str) -> Result<(), String> {
    let mut ds = data::load(&cfg.data_dir, &cfg.dataset, cfg.base, cfg.queries)?;
    if ds.metric == data::Metric::Cosine {
        // Normalise in place: one copy of the base in memory. Both libraries get unit
        // vectors (cosine ranks them the same), and recall is judged on them.
        data::normalize(&mut ds.base, ds.dims);
        data::normalize(&mut ds.queries, ds.dims);
    }
    let truth = || gt::load(&cfg.data_dir, &ds, &ds.queries, &ds.base);
    match lib {
        "hnsw_rs" => hnsw_runs::run(&ds, cfg, &truth),
        "nook" => nook_runs::run(&ds, cfg, &truth),
        "query" => interleaved::run(&ds, cfg, &truth()?),
        other => Err(format!("unknown child {other}")),
    }
}

fn parent(cfg: &Config) -> Result<(), String> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Ground truth for all queries of the (possibly base-limited) set.
    let (meta_dims, base_n, base_total, metric) = {
        let ds = data::load(&cfg.data_dir, &cfg.dataset, cfg.base, None)?;
        eprintln!("{}: {} base (of {}) x {}, {} queries, {}", ds.name, ds.n_base(), ds.base_total, ds.dims, ds.n_queries(), ds.metric.name());
        gt::ensure(&cfg.data_dir, &ds, threads)?;
        (ds.dims, ds.n_base(), ds.base_total, ds.metric)
    };
    if cfg.gt_only {
        return Ok(());
    }
    let nq_file = data::read_fvecs(&data::query_path(&cfg.data_dir, &cfg.dataset), Some(0))?.2;
    let nq = cfg.queries.map_or(nq_file, |q| q.min(nq_file));

    let mut meta = report::Meta {
        dims: meta_dims,
        base: base_n,
        base_total,
        queries: nq,
        metric: metric.name(),
        cpu: cpu_model(),
        cores: threads,
        date: utc_now(),
        hnsw_rs_version: locked_version("hnsw_rs"),
        hnsw_distance: match metric {
            data::Metric::L2 => "DistL2".into(),
            data::Metric::Cosine => hnsw_runs::cosine_distance_name(cfg).into(),
        },
        load: Vec::new(),
        failures: Vec::new(),
    };
    // Children run from a private copy of this program, so a rebuild of the bench during
    // a long run (the target directory is shared) cannot pull the file from under us.
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let copy = std::env::temp_dir().join(format!("nook-ann-{}", std::process::id()));
    std::fs::copy(&exe, &copy).map_err(|e| format!("copying {} to {}: {e}", exe.display(), copy.display()))?;
    let mut recs = Vec::new();
    let mut children = Vec::new();
    if cfg.libs.iter().any(|l| l == "hnsw_rs") {
        children.push("hnsw_rs");
    }
    if cfg.libs.iter().any(|l| l == "nook" || l == "pruned") {
        children.push("nook");
    }
    if cfg.interleave {
        children.push("query");
    }
    let work = std::env::temp_dir().join(format!("nook-ann-work-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    for name in children {
        meta.load.push((name.to_string(), measure::load_avg()));
        eprintln!("--- {name} (child process) ---");
        match run_child(cfg, &copy, &work, name, &mut recs) {
            Ok(()) => {}
            Err(e) => {
                eprintln!("{name}: {e}");
                meta.failures.push(format!("{name}: {e}"));
            }
        }
    }
    let _ = std::fs::remove_file(&copy);
    let _ = std::fs::remove_dir_all(&work);
    let sum = report::summarize(cfg, &recs);
    let md = report::markdown(cfg, &meta, &recs, &sum);
    println!("{md}");
    if cfg.write {
        let mut stem = match cfg.base {
            Some(_) if base_n < base_total => format!("ann-{}-{}", cfg.dataset, base_n),
            _ => format!("ann-{}", cfg.dataset),
        };
        if let Some(t) = &cfg.tag {
            stem = format!("{stem}-{t}");
        }
        std::fs::create_dir_all(&cfg.out_dir).map_err(|e| format!("{}: {e}", cfg.out_dir.display()))?;
        let json = report::json(cfg, &meta, &recs, &sum);
        for (ext, text) in [("md", &md), ("json", &json)] {
            let p = cfg.out_dir.join(format!("{stem}.{ext}"));
            std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
            eprintln!("wrote {}", p.display());
        }
    }
    if meta.failures.is_empty() { Ok(()) } else { Err(format!("{} part(s) failed", meta.failures.len())) }
}

/// Re-execute this program as `--child name`, collecting its `@ann` records.
fn run_child(cfg: &Config, exe: &Path, work: &Path, name: &str, recs: &mut Vec<report::Rec>) -> Result<(), String> {
    let mut child = Command::new(exe)
        .env(WORK_ENV, work)
        .args(&cfg.args)
        .arg("--child")
        .arg(name)
        .env("RAYON_NUM_THREADS", cfg.build_threads.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    let out = child.stdout.take().expect("piped stdout");
    for line in std::io::BufReader::new(out).lines() {
        let line = line.map_err(|e| format!("reading child output: {e}"))?;
        match report::Rec::parse(&line) {
            Some(r) => recs.push(r),
            None => eprintln!("{line}"),
        }
    }
    let status = child.wait().map_err(|e| format!("wait: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("child exited with {status}")) }
}

fn cpu_model() -> String {
    let lscpu = Command::new("lscpu").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    let from =
        |text: &str, key: &str| text.lines().find(|l| l.trim_start().starts_with(key)).and_then(|l| l.split_once(':')).map(|(_, v)| v.trim().to_string());
    lscpu
        .as_deref()
        .and_then(|t| from(t, "Model name"))
        .or_else(|| std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|t| from(&t, "model name")))
        .unwrap_or_else(|| "unknown".into())
}

/// The version of a dependency as locked in Cargo.lock.
fn locked_version(krate: &str) -> String {
    let lock = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).unwrap_or_default();
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l.trim() == format!("name = \"{krate}\"")
            && let Some(v) = lines.next().and_then(|v| v.trim().strip_prefix("version = "))
        {
            return v.trim_matches('"').to_string();
        }
    }
    "unknown".into()
}

/// Current UTC time as `YYYY-MM-DD HH:MM UTC`.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
}
