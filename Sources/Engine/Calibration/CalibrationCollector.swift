import Foundation

/// Collects per-tensor statistics (min, max, |x| and x histograms) during float runs over calibration data.
/// Attach it as the executor's observer for each sample, and feed the graph inputs with `record(inputs:)`,
/// since the executor reports only tensors that nodes produce. Memory is fixed per tensor (two histograms),
/// whatever the number of samples. Between `beginSample()` and `endSample()` tensors are held and then folded
/// on all cores, one tensor per task (each tensor's statistics depend only on its own values, in sample order,
/// so the result is the same as folding them one by one).
public final class CalibrationCollector: ExecutionObserver {
    /// Statistics by tensor name.
    public private(set) var statistics: [String: TensorStatistics] = [:]
    /// Tensor names in the order they were first seen (execution order).
    public private(set) var order: [String] = []
    /// Histogram resolution.
    public let bins: Int
    /// When set, only these tensors are collected.
    public let only: Set<String>?
    /// Tensors of the current sample waiting to be folded, when a sample is open.
    private var pending: [(name: String, values: [Float])]?

    /// - Parameters:
    ///   - bins: histogram bins per tensor (even; 2048 as TensorRT and ONNX Runtime use).
    ///   - only: restrict collection to these tensor names (nil collects every float tensor).
    public init(bins: Int = 2048, only: Set<String>? = nil) {
        self.bins = max(2, bins + bins % 2)
        self.only = only
    }

    public func didProduce(_ name: String, _ tensor: Tensor, by node: Node) {
        record(name, tensor)
    }

    /// Folds in a tensor under `name`. Non-float tensors (shapes, indices, masks) are ignored: they are not
    /// quantized with a calibrated range.
    public func record(_ name: String, _ tensor: Tensor) {
        guard case .float(let values) = tensor.data else { return }
        if let only, !only.contains(name) { return }
        if statistics[name] == nil {
            statistics[name] = TensorStatistics(bins: bins)
            order.append(name)
        }
        if pending != nil {
            pending!.append((name, values))
            return
        }
        statistics[name]!.add(values)
    }

    /// Holds the tensors recorded from now on until `endSample()`.
    public func beginSample() {
        if pending == nil { pending = [] }
    }

    /// Folds the tensors held since `beginSample()`, several tensors at a time.
    public func endSample() {
        guard let held = pending else { return }
        pending = nil
        // One slot per distinct tensor, its values in recording order (a name recorded twice in one sample).
        var slots: [String: Int] = [:]
        var work: [(name: String, batches: [[Float]])] = []
        for (name, values) in held {
            if let k = slots[name] { work[k].batches.append(values) } else {
                slots[name] = work.count
                work.append((name, [values]))
            }
        }
        var folded = work.map { statistics[$0.name] ?? TensorStatistics(bins: bins) }
        folded.withUnsafeMutableBufferPointer { out in
            let out = out
            let fold = { (i: Int) in for values in work[i].batches { out[i].add(values) } }
            if work.count < 4 { for i in work.indices { fold(i) } } else {
                // Largest first, so the last task to start is a small one.
                let bySize = work.indices.sorted { work[$0].batches[0].count > work[$1].batches[0].count }
                DispatchQueue.concurrentPerform(iterations: bySize.count) { fold(bySize[$0]) }
            }
        }
        for (i, w) in work.enumerated() { statistics[w.name] = folded[i] }
    }

    /// Folds in the graph inputs of one sample, in name order.
    public func record(inputs feeds: [String: Tensor]) {
        for (name, t) in feeds.sorted(by: { $0.key < $1.key }) { record(name, t) }
    }

    /// Tensors that held NaN or infinity in some sample, with how many such values, in execution order.
    public var nonFiniteTensors: [(name: String, count: Int)] {
        order.compactMap { n in statistics[n].flatMap { $0.nonFiniteCount > 0 ? (n, $0.nonFiniteCount) : nil } }
    }

    /// Computes a range for every collected tensor with `method`.
    public func ranges(using method: CalibrationMethod, symmetric: Bool) throws -> [String: CalibrationRange] {
        var out: [String: CalibrationRange] = [:]
        for name in order {
            guard let s = statistics[name] else { continue }
            out[name] = try method.range(for: s, symmetric: symmetric)
        }
        return out
    }
}
