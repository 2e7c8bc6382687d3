//! Timed query passes, recall@10, memory readings and the result records children print.
//!
//! A library under test implements [`Searcher`]; [`pass`] runs it over the queries on
//! 1..n threads (std::thread::scope, work handed out in small chunks), and [`sweep`]
//! repeats passes per parameter and reports medians as [`Record`]s on stdout.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::data::{self, Metric};
use crate::gt::GroundTruth;

/// Neighbours asked for per query (recall@10).
pub const K: usize = 10;
/// No result in this slot.
pub const NONE: u32 = u32::MAX;

/// One library in one configuration, searched by query index.
pub trait Searcher: Sync {
    /// Per-thread reusable state (scratch, provider), made before the clock starts.
    type State: Send;
    /// What a sweep varies (ef, or ef and rerank).
    type Param: Copy + Sync;
    fn state(&self) -> Self::State;
    /// Write up to K base ids into `out` (the rest stay NONE); return a per-query count
    /// to report (exact vectors requested; 0 when it does not apply).
    fn search(&self, q: usize, p: Self::Param, st: &mut Self::State, out: &mut [u32]) -> u32;
}

/// The result of one pass over the queries.
pub struct Pass {
    pub secs: f64,
    /// CPU time (user + system, all threads of this process) the pass used.
    pub cpu_secs: f64,
    /// `nq * K` ids.
    pub ids: Vec<u32>,
    /// The per-query counts returned by `search`.
    pub counts: Vec<u32>,
}

const CHUNK: usize = 32;

/// Search queries `0..nq` with `threads` threads and time the whole pass.
pub fn pass<S: Searcher>(s: &S, p: S::Param, nq: usize, threads: usize) -> Pass {
    let threads = threads.max(1);
    let mut states: Vec<S::State> = (0..threads).map(|_| s.state()).collect();
    let mut locals: Vec<(Vec<u32>, Vec<u32>, Vec<usize>)> =
        (0..threads).map(|_| (Vec::with_capacity(nq * K), Vec::with_capacity(nq), Vec::with_capacity(nq / CHUNK + 1))).collect();
    let next = AtomicUsize::new(0);
    let cpu0 = cpu_secs();
    let t = Instant::now();
    let work = |st: &mut S::State, local: &mut (Vec<u32>, Vec<u32>, Vec<usize>)| loop {
        let c = next.fetch_add(CHUNK, Ordering::Relaxed);
        if c >= nq {
            break;
        }
        local.2.push(c);
        for q in c..(c + CHUNK).min(nq) {
            let at = local.0.len();
            local.0.resize(at + K, NONE);
            let n = s.search(q, p, st, &mut local.0[at..at + K]);
            local.1.push(n);
        }
    };
    if threads == 1 {
        work(&mut states[0], &mut locals[0]);
    } else {
        std::thread::scope(|sc| {
            for (st, local) in states.iter_mut().zip(locals.iter_mut()) {
                let work = &work;
                sc.spawn(move || work(st, local));
            }
        });
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu_secs = cpu_secs() - cpu0;
    let mut ids = vec![NONE; nq * K];
    let mut counts = vec![0; nq];
    for (lids, lcounts, starts) in locals {
        let mut i = 0;
        for c in starts {
            for q in c..(c + CHUNK).min(nq) {
                ids[q * K..(q + 1) * K].copy_from_slice(&lids[i * K..(i + 1) * K]);
                counts[q] = lcounts[i];
                i += 1;
            }
        }
    }
    Pass { secs, cpu_secs, ids, counts }
}

/// What recall is judged against.
pub struct Truth<'a> {
    pub metric: Metric,
    pub dims: usize,
    /// Base and queries prepared for the exact distance (normalised for cosine).
    pub base: &'a [f32],
    pub queries: &'a [f32],
    pub gt: &'a GroundTruth,
}

impl Truth<'_> {
    /// Mean recall@10: a returned id counts when its exact distance is within the true
    /// 10th-nearest distance (so ties at the boundary are not held against a library).
    pub fn recall(&self, ids: &[u32]) -> f64 {
        let d = self.dims;
        let n = self.base.len() / d;
        let nq = ids.len() / K;
        let mut hits = 0usize;
        for q in 0..nq {
            let qv = &self.queries[q * d..(q + 1) * d];
            let limit = self.gt.kth[q] + 1e-9 * self.gt.kth[q].abs().max(1e-3);
            let row = &ids[q * K..(q + 1) * K];
            for (i, &id) in row.iter().enumerate() {
                if id == NONE || id as usize >= n || row[..i].contains(&id) {
                    continue;
                }
                let b = &self.base[id as usize * d..(id as usize + 1) * d];
                if data::exact_distance(self.metric, qv, b) <= limit {
                    hits += 1;
                }
            }
        }
        hits as f64 / (nq * K) as f64
    }
}

pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

pub fn median_u32(v: &[u32]) -> f64 {
    median(&v.iter().map(|&x| x as f64).collect::<Vec<_>>())
}

/// One point of a recall/QPS sweep.
pub struct Point {
    pub recall: f64,
    /// Median queries per wall-clock second.
    pub qps: f64,
    pub qps_runs: Vec<f64>,
    /// Median queries per CPU-second: less disturbed than wall time when other jobs
    /// share the machine (for one thread it is the uncontended q/s, roughly).
    pub cpu_qps: f64,
    pub counts: Vec<u32>,
}

/// Passes at one parameter, gathered into a [`Point`].
#[derive(Default)]
struct Runs {
    qps: Vec<f64>,
    cpu: Vec<f64>,
    first: Option<Pass>,
}

