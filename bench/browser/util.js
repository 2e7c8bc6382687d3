// Shared by the benchmark pages (bench.js, fast.js): what a document embeds as, and
// brute-force top k over full embeddings (the ground truth recall is measured against).

export const embedText = (d) => (d.title.trim() ? (d.text.trim() ? `${d.title}\n${d.text}` : d.title) : d.text);

/** Indices of the `k` rows of `vecs` (`dims` wide) with the largest dot product with `q`. */
export function topK(vecs, dims, q, k) {
  const n = vecs.length / dims, best = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += vecs[i * dims + j] * q[j];
    if (best.length < k || s > best[best.length - 1][0]) {
      best.push([s, i]); best.sort((a, b) => b[0] - a[0]); if (best.length > k) best.pop();
    }
  }
  return best.map((b) => b[1]);
}
