import XCTest
@testable import Diff

final class SuspicionTests: XCTestCase {
    func testChainBrokenLayerRankedFirstAndDownstreamInherited() throws {
        let ranked = SuspicionRanking.rank(AnalysisFixtures.chain)
        // The broken conv2 comes first; relu3 and conv4 are below 0.99 only because of it.
        XCTAssertEqual(ranked.map(\.nodeName), ["conv2", "conv4", "relu3"])
        XCTAssertEqual(ranked.map(\.rank), [1, 2, 3])
        XCTAssertEqual(ranked[0].kinds, [.warn, .dropPoint, .highIsolatedError])
        XCTAssertTrue(ranked[0].isIntroduced)
        XCTAssertEqual(ranked[0].drop, 0.099, accuracy: 1e-12)
        XCTAssertEqual(ranked[0].inputsCosine, 0.999, accuracy: 1e-12)
        XCTAssertEqual(ranked[0].reason,
                       "cosine 0.900 (below 0.99); drops 0.099 from its inputs' 0.999; isolated cosine 0.910")
        XCTAssertEqual(ranked[0].mark, "v!")
        for entry in ranked.dropFirst() {
            XCTAssertFalse(entry.isIntroduced, entry.nodeName)
            XCTAssertEqual(entry.kinds, [.warn], entry.nodeName)
            XCTAssertEqual(entry.inheritedFrom, 2, entry.nodeName)
            XCTAssertEqual(entry.inheritedFromName, "conv2", entry.nodeName)
            XCTAssertTrue(entry.reason.hasSuffix("inherited from conv2"), entry.reason)
            XCTAssertEqual(entry.kindsText, "inherited+warn")
            XCTAssertEqual(entry.mark, "!")
        }
        XCTAssertEqual(ranked[1].reason, "cosine 0.895 (below 0.99); isolated cosine 0.999; inherited from conv2")
    }

    func testDropWithSmallIsolatedErrorAmplifiesInheritedError() throws {
        var layers = AnalysisFixtures.chain
        layers[4].accumulated[.floatQuantized] = AnalysisFixtures.metrics(cosine: 0.75)
        let ranked = SuspicionRanking.rank(layers)
        // conv4 drops 0.148 (more than conv2's 0.099), but alone it is fine (isolated 0.999): it amplifies the
        // error conv2 introduced, so conv2 stays first and conv4 is listed among the inherited, worst first.
        XCTAssertEqual(ranked.map(\.nodeName), ["conv2", "conv4", "relu3"])
        XCTAssertEqual(ranked[1].kinds, [.fail, .dropPoint])
        XCTAssertFalse(ranked[1].isIntroduced)
        XCTAssertEqual(ranked[1].inheritedFromName, "conv2")
        XCTAssertEqual(ranked[1].mark, "X")
        XCTAssertEqual(ranked[1].kindsText, "inherited+fail+drop")
        XCTAssertEqual(ranked[1].reason, "cosine 0.750 (below fail 0.8); drops 0.148 from its inputs' 0.898; "
            + "isolated cosine 0.999; amplifies the error inherited from conv2")
    }

    func testLargerDropWithoutIsolatedErrorRanksFirstAndFailMark() throws {
        var layers = AnalysisFixtures.chain
        layers[4].accumulated[.floatQuantized] = AnalysisFixtures.metrics(cosine: 0.75)
        layers[4].isolated[.floatQuantized] = nil
        let ranked = SuspicionRanking.rank(layers)
        // Without an isolated measurement a drop point counts as introducing: the larger drop ranks first.
        XCTAssertEqual(ranked.map(\.nodeName), ["conv4", "conv2", "relu3"])
        XCTAssertEqual(ranked[0].kinds, [.fail, .dropPoint])
        XCTAssertTrue(ranked[0].isIntroduced)
        XCTAssertEqual(ranked[0].mark, "vX")
        XCTAssertEqual(ranked[0].reason, "cosine 0.750 (below fail 0.8); drops 0.148 from its inputs' 0.898")
    }

