/// The one place the state changes: applies an event and returns the new state and what the caller must do.
/// Pure: it performs no input, output or computation, so key sequences are tested without a terminal.
public func update(_ state: AppState, _ event: Event) -> (AppState, [Effect]) {
    var s = state
    let effects = s.apply(event)
    return (s, effects)
}

extension AppState {
    /// Applies an event in place. See `update(_:_:)`.
    public mutating func apply(_ event: Event) -> [Effect] {
        switch event {
        case .resize(let w, let h):
            width = max(1, w); height = max(1, h)
            keepCursorVisible()
            return [.redraw]
        case .stage(let stage, let status):
            stages[stage] = status
            if case .failed(let reason) = status { say("\(stage.label) failed: \(reason)", error: true) }
            return [.redraw]
        case .layersUpdated(let new):
            let keep = selectedLayer?.name
            layers = new
            history = history.filter { new.indices.contains($0) }
            cpuFallback = cpuFallback.filter { new.indices.contains($0) }
            refreshOrder()
            if let keep, let i = new.firstIndex(where: { $0.name == keep }), let r = row(of: i) { cursor = r }
            keepCursorVisible()
            return [.redraw]
        case .sessionUpdated(let info):
            session = info
            return [.redraw]
        case .message(let text, let isError):
            say(text, error: isError)
            return [.redraw]
        case .workFailed(let reason):
            failUnfinishedStages(reason)
            return [.redraw]
        case .mouse(let m):
            handleMouse(m)
            return [.redraw]
        case .key(let key):
            message = nil
            if prompt != nil { return handlePromptKey(key) }
            if showHelp { return handleHelpKey(key) }
            guard let action = KeyBindings.action(for: key) else { return [] }
            return perform(action)
        }
    }

    /// Runs a key-table action.
    mutating func perform(_ action: Action) -> [Effect] {
        let pageRows = focus == .list ? layout.listRows : detailRows
        switch action {
        case .up: focus == .list ? moveCursor(to: cursor - 1) : scrollDetail(by: -1)
        case .down: focus == .list ? moveCursor(to: cursor + 1) : scrollDetail(by: 1)
        case .pageUp: focus == .list ? moveCursor(to: cursor - pageRows) : scrollDetail(by: -pageRows)
        case .pageDown: focus == .list ? moveCursor(to: cursor + pageRows) : scrollDetail(by: pageRows)
        case .top: focus == .list ? moveCursor(to: 0) : (detailScroll = 0)
        case .bottom: focus == .list ? moveCursor(to: order.count - 1) : scrollDetail(by: 10_000)
        case .followConsumer: followConsumer()
        case .back:
            if let previous = history.popLast() { select(layer: previous, remember: false) }
            else { say("no earlier layer to go back to") }
        case .pickProducer, .pickConsumer: openPicker(producers: action == .pickProducer)
        case .search:
            prompt = .search(text: "", origin: selected ?? 0)
        case .nextSuspicious, .previousSuspicious:
            if !jump(forward: action == .nextSuspicious, where: isSuspicious) {
                say("no suspicious layer for \(pair.label(arrow: "vs"))")
            }
        case .toggleSort:
            sortByCosine.toggle()
            refreshOrder(); keepCursorVisible()
            say(sortByCosine ? "sorted by cosine, worst first" : "graph order")
        case .toggleFilter:
            filterSuspicious.toggle()
            refreshOrder(); keepCursorVisible()
            if filterSuspicious && order.isEmpty { say("no suspicious layer for \(pair.label(arrow: "vs"))") }
        case .selectPair(let i):
            guard pairs.indices.contains(i) else { return [] }
            pairIndex = i
            refreshOrder(); keepCursorVisible()
        case .switchPane: focus = focus == .list ? .detail : .list
        case .cycleCalibration, .togglePerChannel, .markFallback:
            return changeQuantization(action)
        case .export:
            prompt = .export(format: .csv, path: defaultExportPath(.csv))
        case .cycleTheme: themeIndex = (themeIndex + 1) % max(1, themeCount)
        case .help:
            showHelp = true
            helpScroll = 0
        case .quit: return [.quit]
        case .cancel:
            let running = stages.values.contains { if case .computing = $0 { return true } else { return false } }
            if running {
                // The stages waiting for the cancelled work will not get it either.
                for (stage, status) in stages where status.isUnderway { stages[stage] = .cancelled }
                say("computation cancelled")
                return [.cancelJobs, .redraw]
            }
        }
        return [.redraw]
    }

    mutating func followConsumer() {
        guard let layer = selectedLayer else { return }
        guard let first = layer.consumers.first else {
            say("\(layer.name) has no consumer (a graph output)")
            return
        }
        select(layer: first, remember: true)
        if layer.consumers.count > 1 { say("consumer 1 of \(layer.consumers.count); o picks another") }
    }

    mutating func openPicker(producers: Bool) {
        guard let layer = selectedLayer else { return }
        let choices = producers ? layer.producerLayers : layer.consumers
        switch choices.count {
        case 0: say(producers ? "\(layer.name) reads only graph inputs and weights" : "\(layer.name) has no consumer")
        case 1: select(layer: choices[0], remember: true)
        default: prompt = .pick(producers: producers, choices: choices, cursor: 0)
        }
    }

    func defaultExportPath(_ format: ExportFormat) -> String {
        var stem = session.modelName
        if let dot = stem.lastIndex(of: "."), dot != stem.startIndex { stem = String(stem[..<dot]) }
        if let slash = stem.lastIndex(of: "/") { stem = String(stem[stem.index(after: slash)...]) }
        return "\(stem.isEmpty ? "qscope" : stem)-report.\(format.rawValue)"
    }

    mutating func handleHelpKey(_ key: Key) -> [Effect] {
        switch key {
        case .escape, .char("?"), .char("q"), .function(1): showHelp = false
        case .down, .char("j"): scrollHelp(by: 1)
        case .up, .char("k"): scrollHelp(by: -1)
        case .pageDown, .char(" "): scrollHelp(by: max(1, height - 8))
        case .pageUp: scrollHelp(by: -max(1, height - 8))
        case .home, .char("g"): helpScroll = 0
        case .end, .char("G"): scrollHelp(by: 10_000)
        default: return []
        }
        return [.redraw]
    }

    mutating func handleMouse(_ m: MouseEvent) {
        let l = layout
        guard !l.tooSmall else { return }
        switch m {
        case .press(let x, let y):
            if l.list.contains(x: x, y: y) {
                focus = .list
                let r = scroll + (y - l.list.y - 1)
                if y > l.list.y, r < order.count { moveCursor(to: r) }
            } else if l.detail.contains(x: x, y: y) {
                focus = .detail
            }
        case .wheelUp(let x, let y), .wheelDown(let x, let y):
            let delta = { if case .wheelUp = m { return -3 } else { return 3 } }()
            if l.detail.contains(x: x, y: y) { scrollDetail(by: delta); return }
            scroll = min(max(0, scroll + delta), max(0, order.count - l.listRows))
            // The selection follows the view so it stays visible.
            cursor = min(max(cursor, scroll), max(scroll, min(order.count - 1, scroll + l.listRows - 1)))
        }
    }
}
