#!/usr/bin/env python3
"""Generates the small ONNX fixtures the Swift tests run (Tests/Fixtures/), with reference outputs.

    PY=$(scripts/venv.sh | tail -1); $PY scripts/gen_test_model.py

Writes:
  Tests/Fixtures/ops_cover.onnx            a small CNN-like opset-17 model that uses every operator family
                                           qscope implements, with fixed-seed weights; input 'input' [1,3,32,32]
  Tests/Fixtures/ops_cover_input.pb        its input (TensorProto)
  Tests/Fixtures/ops_cover_output_K.pb     reference outputs from onnxruntime, in graph-output order
  Tests/Fixtures/external/model.onnx       a tiny model whose weights live in an external-data file ...
  Tests/Fixtures/external/weights.bin      ... this one
  Tests/Fixtures/external/input_0.pb, output_0.pb
  Tests/Fixtures/README.md                 how they were made

Deterministic: the same onnx/onnxruntime/numpy versions produce byte-identical files. The generated files are
committed, so `swift test` needs no Python.
"""

import os
import sys
import textwrap

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
OPSET = 17
# The IR version onnxruntime 1.32 accepts for opset 17 models without warnings.
IR_VERSION = 8

rng = np.random.default_rng(20261126)


def weight(name, shape, scale=None):
    """A float32 initializer with fixed-seed normal values, scaled like Kaiming init unless told otherwise."""
    if scale is None:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else int(shape[0])
        scale = 1.0 / np.sqrt(max(fan_in, 1))
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


def const_node(name, array):
    """A Constant node (qscope folds these into initializers at load time) producing `name`."""
    return helper.make_node("Constant", [], [name], name=name + "_const",
                            value=numpy_helper.from_array(np.asarray(array), name + "_value"))


def ints(values):
    return np.array(values, dtype=np.int64)


def floats(values):
    return np.array(values, dtype=np.float32)