    func testDropWithoutAnIntroducingLayerUpstreamIsIntroduced() throws {
        let fq = StagePair.floatQuantized
        // The input is only slightly off (not suspicious); the drop appears here even though alone it is fine.
        let layers = [AnalysisFixtures.layer(0, "a", pairs: [fq: (0.995, 0.995)]),
                      AnalysisFixtures.layer(1, "b", inputs: [0], pairs: [fq: (0.95, 0.999)])]
        let ranked = SuspicionRanking.rank(layers)
        XCTAssertEqual(ranked.map(\.nodeName), ["b"])
        XCTAssertTrue(ranked[0].isIntroduced)
    }

    func testBranchingBrokenBranchFirstAndMergeInherited() throws {
        let ranked = SuspicionRanking.rank(AnalysisFixtures.branching)
        XCTAssertEqual(ranked.first?.nodeName, "right")
        XCTAssertEqual(ranked.first?.kinds, [.warn, .dropPoint, .highIsolatedError])
        XCTAssertEqual(ranked.first?.drop ?? 0, 0.9993 - 0.85, accuracy: 1e-12)
        // "add" compares with its worst input (right, 0.85), so it is not a drop point: it inherits.
        let add = try XCTUnwrap(ranked.first { $0.nodeName == "add" })
        XCTAssertFalse(add.isIntroduced)
        XCTAssertEqual(add.inputsCosine, 0.85, accuracy: 1e-12)
        XCTAssertEqual(add.inheritedFromName, "right")
        // fc reads through a reshape without metrics and still finds its origin: 0.86 → 0.84 is a drop of 0.02.
        let fc = try XCTUnwrap(ranked.first { $0.nodeName == "fc" })
        XCTAssertEqual(fc.inputsCosine, 0.86, accuracy: 1e-12)
        XCTAssertTrue(fc.kinds.contains(.dropPoint))
        XCTAssertFalse(fc.isIntroduced, "isolated 0.998: fc amplifies what it inherits from right")
        XCTAssertEqual(fc.inheritedFromName, "right")
        XCTAssertEqual(ranked.map(\.nodeName), ["right", "fc", "add"])
        XCTAssertNil(ranked.first { $0.nodeName == "stem" || $0.nodeName == "left" || $0.nodeName == "reshape" })
    }

    func testDropDeltaIsConfigurable() throws {
        var config = SuspicionConfig()
        config.dropDelta = 0.05
        let ranked = SuspicionRanking.rank(AnalysisFixtures.branching, config: config)
        let fc = try XCTUnwrap(ranked.first { $0.nodeName == "fc" })
        XCTAssertFalse(fc.isIntroduced, "a drop of 0.02 is below the 0.05 delta")
        XCTAssertEqual(fc.inheritedFromName, "right")
        XCTAssertEqual(ranked.map(\.nodeName), ["right", "fc", "add"], "inherited ones worst cosine first")
    }

    func testHighIsolatedErrorWithoutDrop() throws {
        let fq = StagePair.floatQuantized
        let layers = [AnalysisFixtures.layer(0, "a", pairs: [fq: (0.995, 0.97)])]
        let ranked = SuspicionRanking.rank(layers)
        XCTAssertEqual(ranked.count, 1)
        XCTAssertEqual(ranked[0].kinds, [.highIsolatedError])
        XCTAssertEqual(ranked[0].reason, "cosine 0.995; isolated cosine 0.970")
    }

    func testThresholdsAndNumbersInReason() throws {
        let fq = StagePair.floatQuantized
        let config = SuspicionConfig(thresholds: try SeverityThresholds(warn: 0.95, fail: 0.5))
        let layers = [AnalysisFixtures.layer(0, "a", pairs: [fq: (0.98, nil)]),
                      AnalysisFixtures.layer(1, "b", inputs: [0], pairs: [fq: (0.9499, nil)])]
        let ranked = SuspicionRanking.rank(layers, config: config)
        // "a" drops 0.02 from the graph input (1) without crossing warn 0.95: still a drop point.
        XCTAssertEqual(ranked.map(\.nodeName), ["b", "a"])
        // 0.9499 would print as 0.950 with three decimals: more digits keep it visibly below the threshold.
        XCTAssertTrue(ranked[0].reason.hasPrefix("cosine 0.9499 (below 0.95)"), ranked[0].reason)
    }

