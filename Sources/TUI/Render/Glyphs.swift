import Foundation

/// The characters the screen is drawn with, in a UTF-8 and a plain-ASCII set.
public struct Glyphs: Sendable {
    public var vertical, horizontal, ellipsis, dash, pairArrow, rightArrow, leftArrow, pointer: String
    public var fail, warn, dropPoint, ready, pending, failedStage, computing: String
    /// Bar cells: `full` plus partial fills by eighths (index 1...7); empty entries round down.
    public var full: Character
    public var eighths: [Character]
    /// Histogram heights from empty to full.
    public var spark: [Character]
    public var gridTick, clipLeft, clipRight: Character

    public static let unicode = Glyphs(
        vertical: "│", horizontal: "─", ellipsis: "…", dash: "–", pairArrow: "↔", rightArrow: "→", leftArrow: "←",
        pointer: "▶", fail: "✗", warn: "!", dropPoint: "▼", ready: "✓", pending: "·", failedStage: "✗", computing: "◐",
        full: "█", eighths: [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"],
        spark: [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], gridTick: "┊", clipLeft: "[", clipRight: "]")

    public static let ascii = Glyphs(
        vertical: "|", horizontal: "-", ellipsis: "~", dash: "-", pairArrow: "<->", rightArrow: "->", leftArrow: "<-",
        pointer: ">", fail: "X", warn: "!", dropPoint: "v", ready: "ok", pending: "-", failedStage: "X", computing: "*",
        full: "#", eighths: [" ", " ", " ", " ", " ", " ", " ", " "],
        spark: [" ", ".", ":", "-", "=", "+", "*", "#", "@"], gridTick: ":", clipLeft: "[", clipRight: "]")

    public static func forState(_ s: AppState) -> Glyphs { s.unicode ? .unicode : .ascii }

    /// The symbol of a suspicion kind; it carries the meaning without colour.
    public func symbol(_ s: Suspicion?) -> String {
        switch s {
        case .fail?: return fail
        case .warn?: return warn
        case .dropPoint?: return dropPoint
        case nil: return " "
        }
    }

    /// A horizontal bar `width` cells long filled to `fraction` (0...1), using eighth blocks when available.
    public func bar(_ fraction: Double, width: Int) -> String {
        guard width > 0 else { return "" }
        let f = fraction.isFinite ? min(max(fraction, 0), 1) : 0
        let eighthsTotal = Int((f * Double(width * 8)).rounded())
        var s = String(repeating: full, count: eighthsTotal / 8)
        if eighthsTotal % 8 > 0, s.count < width { s.append(eighths[eighthsTotal % 8]) }
        return s + String(repeating: " ", count: width - s.count)
    }
}

/// The bar length for a cosine: its "number of nines", so 0.99 and 0.9999 look different. Full at 0.9999
/// (1 - cos = 1e-4), half at 0.99, empty at 0 or below.
func cosineBarFraction(_ cosine: Double) -> Double {
    guard cosine.isFinite else { return 0 }
    let loss = max(1e-4, 1 - cosine)
    return min(1, max(0, -log10(loss) / 4))
}

/// The role a suspicion kind is drawn in.
func role(for s: Suspicion?) -> StyleRole {
    switch s {
    case .fail?, .dropPoint?: return .fail
    case .warn?: return .warn
    case nil: return .ok
    }
}
