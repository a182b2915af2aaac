/// The panes that can hold the keyboard focus.
public enum Pane: Sendable { case list, detail }

/// A modal input line or chooser at the bottom of the screen.
public enum Prompt: Equatable, Sendable {
    /// Incremental search; `origin` is the selection to return to on Esc.
    case search(text: String, origin: Int)
    /// Export form: the format cycles with Tab, the path is edited in place.
    case export(format: ExportFormat, path: String)
    /// Asks y/n before writing.
    case confirmExport(format: ExportFormat, path: String)
    /// Choose among producers (`producers == true`) or consumers; `cursor` indexes `choices`.
    case pick(producers: Bool, choices: [Int], cursor: Int)
}

/// The whole state of the TUI as one value. `update` changes it, `render` draws it.
public struct AppState: Equatable, Sendable {
    public var session: SessionInfo
    public var layers: [LayerInfo]
    public var stages: [Stage: StageStatus]
    public var pairs: [StagePair] = StagePair.standard
    public var pairIndex: Int = 1

    /// Layer indices in display order (filtered and sorted); derived, kept in sync by `refreshOrder`.
    public private(set) var order: [Int] = []
    /// Row of the selection within `order`.
    public var cursor: Int = 0
    /// First visible row of the list.
    public var scroll: Int = 0
    /// First visible line of the detail pane.
    public var detailScroll: Int = 0
    /// Layers visited before following a consumer, for Left / back.
    public var history: [Int] = []
    public var lastSearch: String = ""
    public var filterSuspicious = false
    public var sortByCosine = false
    public var focus: Pane = .list
    public var prompt: Prompt?
    public var showHelp = false
    public var helpScroll = 0
    public var themeIndex = 0
    public var themeCount = 1
    public var cpuFallback: Set<Int> = []
    /// The status line: the latest message and whether it reports an error.
    public var message: String?
    public var messageIsError = false
    public var width = 80
    public var height = 24
    /// Whether box-drawing and block characters may be used; false draws plain ASCII.
    public var unicode = true

    /// The stages of a model whose float pass is done and nothing else yet.
    public static let initialStages: [Stage: StageStatus] = [.float: .ready, .optimized: .pending, .quantized: .pending,
                                                              .hybrid: .pending]

    public init(session: SessionInfo, layers: [LayerInfo], stages: [Stage: StageStatus] = AppState.initialStages) {
        self.session = session
        self.layers = layers
        self.stages = stages
        refreshOrder()
    }

    /// The compared pair.
    public var pair: StagePair { pairs[min(max(pairIndex, 0), pairs.count - 1)] }

    /// The selected layer's index, nil when the list is empty (e.g. everything filtered out).
    public var selected: Int? { order.indices.contains(cursor) ? order[cursor] : nil }

    public var selectedLayer: LayerInfo? { selected.map { layers[$0] } }

    /// Whether a layer counts as suspicious for the compared pair.
    public func isSuspicious(_ layer: Int) -> Bool { layers[layer].suspicion(pair) != nil }

    /// Recomputes `order` after the filter, the sort, the pair or the layers changed, keeping the selected
    /// layer when it is still shown.
    public mutating func refreshOrder() {
        let keep = selected
        var rows = Array(layers.indices)
        if filterSuspicious { rows = rows.filter { isSuspicious($0) } }
        if sortByCosine {
            let p = pair
            // Looked up once per layer, not once per comparison: the sort stays cheap on large graphs.
            let cosines = layers.map { $0.cosine(p) }
            // Worst first; layers without a cosine go last, ties in graph order.
            rows.sort { a, b in
                switch (cosines[a], cosines[b]) {
                case let (x?, y?): return x != y ? x < y : a < b
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil): return a < b
                }
            }
        }
        order = rows
        if let keep {
            // Keep the selected layer; if it is now hidden, take the next shown one in graph order.
            if let row = rows.firstIndex(of: keep) { cursor = row }
            else if !sortByCosine, let row = rows.firstIndex(where: { $0 > keep }) { cursor = row }
            else { cursor = 0 }
        }
        cursor = min(max(0, cursor), max(0, rows.count - 1))
    }

    /// Row of a layer in the current order, nil when filtered out.
    public func row(of layer: Int) -> Int? { order.firstIndex(of: layer) }
}