    func testDefaultPairsRankHybridOnlyWhenPresent() {
        let both = SuspicionRanking.rankDefaultPairs(AnalysisFixtures.branching)
        XCTAssertEqual(Set(both.map(\.pair)), [.floatQuantized])  // hybrid cosines are all above 0.99
        var layers = AnalysisFixtures.branching
        layers[5].accumulated[.floatHybrid] = AnalysisFixtures.metrics(cosine: 0.95)
        let withHybrid = SuspicionRanking.rankDefaultPairs(layers)
        XCTAssertEqual(withHybrid.filter { $0.pair == .floatHybrid }.map(\.nodeName), ["fc"])
        XCTAssertEqual(withHybrid.filter { $0.pair == .floatHybrid }.first?.rank, 1)
        XCTAssertTrue(SuspicionRanking.rankDefaultPairs(AnalysisFixtures.chain).allSatisfy { $0.pair == .floatQuantized })
    }

    func testReportRankingForEveryPairUsesTheReportsThresholds() throws {
        let qh = StagePair.quantizedHybrid
        var layers = AnalysisFixtures.branching
        layers[5].accumulated[.floatHybrid] = AnalysisFixtures.metrics(cosine: 0.90)
        // quantized/hybrid is not ranked by analyze: left is at 0.97, right drops to 0.93.
        for (i, cosine) in [0.9999, 0.97, 0.93, 0.94, nil, 0.94].enumerated() {
            layers[i].accumulated[qh] = cosine.map { AnalysisFixtures.metrics(cosine: $0) }
        }
        let config = SuspicionConfig(thresholds: try SeverityThresholds(warn: 0.95, fail: 0.5), dropDelta: 0.05)
        var report = AnalysisReport(modelPath: "m.onnx", layers: layers, suspicionConfig: config)
        report.suspicious = SuspicionRanking.rankDefaultPairs(layers, config: config)

        // Ranked pairs: exactly the stored entries, in rank order.
        for pair in [StagePair.floatQuantized, .floatHybrid] {
            let stored = report.suspicious.filter { $0.pair == pair }
            XCTAssertFalse(stored.isEmpty, "\(pair)")
            XCTAssertEqual(report.ranking(for: pair), stored, "\(pair)")
        }
        XCTAssertEqual(report.ranking(for: .floatHybrid).map(\.nodeName), ["fc"])
        // Unranked pairs: ranked on demand with the report's warn 0.95 and drop delta 0.05, so left (0.97, a
        // drop of 0.03) is not suspicious and right (0.93, a drop of 0.07) is the one that introduces error.
        let ranking = report.ranking(for: qh)
        XCTAssertEqual(ranking.map(\.nodeName), ["right", "add", "fc"])
        XCTAssertEqual(ranking.map(\.pair), [qh, qh, qh])
        XCTAssertEqual(ranking.map(\.isIntroduced), [true, false, false])
        XCTAssertEqual(ranking.map(\.rank), [1, 2, 3])
        XCTAssertEqual(report.ranking(for: .floatOptimized), [], "no metrics, nothing suspicious")
    }

    func testLengthMismatchFailsWithReason() throws {
        var layer = AnalysisFixtures.layer(0, "bad", pairs: [:])
        layer.accumulated[.floatQuantized] = TensorMetrics.compare([1, 2, 3], [1, 2])
        let ranked = SuspicionRanking.rank([layer])
        XCTAssertEqual(ranked.first?.kinds, [.fail, .dropPoint])
        XCTAssertTrue(ranked.first?.reason.hasPrefix("output sizes differ (3 vs 2 elements)") ?? false)
    }

    func testStagePairs() {
        XCTAssertEqual(StagePair.allCases.map(\.id),
                       ["float/optimized", "float/quantized", "float/hybrid", "quantized/hybrid"])
        XCTAssertEqual(StagePair.quantizedHybrid.reference, .quantized)
        XCTAssertEqual(StagePair.quantizedHybrid.candidate, .hybrid)
        XCTAssertEqual(StagePair(id: "float/hybrid"), .floatHybrid)
        XCTAssertEqual(Stage.allCases.map(\.displayName), ["float", "optimized", "quantized", "hybrid"])
    }
}
