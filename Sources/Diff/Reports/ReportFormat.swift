import Engine
import Foundation

/// A rendered report: its bytes, and an atomic write to a file.
public protocol ReportDocument {
    /// The file's contents.
    func data() throws -> Data
}

extension ReportDocument {
    /// Writes the report to `path` atomically (temporary file beside it, then rename), replacing any old file.
    public func write(to path: String) throws {
        try FileIO.writeAtomically(try data(), to: path)
    }
}

/// The report file formats, chosen by file extension.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// Comma-separated values, one row per layer and pair (``CSVReport``).
    case csv
    /// The versioned JSON document (``JSONReport``, docs/report-schema.md).
    case json
    /// One self-contained HTML page with a chart (``HTMLReport``).
    case html

    /// The format for `path`'s extension (case-insensitive; ".htm" is HTML). Throws ``QScopeError/usage(_:)``
    /// for any other extension.
    public init(path: String) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        switch ext {
        case "csv": self = .csv
        case "json": self = .json
        case "html", "htm": self = .html
        default:
            let shown = ext.isEmpty ? "no extension" : "extension '.\(ext)'"
            throw QScopeError.usage("cannot tell the report format of '\(path)' (\(shown)): use a file name ending "
                + "in .csv, .json or .html")
        }
    }

    /// The document that renders `report` in this format.
    public func document(for report: AnalysisReport) -> any ReportDocument {
        switch self {
        case .csv: return CSVReport(report)
        case .json: return JSONReport(report)
        case .html: return HTMLReport(report)
        }
    }

    /// Renders `report` in the format named by `path`'s extension and writes it there atomically.
    public static func write(_ report: AnalysisReport, to path: String) throws {
        try ReportFormat(path: path).document(for: report).write(to: path)
    }
}
