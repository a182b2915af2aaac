/// The float pass over the calibration data: runs every sample through the reference executor and folds the
/// graph inputs and every float tensor the nodes produce into a collector.
public enum CalibrationPass {
    /// Runs all samples of `dataset` in order. `progress` is called after each sample with (done, total).
    /// A failing sample stops the pass with an error that names its files.
    @discardableResult
    public static func run(_ executor: Executor, on dataset: CalibrationDataset,
                           collector: CalibrationCollector = CalibrationCollector(),
                           progress: ((Int, Int) -> Void)? = nil) throws -> CalibrationCollector {
        for i in 0..<dataset.count {
            let feeds = try dataset.sample(i)
            // The sample's tensors are folded together at its end, on all cores.
            collector.beginSample()
            defer { collector.endSample() }
            collector.record(inputs: feeds)
            do {
                _ = try executor.run(feeds, observer: collector)
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
            progress?(i + 1, dataset.count)
        }
        return collector
    }
}