def build_ops_cover():
    """The operator-coverage model. Shapes are noted beside each node; every node feeds a graph output."""
    inits = [
        weight("conv1_w", [8, 3, 3, 3]), weight("conv1_b", [8], 0.1),
        numpy_helper.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32), "bn_scale"),
        weight("bn_bias", [8], 0.1),
        weight("bn_mean", [8], 0.1),
        numpy_helper.from_array(rng.uniform(0.5, 2.0, 8).astype(np.float32), "bn_var"),
        weight("dw_w", [8, 1, 3, 3]),
        numpy_helper.from_array(rng.uniform(0.05, 0.3, (8, 1, 1)).astype(np.float32), "prelu_slope"),
        weight("dil_w", [8, 8, 3, 3]), weight("dil_b", [8], 0.1),
        numpy_helper.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32), "in_scale"),
        weight("in_bias", [8], 0.1),
        weight("chan_bias", [8, 1, 1], 0.1),
        weight("convt_w", [8, 4, 2, 2]), weight("convt_b", [4], 0.1),
        numpy_helper.from_array(rng.uniform(0.5, 1.5, 3).astype(np.float32), "ln_scale"),
        weight("ln_bias", [3], 0.1),
        weight("gemm_w", [5, 8]), weight("gemm_b", [5], 0.1),
        weight("mm_w", [3, 5]),
        numpy_helper.from_array(rng.uniform(1.0, 2.0, 5).astype(np.float32), "div_by"),
    ]
    n = helper.make_node
    nodes = [
        # Constant nodes for the small non-weight inputs.
        const_node("clip_min", floats(-0.1)), const_node("clip_max", floats(1.0)),  # both bounds bite
        const_node("pads", ints([0, 0, 1, 1, 0, 0, 1, 1])), const_node("pad_value", floats(0.25)),
        const_node("resize_scales", floats([1, 1, 0.5, 0.5])), const_node("resize_sizes", ints([1, 4, 12, 12])),
        const_node("split_sizes", ints([1, 3])),
        const_node("slice_starts", ints([0])), const_node("slice_ends", ints([2])), const_node("slice_axes", ints([1])),
        const_node("squeeze_axes", ints([1, 2])), const_node("unsqueeze_axes", ints([0])),
        const_node("gather_index", ints(1)), const_node("expand_shape", ints([3, 4])),
        const_node("tile_repeats", ints([1, 4])), const_node("col_shape", ints([3, 1])),
        const_node("flat_shape", ints([1, -1])), const_node("expected_shape", ints([1, 4, 8, 16])),
        const_node("one", floats(1.0)), const_node("two", floats(2.0)), const_node("half", floats(0.5)),

        # Convolution trunk.
        n("Conv", ["input", "conv1_w", "conv1_b"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),       # [1,8,32,32]
        n("BatchNormalization", ["c1", "bn_scale", "bn_bias", "bn_mean", "bn_var"], ["bn"], name="bn",
          epsilon=1e-5),
        n("Relu", ["bn"], ["r1"], name="relu1"),
        n("Conv", ["r1", "dw_w"], ["dw"], name="depthwise", group=8, pads=[1, 1, 1, 1],
          strides=[2, 2]),                                                                          # [1,8,16,16]
        n("PRelu", ["dw", "prelu_slope"], ["pr"], name="prelu"),
        n("Conv", ["pr", "dil_w", "dil_b"], ["dil"], name="dilated", dilations=[2, 2], pads=[2, 2, 2, 2]),
        n("LeakyRelu", ["dil"], ["lr"], name="leaky", alpha=0.1),
        n("Clip", ["lr", "clip_min", "clip_max"], ["cl"], name="clip"),
        n("HardSwish", ["cl"], ["hsw"], name="hardswish"),
        n("HardSigmoid", ["cl"], ["hsg"], name="hardsigmoid", alpha=0.2, beta=0.5),
        n("Mul", ["hsw", "hsg"], ["se"], name="gate"),
        n("InstanceNormalization", ["se", "in_scale", "in_bias"], ["inorm"], name="instnorm", epsilon=1e-5),
        n("MaxPool", ["inorm"], ["mp"], name="maxpool", kernel_shape=[2, 2], strides=[2, 2]),    # [1,8,8,8]
        n("AveragePool", ["inorm"], ["ap"], name="avgpool", kernel_shape=[3, 3], strides=[2, 2],
          pads=[1, 1, 1, 1], count_include_pad=0),                                                  # [1,8,8,8]
        n("Add", ["mp", "ap"], ["pool_sum"], name="add_pools"),
        n("Add", ["pool_sum", "chan_bias"], ["biased"], name="add_bcast"),                      # + [8,1,1]
        n("Sigmoid", ["biased"], ["sig"], name="sigmoid"),
        n("Tanh", ["biased"], ["th"], name="tanh"),
        n("Sub", ["sig", "th"], ["st"], name="sub"),
        n("Dropout", ["st"], ["drop"], name="dropout"),                                            # inference: copy
        n("ConvTranspose", ["drop", "convt_w", "convt_b"], ["ct"], name="convtranspose",
          strides=[2, 2]),                                                                          # [1,4,16,16]

        # Resampling and data movement.
        n("Pad", ["ct", "pads", "pad_value"], ["padded"], name="pad", mode="constant"),       # [1,4,18,18]
        n("Resize", ["padded", "", "resize_scales"], ["rz_n"], name="resize_nearest", mode="nearest"),  # 9x9
        n("Resize", ["rz_n", "", "", "resize_sizes"], ["rz_l"], name="resize_linear", mode="linear"),   # 12x12
        n("DepthToSpace", ["rz_l"], ["d2s"], name="depth_to_space", blocksize=2),              # [1,1,24,24]
        n("Reshape", ["d2s", "flat_shape"], ["image"], name="reshape_flat"),                   # [1,576]
        n("Split", ["rz_l", "split_sizes"], ["part_a", "part_b"], name="split", axis=1),
        n("Slice", ["part_b", "slice_starts", "slice_ends", "slice_axes"], ["sliced"], name="slice"),  # [1,2,12,12]
        n("Concat", ["part_a", "sliced"], ["cat"], name="concat", axis=1),                     # [1,3,12,12]
        n("Transpose", ["cat"], ["nhwc"], name="transpose", perm=[0, 2, 3, 1]),                # [1,12,12,3]
        n("LayerNormalization", ["nhwc", "ln_scale", "ln_bias"], ["ln"], name="layernorm", axis=-1,
          epsilon=1e-5),
        n("Erf", ["ln"], ["erf"], name="erf"),
        n("ReduceMean", ["erf"], ["rm"], name="reducemean", axes=[1, 2], keepdims=1),        # [1,1,1,3]
        n("Squeeze", ["rm", "squeeze_axes"], ["sq"], name="squeeze"),                           # [1,3]

        # Classifier head.
        n("GlobalAveragePool", ["pr"], ["gap"], name="gap"),                                   # [1,8,1,1]
        n("Flatten", ["gap"], ["flat"], name="flatten", axis=1),                               # [1,8]
        n("Gemm", ["flat", "gemm_w", "gemm_b"], ["gm"], name="gemm", transB=1, alpha=2.0, beta=1.0),  # [1,5]
        n("MatMul", ["sq", "mm_w"], ["mm"], name="matmul"),                                    # [1,5]
        n("Exp", ["mm"], ["ex"], name="exp"),
        n("Div", ["gm", "div_by"], ["gd"], name="div_bcast"),                                  # / [5]
        n("Mul", ["gd", "ex"], ["logits"], name="mul"),
        n("Softmax", ["logits"], ["sm"], name="softmax", axis=-1),
        n("Add", ["sm", "one"], ["sm1"], name="add_scalar"),                                   # + scalar
        n("Log", ["sm1"], ["lg"], name="log"),
        n("Identity", ["lg"], ["probs"], name="identity"),

        # Elementwise math on positive values.
        n("Sqrt", ["sig"], ["sqrt"], name="sqrt"),
        n("Pow", ["sqrt", "two"], ["pw"], name="pow"),                                        # == sig
        n("Mul", ["pw", "half"], ["act"], name="mul_scalar"),                                  # [1,8,8,8]

        # Shape arithmetic: Shape -> Gather -> Unsqueeze -> ConstantOfShape -> Expand, plus Tile/Equal/Where.
        n("Shape", ["ct"], ["ct_shape"], name="shape"),                                        # [1,4,16,16]
        n("Gather", ["ct_shape", "gather_index"], ["channels"], name="gather", axis=0),        # 4 (scalar)
        n("Unsqueeze", ["channels", "unsqueeze_axes"], ["channels_1d"], name="unsqueeze"),    # [4]
        n("ConstantOfShape", ["channels_1d"], ["halves"], name="constant_of_shape",
          value=numpy_helper.from_array(floats([0.5]), "cos_value")),                         # [4] of 0.5
        n("Expand", ["halves", "expand_shape"], ["expanded"], name="expand"),                 # [3,4]
        n("Reshape", ["sq", "col_shape"], ["col"], name="reshape"),                          # [3,1]
        n("Tile", ["col", "tile_repeats"], ["tiled"], name="tile"),                          # [3,4]
        n("Equal", ["ct_shape", "expected_shape"], ["same"], name="equal"),                  # [T,T,F,T]
        n("Where", ["same", "tiled", "expanded"], ["mask"], name="where"),                   # [3,4]
        n("Cast", ["same"], ["same_f"], name="cast", to=TensorProto.FLOAT),
        n("Add", ["mask", "same_f"], ["masked"], name="add_mask"),                           # [3,4] + [4]
    ]
    outputs = [
        helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 5]),
        helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 576]),
        helper.make_tensor_value_info("act", TensorProto.FLOAT, [1, 8, 8, 8]),
        helper.make_tensor_value_info("masked", TensorProto.FLOAT, [3, 4]),
    ]
    graph = helper.make_graph(nodes, "ops_cover",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 32, 32])],
                              outputs, initializer=inits)
    model = helper.make_model(graph, producer_name="qscope gen_test_model.py",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def build_external():
    """A tiny MatMul + Add + Relu model; weights are saved to an external-data file by `save_external`."""
    w = numpy_helper.from_array((rng.standard_normal((4, 3)) * 0.5).astype(np.float32), "ext_w")
    b = numpy_helper.from_array((rng.standard_normal(3) * 0.1).astype(np.float32), "ext_b")
    nodes = [
        helper.make_node("MatMul", ["x", "ext_w"], ["xw"], name="matmul"),
        helper.make_node("Add", ["xw", "ext_b"], ["xwb"], name="add"),
        helper.make_node("Relu", ["xwb"], ["y"], name="relu"),
    ]
    graph = helper.make_graph(nodes, "external_data",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
                              initializer=[w, b])
    model = helper.make_model(graph, producer_name="qscope gen_test_model.py",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def run_reference(path, feeds):
    """Outputs from onnxruntime on CPU (no graph optimizations, so the reference is the plain graph)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return names, session.run(names, feeds)


def write_tensor(array, name, path):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def check_sane(name, array):
    if not np.all(np.isfinite(array)):
        sys.exit(f"gen_test_model.py: output '{name}' has non-finite values; adjust the model")


def main():
    os.makedirs(FIXTURES, exist_ok=True)

    # 1. Operator coverage model.
    model = build_ops_cover()
    model_path = os.path.join(FIXTURES, "ops_cover.onnx")
    onnx.save_model(model, model_path)
    x = rng.standard_normal((1, 3, 32, 32)).astype(np.float32)
    write_tensor(x, "input", os.path.join(FIXTURES, "ops_cover_input.pb"))
    names, results = run_reference(model_path, {"input": x})
    for k, (name, y) in enumerate(zip(names, results)):
        check_sane(name, y)
        write_tensor(y, name, os.path.join(FIXTURES, f"ops_cover_output_{k}.pb"))
        print(f"ops_cover output {k} '{name}' {list(y.shape)} range [{y.min():.4g}, {y.max():.4g}]")
    ops = sorted({node.op_type for node in model.graph.node})
    print(f"wrote {model_path} ({os.path.getsize(model_path)} bytes, {len(model.graph.node)} nodes, "
          f"{len(ops)} operator types)")

    # 2. External-data model: weights in external/weights.bin beside the model.
    ext_dir = os.path.join(FIXTURES, "external")
    os.makedirs(ext_dir, exist_ok=True)
    ext = build_external()
    ext_path = os.path.join(ext_dir, "model.onnx")
    weights = os.path.join(ext_dir, "weights.bin")
    if os.path.exists(weights):
        os.remove(weights)  # save_model appends to an existing data file
    onnx.save_model(ext, ext_path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="weights.bin", size_threshold=0)
    onnx.checker.check_model(ext_path, full_check=True)
    xe = rng.standard_normal((2, 4)).astype(np.float32)
    write_tensor(xe, "x", os.path.join(ext_dir, "input_0.pb"))
    names, results = run_reference(ext_path, {"x": xe})
    check_sane(names[0], results[0])
    write_tensor(results[0], names[0], os.path.join(ext_dir, "output_0.pb"))
    print(f"wrote {ext_path} + weights.bin ({os.path.getsize(weights)} bytes)")

    with open(os.path.join(FIXTURES, "README.md"), "w") as f:
        ops_text = textwrap.fill(", ".join(ops), width=110, initial_indent="  ", subsequent_indent="  ")
        f.write(README.format(ops=ops_text, onnx=onnx.__version__, ort=ort.__version__,
                              numpy=np.__version__, opset=OPSET))


README = """# Test fixtures

Generated by `scripts/gen_test_model.py` (run it with the project venv: `PY=$(scripts/venv.sh | tail -1);
$PY scripts/gen_test_model.py`) with onnx {onnx}, onnxruntime {ort}, numpy {numpy}. The files are committed so
`swift test` needs no Python; regenerate them only when the model definition changes.

- `ops_cover.onnx`: a small CNN-like model (opset {opset}, weights drawn from a fixed numpy seed) with input
  `input` [1, 3, 32, 32] that uses at least one node of every operator family qscope implements, including a
  depthwise and a dilated Conv, broadcasting Add/Sub/Mul/Div, nearest and linear Resize, and Constant nodes.
  Values stay in a sane range (Log and Sqrt only see positive values). Operator types:
{ops}
- `ops_cover_input.pb`: the input (a serialized TensorProto, standard normal values from the same seed).
- `ops_cover_output_K.pb`: onnxruntime's outputs (CPU, graph optimizations disabled), K in graph-output order.
- `external/`: a tiny MatMul + Add + Relu model whose two weights are stored in `weights.bin` as ONNX external
  data (`location`/`offset`/`length`), with `input_0.pb` and `output_0.pb`. It tests the external-data loader.

Tests/EngineTests/GeneratedModelTests.swift runs both with qscope and compares with these outputs (max abs
error at most 1e-4 of the reference's largest magnitude).
"""

if __name__ == "__main__":
    main()
