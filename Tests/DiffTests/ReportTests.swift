import Engine
import Foundation
import XCTest
@testable import Diff

final class ReportTests: XCTestCase {
    /// A minimal RFC 4180 reader: quoted fields, doubled quotes, commas and line breaks inside quotes.
    private func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false, pendingQuote = false
        for ch in text.unicodeScalars {
            if quoted {
                if pendingQuote {
                    pendingQuote = false
                    if ch == "\"" { field.unicodeScalars.append(ch); continue }
                    quoted = false  // the quote closed the field; handle `ch` below
                } else if ch == "\"" {
                    pendingQuote = true
                    continue
                } else {
                    field.unicodeScalars.append(ch)
                    continue
                }
            }
            switch ch {
            case "\"" where field.isEmpty: quoted = true
            case ",": row.append(field); field = ""
            case "\n": row.append(field); rows.append(row); row = []; field = ""
            default: field.unicodeScalars.append(ch)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testCSVParsesBackWithHeaderAndValues() throws {
        let report = AnalysisFixtures.report
        let rows = parseCSV(CSVReport(report).text)
        XCTAssertEqual(rows.first, ["Float Node", "Candidate Node", "Cosine Similarity", "Relative Euclidean Distance",
                                    "Max Absolute Error", "Mean Square Error", "Node", "Op", "ON", "Pair",
                                    "Isolated Cosine", "SQNR dB", "Scale", "Calibration Method", "Suspicious"])
        let body = Array(rows.dropFirst())
        XCTAssertTrue(body.allSatisfy { $0.count == 15 })
        // float/optimized: 2 layers; float/quantized: 5; float/hybrid: 5; reshape has no metrics at all and
        // gets one "not compared" row so that every node is in the report.
        XCTAssertEqual(body.count, 13)
        XCTAssertEqual(body.filter { $0[14] == "not compared" }.count, 1)
        let right = try XCTUnwrap(body.first { $0[6] == "a<b&\"c\"" && $0[9] == "float/quantized" })
        XCTAssertEqual(right[0], "right_out")
        XCTAssertEqual(right[1], "right_out_q")
        XCTAssertEqual(Double(right[2]), 0.85)
        XCTAssertEqual(right[7], "Conv")
        XCTAssertEqual(right[8], "CPU")
        XCTAssertEqual(Double(right[10]), 0.86)
        XCTAssertEqual(Double(right[12]), 0.5)
        XCTAssertEqual(right[13], "minmax")
        XCTAssertEqual(right[14], "warn+drop+isolated")
        let left = try XCTUnwrap(body.first { $0[6] == "left, \"quoted\"" && $0[9] == "float/quantized" })
        XCTAssertEqual(left[14], "")
        let add = try XCTUnwrap(body.first { $0[6] == "add" && $0[9] == "float/quantized" })
        XCTAssertEqual(add[14], "inherited+warn")
        XCTAssertEqual(add[8], "")
        // Infinities: identical stem (SQNR +inf) and a zero reference (distance +inf, SQNR -inf).
        let stemOpt = try XCTUnwrap(body.first { $0[6] == "stem" && $0[9] == "float/optimized" })
        XCTAssertEqual(stemOpt[11], "inf")
        XCTAssertEqual(stemOpt[10], "", "no isolated metrics")
        let leftOpt = try XCTUnwrap(body.first { $0[6] == "left, \"quoted\"" && $0[9] == "float/optimized" })
        XCTAssertEqual(leftOpt[3], "inf")
        XCTAssertEqual(leftOpt[11], "-inf")
        XCTAssertEqual(Double(leftOpt[2]), 0)
    }

    func testCSVHeaderUsesStageNamesForOnePair() {
        var report = AnalysisFixtures.report
        for i in report.layers.indices {
            report.layers[i].accumulated = report.layers[i].accumulated.filter { $0.key == .floatQuantized }
            report.layers[i].isolated = report.layers[i].isolated.filter { $0.key == .floatQuantized }
        }
        XCTAssertEqual(Array(CSVReport(report).header.prefix(2)), ["Float Node", "Quantized Node"])
        XCTAssertEqual(CSVReport.field("a\r\nb"), "\"a\r\nb\"")
        XCTAssertEqual(CSVReport.field(" x"), "\" x\"")
        XCTAssertEqual(CSVReport.field("plain"), "plain")
    }

    func testJSONParsesAndAgreesWithCSV() throws {
        let report = AnalysisFixtures.report
        let data = try JSONReport(report).data()
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(root["schema"] as? String, "qscope.analysis/1")
        XCTAssertEqual(root["model"] as? String, "/models/net<1>.onnx")
        let config = try XCTUnwrap(root["config"] as? [[String: String]])
        XCTAssertEqual(config.map { $0["key"] ?? "" }, ["calibration", "samples", "alpha"], "config keeps its order")
        let stages = try XCTUnwrap(root["stages"] as? [String: [String: String]])
        XCTAssertEqual(stages["hybrid"]?["status"], "failed")
        XCTAssertEqual(stages["hybrid"]?["reason"], "no <acc> device")
        XCTAssertEqual(stages["float"]?["status"], "ready")
        XCTAssertEqual(root["pairs"] as? [String], ["float/optimized", "float/quantized", "float/hybrid"])
        let timings = try XCTUnwrap(root["timings"] as? [String: Double])
        XCTAssertEqual(timings["quantized"], 3.5)

        let layers = try XCTUnwrap(root["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.count, 6)
        let byName = Dictionary(uniqueKeysWithValues: layers.map { ($0["name"] as? String ?? "", $0) })
        // Every CSV row agrees with the JSON values.
        for row in CSVReport(report).rows where !row[9].isEmpty {
            let layer = try XCTUnwrap(byName[row[6]], row[6])
            let metrics = try XCTUnwrap((layer["metrics"] as? [String: Any])?[row[9]] as? [String: Any])
            let acc = try XCTUnwrap(metrics["accumulated"] as? [String: Any])
            for (column, key) in [(2, "cosine"), (3, "relativeDistance"), (4, "maxAbsError"),
                                  (5, "meanSquaredError"), (11, "sqnrDB")] {
                let json = acc[key]
                if let number = json as? Double {
                    // The writer prints round-trip digits (checked with Python's parser); Foundation's
                    // JSONSerialization on Linux may be off in the last digit when parsing.
                    let csv = try XCTUnwrap(Double(row[column]))
                    XCTAssertEqual(csv, number, accuracy: 4e-16 * max(1, abs(number)), "\(row[6]) \(row[9]) \(key)")
                } else {
                    XCTAssertEqual(json as? String, row[column], "\(row[6]) \(row[9]) \(key)")
                }
            }
            let isolated = (metrics["isolated"] as? [String: Any])?["cosine"] as? Double
            if let isolated {
                XCTAssertEqual(try XCTUnwrap(Double(row[10])), isolated, accuracy: 4e-16)
            } else {
                XCTAssertEqual(row[10], "")
            }
            XCTAssertEqual(layer["op"] as? String, row[7])
        }
        let leftOpt = try XCTUnwrap(((byName["left, \"quoted\""]?["metrics"] as? [String: Any])?["float/optimized"]
            as? [String: Any])?["accumulated"] as? [String: Any])
        XCTAssertEqual(leftOpt["sqnrDB"] as? String, "-inf")
        XCTAssertEqual(leftOpt["relativeDistance"] as? String, "inf")
        XCTAssertEqual(leftOpt["severity"] as? String, "fail")
        let right = try XCTUnwrap(byName["a<b&\"c\""])
        XCTAssertEqual(right["placement"] as? String, "cpu")
        XCTAssertEqual(right["inputs"] as? [Int], [0])
        XCTAssertEqual((right["quantization"] as? [String: Any])?["zeroPoint"] as? Int, 0)
        XCTAssertEqual((right["tensors"] as? [String: String])?["quantized"], "right_out_q")
        XCTAssertNil(byName["add"]?["placement"], "absent optionals are left out")

        let suspicious = try XCTUnwrap(root["suspicious"] as? [[String: Any]])
        XCTAssertEqual(suspicious.first?["node"] as? String, "a<b&\"c\"")
        XCTAssertEqual(suspicious.first?["kinds"] as? [String], ["warn", "drop", "isolated"])
        XCTAssertEqual(suspicious.first?["introduced"] as? Bool, true)
        XCTAssertEqual(suspicious.first?["rank"] as? Int, 1)
        XCTAssertEqual(suspicious.first?["reason"] as? String, report.suspicious.first?.reason)
        let add = try XCTUnwrap(suspicious.first { $0["node"] as? String == "add" })
        XCTAssertEqual(add["inheritedFrom"] as? Int, 2)
        let outputs = try XCTUnwrap(root["outputs"] as? [[String: Any]])
        XCTAssertEqual(outputs.first?["pair"] as? String, "float/quantized")
    }

    func testJSONKeysAreSorted() throws {
        let text = String(decoding: try JSONReport(AnalysisFixtures.report).data(), as: UTF8.self)
        let topLevel = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map {
            String($0.dropFirst(3).prefix { $0 != "\"" })
        }
        XCTAssertEqual(topLevel, ["config", "layers", "model", "outputs", "pairs", "schema", "stages",
                                  "suspicious", "thresholds", "timings"])
        XCTAssertEqual(try JSONReport(AnalysisFixtures.report).data(), try JSONReport(AnalysisFixtures.report).data())
    }

    func testHTMLIsSelfContainedAndEscaped() throws {
        let html = HTMLReport(AnalysisFixtures.report).html
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("<svg"))
        XCTAssertTrue(html.contains("</svg>"))
        XCTAssertTrue(html.contains("a&lt;b&amp;&quot;c&quot;"))
        XCTAssertFalse(html.contains("a<b&\"c\""))
        XCTAssertFalse(html.contains("no <acc> device"))
        XCTAssertTrue(html.contains("no &lt;acc&gt; device"))
        XCTAssertFalse(html.contains("<1>"))
        XCTAssertFalse(html.lowercased().contains("http://"))
        XCTAssertFalse(html.lowercased().contains("https://"))
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<link"))
        XCTAssertTrue(html.contains("warn 0.99"))
        XCTAssertTrue(html.contains("fail 0.8"))
        // One line per pair with layer metrics, and the legend names each.
        for pair in ["float/optimized", "float/quantized", "float/hybrid"] {
            XCTAssertTrue(html.contains("data-pair=\"\(pair)\""), pair)
        }
        XCTAssertFalse(html.contains("data-pair=\"quantized/hybrid\""))
        XCTAssertTrue(html.contains("x&amp;y"), "config values are escaped")
    }

    func testChartLowerBound() {
        var report = AnalysisFixtures.report
        XCTAssertEqual(CosineChart(report: report).yMin, 0.0, accuracy: 1e-12, "float/optimized has cosine 0")
        report.layers = AnalysisFixtures.chain
        XCTAssertEqual(CosineChart(report: report).yMin, 0.8, accuracy: 1e-12)
        report.layers[3].accumulated[.floatQuantized] = AnalysisFixtures.metrics(cosine: 0.62)
        XCTAssertEqual(CosineChart(report: report).yMin, 0.6, accuracy: 1e-12)
        report.layers = [AnalysisFixtures.layer(0, "a", pairs: [.floatQuantized: (0.9999, nil)])]
        XCTAssertEqual(CosineChart(report: report).yMin, 0.8, accuracy: 1e-12)
    }

    func testAtomicWriteReplacesAndLeavesNoTemporaryFile() throws {
        let dir = try temporaryDirectory()
        let report = AnalysisFixtures.report
        for (name, document) in [("r.csv", CSVReport(report) as any ReportDocument), ("r.json", JSONReport(report)),
                                 ("r.html", HTMLReport(report))] {
            let path = dir.appendingPathComponent(name).path
            try Data("old contents that are longer than nothing".utf8).write(to: URL(fileURLWithPath: path))
            try document.write(to: path)
            XCTAssertEqual(FileManager.default.contents(atPath: path), try document.data(), name)
        }
        try ReportFormat.write(report, to: dir.appendingPathComponent("via-format.JSON").path)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertEqual(files, ["r.csv", "r.html", "r.json", "via-format.JSON"])
    }

    func testReportFormatFromExtension() throws {
        XCTAssertEqual(try ReportFormat(path: "out/report.csv"), .csv)
        XCTAssertEqual(try ReportFormat(path: "report.JSON"), .json)
        XCTAssertEqual(try ReportFormat(path: "report.html"), .html)
        XCTAssertEqual(try ReportFormat(path: "report.htm"), .html)
        for bad in ["report.txt", "report", "report.csv.gz"] {
            XCTAssertThrowsError(try ReportFormat(path: bad)) { error in
                guard case let QScopeError.usage(message)? = error as? QScopeError else {
                    return XCTFail("\(error)")
                }
                XCTAssertTrue(message.contains(".csv, .json or .html"), message)
                XCTAssertTrue(message.contains(bad), message)
            }
        }
    }

    func testConsoleTable() throws {
        let text = ConsoleTable(AnalysisFixtures.report).text
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("hybrid stage failed: no <acc> device"))
        XCTAssertTrue(lines[1].hasPrefix("node"), lines[1])
        for column in ["op", "ON", "float/optimized", "float/quantized", "float/hybrid"] {
            XCTAssertTrue(lines[1].contains(column), column)
        }
        let right = try XCTUnwrap(lines.first { $0.hasPrefix("a<b&\"c\"") })
        XCTAssertTrue(right.contains("0.8500"), right)
        XCTAssertTrue(right.contains("CPU"))
        XCTAssertTrue(right.contains("–"), "no float/optimized cosine")
        XCTAssertTrue(right.hasSuffix("v!"), right)
        let reshape = try XCTUnwrap(lines.first { $0.hasPrefix("reshape") })
        XCTAssertEqual(reshape.components(separatedBy: "–").count - 1, 4, "ON and three pairs absent: \(reshape)")
        let ranked = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("suspicious layers (float/quantized)") })
        XCTAssertTrue(lines[ranked + 1].hasPrefix("  1. [warn+drop+isolated] a<b&\"c\" (Conv): cosine 0.850"),
                      lines[ranked + 1])
        XCTAssertTrue(text.contains("inherited from a<b&\"c\""))
        XCTAssertEqual(ConsoleTable(AnalysisFixtures.report).mark(layer: 3), "!")
        // Columns line up: the op column starts at the same offset in every table row.
        let opOffset = lines[1].count - lines[1].drop { $0 != " " }.drop { $0 == " " }.count
        for row in lines[1...7].map(Array.init) {
            XCTAssertEqual(row[opOffset - 1], " ", String(row))
            XCTAssertNotEqual(row[opOffset], " ", String(row))
        }
    }

    func testEmptyReportRendersEverywhere() throws {
        let report = AnalysisReport(modelPath: "m.onnx")
        XCTAssertEqual(parseCSV(CSVReport(report).text).count, 1, "header only")
        let root = try JSONSerialization.jsonObject(with: try JSONReport(report).data()) as? [String: Any]
        XCTAssertEqual((root?["layers"] as? [Any])?.count, 0)
        XCTAssertEqual((root?["stages"] as? [String: [String: String]])?["float"]?["status"], "not-computed")
        XCTAssertTrue(HTMLReport(report).html.contains("<svg"))
        XCTAssertTrue(ConsoleTable(report).text.contains("no suspicious layers"))
    }
}
