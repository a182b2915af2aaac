import Engine
import Foundation

/// What `qscope run` prints: per-output shape and statistics, a top-5 for classifiers, and timing.
struct RunReport {
    let model: Model
    let outputs: [String: Tensor]
    let medianMs: Double?
    let runs: Int
    let peakRSS: Double
    let peakLiveBytes: Int
    let labels: [String]?

    /// Outputs in the graph's declared order.
    var ordered: [(String, Tensor)] { model.graph.outputs.compactMap { o in outputs[o.name].map { (o.name, $0) } } }

    /// A classifier-like output: one row of at least two scores.
    static func isClassScores(_ t: Tensor) -> Bool {
        t.dtype == .float && t.count >= 2 && t.shape.filter { $0 != 1 }.count == 1
    }

    func topK(_ t: Tensor) -> [(index: Int, value: Float)] {
        TensorSummary.topK(t.asFloats(), k: 5)
    }

    func label(_ i: Int) -> String? { labels.flatMap { i < $0.count ? $0[i] : nil } }

    func text() -> String {
        var s = "model: \(model.path) (\(model.graph.nodes.count) nodes, opset \(model.opset))\n"
        for (name, t) in ordered {
            let st = TensorSummary(t)
            s += "output '\(name)' \(t.dtype.name) \(t.shape)\n"
            s += String(format: "  min %.6g  max %.6g  mean %.6g  std %.6g", st.min, st.max, st.mean, st.std)
            if st.nanCount + st.infCount > 0 { s += "  NaN \(st.nanCount)  Inf \(st.infCount)" }
            s += "\n"
            if RunReport.isClassScores(t) {
                let top = topK(t)
                s += top.isEmpty ? "  top-5: none (no finite scores)\n" : "  top-5:\n"
                for (i, v) in top {
                    s += String(format: "    %5d  %.6g", i, v) + (label(i).map { "  \($0)" } ?? "") + "\n"
                }
            }
        }
        if let medianMs { s += String(format: "median %.3f ms over %d runs\n", medianMs, runs) }
        s += String(format: "peak RSS %.1f MiB\n", peakRSS)
        return s
    }

    func json() -> String {
        var outs: [[String: Any]] = []
        for (name, t) in ordered {
            let st = TensorSummary(t)
            var o: [String: Any] = ["name": name, "shape": t.shape, "dtype": t.dtype.name,
                                    "min": Double(st.min), "max": Double(st.max), "mean": st.mean, "std": st.std,
                                    "nan_count": st.nanCount, "inf_count": st.infCount]
            if RunReport.isClassScores(t) {
                o["top5"] = topK(t).map { ["index": $0.index, "value": Double($0.value)] as [String: Any] }
            }
            outs.append(o)
        }
        var root: [String: Any] = ["model": model.path, "outputs": outs, "peak_rss_mb": peakRSS, "runs": runs,
                                   "peak_live_activation_mb": Double(peakLiveBytes) / 1_048_576]
        root["median_ms"] = medianMs ?? NSNull()
        let data = (try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// One .npy per output plus manifest.json, each written atomically.
    func writeOutputs(to dir: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), !isDir.boolValue {
            throw QScopeError.fileUnwritable(path: dir, reason: "it is a file, but --output-dir needs a directory")
        }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw QScopeError.fileUnwritable(path: dir, reason: "cannot create the output directory (\(error.localizedDescription))")
        }
        var manifest: [String: String] = [:]
        for (i, (name, t)) in ordered.enumerated() {
            let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" })
            let file = "\(i)_\(safe).npy"
            try FileIO.writeAtomically(Npy.encode(t), to: (dir as NSString).appendingPathComponent(file))
            manifest[name] = file
        }
        let data = try JSONSerialization.data(withJSONObject: ["outputs": manifest], options: [.sortedKeys, .prettyPrinted])
        try FileIO.writeAtomically(data, to: (dir as NSString).appendingPathComponent("manifest.json"))
    }
}
