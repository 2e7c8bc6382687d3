//! Turn the records the children printed into the markdown table and the JSON file of
//! `bench/results/ann-<dataset>.{md,json}`, with dataset, parameters, machine and date.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::Config;

/// One `@ann <kind> key=value ...` line.
pub struct Rec {
    pub kind: String,
    pub fields: BTreeMap<String, String>,
}

impl Rec {
    pub fn parse(line: &str) -> Option<Rec> {
        let mut parts = line.strip_prefix("@ann ")?.split(' ');
        let kind = parts.next()?.to_string();
        let fields = parts.filter_map(|p| p.split_once('=')).map(|(k, v)| (k.to_string(), decode(v))).collect();
        Some(Rec { kind, fields })
    }
    pub fn get(&self, k: &str) -> &str {
        self.fields.get(k).map_or("", |s| s.as_str())
    }
    pub fn num(&self, k: &str) -> f64 {
        self.get(k).parse().unwrap_or(f64::NAN)
    }
}

fn decode(v: &str) -> String {
    v.replace("%20", " ").replace("%0A", "\n").replace("%25", "%")
}

/// Facts about the run that the parent gathers.
pub struct Meta {
    pub dims: usize,
    pub base: usize,
    pub base_total: usize,
    pub queries: usize,
    pub metric: &'static str,
    pub cpu: String,
    pub cores: usize,
    pub date: String,
    pub hnsw_rs_version: String,
    pub hnsw_distance: String,
    /// (child, 1-minute load average just before it started)
    pub load: Vec<(String, f64)>,
    pub failures: Vec<String>,
}

/// Best q/s at recall >= 0.95 and the ef it was seen at.
type Best = Option<(f64, u64)>;

pub struct Summary {
    /// threads -> (hnsw_rs best qps, nook best qps) at recall >= 0.95
    pub qps_at_95: Vec<(u64, Best, Best)>,
    /// The same for one thread in queries per CPU-second.
    pub cpu_qps_at_95: (Best, Best),
    pub build_ratio: Option<f64>,
    pub bytes_ratio: Option<f64>,
    pub peak_ratio: Option<f64>,
}

fn find<'a>(recs: &'a [Rec], kind: &str, lib: &str) -> Option<&'a Rec> {
    recs.iter().find(|r| r.kind == kind && r.get("lib") == lib)
}

/// Highest `field` (q/s) and its ef among `lib`'s curve points at `threads` with
/// recall >= 0.95.
fn best(recs: &[Rec], lib: &str, threads: u64, field: &str) -> Option<(f64, u64)> {
    recs.iter()
        .filter(|r| r.kind == "curve" && r.get("lib") == lib && r.num("threads") as u64 == threads && r.num("recall") >= 0.95)
        .map(|r| (r.num(field), r.num("ef") as u64))
        .max_by(|a, b| a.0.total_cmp(&b.0))
}

