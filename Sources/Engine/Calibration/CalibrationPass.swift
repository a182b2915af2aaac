/// The float pass over the calibration data: runs every sample through the reference executor and folds the
/// graph inputs and every float tensor the nodes produce into a collector.
public enum CalibrationPass {
    /// Runs all samples of `dataset` in order. `progress` is called after each sample with (done, total).
    /// A failing sample stops the pass with an error that names its files.
    /// - Parameters:
    ///   - preloaded: the first samples, already loaded (evaluation samples that are also the first calibration
    ///     samples): used instead of loading them again.
    ///   - recorded: called with every float tensor of each preloaded sample (its `TensorRecorder`), so that
    ///     the caller need not run those samples again.
    @discardableResult
    public static func run(_ executor: Executor, on dataset: CalibrationDataset,
                           collector: CalibrationCollector = CalibrationCollector(),
                           preloaded: [[String: Tensor]] = [], recorded: ((Int, TensorRecorder) -> Void)? = nil,
                           progress: ((Int, Int) -> Void)? = nil) throws -> CalibrationCollector {
        for i in 0..<dataset.count {
            let feeds = i < preloaded.count ? preloaded[i] : try dataset.sample(i)
            let recorder = i < preloaded.count && recorded != nil ? TensorRecorder() : nil
            let observer: ExecutionObserver = recorder.map { BothObservers(collector, $0) } ?? collector
            // The sample's tensors are folded together at its end, on all cores.
            collector.beginSample()
            defer { collector.endSample() }
            collector.record(inputs: feeds)
            do {
                _ = try executor.run(feeds, observer: observer)
            } catch let e as QScopeError {
                // Keep the error's kind; add which sample it happened on.
                let files = dataset.sampleFiles(i).map { "'\($0)'" }.joined(separator: ", ")
                let context = " (on calibration sample \(i + 1) of \(dataset.count): \(files))"
                switch e {
                case let .nodeFailed(node, op, reason): throw QScopeError.nodeFailed(node: node, op: op, reason: reason + context)
                case let .badInput(name, reason): throw QScopeError.badInput(name: name, reason: reason + context)
                default: throw e
                }
            }
            if let recorder { recorded?(i, recorder) }
            progress?(i + 1, dataset.count)
        }
        return collector
    }
}

/// Passes every produced tensor to the collector and then to a recorder.
private final class BothObservers: ExecutionObserver {
    let first: ExecutionObserver
    let second: ExecutionObserver

    init(_ first: ExecutionObserver, _ second: ExecutionObserver) {
        self.first = first
        self.second = second
    }

    func didProduce(_ name: String, _ tensor: Tensor, by node: Node) {
        first.didProduce(name, tensor, by: node)
        second.didProduce(name, tensor, by: node)
    }
}
