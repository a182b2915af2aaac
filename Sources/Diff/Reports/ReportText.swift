import Foundation

/// Text helpers shared by the report writers.
enum ReportText {
    /// A number for machine-readable output: shortest round-trip decimal, or "inf", "-inf", "nan".
    static func number(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return "\(value)"
    }

    /// A number for people with a fixed count of decimals; "inf", "-inf", "nan" for the non-finite values.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return String(format: "%.\(decimals)f", value)
    }

    /// A number for people in `%g` style with `digits` significant digits.
    static func compact(_ value: Double, _ digits: Int = 4) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return String(format: "%.\(digits)g", value)
    }

    /// "Quantized" from "quantized".
    static func capitalized(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() }

    /// Text made safe for HTML element content and attribute values.
    static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
