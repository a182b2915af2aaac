import Foundation

/// The per-layer comparison as CSV, in the layout of the common `vec_diff` tool followed by qscope's columns.
///
/// Columns: `<A> Node`, `<B> Node` (the compared tensor in each stage), `Cosine Similarity`,
/// `Relative Euclidean Distance`, `Max Absolute Error`, `Mean Square Error` (accumulated metrics), then `Node`,
/// `Op`, `ON` (ACC/CPU), `Pair`, `Isolated Cosine`, `SQNR dB`, `Scale`, `Calibration Method`, `Suspicious`.
/// `<A>`/`<B>` are the stage names when every row shares them (e.g. "Float Node", "Quantized Node"), otherwise
/// "Reference Node"/"Candidate Node". One row per layer per pair with metrics, pair by pair in graph order.
/// Infinities are written `inf`/`-inf`; absent values are empty; fields are quoted when needed (RFC 4180).
public struct CSVReport: ReportDocument {
    /// The rendered report.
    public let report: AnalysisReport

    /// A CSV rendering of `report`.
    public init(_ report: AnalysisReport) { self.report = report }

    /// The header row.
    public var header: [String] {
        let pairs = rowPairs
        let sideA = Set(pairs.map(\.reference))
        let sideB = Set(pairs.map(\.candidate))
        // Stage names are capitalized ("Float Node"); file labels of `qscope compare` are shown as given.
        func side(_ stages: Set<Stage>, _ fallback: String) -> String {
            guard stages.count == 1, let stage = stages.first else { return fallback }
            return report.comparedFiles == nil ? ReportText.capitalized(stage.displayName) : report.label(stage)
        }
        let a = side(sideA, "Reference"), b = side(sideB, "Candidate")
        return ["\(a) Node", "\(b) Node", "Cosine Similarity", "Relative Euclidean Distance", "Max Absolute Error",
                "Mean Square Error", "Node", "Op", "ON", "Pair", "Isolated Cosine", "SQNR dB", "Scale",
                "Calibration Method", "Suspicious"]
    }

    /// The data rows (without the header).
    public var rows: [[String]] {
        var rows: [[String]] = []
        for pair in rowPairs {
            for layer in report.layers where layer.hasMetrics(for: pair) {
                let acc = layer.accumulated[pair]
                let number = { (value: Double?) in value.map(ReportText.number) ?? "" }
                rows.append([
                    layer.tensorName(in: pair.reference), layer.tensorName(in: pair.candidate),
                    number(acc?.cosineSimilarity), number(acc?.relativeDistance), number(acc?.maxAbsError),
                    number(acc?.meanSquaredError),
                    layer.nodeName, layer.opType, layer.placement?.label ?? "", report.label(pair),
                    number(layer.isolated[pair]?.cosineSimilarity), number(acc?.sqnrDB),
                    number(layer.quantization?.scale), layer.quantization?.method ?? "",
                    report.suspicion(layer: layer.index, pair: pair)?.kindsText ?? "",
                ])
            }
        }
        // A node that no stage pair could compare (its tensor was fused away or is not a float tensor) still
        // gets a row, so that every node of the model is in the report.
        // In a comparison of two files the side columns say which file holds the tensor.
        let sides = report.comparedFiles.map(\.pair)
        for layer in report.layers where !StagePair.allCases.contains(where: { layer.hasMetrics(for: $0) }) {
            let a = sides.map { layer.stageTensorNames[$0.reference] ?? layer.outputTensor } ?? layer.outputTensor
            let b = sides.map { layer.stageTensorNames[$0.candidate] ?? "" } ?? ""
            rows.append([a, b, "", "", "", "", layer.nodeName, layer.opType,
                         layer.placement?.label ?? "", "", "", "", number(layer.quantization?.scale),
                         layer.quantization?.method ?? "", layer.note.map { "not compared: \($0)" } ?? "not compared"])
        }
        return rows
    }

    private func number(_ value: Double?) -> String { value.map(ReportText.number) ?? "" }

    /// Header and rows as CSV text, each line ending in "\n".
    public var text: String {
        ([header] + rows).map { $0.map(CSVReport.field).joined(separator: ",") + "\n" }.joined()
    }

    public func data() -> Data { Data(text.utf8) }

    /// Pairs that have rows, in canonical order.
    private var rowPairs: [StagePair] {
        StagePair.allCases.filter { pair in report.layers.contains { $0.hasMetrics(for: pair) } }
    }

    /// One field, quoted when it holds a comma, quote, line break or surrounding space.
    static func field(_ value: String) -> String {
        // Scalars, not Characters: "\r\n" is one Character that equals neither "\r" nor "\n".
        let needsQuotes = value.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || value.first == " " || value.last == " "
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