/// Whether `lib` has any curve points.
fn ran(recs: &[Rec], lib: &str) -> bool {
    recs.iter().any(|r| r.kind == "curve" && r.get("lib") == lib)
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

pub fn summarize(cfg: &Config, recs: &[Rec]) -> Summary {
    let qps_at_95 = cfg.query_threads.iter().map(|&t| (t as u64, best(recs, "hnsw_rs", t as u64, "qps"), best(recs, "nook", t as u64, "qps"))).collect();
    let cpu_qps_at_95 = (best(recs, "hnsw_rs", 1, "cpu_qps"), best(recs, "nook", 1, "cpu_qps"));
    let val = |kind: &str, lib: &str, k: &str| find(recs, kind, lib).map(|r| r.num(k));
    let index_peak = |lib: &str| find(recs, "build", lib).map(|r| r.num("peak_rss") - r.num("data_rss"));
    Summary {
        qps_at_95,
        cpu_qps_at_95,
        build_ratio: ratio(val("build", "nook", "secs"), val("build", "hnsw_rs", "secs")),
        bytes_ratio: ratio(val("disk", "nook", "bytes"), val("disk", "hnsw_rs", "bytes")),
        peak_ratio: ratio(index_peak("nook"), index_peak("hnsw_rs")),
    }
}

fn opt(v: Option<f64>, prec: usize) -> String {
    v.map_or("-".into(), |x| format!("{x:.prec$}"))
}

fn mib(b: f64) -> String {
    format!("{:.0}", b / (1u64 << 20) as f64)
}

pub fn markdown(cfg: &Config, meta: &Meta, recs: &[Rec], sum: &Summary) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# ANN benchmark: {}\n", cfg.dataset);
    let _ = writeln!(
        s,
        "- dataset: {}, {} base{} x {} dims, {} queries, metric {}; ground truth: exact top-100 by brute force",
        cfg.dataset,
        meta.base,
        if meta.base < meta.base_total { format!(" (first {} of {})", meta.base, meta.base_total) } else { String::new() },
        meta.dims,
        meta.queries,
        meta.metric
    );
    let _ = writeln!(
        s,
        "- parameters: M 16, ef_construction 200, k 10; build on {} threads; queries on {:?} threads; median of {} timed passes; {}",
        cfg.build_threads,
        cfg.query_threads,
        cfg.runs,
        if cfg.interleave {
            "query passes timed on the reloaded indexes, the two libraries' passes alternating"
        } else {
            "query passes timed in each library's build process, one library after the other"
        }
    );
    let _ = writeln!(
        s,
        "- peer: hnsw_rs {} (feature simdeez_f), max_nb_connection 16, nb_layer 16, {}; build with parallel_insert_slice",
        meta.hnsw_rs_version, meta.hnsw_distance
    );
    let load: Vec<String> = meta.load.iter().map(|(c, l)| format!("{c} {l:.2}")).collect();
    let _ = writeln!(s, "- machine: {}, {} cores (shared; 1-min load before each child: {}); {}", meta.cpu, meta.cores, load.join(", "), meta.date);
    let _ = writeln!(s, "- command: `cargo bench --bench ann -- {}`", cfg.args_line);
    for f in &meta.failures {
        let _ = writeln!(s, "- FAILED: {f}");
    }

    let _ = writeln!(s, "\n## Build, memory, bytes\n");
    let _ = writeln!(s, "| library | build s | build CPU s | peak RSS MiB | of which data MiB | index bytes | bytes/vector |");
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|");
    for lib in ["hnsw_rs", "nook"] {
        let Some(b) = find(recs, "build", lib) else { continue };
        let bytes = find(recs, "disk", lib).map(|r| r.num("bytes"));
        let _ = writeln!(
            s,
            "| {lib} | {:.1} | {:.1} | {} | {} | {} | {} |",
            b.num("secs"),
            b.num("cpu_secs"),
            mib(b.num("peak_rss")),
            mib(b.num("data_rss")),
            opt(bytes, 0),
            opt(bytes.map(|x| x / meta.base as f64), 0)
        );
    }

    let libs: Vec<&str> = ["hnsw_rs", "nook"].into_iter().filter(|l| recs.iter().any(|r| r.kind == "curve" && r.get("lib") == *l)).collect();
    if !libs.is_empty() {
        let _ = writeln!(s, "\n## Recall@10 and queries/second\n");
        let mut head = String::from("| ef |");
        let mut rule = String::from("|---:|");
        for lib in &libs {
            head.push_str(&format!(" {lib} recall |"));
            rule.push_str("---:|");
            for t in &cfg.query_threads {
                head.push_str(&format!(" {lib} q/s {t}t |"));
                rule.push_str("---:|");
            }
            head.push_str(&format!(" {lib} q/CPU-s 1t |"));
            rule.push_str("---:|");
        }
        let _ = writeln!(s, "{head}\n{rule}");
        for &ef in &cfg.efs {
            let mut row = format!("| {ef} |");
            for lib in &libs {
                let pt =
                    |t: usize| recs.iter().find(|r| r.kind == "curve" && r.get("lib") == *lib && r.num("ef") as usize == ef && r.num("threads") as usize == t);
                row.push_str(&format!(" {} |", opt(cfg.query_threads.first().and_then(|&t| pt(t)).map(|r| r.num("recall")), 4)));
                for &t in &cfg.query_threads {
                    row.push_str(&format!(" {} |", opt(pt(t).map(|r| r.num("qps")), 0)));
                }
                row.push_str(&format!(" {} |", opt(pt(1).map(|r| r.num("cpu_qps")), 0)));
            }
            let _ = writeln!(s, "{row}");
        }
    }
    let _ = writeln!(s, "\n## nook / hnsw_rs\n");
    let _ = writeln!(s, "| measure | hnsw_rs | nook | ratio nook/hnsw_rs |");
    let _ = writeln!(s, "|---|---:|---:|---:|");
    for (t, h, n) in &sum.qps_at_95 {
        let cell = |v: &Option<(f64, u64)>, lib: &str| match v {
            Some((q, ef)) => format!("{q:.0} (ef {ef})"),
            None if ran(recs, lib) => "not reached".into(),
            None => "-".into(),
        };
        let _ = writeln!(
            s,
            "| best q/s at recall@10 >= 0.95, {t} thread{} | {} | {} | {} |",
            if *t == 1 { "" } else { "s" },
            cell(h, "hnsw_rs"),
            cell(n, "nook"),
            opt(ratio(n.map(|x| x.0), h.map(|x| x.0)), 2)
        );
    }
    {
        let cell = |v: &Option<(f64, u64)>, lib: &str| match v {
            Some((q, ef)) => format!("{q:.0} (ef {ef})"),
            None if ran(recs, lib) => "not reached".into(),
            None => "-".into(),
        };
        let (h, n) = &sum.cpu_qps_at_95;
        let _ = writeln!(
            s,
            "| best q/CPU-s at recall@10 >= 0.95, 1 thread | {} | {} | {} |",
            cell(h, "hnsw_rs"),
            cell(n, "nook"),
            opt(ratio(n.map(|x| x.0), h.map(|x| x.0)), 2)
        );
    }
    let v = |kind: &str, lib: &str, k: &str| find(recs, kind, lib).map(|r| r.num(k));
    let _ = writeln!(s, "| build time s | {} | {} | {} |", opt(v("build", "hnsw_rs", "secs"), 1), opt(v("build", "nook", "secs"), 1), opt(sum.build_ratio, 2));
    let _ = writeln!(s, "| index bytes | {} | {} | {} |", opt(v("disk", "hnsw_rs", "bytes"), 0), opt(v("disk", "nook", "bytes"), 0), opt(sum.bytes_ratio, 3));
    let _ = writeln!(
        s,
        "| build peak RSS above data, MiB | {} | {} | {} |",
        find(recs, "build", "hnsw_rs").map_or("-".into(), |r| mib(r.num("peak_rss") - r.num("data_rss"))),
        find(recs, "build", "nook").map_or("-".into(), |r| mib(r.num("peak_rss") - r.num("data_rss"))),
        opt(sum.peak_ratio, 2)
    );

    if let Some(pb) = recs.iter().find(|r| r.kind == "pruned_build") {
        pruned_section(&mut s, recs, pb, meta);
    }
    s
}

