#!/usr/bin/env python3
"""Generates a QDQ model quantized by ONNX Runtime's own quantizer, for the QDQ import tests.

    /tmp/venv0/bin/python scripts/gen_qdq_fixture.py      (or the project venv: PY=$(scripts/venv.sh | tail -1))

Builds a small float CNN (Conv+Relu, Conv+Relu, residual Add, GlobalAveragePool, Flatten, Gemm; fixed-seed
weights), quantizes it with onnxruntime.quantization.quantize_static (QuantFormat.QDQ, per_channel=True, int8
activations and weights, MinMax calibration on 8 fixed random samples) and writes to Tests/Fixtures/ort_qdq/:
  model.onnx      the QDQ model
  float.onnx      the float model it was quantized from (for `qscope compare`)
  input_0.pb      one input (TensorProto, not a calibration sample)
  output_0.pb     onnxruntime's output of the QDQ model on it (CPU, graph optimizations disabled, so the
                  Q/DQ pairs run as written rather than as fused integer kernels)
"""

import os
import shutil
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_static)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "ort_qdq")
SHAPE = [1, 3, 16, 16]

rng = np.random.default_rng(20261126)


def weight(name, shape):
    fan_in = int(np.prod(shape[1:]))
    return numpy_helper.from_array((rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32), name)


def bias(name, n):
    return numpy_helper.from_array((rng.standard_normal(n) * 0.1).astype(np.float32), name)


def float_model():
    inits = [weight("conv1.weight", [8, 3, 3, 3]), bias("conv1.bias", 8),
             weight("conv2.weight", [8, 8, 3, 3]), bias("conv2.bias", 8),
             weight("fc.weight", [10, 8]), bias("fc.bias", 10)]
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["conv1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv1"], ["relu1"], name="relu1"),
        helper.make_node("Conv", ["relu1", "conv2.weight", "conv2.bias"], ["conv2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv2"], ["relu2"], name="relu2"),
        helper.make_node("Add", ["relu1", "relu2"], ["residual"], name="residual"),
        helper.make_node("GlobalAveragePool", ["residual"], ["pooled"], name="pool"),
        helper.make_node("Flatten", ["pooled"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc", transB=1),
    ]
    graph = helper.make_graph(nodes, "small_cnn",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, SHAPE)],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="qscope-fixture")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


class FixedReader(CalibrationDataReader):
    def __init__(self):
        data_rng = np.random.default_rng(7)
        self.samples = [{"input": data_rng.standard_normal(SHAPE).astype(np.float32)} for _ in range(8)]
        self.i = 0

    def get_next(self):
        if self.i >= len(self.samples):
            return None
        self.i += 1
        return self.samples[self.i - 1]


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp = os.path.join(tmp, "float.onnx")
        onnx.save(float_model(), fp)
        shutil.copyfile(fp, os.path.join(OUT, "float.onnx"))
        qp = os.path.join(OUT, "model.onnx")
        quantize_static(fp, qp, FixedReader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax)
    x = np.random.default_rng(99).standard_normal(SHAPE).astype(np.float32)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(qp, options, providers=["CPUExecutionProvider"])
    (y,) = sess.run(None, {"input": x})
    with open(os.path.join(OUT, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x, "input").SerializeToString())
    with open(os.path.join(OUT, "output_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(y, "logits").SerializeToString())
    print("wrote", OUT, os.path.getsize(qp), "bytes; output", y.ravel()[:4])


if __name__ == "__main__":
    main()
