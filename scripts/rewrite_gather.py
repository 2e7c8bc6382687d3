#!/usr/bin/env python3
"""Rewrite dequantise-then-gather into gather-then-dequantise in an int8-weight ONNX file.

The all-MiniLM-L6-v2 int8 file stores each embedding table as int8 rows plus a per-row
scale, dequantised by `Mul(Cast(Wq), s)`. tract folds that into constants for matmul
weights but not for the 30522x384 word-embedding table feeding a `Gather`, which it then
dequantises on every run (~25 ms per call). This rewrites

    Gather(Mul(Cast(Wq), s), ids)   ->   Mul(Cast(Gather(Wq, ids)), Gather(s, ids))

which is exactly equal (row scaling commutes with row selection). Only tables whose
dequantised form feeds that single Gather (axis 0) are rewritten; everything else is left
as is. Then checks with onnxruntime that the rewritten model gives the same output.

usage: rewrite_gather.py IN.onnx OUT.onnx [--no-check]
"""

import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def rewrite(model: onnx.ModelProto) -> int:
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    graph_outputs = {o.name for o in g.output}

    rewritten = 0
    for gather in list(g.node):
        if gather.op_type != "Gather":
            continue
        axis = next((a.i for a in gather.attribute if a.name == "axis"), 0)
        table, ids = gather.input[0], gather.input[1]
        mul = producer.get(table)
        if axis != 0 or mul is None or mul.op_type != "Mul":
            continue
        if len(consumers.get(table, [])) != 1 or table in graph_outputs:
            continue
        cast = producer.get(mul.input[0])
        scale = mul.input[1]
        if cast is None or cast.op_type != "Cast" or scale not in inits:
            continue
        wq = cast.input[0]
        if wq not in inits or len(consumers.get(cast.output[0], [])) != 1:
            continue
        s = numpy_helper.to_array(inits[scale])
        rows = numpy_helper.to_array(inits[wq]).shape[0]
        if s.ndim != 2 or s.shape != (rows, 1):
            continue  # only per-row scales commute with a row gather

        base = gather.output[0]
        to = next(a.i for a in cast.attribute if a.name == "to")
        new_nodes = [
            helper.make_node("Gather", [wq, ids], [base + "_q_rows"], name=base + "_gather_q", axis=0),
            helper.make_node("Cast", [base + "_q_rows"], [base + "_f_rows"], name=base + "_cast", to=to),
            helper.make_node("Gather", [scale, ids], [base + "_scale_rows"], name=base + "_gather_scale", axis=0),
            helper.make_node("Mul", [base + "_f_rows", base + "_scale_rows"], [base], name=base + "_dequant"),
        ]
        nodes = []
        for n in g.node:
            # Compare by name: protobuf copies messages on extend, so identity is not stable.
            if n.name == gather.name:
                nodes.extend(new_nodes)  # where the old Gather was: ids and tables are ready
            elif n.name not in (mul.name, cast.name):
                nodes.append(n)
        del g.node[:]
        g.node.extend(nodes)
        producer = {o: n for n in g.node for o in n.output}
        consumers = {}
        for n in g.node:
            for i in n.input:
                consumers.setdefault(i, []).append(n)
        rewritten += 1
    # Drop stale shape info for the removed dequantised tables.
    keep = [v for v in g.value_info if v.name in {o for n in g.node for o in n.output}]
    del g.value_info[:]
    g.value_info.extend(keep)
    return rewritten


def check(orig_path: str, new_path: str) -> float:
    import onnxruntime as ort

    a = ort.InferenceSession(orig_path, providers=["CPUExecutionProvider"])
    b = ort.InferenceSession(new_path, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(7)
    worst = 0.0
    for batch, seq in [(1, 7), (3, 33), (2, 256)]:
        ids = rng.integers(999, 30522, size=(batch, seq), dtype=np.int64)
        ids[:, 0], ids[:, -1] = 101, 102
        feed = {
            "input_ids": ids,
            "attention_mask": np.ones_like(ids),
            "token_type_ids": np.zeros_like(ids),
        }
        ya = a.run(["last_hidden_state"], feed)[0]
        yb = b.run(["last_hidden_state"], feed)[0]
        worst = max(worst, float(np.max(np.abs(ya - yb))))
    return worst


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst = args
    model = onnx.load(src)
    n = rewrite(model)
    if n == 0:
        print("rewrite_gather: no Gather(Mul(Cast(W), s)) pattern found; is this the int8 MiniLM file?", file=sys.stderr)
        return 1
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    print(f"rewrite_gather: rewrote {n} gather(s) -> {dst}")
    if "--no-check" not in sys.argv:
        worst = check(src, dst)
        print(f"rewrite_gather: onnxruntime max |orig - rewritten| = {worst:.3g}")
        if not worst <= 1e-5:
            print("rewrite_gather: rewritten model differs from the original", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
