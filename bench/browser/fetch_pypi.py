#!/usr/bin/env python3
"""A corpus of your own for `scripts/bench_browser.sh corpora data/pypi`: the one-line
summaries of PyPI packages, a shape (short descriptions, many of them near-duplicates or
thin) on which no parameter of nook was chosen.

Samples 9,000 names of PyPI's simple index (seeded, so the same index gives the same
sample; the index grows, so a later run draws other packages), reads each package's
summary from PyPI's JSON API, keeps English summaries of four words or more (one per
distinct text, placeholders such as "A small example package" left out), and writes
data/pypi/docs.json ({id, title: the package name, text: the summary}) beside
data/pypi/queries.json (bench/browser/queries/pypi.json: 60 needs a Python developer might
type, written without looking at the corpus; recall is measured against brute force, so
they need no relevance labels).

Usage: python3 bench/browser/fetch_pypi.py   (stdlib only; 2-10 minutes: one request a package)
"""
import concurrent.futures
import json
import random
import re
import shutil
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "pypi"
SAMPLE, SEED = 9000, 7
PLACEHOLDERS = {"a small example package", "add your description here", "my first package", "test package",
                "a python package", "package description", "no description"}


def summary(name: str) -> tuple[str, str | None]:
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=20) as r:
            info = json.load(r)["info"]
        return info.get("name") or name, info.get("summary") or None
    except Exception:  # a removed or broken package: skipped
        return name, None


def main() -> None:
    with urllib.request.urlopen("https://pypi.org/simple/", timeout=120) as r:
        names = re.findall(r'<a href="([^"/]+)/">', r.read().decode())
    random.seed(SEED)
    sample = random.sample(names, SAMPLE)
    with concurrent.futures.ThreadPoolExecutor(24) as ex:
        got = list(ex.map(summary, sample))
    seen, docs = set(), []
    for name, text in got:
        if not text:
            continue
        text = " ".join(text.split())
        key = text.lower().strip(". ")
        if len(text) < 20 or len(text.split()) < 4 or key in PLACEHOLDERS or key in seen:
            continue
        if sum(c.isascii() for c in text) / len(text) < 0.95:
            continue
        seen.add(key)
        docs.append({"id": name, "title": name, "text": text})
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "docs.json").write_text(json.dumps(docs))
    shutil.copy(ROOT / "bench" / "browser" / "queries" / "pypi.json", OUT / "queries.json")
    print(f"fetch_pypi: {len(docs)} summaries of {SAMPLE} sampled packages -> {OUT}")


if __name__ == "__main__":
    main()
