import Foundation

/// Strict parsing of sizes and shapes written as text (`224x224`, `1x3x224x224`): every part between separators
/// must be a whole number, so `10x`, `x10`, `256xx256` and `"256 256"` are refused rather than read as something
/// else.
public enum DimensionText {
    /// The numbers of `text` split at any of `separators` (spaces around a part are allowed), or nil when a
    /// part is empty or not a whole number.
    public static func parse(_ text: String, separators: Set<Character> = ["x", "X"]) -> [Int]? {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { separators.contains($0) })
        var dims: [Int] = []
        for part in parts {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.allSatisfy(\.isASCII), let n = Int(trimmed) else { return nil }
            dims.append(n)
        }
        return dims.isEmpty ? nil : dims
    }

    /// A size: `N` or `HxW`, each positive.
    public static func size(_ text: String) -> [Int]? {
        guard let d = parse(text), (1...2).contains(d.count), d.allSatisfy({ $0 > 0 }) else { return nil }
        return d
    }

    /// A shape such as `1x3x224x224` (or `1,3,224,224`), every dimension positive.
    public static func shape(_ text: String) -> [Int]? {
        guard let d = parse(text, separators: ["x", "X", ","]), d.allSatisfy({ $0 > 0 }) else { return nil }
        return d
    }
}
