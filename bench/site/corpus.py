#!/usr/bin/env python3
"""The site benchmark's large corpus: every WordNet 3.1 noun and verb synset (95,882
glosses) and every MDN browser-compat feature (~12,600), ~108,500 passages, as a JSONL
that `nook site build` reads and a folder of HTML pages Pagefind indexes (one page per
passage). Ids are the ranking benchmark's (bench/quality), so its hand-written WordNet and
MDN queries judge both engines.

Usage: bench/site/corpus.py OUT_DIR   (writes OUT_DIR/corpus.jsonl, OUT_DIR/html/,
       OUT_DIR/queries.json); downloads through bench/quality/fetch_corpora.py's verified cache.
"""

import html
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "quality"))
import fetch_corpora as fc  # noqa: E402


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    (out / "html").mkdir(parents=True, exist_ok=True)
    docs = fc.wordnet_all() + fc.mdn_docs()
    ids = {d["id"] for d in docs}
    if len(ids) != len(docs):
        sys.exit("corpus: duplicate ids")
    with open(out / "corpus.jsonl", "w") as f:
        for d in docs:
            f.write(json.dumps({"id": d["id"], "title": d["title"], "url": d["url"], "text": d["text"]}) + "\n")
    # Pagefind indexes built HTML: one page per passage, its id in a data attribute.
    for i, d in enumerate(docs):
        page = out / "html" / f"{i // 1000}" / f"{i}.html"
        page.parent.mkdir(exist_ok=True)
        page.write_text(
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(d["title"])}</title></head>'
            f'<body><main data-pagefind-body><h1>{html.escape(d["title"])}</h1>'
            f'<p>{html.escape(d["text"])}</p><span data-pagefind-meta="id:{html.escape(d["id"])}"></span></main></body></html>'
        )
    queries = []
    for corpus in ("wordnet", "mdn"):
        for q in fc.load_queries(corpus):
            missing = [r for r in q["relevant"] if r not in ids]
            if missing:
                sys.exit(f"corpus: {corpus} query {q['query']!r} names {missing}, not in the corpus")
            queries.append({"corpus": corpus, **q})
    (out / "queries.json").write_text(json.dumps(queries, indent=0))
    print(f"corpus: {len(docs)} passages, {len(queries)} queries -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
