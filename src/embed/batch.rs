//! Batching: which texts run together, at which fixed shape.
//!
//! Texts are grouped by length bucket (so padding stays small) and each group is split
//! into power-of-two batches (so a handful of plan shapes serve every request). Owns only
//! this arithmetic; running the model is `model`'s job.

/// Sequence lengths plans are built for; a text is padded up to the next one.
const LENGTH_BUCKETS: [usize; 16] = [8, 16, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256, 320, 384, 512];

/// The padded length for a text of `n` tokens, never above `max_tokens`.
pub fn bucket_len(n: usize, max_tokens: usize) -> usize {
    let b = LENGTH_BUCKETS.iter().copied().find(|&b| b >= n).unwrap_or(n);
    b.min(max_tokens).max(n)
}

/// One model call: these texts (indices into the request), padded to `len`.
#[derive(Debug, PartialEq)]
pub struct Run {
    pub len: usize,
    pub items: Vec<usize>,
}

/// Plan the model calls for texts of the given token counts: group by bucket, split
/// each group into batches whose sizes are powers of two up to `max_batch`
/// (13 texts with `max_batch` 16 run as 8 + 4 + 1). Every index appears once.
pub fn plan_runs(token_counts: &[usize], max_tokens: usize, max_batch: usize) -> Vec<Run> {
    let max_batch = prev_power_of_two(max_batch.max(1));
    let mut order: Vec<usize> = (0..token_counts.len()).collect();
    order.sort_by_key(|&i| (bucket_len(token_counts[i], max_tokens), i));
    let mut runs = Vec::new();
    let mut rest = &order[..];
    while let Some(&first) = rest.first() {
        let len = bucket_len(token_counts[first], max_tokens);
        let same = rest.iter().take_while(|&&i| bucket_len(token_counts[i], max_tokens) == len).count();
        let (mut group, tail) = rest.split_at(same);
        rest = tail;
        while !group.is_empty() {
            let size = prev_power_of_two(group.len()).min(max_batch);
            let (now, later) = group.split_at(size);
            runs.push(Run { len, items: now.to_vec() });
            group = later;
        }
    }
    runs
}

/// Lengths a query and the documents it recomputes are padded to (latency mode). A run's
/// cost grows about linearly with its padded length past ~16 tokens, and bookmark-like documents (title + folder + URL words) are
/// 20-60 tokens, so steps are 8 tokens up to 48; ten shapes, whose plans stay cached.
const LATENCY_LENGTHS: [usize; 10] = [16, 24, 32, 40, 48, 64, 96, 128, 192, 256];

/// Most texts in one latency-mode run.
pub const MAX_LATENCY_BATCH: usize = 32;

/// Runs for a query and the few documents it recomputes: each text padded to a
/// [`LATENCY_LENGTHS`] length (capped at `max_tokens`), texts of the same length together in
/// one run of any size up to [`MAX_LATENCY_BATCH`] (the model runs these on a plan whose
/// batch dimension is left open, so a new count builds no new plan). One call per
/// length instead of one per text: the weights are read once for all of them.
pub fn latency_runs(token_counts: &[usize], max_tokens: usize) -> Vec<Run> {
    let len_of = |n: usize| LATENCY_LENGTHS.iter().copied().find(|&b| b >= n).unwrap_or(n).min(max_tokens).max(n);
    let mut runs: Vec<Run> = Vec::new();
    for (i, &n) in token_counts.iter().enumerate() {
        let len = len_of(n);
        match runs.iter_mut().find(|r| r.len == len && r.items.len() < MAX_LATENCY_BATCH) {
            Some(run) => run.items.push(i),
            None => runs.push(Run { len, items: vec![i] }),
        }
    }
    runs.sort_by_key(|r| r.len);
    runs
}

fn prev_power_of_two(n: usize) -> usize {
    if n == 0 { 0 } else { 1 << (usize::BITS - 1 - n.leading_zeros()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_runs_use_few_lengths_and_group_by_length() {
        let runs = latency_runs(&[3, 16, 17, 45, 49, 200, 300, 10], 256);
        assert_eq!(
            runs.iter().map(|r| (r.len, r.items.clone())).collect::<Vec<_>>(),
            vec![(16, vec![0, 1, 7]), (24, vec![2]), (48, vec![3]), (64, vec![4]), (256, vec![5]), (300, vec![6])]
        );
        let many = latency_runs(&[5; 70], 256);
        assert_eq!(many.iter().map(|r| r.items.len()).collect::<Vec<_>>(), vec![32, 32, 6]);
        assert!(latency_runs(&[], 256).is_empty());
    }

    #[test]
    fn buckets_round_up_and_respect_the_limit() {
        assert_eq!(bucket_len(2, 256), 8);
        assert_eq!(bucket_len(17, 256), 24);
        assert_eq!(bucket_len(256, 256), 256);
        assert_eq!(bucket_len(200, 200), 200);
        assert_eq!(bucket_len(130, 150), 150);
    }

    #[test]
    fn groups_by_bucket_and_splits_in_powers_of_two() {
        let counts = [5, 30, 6, 7, 8, 3, 4, 5, 6, 7, 8, 3, 4, 5, 31];
        let runs = plan_runs(&counts, 256, 16);
        let sizes: Vec<(usize, usize)> = runs.iter().map(|r| (r.len, r.items.len())).collect();
        assert_eq!(sizes, vec![(8, 8), (8, 4), (8, 1), (32, 2)]);
        let mut all: Vec<usize> = runs.iter().flat_map(|r| r.items.clone()).collect();
        all.sort();
        assert_eq!(all, (0..counts.len()).collect::<Vec<_>>());
        assert!(plan_runs(&[], 256, 16).is_empty());
        assert_eq!(plan_runs(&[3; 40], 256, 16).iter().map(|r| r.items.len()).collect::<Vec<_>>(), vec![16, 16, 8]);
    }
}
