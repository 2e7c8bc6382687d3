#!/usr/bin/env python3
"""Does a page preload its whole static module graph?

    check_preload.py DIR PAGE.html ENTRY.js

Follows every static `import ... from './x.js'` / `export ... from` from ENTRY (paths
relative to DIR) and prints, space-separated, the modules PAGE does not name in a
`<link rel="modulepreload">`, and the preloaded names no file in DIR holds; prints nothing
when both lists are empty. A module left out is requested only once the module importing it
has arrived: one more wait, at each level of the graph, before the page's code runs
(scripts/build_extension.sh and scripts/build_demo.sh fail on any).
"""
import os
import re
import sys

FROM = re.compile(r"^\s*(?:import|export)\b[^'\"]*?\bfrom\s+['\"](\.{1,2}/[^'\"]+)['\"]", re.M)


def main(root, page, entry):
    html = open(os.path.join(root, page), encoding="utf-8").read()
    preloaded = set(re.findall(r'rel="modulepreload" href="([^"]+)"', html))
    seen, todo = set(), [entry]
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        with open(os.path.join(root, mod), encoding="utf-8") as f:
            src = f.read()
        todo.extend(os.path.normpath(os.path.join(os.path.dirname(mod), dep)) for dep in FROM.findall(src))
    missing = sorted(seen - preloaded - {entry})
    absent = sorted(p for p in preloaded if not os.path.isfile(os.path.join(root, p)))
    print(" ".join(missing + [f"{p}(absent)" for p in absent]))


if __name__ == "__main__":
    main(*sys.argv[1:4])
