/// Stage bookkeeping: recomputation requests, cancellation and failures of background work.
extension AppState {
    /// Why `c`, `p` and `x` cannot recompute the quantized stages now, or nil when they can: every
    /// recomputation starts from the float pass.
    var recomputeBlocker: String? {
        switch stages[.float] ?? .pending {
        case .ready: return nil
        case .failed(let reason): return "nothing to recompute: the float stage failed: \(reason)"
        case .cancelled: return "nothing to recompute: the float pass was cancelled (open the model again to run it)"
        case .pending, .computing: return "the float pass is still running: c, p and x work once it is ready"
        }
    }

    /// Fails every stage still pending or computing: the first with `reason`, the later ones as needing it.
    mutating func failUnfinishedStages(_ reason: String) {
        let unfinished = Stage.allCases.filter { stages[$0]?.isUnderway ?? true }
        guard let first = unfinished.first else { return say(reason, error: true) }
        for stage in unfinished.dropFirst() { stages[stage] = .failed(reason: "needs the \(first.label) stage") }
        stages[first] = .failed(reason: reason)
        say("\(first.label) failed: \(reason)", error: true)
    }

    /// Applies `c`, `p` or `x` and asks for the recomputation, or says why it cannot start yet.
    mutating func changeQuantization(_ action: Action) -> [Effect] {
        if let blocker = recomputeBlocker {
            say(blocker, error: true)
            return [.redraw]
        }
        switch action {
        case .cycleCalibration:
            session.calibration = session.calibration.next
            return recompute("calibration \(session.calibration.rawValue)")
        case .togglePerChannel:
            session.perChannel.toggle()
            return recompute(session.perChannel ? "per-channel weights" : "per-tensor weights")
        default:
            guard let layer = selected else { return [] }
            if cpuFallback.remove(layer) == nil { cpuFallback.insert(layer) }
            return recompute("\(layers[layer].name) \(cpuFallback.contains(layer) ? "marked for" : "back from") CPU")
        }
    }

    /// Marks the derived stages as queued and asks the caller to recompute them.
    mutating func recompute(_ what: String) -> [Effect] {
        for stage in [Stage.quantized, .hybrid] { stages[stage] = .computing(progress: 0, note: "queued") }
        say("\(what): recomputing…")
        return [.recompute(RecomputeRequest(method: session.calibration, perChannel: session.perChannel,
                                            cpuFallback: cpuFallback)), .redraw]
    }
}