impl Runs {
    fn add(&mut self, r: Pass, nq: usize) {
        self.qps.push(nq as f64 / r.secs);
        // CPU time comes in 10 ms ticks: too coarse for passes under 0.2 s.
        self.cpu.push(if r.cpu_secs >= 0.2 { nq as f64 / r.cpu_secs } else { f64::NAN });
        if self.first.is_none() {
            self.first = Some(r);
        }
    }
    fn point(self, truth: &Truth) -> Point {
        let first = self.first.expect("at least one run");
        Point { recall: truth.recall(&first.ids), qps: median(&self.qps), cpu_qps: median(&self.cpu), qps_runs: self.qps, counts: first.counts }
    }
}

/// `runs` timed passes at one parameter: recall of the first, median QPS over all.
pub fn measure<S: Searcher>(s: &S, p: S::Param, truth: &Truth, nq: usize, threads: usize, runs: usize) -> Point {
    let mut acc = Runs::default();
    for _ in 0..runs.max(1) {
        acc.add(pass(s, p, nq, threads), nq);
    }
    acc.point(truth)
}

fn emit_curve(lib: &str, t: usize, ef: usize, p: &Point) {
    eprintln!("  {lib:<8} threads {t} ef {ef:>4}: recall@10 {:.4}  {:>8.0} q/s  ({:.0} per CPU-s, load {:.1})", p.recall, p.qps, p.cpu_qps, load_avg());
    Record::new("curve")
        .s("lib", lib)
        .u("threads", t as u64)
        .u("ef", ef as u64)
        .f("recall", p.recall)
        .f("qps", p.qps)
        .list("qps_runs", &p.qps_runs)
        .f("cpu_qps", p.cpu_qps)
        .f("load", load_avg())
        .emit();
}

/// Like [`ef_curve`] for two libraries whose timed passes alternate (a, b, a, b, ...),
/// so that changes in the machine's load hit both alike.
#[allow(clippy::too_many_arguments)]
pub fn ef_curves_interleaved<A: Searcher<Param = usize>, B: Searcher<Param = usize>>(
    a: Option<(&str, &A)>,
    b: Option<(&str, &B)>,
    truth: &Truth,
    nq: usize,
    efs: &[usize],
    threads: &[usize],
    runs: usize,
) {
    for &t in threads {
        for &ef in efs {
            let (mut ra, mut rb) = (Runs::default(), Runs::default());
            for _ in 0..runs.max(1) {
                if let Some((_, s)) = a {
                    ra.add(pass(s, ef, nq, t), nq);
                }
                if let Some((_, s)) = b {
                    rb.add(pass(s, ef, nq, t), nq);
                }
            }
            if let Some((lib, _)) = a {
                emit_curve(lib, t, ef, &ra.point(truth));
            }
            if let Some((lib, _)) = b {
                emit_curve(lib, t, ef, &rb.point(truth));
            }
        }
    }
}

/// A line of results a child prints on stdout: `@ann <kind> key=value ...`.
pub struct Record(String);

impl Record {
    pub fn new(kind: &str) -> Self {
        Record(format!("@ann {kind}"))
    }
    pub fn s(mut self, k: &str, v: &str) -> Self {
        // Values are one word: '%' and whitespace are percent-encoded (see report::Rec).
        let v = v.replace('%', "%25").replace(' ', "%20").replace('\n', "%0A");
        self.0.push_str(&format!(" {k}={v}"));
        self
    }
    pub fn u(self, k: &str, v: u64) -> Self {
        self.s(k, &v.to_string())
    }
    pub fn f(self, k: &str, v: f64) -> Self {
        self.s(k, &format!("{v:.6}"))
    }
    pub fn list(self, k: &str, v: &[f64]) -> Self {
        let s: Vec<String> = v.iter().map(|x| format!("{x:.2}")).collect();
        self.s(k, &s.join(","))
    }
    pub fn emit(self) {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", self.0);
        let _ = out.flush();
    }
}

/// A `/proc/self/status` field in bytes (VmHWM = peak resident, VmRSS = resident now).
pub fn vm_bytes(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field) && l[field.len()..].starts_with(':')).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Reset the kernel's peak-resident counter (VmHWM) to the current resident size, so a
/// following reading covers only what happens from now on. Returns false if the kernel
/// refused (then VmHWM still includes earlier peaks, e.g. data loading).
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// CPU time used so far by this process (all its threads, live and exited), from
/// `/proc/self/stat` (utime + stime, in clock ticks of 1/100 s: Linux's USER_HZ).
pub fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

/// 1-minute load average.
pub fn load_avg() -> f64 {
    std::fs::read_to_string("/proc/loadavg").ok().and_then(|s| s.split_whitespace().next()?.parse().ok()).unwrap_or(f64::NAN)
}

/// Total size of the files directly in `dir`.
pub fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir).map(|rd| rd.filter_map(|e| e.ok()?.metadata().ok()).filter(|m| m.is_file()).map(|m| m.len()).sum()).unwrap_or(0)
}

/// Sweep ef over `efs` for each thread count; emit one `curve` record per point.
pub fn ef_curve<S: Searcher<Param = usize>>(lib: &str, s: &S, truth: &Truth, nq: usize, efs: &[usize], threads: &[usize], runs: usize) {
    for &t in threads {
        for &ef in efs {
            emit_curve(lib, t, ef, &measure(s, ef, truth, nq, t, runs));
        }
    }
}
