import Diff
import XCTest
@testable import TUI

/// The list's marks and the `f` filter follow the report's ranking of each pair, as `qscope analyze` prints it.
final class ReportVerdictsTests: XCTestCase {
    /// Accumulated and isolated cosines of the fixture's eight layers, per pair; nil where not measured.
    /// Each pair flags different layers: conv2 introduces the float/quantized loss, relu1 and fc the
    /// float/hybrid one, and the add is at 0.9902 (fine) for float/quantized but at 0.98997 (warn) for
    /// float/hybrid, like Conv.24 of the demo model.
    static let cosines: [Diff.StagePair: [(acc: Double, iso: Double?)]] = [
        .floatOptimized: Array(repeating: (1, nil), count: 8),
        .floatQuantized: [(0.9995, 0.9995), (0.999, 0.9999), (0.95, 0.955), (0.9902, 0.9999),
                          (0.96, 0.9999), (0.96, nil), (0.70, 0.99), (0.90, nil)],
        .floatHybrid: [(0.9999, 0.9999), (0.98, 0.975), (0.979, 0.999), (0.98997, 0.9999),
                       (0.999, 0.9999), (0.999, nil), (0.85, 0.86), (0.95, nil)],
        .quantizedHybrid: [(0.9999, nil), (0.9999, nil), (0.9999, nil), (0.9999, nil),
                           (0.9999, nil), (0.9999, nil), (0.97, nil), (0.975, nil)],
    ]

    /// Metrics with the given cosine, from two unit vectors at that angle.
    static func metrics(_ cosine: Double) -> TensorMetrics {
        TensorMetrics.compare([1, 0], [Float(cosine), Float((1 - cosine * cosine).squareRoot())])
    }

    /// The report `qscope analyze` would write for the fixture model with these cosines.
    static func report(layers: [LayerInfo]) -> AnalysisReport {
        let records = layers.map { layer -> LayerRecord in
            var record = LayerRecord(index: layer.index, nodeName: layer.name, opType: layer.op,
                                     outputTensor: layer.outputs[0], inputLayers: layer.producerLayers)
            for (pair, values) in cosines {
                record.accumulated[pair] = metrics(values[layer.index].acc)
                record.isolated[pair] = values[layer.index].iso.map(metrics)
            }
            return record
        }
        var report = AnalysisReport(modelPath: "tiny.onnx", layers: records)
        report.suspicious = SuspicionRanking.rankDefaultPairs(records, config: report.suspicionConfig)
        return report
    }

    /// The TUI's pairs 1-4 as the report names them.
    static let reportPairs: [Diff.StagePair] = [.floatOptimized, .floatQuantized, .quantizedHybrid, .floatHybrid]

    /// The fixture's layers with every pair's metrics (as the bridge fills them) and the report's verdicts.
    static func state() throws -> (AppState, AnalysisReport) {
        var layers = try LayerInfoBuilder.build(model: TUIFixtures.model(), shapes: TUIFixtures.shapes)
        let report = report(layers: layers)
        for (key, pair) in zip(StagePair.standard, reportPairs) {
            for i in layers.indices {
                let record = report.layers[i]
                layers[i].metrics[key] = LayerPairMetrics(accumulated: record.accumulated[pair].map(MetricValues.init),
                                                          isolated: record.isolated[pair].map(MetricValues.init))
            }
        }
        var s = AppState(session: TUIFixtures.session(), layers: ReportVerdicts.apply(report, to: layers),
                         stages: [.float: .ready, .optimized: .ready, .quantized: .ready, .hybrid: .ready])
        _ = s.apply(.resize(width: 120, height: 40))
        return (s, report)
    }

    func testMarksAndFilterFollowEachPairsRanking() throws {
        var (s, report) = try Self.state()
        let expected: [[Int: Suspicion]] = [
            [:],
            [2: .dropPoint, 4: .warn, 5: .warn, 6: .fail, 7: .warn],
            [6: .dropPoint, 7: .warn],
            [1: .dropPoint, 2: .warn, 3: .warn, 6: .dropPoint, 7: .warn],
        ]
        for (i, pair) in Self.reportPairs.enumerated() {
            _ = TUIFixtures.press(&s, [.char(Character(String(i + 1)))])
            XCTAssertEqual(s.pairIndex, i)
            let marks = Dictionary(uniqueKeysWithValues: s.layers.indices.compactMap { l in
                s.layers[l].suspicion(s.pair).map { (l, $0) }
            })
            XCTAssertEqual(marks, expected[i], "marks of pair \(i + 1) (\(pair))")
            // The same layers as the ranking analyze prints for that pair, and ▼ exactly where it says a layer
            // introduces error.
            let ranking = report.ranking(for: pair)
            XCTAssertEqual(Set(marks.keys), Set(ranking.map(\.layerIndex)), "pair \(i + 1) (\(pair))")
            XCTAssertEqual(Set(marks.filter { $0.value == .dropPoint }.keys),
                           Set(ranking.filter(\.isIntroduced).map(\.layerIndex)), "pair \(i + 1) (\(pair))")
            // The symbol column of the list, row by row.
            let grid = render(s)
            for l in s.layers.indices {
                let symbol = String(grid.rowText(5 + l).prefix(1))
                XCTAssertEqual(symbol, Glyphs.unicode.symbol(expected[i][l]), "pair \(i + 1), layer \(l)")
            }
            // The filter shows those layers and no others.
            _ = TUIFixtures.press(&s, [.char("f")])
            XCTAssertEqual(s.order, expected[i].keys.sorted(), "filter of pair \(i + 1) (\(pair))")
            _ = TUIFixtures.press(&s, [.char("f")])
        }
    }

    func testDetailPaneMarksEachPairByItsOwnRanking() throws {
        var (s, _) = try Self.state()
        _ = TUIFixtures.press(&s, [.down, .down, .down])           // the add: 0.9902 and 0.98997
        XCTAssertEqual(s.selectedLayer?.op, "Add")
        let lines = DetailPaneView.lines(s, width: 60, glyphs: .unicode).map { $0.pieces.map(\.text).joined() }
        let heads = lines.filter { $0.contains("accum.") }
        XCTAssertEqual(heads.count, 4, lines.joined(separator: "\n"))
        XCTAssertFalse(heads[1].contains("!"), "float/quantized 0.9902 is fine: \(heads[1])")
        XCTAssertTrue(heads[3].hasSuffix("!"), "float/hybrid 0.98997 inherits a loss: \(heads[3])")
    }

    func testStagePairsMapToTheReportsPairs() {
        XCTAssertEqual(StagePair.standard.map(ReportVerdicts.reportPair), Self.reportPairs.map(Optional.some))
        XCTAssertNil(ReportVerdicts.reportPair(StagePair(.hybrid, .float)))
    }
}
