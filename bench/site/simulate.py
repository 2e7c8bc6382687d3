#!/usr/bin/env python3
"""Where a paged site's recall goes, by simulation (numpy + faiss-cpu, on the benchmark
site's own embeddings): the figures ARCHITECTURE.md gives for choosing clusters + a graph.

    python3 bench/site/simulate.py [DIR]     (DIR: data/site-bench, after bench/site/run.sh
                                              and bench/site/tune.sh; writes
                                              bench/results/site-simulation.md)

Queries are the two tuning sets of tune.sh (their embeddings: DIR/tune-*.f32, made with
`nook site build --embeddings-cache` over the query texts, so the model is nook's own).
A faiss k-means, PQ (64 x 4 bits) and exact k-NN graph stand in for nook's: the numbers show
the limits of each design, not nook's exact figures (`nook site search --truth` gives those).
"""
import datetime, json, os, subprocess, sys
import numpy as np
import faiss

D = 384
DIR = sys.argv[1] if len(sys.argv) > 1 else "data/site-bench"
NOOK = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/nook-target")), "release/nook")


def unit(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def embed(name):
    """The tuning set's query embeddings, by nook's CLI (input order)."""
    f32 = f"{DIR}/tune-{name}.f32"
    if not os.path.exists(f32):
        qs = json.load(open(f"{DIR}/tune-{name}.json"))
        src = f"{DIR}/tune-{name}.jsonl"
        with open(src, "w") as o:
            for i, q in enumerate(qs):
                o.write(json.dumps({"id": f"q{i}", "text": q["query"]}) + "\n")
        subprocess.run([NOOK, "site", "build", f"{DIR}/tune-{name}-site", src, "--layout", "paged", "--embeddings-cache", f32],
                       check=True, env={**os.environ, "NOOK_MODEL_DIR": "models"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return unit(np.fromfile(f32, dtype=np.float32).reshape(-1, D))


X = unit(np.fromfile(f"{DIR}/embeddings.f32", dtype=np.float32).reshape(-1, D))
N = len(X)
K = (N + 63) // 64
km = faiss.Kmeans(D, K, niter=16, spherical=True, max_points_per_centroid=48, seed=1)
km.train(X)
C = km.centroids
near = faiss.IndexFlatL2(D)
near.add(C)
d20, a20 = near.search(X, 20)
pq = faiss.ProductQuantizer(D, 64, 4)
pq.train(X[np.random.default_rng(42).choice(N, 20000, replace=False)])
books = faiss.vector_to_array(pq.centroids).reshape(pq.M, pq.ksub, pq.dsub)


def codes(rows):
    out = np.empty((len(rows), pq.M), dtype=np.int64)
    for m in range(pq.M):
        ix = faiss.IndexFlatL2(pq.dsub)
        ix.add(np.ascontiguousarray(books[m]))
        out[:, m] = ix.search(np.ascontiguousarray(rows[:, m * pq.dsub:(m + 1) * pq.dsub]), 1)[1][:, 0]
    return out


DC, CC = codes(X), codes(C)


def adc(q, cd):
    tab = ((q.reshape(pq.M, 1, pq.dsub) - books) ** 2).sum(-1)
    return tab[np.arange(pq.M)[None, :], cd].sum(1)


def lists(second, mask):
    L = [[] for _ in range(K)]
    for i in range(N):
        L[a20[i, 0]].append(i)
    for i in np.nonzero(mask)[0]:
        L[second[i]].append(i)
    return [np.array(x, dtype=np.int64) for x in L]


# Second clusters: the nearest other centroid, or SOAR's (residual penalised along the first's).
r = X - C[a20[:, 0]]
rn = (r * r).sum(1) + 1e-12
soar, best = a20[:, 1].copy(), np.full(N, np.inf)
for j in range(1, 20):
    s = d20[:, j] + 2.0 * ((r * (X - C[a20[:, j]])).sum(1) ** 2) / rn
    m = s < best
    best[m], soar[m] = s[m], a20[m, j]
LISTS = {"none": lists(a20[:, 1], np.zeros(N, bool)), "nearest": lists(a20[:, 1], d20[:, 1] <= 1.6 * d20[:, 0]),
         "soar": lists(soar, best <= 2.5 * d20[:, 0])}
knn = faiss.IndexFlatIP(D)
knn.add(X)
GRAPH24 = knn.search(X, 25)[1][:, 1:]  # the exact 24 nearest
GRAPH = GRAPH24[:, :16]  # the exact 16 nearest: the simulation's graph
# nook's code distance for cosine: 1 - <q, x̂> / |x̂| (src/quant/pq.rs, AdcTable).
XN = np.concatenate([books[m][DC[:, m]] for m in range(pq.M)], axis=1)
XN /= np.linalg.norm(XN, axis=1, keepdims=True)
NODE, CODE = 388, 34  # a node page: int8 embedding (+ its count), and per neighbour ~2 B of position + 32 B of code


def adaptive(q, nprobe, first, expand, rounds, margin, graph=GRAPH):
    """Format 4's search: the `first` best by code, then up to `expand` more per round
    whose code distance is within `margin` of the largest among the 10 best expanded.
    Returns (top 10, bytes of cluster and node pages)."""
    L = LISTS["soar"]
    lists_ = [L[c] for c in np.argsort(adc(q, CC), kind="stable")[:nprobe]]
    cand = np.unique(np.concatenate(lists_))
    nbytes = sum(len(x) for x in lists_) * 32
    seen = dict(zip(cand.tolist(), (1 - XN[cand] @ q).tolist()))
    done = {}
    for r in range(rounds):
        order = sorted((d, p) for p, d in seen.items() if p not in done)
        if r > 0:
            best = sorted(done.items(), key=lambda kv: -kv[1])[:10]
            bound = max(seen[p] for p, _ in best) + margin
            order = [(d, p) for d, p in order if d <= bound]
        pick = [p for _, p in order[:first if r == 0 else expand]]
        if not pick:
            break
        for p in pick:
            done[p] = float(X[p] @ q)
            nbytes += NODE + graph.shape[1] * CODE
            nb = [v for v in graph[p].tolist() if v not in seen]
            if nb:
                seen.update(zip(nb, (1 - XN[nb] @ q).tolist()))
    return [p for p, _ in sorted(done.items(), key=lambda kv: -kv[1])[:10]], nbytes


def search(q, spill, nprobe, rerank=None, rounds=None, exact_centroids=False):
    L = LISTS[spill]
    cs = ((C - q) ** 2).sum(1) if exact_centroids else adc(q, CC)
    cand = np.unique(np.concatenate([L[c] for c in np.argsort(cs, kind="stable")[:nprobe]]))
    if rounds is None:  # format 2: re-rank the best by code (all when rerank is None)
        if rerank is not None:
            cand = cand[np.argsort(adc(q, DC[cand]), kind="stable")[:rerank]]
        return cand[np.argsort(-(X[cand] @ q))[:10]]
    seen = dict(zip(cand.tolist(), adc(q, DC[cand]).tolist()))
    done = {}
    for b in rounds:
        pick = [p for _, p in sorted((d, p) for p, d in seen.items() if p not in done)[:b]]
        for p in pick:
            done[p] = float(X[p] @ q)
            nb = [v for v in GRAPH[p].tolist() if v not in seen]
            if nb:
                seen.update(zip(nb, adc(q, DC[nb]).tolist()))
    return [p for p, _ in sorted(done.items(), key=lambda kv: -kv[1])[:10]]


rows = [("format 2: nearest second cluster, nprobe 24, rerank 64", dict(spill="nearest", nprobe=24, rerank=64)),
        ("  every probed candidate re-ranked exactly", dict(spill="nearest", nprobe=24)),
        ("  ... and clusters chosen by exact centroids", dict(spill="nearest", nprobe=24, exact_centroids=True)),
        ("  nprobe 96, every candidate exact", dict(spill="nearest", nprobe=96)),
        ("SOAR second cluster, nprobe 24, every candidate exact", dict(spill="soar", nprobe=24)),
        ("format 3: SOAR, nprobe 12, 3 rounds of 32 through the graph", dict(spill="soar", nprobe=12, rounds=[32, 32, 32])),
        ("  1 round (no hop)", dict(spill="soar", nprobe=12, rounds=[96]))]
sets = {name: embed(name) for name in ("titles", "fanoutqa")}
truth = {name: knn.search(q, 10)[1] for name, q in sets.items()}
md = ["# Paged site: where recall goes, simulated", "",
      f"Written by `bench/site/simulate.py` ({datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}); "
      f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}.", "",
      f"{N:,} passages (the benchmark site's embeddings), the tuning sets of `bench/site/tune.sh`; faiss k-means "
      f"({K} clusters), 64 x 4-bit PQ and an exact 16-NN graph stand in for nook's, so these show each design's "
      "limits; nook's own figures are in site.md and site-tuning.md. recall@10 against brute force.", "",
      "| design | recall@10 titles | recall@10 FanOutQA |", "|---|---:|---:|"]
for label, kw in rows:
    rec = [np.mean([len(set(search(q, **kw)) & set(t)) / 10 for q, t in zip(sets[n], truth[n])]) for n in ("titles", "fanoutqa")]
    md.append(f"| {label} | {rec[0]:.3f} | {rec[1]:.3f} |")
md += ["", "Format 4's adaptive rounds (nook's normalised code distance; bytes = cluster and node pages, "
       "without the head, term shards and documents that every design fetches alike):", "",
       "| search | recall@10 titles | recall@10 FanOutQA | KB p50 titles / FanOutQA |", "|---|---:|---:|---:|"]
arows = [("3 fixed rounds of 32 (format 3)", dict(first=32, expand=32, rounds=3, margin=2.0)),
         ("first 32, up to 5 rounds of 32, margin 0.035", dict(first=32, expand=32, rounds=5, margin=0.035)),
         ("first 96, margin 0.03 (the default)", dict(first=96, expand=32, rounds=5, margin=0.03)),
         ("first 128, margin 0.03", dict(first=128, expand=32, rounds=5, margin=0.03)),
         ("first 32, margin 0.035, a graph of 24", dict(first=32, expand=32, rounds=5, margin=0.035, graph=GRAPH24))]
for label, kw in arows:
    cells = []
    for n in ("titles", "fanoutqa"):
        runs = [adaptive(q, 12, **kw) for q in sets[n]]
        cells.append((np.mean([len(set(f) & set(t)) / 10 for (f, _), t in zip(runs, truth[n])]), np.median([b for _, b in runs]) / 1024))
    md.append(f"| {label} | {cells[0][0]:.3f} | {cells[1][0]:.3f} | {cells[0][1]:.0f} / {cells[1][1]:.0f} |")
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../results/site-simulation.md")
open(out, "w").write("\n".join(md) + "\n")
print(f"bench/site/simulate.py: wrote {os.path.normpath(out)}", file=sys.stderr)
