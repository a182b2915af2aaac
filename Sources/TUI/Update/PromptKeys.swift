import Foundation

/// Key handling while a prompt or chooser is open: text editing, confirm, Esc to cancel.
extension AppState {
    mutating func handlePromptKey(_ key: Key) -> [Effect] {
        guard let p = prompt else { return [] }
        switch p {
        case .search(let text, let origin):
            switch key {
            case .escape:
                prompt = nil
                select(layer: origin, remember: false)
            case .enter:
                prompt = nil
                lastSearch = text
                if let current = selected, current != origin { history.append(origin) }
                if !text.isEmpty, let l = selectedLayer, !matches(l, text) { say("no layer matches \"\(text)\"", error: true) }
            default:
                guard let edited = edit(text, key) else { return [] }
                prompt = .search(text: edited, origin: origin)
                searchIncrementally(edited, from: origin)
            }
        case .export(let format, let path):
            switch key {
            case .escape: prompt = nil; say("export cancelled")
            case .tab, .backTab:
                let all = ExportFormat.allCases
                let next = all[(all.firstIndex(of: format)! + (key == .tab ? 1 : all.count - 1)) % all.count]
                // Follow the format in the path's extension while it is still the default one.
                let newPath = path.hasSuffix(".\(format.rawValue)")
                    ? String(path.dropLast(format.rawValue.count)) + next.rawValue : path
                prompt = .export(format: next, path: newPath)
            case .enter:
                if path.isEmpty { say("the path is empty", error: true); return [.redraw] }
                prompt = .confirmExport(format: format, path: path)
            default:
                guard let edited = edit(path, key) else { return [] }
                prompt = .export(format: format, path: edited)
            }
        case .confirmExport(let format, let path):
            switch key {
            case .char("y"), .char("Y"), .enter:
                prompt = nil
                say("exporting \(format.rawValue.uppercased()) to \(path)…")
                return [.export(format: format, path: path), .redraw]
            case .char("n"), .char("N"), .escape:
                prompt = nil
                say("export cancelled")
            default: return []
            }
        case .pick(let producers, let choices, let c):
            switch key {
            case .escape: prompt = nil
            case .up, .char("k"): prompt = .pick(producers: producers, choices: choices, cursor: max(0, c - 1))
            case .down, .char("j"), .tab:
                prompt = .pick(producers: producers, choices: choices, cursor: min(choices.count - 1, c + 1))
            case .enter, .right:
                prompt = nil
                select(layer: choices[c], remember: true)
            case .char(let ch) where ch.isNumber:
                if let n = ch.wholeNumberValue, n >= 1, n <= choices.count {
                    prompt = nil
                    select(layer: choices[n - 1], remember: true)
                }
            default: return []
            }
        }
        return [.redraw]
    }

    /// Line editing shared by the text prompts; nil for keys that do not edit.
    func edit(_ text: String, _ key: Key) -> String? {
        switch key {
        case .backspace: return String(text.dropLast())
        case .char(let ch) where !ch.isNewline: return text + String(ch)
        default: return nil
        }
    }

    func matches(_ layer: LayerInfo, _ query: String) -> Bool {
        layer.name.localizedCaseInsensitiveContains(query) || layer.op.localizedCaseInsensitiveContains(query)
    }

    /// Selects the first row at or after the search origin whose name or op contains the text.
    mutating func searchIncrementally(_ text: String, from origin: Int) {
        guard !text.isEmpty, !order.isEmpty else { select(layer: origin, remember: false); return }
        let start = row(of: origin) ?? 0
        for step in 0..<order.count {
            let r = (start + step) % order.count
            if matches(layers[order[r]], text) { moveCursor(to: r); return }
        }
    }
}
