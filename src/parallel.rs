//! Scoped-thread helpers for the few embarrassingly parallel loops (training, ground
//! truth). On wasm32 without threads, `threads` is simply 1.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads we may actually start: `wanted` clamped to 1..=64, and 1 on wasm32 (no
/// threads there; spawning would panic).
pub fn usable_threads(wanted: usize) -> usize {
    if cfg!(target_family = "wasm") { 1 } else { wanted.clamp(1, 64) }
}

/// `(0..count).map(f)` computed on up to `threads` threads, results in order.
pub fn map<T: Send>(count: usize, threads: usize, f: &(impl Fn(usize) -> T + Sync)) -> Vec<T> {
    let threads = usable_threads(threads).min(count.max(1));
    if threads == 1 {
        return (0..count).map(f).collect();
    }
    let slots: Vec<Mutex<Option<T>>> = (0..count).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let v = f(i);
                    *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(v);
                }
            });
        }
    });
    slots.into_iter().filter_map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner())).collect()
}

/// [`map`] for many cheap items: each thread takes one contiguous run of `0..count`, so
/// there is a slot per run rather than per item. Results in order.
pub fn map_runs<T: Send>(count: usize, threads: usize, f: &(impl Fn(usize) -> T + Sync)) -> Vec<T> {
    let per = count.div_ceil(usable_threads(threads)).max(1);
    map(count.div_ceil(per), threads, &|t| (t * per..((t + 1) * per).min(count)).map(f).collect::<Vec<T>>()).into_iter().flatten().collect()
}
