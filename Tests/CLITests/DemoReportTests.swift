import Engine
import Foundation
import XCTest

/// `qscope analyze --report` on the real demo network: every node is in the CSV, the JSON and the HTML report,
/// and the three carry the same numbers.
final class DemoReportTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try CLI.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// The parts of the JSON report compared here. JSONDecoder reads numbers exactly (JSONSerialization on Linux
    /// can be one unit in the last place off).
    struct Document: Decodable {
        let pairs: [String]
        let layers: [Layer]
        let suspicious: [Suspicious]
    }
    struct Layer: Decodable {
        let index: Int
        let name: String
        let quantization: Quantization?
        let metrics: [String: PairMetrics]?
    }
    struct Quantization: Decodable { let scale: Number }
    struct PairMetrics: Decodable {
        let accumulated: Metrics?
        let isolated: Metrics?
    }
    struct Metrics: Decodable {
        let cosine, relativeDistance, maxAbsError, meanSquaredError, sqnrDB: Number
    }
    struct Suspicious: Decodable {
        let node: String
        let pair: String
        let kinds: [String]
        let introduced: Bool
    }
    /// A number, or one of the strings the schema writes for non-finite values.
    struct Number: Decodable {
        let value: Double
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode(Double.self) { value = d; return }
            switch try c.decode(String.self) {
            case "inf": value = .infinity
            case "-inf": value = -.infinity
            default: value = .nan
            }
        }
    }

    /// One CSV line split into fields (RFC 4180 quoting).
    func fields(_ line: Substring) -> [String] {
        var out: [String] = [], field = "", quoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    if let n = chars.next() {
                        if n == "\"" { field.append("\"") } else { quoted = false; if n == "," { out.append(field); field = "" } else { field.append(n) } }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { out.append(field); field = "" } else { field.append(c) }
        }
        out.append(field)
        return out
    }

    func unescapeHTML(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    func testEveryNodeIsInEveryFormatWithTheSameValues() throws {
        let (model, data) = try DemoAssets.locate(scratch: dir)
        let csv = dir.appendingPathComponent("r.csv").path, json = dir.appendingPathComponent("r.json").path
        let html = dir.appendingPathComponent("r.html").path
        let r = try CLI.run(["analyze", model] + data + ["--method", "max", "--cal-samples", "4", "--eval-samples", "2",
                                                         "--report", csv, "--report", json, "--report", html])
        XCTAssertEqual(r.code, 0, r.stderr)

        let report = try JSONDecoder().decode(Document.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        let layers = report.layers, pairs = report.pairs
        XCTAssertTrue(pairs.contains("float/quantized"), "\(pairs)")
        let graph = try ModelLoader.load(path: model).graph
        XCTAssertEqual(layers.count, graph.nodes.count, "one layer per node")
        XCTAssertEqual(Set(layers.map(\.name)), Set(graph.nodes.map(\.name)))

        // CSV: one row per layer and pair with metrics, and one "not compared" row for a layer without any.
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        let header = fields(lines[0])
        func column(_ name: String) throws -> Int { try XCTUnwrap(header.firstIndex(of: name), name) }
        let cNode = try column("Node"), cPair = try column("Pair"), cCos = try column("Cosine Similarity")
        let cRel = try column("Relative Euclidean Distance"), cMax = try column("Max Absolute Error")
        let cMSE = try column("Mean Square Error"), cIso = try column("Isolated Cosine"), cSQNR = try column("SQNR dB")
        let cScale = try column("Scale"), cSusp = try column("Suspicious")
        var csvRows: [String: [String]] = [:]
        for line in lines.dropFirst() {
            let f = fields(line)
            XCTAssertEqual(f.count, header.count, String(line))
            csvRows["\(f[cNode])|\(f[cPair])"] = f
        }
        var suspicion: [String: String] = [:]
        for s in report.suspicious {
            suspicion["\(s.node)|\(s.pair)"] = (s.introduced ? s.kinds : ["inherited"] + s.kinds).joined(separator: "+")
        }

        // HTML: the full layer table, one row per layer: #, node, op, shape, ON, then cosine and isolated per pair.
        let htmlText = try String(contentsOfFile: html, encoding: .utf8)
        let table = try XCTUnwrap(htmlText.components(separatedBy: "<h2>All layers</h2>").last)
        let cell = try NSRegularExpression(pattern: "<td[^>]*>(.*?)</td>")
        var htmlRows: [String: [String]] = [:]
        for row in table.components(separatedBy: "<tr>").dropFirst() {
            let ns = row as NSString
            let cells = cell.matches(in: row, range: NSRange(location: 0, length: ns.length)).map { unescapeHTML(ns.substring(with: $0.range(at: 1))) }
            if cells.count > 2 { htmlRows[cells[1]] = cells }
        }

        var compared = 0
        for layer in layers {
            let name = layer.name
            let metrics = layer.metrics ?? [:]
            let h = try XCTUnwrap(htmlRows[name], "\(name) missing from the HTML layer table")
            XCTAssertEqual(h[0], "\(layer.index)", name)
            if metrics.isEmpty {
                XCTAssertEqual(csvRows["\(name)|"]?[cSusp], "not compared", "\(name): CSV row of a layer without metrics")
                continue
            }
            for (pair, m) in metrics {
                let row = try XCTUnwrap(csvRows["\(name)|\(pair)"], "\(name) \(pair) missing from CSV")
                let acc = m.accumulated, iso = m.isolated
                let values: [(Int, String, Double?)] = [
                    (cCos, "cosine", acc?.cosine.value), (cRel, "relativeDistance", acc?.relativeDistance.value),
                    (cMax, "maxAbsError", acc?.maxAbsError.value), (cMSE, "meanSquaredError", acc?.meanSquaredError.value),
                    (cSQNR, "sqnrDB", acc?.sqnrDB.value), (cIso, "isolated cosine", iso?.cosine.value)]
                for (c, key, value) in values {
                    if let v = value {
                        XCTAssertEqual(Double(row[c]), v, "\(name) \(pair) \(key): CSV \(row[c]) vs JSON \(v)")
                    } else {
                        XCTAssertEqual(row[c], "", "\(name) \(pair) \(key)")
                    }
                }
                XCTAssertEqual(row[cSusp], suspicion["\(name)|\(pair)"] ?? "", "\(name) \(pair) suspicious")
                if let q = layer.quantization {
                    XCTAssertEqual(Double(row[cScale]), q.scale.value, "\(name) scale")
                }
                // HTML shows four decimals of the same cosines.
                let p = try XCTUnwrap(pairs.firstIndex(of: pair))
                for (offset, side) in [(0, acc), (1, iso)] {
                    let shown = h[5 + 2 * p + offset]
                    if let v = side?.cosine.value {
                        XCTAssertEqual(shown, String(format: "%.4f", v), "\(name) \(pair) HTML cosine")
                    } else {
                        XCTAssertEqual(shown, "–", "\(name) \(pair) HTML absent value")
                    }
                }
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, graph.nodes.count / 2, "most layers are compared")
    }
}