fn pruned_section(s: &mut String, recs: &[Rec], pb: &Rec, meta: &Meta) {
    let hnsw_bytes = find(recs, "disk", "hnsw_rs").map(|r| r.num("bytes"));
    let total = pb.num("index");
    let _ = writeln!(s, "\n## nook pruned + PQ + recompute\n");
    let _ = writeln!(
        s,
        "- prune: `{}`; pq: `{}`; provider batch {}; built from the stored index in {:.1} s",
        pb.get("prune"),
        pb.get("pq"),
        pb.get("batch"),
        pb.num("secs")
    );
    let _ = writeln!(
        s,
        "- index bytes: graph {} + codes {} + codebook {} = {} ({:.1} B/vector); hnsw_rs dump {} -> **{} x smaller**",
        pb.get("graph"),
        pb.get("codes"),
        pb.get("codebook"),
        pb.get("index"),
        total / meta.base as f64,
        opt(hnsw_bytes, 0),
        opt(hnsw_bytes.map(|h| h / total), 1)
    );
    let _ = writeln!(
        s,
        "- the whole saved file adds ids {} and headers: {} bytes ({} x smaller than the hnsw_rs dump)",
        pb.get("ids"),
        pb.get("file"),
        opt(hnsw_bytes.map(|h| h / pb.num("file")), 1)
    );
    let _ = writeln!(s, "\n| target recall@10 | ef | rerank | recall@10 | exact vectors/query (median) | q/s 1t | q/CPU-s 1t | bytes vs hnsw_rs |");
    let _ = writeln!(s, "|---:|---:|---:|---:|---:|---:|---:|---:|");
    for op in recs.iter().filter(|r| r.kind == "pruned_op") {
        if op.get("reached") != "true" {
            let _ = writeln!(s, "| {:.2} | not reached in the sweep | | | | | | |", op.num("target"));
            continue;
        }
        let _ = writeln!(
            s,
            "| {:.2} | {} | {} | {:.4} | {:.0} | {:.0} | {:.0} | 1/{} |",
            op.num("target"),
            op.get("ef"),
            op.get("rerank"),
            op.num("recall"),
            op.num("exact_median"),
            op.num("qps"),
            op.num("cpu_qps"),
            opt(hnsw_bytes.map(|h| h / total), 1)
        );
    }
    let _ = writeln!(s, "\n<details><summary>sweep (one pass each)</summary>\n");
    let _ = writeln!(s, "| ef | rerank | recall@10 | exact median | exact mean | q/s |");
    let _ = writeln!(s, "|---:|---:|---:|---:|---:|---:|");
    for p in recs.iter().filter(|r| r.kind == "pruned_point") {
        let _ = writeln!(
            s,
            "| {} | {} | {:.4} | {:.0} | {:.1} | {:.0} ({}t) |",
            p.get("ef"),
            p.get("rerank"),
            p.num("recall"),
            p.num("exact_median"),
            p.num("exact_mean"),
            p.num("qps"),
            p.get("threads")
        );
    }
    let _ = writeln!(s, "\n</details>");
}

