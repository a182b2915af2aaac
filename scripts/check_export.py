#!/usr/bin/env python3
"""Runs an exported QDQ model in ONNX Runtime and compares its outputs with qscope's quantized stage.

Usage: check_export.py MODEL.onnx INPUT.pb EXPECTED_DIR
EXPECTED_DIR holds one <output name>.npy per output (qscope's stage) and steps.json (output name -> the
quantization step of that output, or 0 when the output is not quantized). Prints one JSON line with, per output,
the cosine and the fraction of elements within one step; exits 1 when a check fails (cosine < 0.9999 or fewer
than 99% of elements within one step) or when onnx.checker rejects the model.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

model, pb, expected_dir = sys.argv[1:4]
onnx.checker.check_model(onnx.load(model))
t = onnx.TensorProto()
with open(pb, "rb") as f:
    t.ParseFromString(f.read())
so = ort.SessionOptions()
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
s = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
outs = s.run(None, {s.get_inputs()[0].name: numpy_helper.to_array(t)})
steps = json.load(open(os.path.join(expected_dir, "steps.json")))
result, ok = {}, True
for meta, got in zip(s.get_outputs(), outs):
    want = np.load(os.path.join(expected_dir, meta.name + ".npy")).astype(np.float64).ravel()
    got = got.astype(np.float64).ravel()
    cos = float(np.dot(want, got) / (np.linalg.norm(want) * np.linalg.norm(got) + 1e-30))
    step = steps.get(meta.name, 0) or 1e-6 * max(1.0, float(np.abs(want).max()))
    within = float(np.mean(np.abs(want - got) <= step * 1.0001 + 1e-7))
    result[meta.name] = {"cosine": cos, "within_one_step": within}
    ok = ok and cos >= 0.9999 and within >= 0.99
print(json.dumps(result))
sys.exit(0 if ok else 1)
