/// The metrics qscope reports, for lookups and for help text.
public enum MetricKind: String, CaseIterable, Sendable {
    case cosineSimilarity
    case relativeDistance
    case maxAbsError
    case meanSquaredError
    case meanError
    case sqnr
    case nonFiniteCounts
}

/// One metric explained for people: used by the README and the in-app help.
public struct MetricDefinition: Sendable {
    /// Which metric this is.
    public let kind: MetricKind
    /// Full name, e.g. "Cosine similarity".
    public let name: String
    /// Column header, e.g. "cos".
    public let shortName: String
    /// The formula, with `a` the reference (float model) and `b` the candidate (quantized model).
    public let formula: String
    /// What the value tells you.
    public let meaning: String
    /// The defined results for degenerate input.
    public let edgeCases: [String]
}

/// The text that explains every metric. Keep it in step with ``MetricFormulas`` and ``MetricsAccumulator``.
public enum MetricDefinitions {
    /// Rules that apply to every metric.
    public static let generalRules: [String] = [
        "a is the reference tensor (float model), b the candidate (quantized model), compared element by element "
            + "as flat vectors; sums run in double precision.",
        "Only finite pairs count: an index where a or b is NaN or infinite is left out of every metric, and the "
            + "NaN and infinity counts of each side are reported instead. A candidate with more NaN/infinity "
            + "values than the reference is classified as fail whatever its cosine.",
        "Empty tensors (or tensors with no finite pairs) compare as identical: cosine 1, errors 0, SQNR +inf.",
        "Tensors of different lengths are not compared: the result is marked as a length mismatch, holds "
            + "worst-case values (cosine 0, errors +inf, SQNR -inf) and is classified as fail.",
        "Over several evaluation samples: cosine is computed per sample and averaged; max abs error is the "
            + "maximum over samples; MSE and mean error are averaged over all compared elements of all samples; "
            + "relative distance and SQNR use the signal and noise energies summed over samples; NaN/infinity "
            + "counts are summed.",
        "Severity comes from the cosine: ok at or above the warn threshold (default 0.99), warn below it, fail "
            + "below the fail threshold (default 0.8).",
    ]

    /// Every metric, in display order.
    public static let all: [MetricDefinition] = [
        MetricDefinition(
            kind: .cosineSimilarity, name: "Cosine similarity", shortName: "cos",
            formula: "sum(a*b) / (|a| * |b|), clamped to [-1, 1]",
            meaning: "Whether the candidate points the same way as the reference, ignoring scale. 1 is a "
                + "perfect match; quantization damage shows as values below 0.99.",
            edgeCases: ["identical tensors, both all-zero, or empty: 1",
                        "exactly one tensor all-zero: 0"]),
        MetricDefinition(
            kind: .relativeDistance, name: "Relative distance", shortName: "rel",
            formula: "|a - b| / |a| (Euclidean norms)",
            meaning: "Size of the error relative to the size of the reference; 0.01 means the error vector is "
                + "1% as long as the reference.",
            edgeCases: ["identical tensors (including both all-zero or empty): 0",
                        "reference all-zero but candidate not: +inf"]),
        MetricDefinition(
            kind: .maxAbsError, name: "Max absolute error", shortName: "maxabs",
            formula: "max |b - a|",
            meaning: "The single worst element difference, in the tensor's own units.",
            edgeCases: ["empty: 0"]),
        MetricDefinition(
            kind: .meanSquaredError, name: "Mean squared error", shortName: "mse",
            formula: "mean (b - a)^2",
            meaning: "Average error energy per element, in squared units of the tensor.",
            edgeCases: ["empty: 0"]),
        MetricDefinition(
            kind: .meanError, name: "Mean error", shortName: "bias",
            formula: "mean (b - a)",
            meaning: "Systematic shift of the candidate: positive when it reads high on average. When |mean "
                + "error| is close to the square root of the MSE, the error is mostly a constant shift (such as "
                + "a wrong zero point) rather than noise.",
            edgeCases: ["empty: 0"]),
        MetricDefinition(
            kind: .sqnr, name: "Signal-to-quantization-noise ratio", shortName: "sqnr",
            formula: "20 * log10(|a| / |a - b|) dB",
            meaning: "Reference energy over error energy in decibels; higher is better. Each extra bit of "
                + "effective precision adds about 6 dB.",
            edgeCases: ["identical tensors (including both all-zero or empty): +inf",
                        "reference all-zero but candidate not: -inf"]),
        MetricDefinition(
            kind: .nonFiniteCounts, name: "NaN and infinity counts", shortName: "nan/inf",
            formula: "count of NaN and of +/-inf elements, for a and for b separately",
            meaning: "Non-finite values are excluded from every other metric; these counts show how many there "
                + "were. NaN or infinity in the candidate only usually means overflow or a broken scale.",
            edgeCases: ["empty: 0"]),
    ]

    /// The definition of one metric.
    public static func definition(of kind: MetricKind) -> MetricDefinition {
        // `all` covers every case (checked by a test); the fallback only keeps this total.
        all.first { $0.kind == kind } ?? all[0]
    }
}
