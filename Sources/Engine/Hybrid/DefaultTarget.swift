/// The bundled default target, `targets/generic-npu.json`, embedded so that qscope needs no resource files.
/// A test checks that this copy and the file in the repository are identical; edit both together.
enum DefaultTarget {
    static let fileName = "generic-npu.json"
    static let json = #"""
{
  "name": "generic-npu",
  "description": "A generic int8 neural accelerator: int8 activations and per-channel int8 weights, int32 accumulation, requantization by an integer multiplier and shift, element-wise non-linearities through 256-entry lookup tables.",
  "rounding": "half_away_from_zero",
  "run_on_cpu": [],
  "operators": {
    "Conv": { "kernel_max": 7, "stride_max": 4, "dilation_max": 2, "groups": ["regular", "depthwise"] },
    "Gemm": {},
    "MatMul": {},
    "MaxPool": { "kernel_max": 8, "stride_max": 8 },
    "AveragePool": { "kernel_max": 8, "stride_max": 8 },
    "GlobalAveragePool": {},
    "GlobalMaxPool": {},
    "Resize": { "modes": ["nearest", "linear"] },
    "Add": {},
    "Mul": {},
    "Concat": {},
    "Relu": {},
    "Clip": {},
    "PRelu": {},
    "LeakyRelu": { "via": "lut" },
    "Sigmoid": { "via": "lut" },
    "Tanh": { "via": "lut" },
    "HardSigmoid": { "via": "lut" },
    "HardSwish": { "via": "lut" },
    "Exp": { "via": "lut" }
  }
}
"""#
}
