//! The native CLI end to end: build (stored and pruned), stats, search, bench, and a clear
//! message for bad input.

mod common;

use std::path::PathBuf;
use std::process::Command;

use nook::format::fvecs::write_fvecs;

fn nook(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nook")).args(args).output().expect("run nook");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nook-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn build_stats_search_and_bench() {
    let dir = temp_dir("ok");
    let dims = 16;
    let base = common::clustered(1500, dims, 15, 31);
    let queries = common::queries(50, dims, 15, 31);
    let (b, q, gt) = (dir.join("base.fvecs"), dir.join("q.fvecs"), dir.join("gt.ivecs"));
    std::fs::write(&b, write_fvecs(dims, &base)).unwrap();
    std::fs::write(&q, write_fvecs(dims, &queries)).unwrap();
    let mut truth = Vec::new();
    for row in queries.chunks_exact(dims) {
        truth.extend_from_slice(&10i32.to_le_bytes());
        for id in common::brute_force(&base, dims, nook::Metric::L2, row, 10, |_| true) {
            truth.extend_from_slice(&(id as i32).to_le_bytes());
        }
    }
    std::fs::write(&gt, truth).unwrap();
    let s = |p: &PathBuf| p.to_str().unwrap().to_string();
    let (stored, pruned) = (s(&dir.join("s.nook")), s(&dir.join("p.nook")));

    let (ok, _, err) = nook(&["build", &s(&b), &stored, "--m", "8", "--ef-construction", "60"]);
    assert!(ok, "{err}");
    let (ok, _, err) = nook(&["build", &s(&b), &pruned, "--m", "8", "--pruned", "--m-hub", "8", "--m-small", "4", "--pq", "4"]);
    assert!(ok, "{err}");

    let (ok, out, _) = nook(&["stats", &pruned]);
    assert!(ok && out.contains("kind: Pruned") && out.contains("documents: 1500") && out.contains("codes") && out.contains("graph"), "{out}");

    let (ok, out, err) = nook(&["search", &stored, &s(&q), "--k", "5"]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 50);
    assert_eq!(out.lines().next().unwrap().split('\t').nth(1).unwrap().split(' ').count(), 5);

    let (ok, _, err) = nook(&["search", &pruned, &s(&q)]);
    assert!(!ok && err.contains("--vectors"), "a pruned search without vectors must say what is missing: {err}");

    let (ok, out, err) = nook(&["bench", &pruned, &s(&q), &s(&gt), "--vectors", &s(&b)]);
    assert!(ok, "{err}");
    let last: f64 = out.lines().last().unwrap().split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(last > 0.9, "recall at ef 320 should be high:\n{out}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_files_give_clear_errors() {
    let dir = temp_dir("bad");
    let junk = dir.join("junk.nook");
    std::fs::write(&junk, b"definitely not an index").unwrap();
    let (ok, _, err) = nook(&["stats", junk.to_str().unwrap()]);
    assert!(!ok && err.contains("not a nook index"), "{err}");
    let (ok, _, err) = nook(&["stats", dir.join("missing.nook").to_str().unwrap()]);
    assert!(!ok && err.contains("cannot read"), "{err}");
    let (ok, _, err) = nook(&["frobnicate"]);
    assert!(!ok && err.contains("usage"), "{err}");
    std::fs::remove_dir_all(dir).ok();
}
