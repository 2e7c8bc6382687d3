#!/usr/bin/env python3
"""The texts the rotation is learned from (bench/rotation/run.sh), written to
data/rotation/texts.json: texts no benchmark asks, of no corpus any benchmark measures,
and none a Debian package description (a held-out set of that shape checks nook, so none
may shape what nook ships; ../shared/DATA.md).

- The first paragraph of every docstring (20-300 characters, each once) in seven pinned
  Python wheels from PyPI: short sentences saying what a piece of software does, the shape
  of a note, a package's summary or a bookmark's title.
- The fortune cookies of Debian 12's `fortunes` and `fortunes-min` (quotations, jokes,
  definitions; 20-300 characters): general English prose.

Deterministic for the pinned versions: wheels in name order, files in archive order,
fortune files in name order. Downloads go to data/rotation/src/ (pip and apt-get).
Usage: bench/rotation/texts.py
"""
import ast
import glob
import json
import pathlib
import re
import subprocess
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "rotation"
SRC = OUT / "src"
WHEELS = ["django==5.1.4", "sqlalchemy==2.0.36", "matplotlib==3.9.2", "networkx==3.4.2", "pandas==2.2.3",
          "sympy==1.13.3", "twisted==24.10.0"]
DEBS = ["fortunes", "fortunes-min"]
MIN, MAX = 20, 300


def flat(s):
    return re.sub(r"\s+", " ", s).strip()


def docstrings(seen):
    wheels = SRC / "wheels"
    if len(glob.glob(str(wheels / "*.whl"))) < len(WHEELS):
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--python-version", "3.11", "--platform", "manylinux2014_x86_64", "-d", str(wheels), *WHEELS],
                       check=True)
    out = []
    for wheel in sorted(glob.glob(str(wheels / "*.whl"))):
        z = zipfile.ZipFile(wheel)
        for name in sorted(z.namelist()):
            if not name.endswith(".py") or "/tests/" in name or "/test/" in name:
                continue
            try:
                tree = ast.parse(z.read(name).decode("utf-8"))
            except (SyntaxError, UnicodeDecodeError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
                    doc = ast.get_docstring(node)
                    if doc:
                        keep(flat(doc.strip().split("\n\n")[0]), seen, out)
    return out


def fortunes(seen):
    debs = SRC / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    tree = debs / "x"
    if not tree.exists():
        subprocess.run(["apt-get", "download", *DEBS], cwd=debs, check=True)
        for deb in sorted(debs.glob("*.deb")):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True)
    root = tree / "usr" / "share" / "games" / "fortunes"
    out = []
    for f in sorted(root.iterdir()):
        if f.suffix in (".dat", ".u8") or f.is_symlink() or not f.is_file():
            continue
        for entry in f.read_text(encoding="utf-8", errors="replace").split("\n%\n"):
            keep(flat(entry), seen, out)
    return out


def keep(text, seen, out):
    if MIN <= len(text) <= MAX and text not in seen:
        seen.add(text)
        out.append(text)


def main():
    seen = set()
    docs, quotes = docstrings(seen), fortunes(seen)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "texts.json").write_text(json.dumps(docs + quotes))
    print(f"texts.py: {len(docs)} docstrings, {len(quotes)} fortunes -> {OUT / 'texts.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