fn json_str(v: &str) -> String {
    let mut o = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// A field value as JSON: numbers stay numbers, comma lists of numbers become arrays.
fn json_val(v: &str) -> String {
    if v.parse::<f64>().is_ok_and(|x| x.is_finite()) {
        return v.to_string();
    }
    if v.contains(',') && v.split(',').all(|p| p.parse::<f64>().is_ok_and(|x| x.is_finite())) {
        return format!("[{v}]");
    }
    if v == "true" || v == "false" {
        return v.to_string();
    }
    json_str(v)
}

fn json_opt(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite()).map_or("null".into(), |x| format!("{x:.6}"))
}

pub fn json(cfg: &Config, meta: &Meta, recs: &[Rec], sum: &Summary) -> String {
    let mut s = String::from("{\n");
    let _ = writeln!(
        s,
        "  \"dataset\": {{\"name\": {}, \"metric\": {}, \"dims\": {}, \"base\": {}, \"base_total\": {}, \"queries\": {}, \"ground_truth\": \"exact top-100, brute force\"}},",
        json_str(&cfg.dataset),
        json_str(meta.metric),
        meta.dims,
        meta.base,
        meta.base_total,
        meta.queries
    );
    let list = |v: &[usize]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ");
    let _ = writeln!(
        s,
        "  \"parameters\": {{\"M\": 16, \"ef_construction\": 200, \"k\": 10, \"hnsw_rs_nb_layer\": 16, \"hnsw_rs_version\": {}, \"hnsw_rs_distance\": {}, \"build_threads\": {}, \"query_threads\": [{}], \"efs\": [{}], \"runs\": {}, \"pruned_efs\": [{}], \"reranks\": [{}], \"batch\": {}, \"interleaved\": {}}},",
        json_str(&meta.hnsw_rs_version),
        json_str(&meta.hnsw_distance),
        cfg.build_threads,
        list(&cfg.query_threads),
        list(&cfg.efs),
        cfg.runs,
        list(&cfg.pruned_efs),
        list(&cfg.reranks),
        cfg.batch,
        cfg.interleave
    );
    let load: Vec<String> = meta.load.iter().map(|(c, l)| format!("{}: {l:.2}", json_str(c))).collect();
    let _ = writeln!(s, "  \"machine\": {{\"cpu\": {}, \"cores\": {}, \"load_avg_1min_before\": {{{}}}}},", json_str(&meta.cpu), meta.cores, load.join(", "));
    let _ = writeln!(s, "  \"date\": {},", json_str(&meta.date));
    let _ = writeln!(s, "  \"command\": {},", json_str(&format!("cargo bench --bench ann -- {}", cfg.args_line)));
    let fails: Vec<String> = meta.failures.iter().map(|f| json_str(f)).collect();
    let _ = writeln!(s, "  \"failures\": [{}],", fails.join(", "));
    let q95: Vec<String> = sum
        .qps_at_95
        .iter()
        .map(|(t, h, n)| {
            format!(
                "{{\"threads\": {t}, \"hnsw_rs_qps\": {}, \"hnsw_rs_ef\": {}, \"nook_qps\": {}, \"nook_ef\": {}, \"ratio\": {}}}",
                json_opt(h.map(|x| x.0)),
                h.map_or("null".into(), |x| x.1.to_string()),
                json_opt(n.map(|x| x.0)),
                n.map_or("null".into(), |x| x.1.to_string()),
                json_opt(ratio(n.map(|x| x.0), h.map(|x| x.0)))
            )
        })
        .collect();
    let hnsw_bytes = find(recs, "disk", "hnsw_rs").map(|r| r.num("bytes"));
    let pruned_total = recs.iter().find(|r| r.kind == "pruned_build").map(|r| r.num("index"));
    let _ = writeln!(
        s,
        "  \"ratios_nook_over_hnsw_rs\": {{\"qps_at_recall_0.95\": [{}], \"cpu_qps_at_recall_0.95_1thread\": {}, \"build_time\": {}, \"bytes\": {}, \"build_peak_rss_above_data\": {}, \"pruned_bytes\": {}}},",
        q95.join(", "),
        json_opt(ratio(sum.cpu_qps_at_95.1.map(|x| x.0), sum.cpu_qps_at_95.0.map(|x| x.0))),
        json_opt(sum.build_ratio),
        json_opt(sum.bytes_ratio),
        json_opt(sum.peak_ratio),
        json_opt(ratio(pruned_total, hnsw_bytes))
    );
    let ops: Vec<String> = recs
        .iter()
        .filter(|r| r.kind == "pruned_op" && r.get("reached") == "true")
        .map(|r| {
            format!(
                "{{\"target_recall\": {}, \"ef\": {}, \"rerank\": {}, \"recall\": {}, \"exact_vectors_median\": {}, \"qps_1thread\": {}, \"index_bytes\": {}, \"times_smaller_than_hnsw_rs\": {}}}",
                r.get("target"),
                r.get("ef"),
                r.get("rerank"),
                r.get("recall"),
                r.get("exact_median"),
                r.get("qps"),
                r.get("index"),
                json_opt(ratio(hnsw_bytes, pruned_total))
            )
        })
        .collect();
    let _ = writeln!(s, "  \"pruned_operating_points\": [{}],", ops.join(", "));
    let _ = writeln!(s, "  \"records\": [");
    for (i, r) in recs.iter().enumerate() {
        let mut fields = vec![format!("\"kind\": {}", json_str(&r.kind))];
        fields.extend(r.fields.iter().map(|(k, v)| format!("{}: {}", json_str(k), json_val(v))));
        let _ = writeln!(s, "    {{{}}}{}", fields.join(", "), if i + 1 < recs.len() { "," } else { "" });
    }
    s.push_str("  ]\n}\n");
    s
}
