/// Per-channel fake-quantized weights by initializer, so that stages built from the same float model for several
/// calibration methods (which change only the activation ranges) round each weight once.
///
/// An entry is reused only for the very same weight buffer (the entry keeps it alive, so its address cannot be
/// reused by another) with the same shape and axis: a cache shared across models recomputes rather than
/// returning another model's weights.
public final class WeightCache {
    private struct Entry {
        var weights: [Float]
        var shape: [Int]
        var axis: Int
        var dequantized: Tensor
        var scales: [Float]
    }

    private var entries: [String: Entry] = [:]

    public init() {}

    /// The weight `w` (initializer `name`) rounded per output channel along `axis`, dequantized, with its scales.
    func perChannel(_ name: String, _ w: Tensor, axis: Int) throws -> (dequantized: Tensor, scales: [Float]) {
        let values = try w.floats()
        if let e = entries[name], e.shape == w.shape, e.axis == axis, e.weights.count == values.count,
           e.weights.withUnsafeBytes({ $0.baseAddress }) == values.withUnsafeBytes({ $0.baseAddress }) {
            return (e.dequantized, e.scales)
        }
        let q = try WeightQuantizer.perChannelSymmetric(w, axis: axis)
        let d = q.dequantized()
        entries[name] = Entry(weights: values, shape: w.shape, axis: axis, dequantized: d, scales: q.scales)
        return (d, q.scales)
    }
}
