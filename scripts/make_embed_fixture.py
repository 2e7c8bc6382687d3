#!/usr/bin/env python3
"""Compute reference embeddings for nook's embedder tests with onnxruntime.

Runs the ORIGINAL (not rewritten) int8 all-MiniLM-L6-v2 file from scripts/fetch_model.sh
with onnxruntime, one sentence at a time (no padding), with the tokenization nook uses:
the file's tokenizer.json with padding off and truncation at 256 tokens ([CLS]/[SEP]
included). Pooling: mean over tokens weighted by the attention mask, then L2 norm.

Writes tests/fixtures/embed/reference.json:
  {"model_sha256", "tokenizer_sha256", "max_tokens", "cases": [{"name", "text",
   "ids", "embedding"}]}
Token ids are stored too so the tests check tokenization exactly, not only the vectors.

With --l3 it writes tests/fixtures/embed/paraphrase-l3.json instead: the second model
(paraphrase-MiniLM-L3-v2, fp32, as fetched by scripts/fetch_model.sh), the same tokenizer
truncating at 128, and the model's own pooled output ("461", then L2 norm) as reference,
so nook's reading of a model it was not built around is checked end to end.

usage: make_embed_fixture.py [--l3] [MODEL_DIR] [OUT_JSON]
needs: pip install onnxruntime tokenizers==0.23.2 numpy
"""

import hashlib
import json
import os
import sys

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

MAX_TOKENS = 256

LONG = (
    "Semantic search finds documents by meaning rather than by exact words. "
    "A small transformer turns each text into a vector, and texts that say similar things "
    "end up close together, so a question about baking bread can find a note about "
    "sourdough starters even if the two share no words. Running the model in the browser "
    "keeps every byte of the user's data on their own machine. "
) * 6  # ~400 tokens: exercises truncation at 256

CASES = [
    ("short_word", "hello"),
    ("pangram", "The quick brown fox jumps over the lazy dog."),
    ("question", "How do I bake sourdough bread at home?"),
    ("long_truncated", LONG),
    ("medium", LONG[:600]),
    ("french", "Le chat dort sur le canapé pendant que la pluie tombe."),
    ("german", "Straßenbahnhaltestelle in München: Größe und Übersicht."),
    ("chinese", "我喜欢在周末读书和散步。"),
    ("japanese", "東京は日本の首都です。"),
    ("russian", "Москва — столица России."),
    ("arabic", "مرحبا بالعالم"),
    ("emoji", "I love pizza 🍕🍕 and 🚀 rockets! 👩‍👩‍👧"),
    ("empty", ""),
    ("whitespace", "   \t\n  "),
    ("punctuation", "?!... ,,, ;;; --- *** ((( )))"),
    ("url", "https://developer.mozilla.org/en-US/docs/Web/API/IndexedDB_API"),
    ("code", 'fn main() { println!("hello, {}", 42); }'),
    ("numbers", "3.14159 2718 1e-9 42% $19.99"),
    ("accents", "Café naïve résumé — déjà vu"),
    ("all_caps", "WHAT IS THE BEST LAPTOP FOR PROGRAMMING IN 2024"),
    ("long_word", "pneumonoultramicroscopicsilicovolcanoconiosis " + "x" * 150),
    ("control_chars", "tab\there\u0000null\u200bzero-width\u0007bell"),
]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    args = [a for a in sys.argv[1:] if a != "--l3"]
    l3 = "--l3" in sys.argv[1:]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    model_dir = args[0] if args else os.environ.get("NOOK_MODEL_DIR", os.path.join(root, "models"))
    default_out = "paraphrase-l3.json" if l3 else "reference.json"
    out = args[1] if len(args) > 1 else os.path.join(root, "tests", "fixtures", "embed", default_out)
    model_path = os.path.join(model_dir, "paraphrase-minilm-l3.onnx" if l3 else "minilm-l6-int8.orig.onnx")
    tok_path = os.path.join(model_dir, "tokenizer.json")
    max_tokens = 128 if l3 else MAX_TOKENS

    tok = Tokenizer.from_file(tok_path)
    tok.no_padding()
    tok.enable_truncation(max_tokens)
    sess = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])

    cases = []
    for name, text in CASES:
        enc = tok.encode(text)
        ids = np.array([enc.ids], dtype=np.int64)
        mask = np.array([enc.attention_mask], dtype=np.int64)
        if l3:
            v = sess.run(["461"], {"input_ids": ids, "attention_mask": mask})[0][0].astype(np.float64)
        else:
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            h = sess.run(["last_hidden_state"], feed)[0][0].astype(np.float64)
            m = mask[0].astype(np.float64)[:, None]
            v = (h * m).sum(0) / max(m.sum(), 1e-9)
        v /= np.linalg.norm(v)
        cases.append({
            "name": name,
            "text": text,
            "ids": [int(i) for i in enc.ids],
            "embedding": [float(f"{x:.6g}") for x in v],
        })
        print(f"{name:16} {len(enc.ids):4} tokens", file=sys.stderr)

    doc = {
        "about": "reference embeddings by scripts/make_embed_fixture.py (onnxruntime, "
        + ("paraphrase-MiniLM-L3-v2, its own pooled output" if l3 else "original file") + ")",
        "model_sha256": sha256(model_path),
        "tokenizer_sha256": sha256(tok_path),
        "max_tokens": max_tokens,
        "cases": cases,
    }
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {out} ({os.path.getsize(out)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
