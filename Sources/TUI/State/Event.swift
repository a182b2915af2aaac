/// A key press, decoded by the terminal adapter.
public enum Key: Hashable, Sendable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace
    case function(Int)
}

/// A mouse action at a screen cell.
public enum MouseEvent: Equatable, Sendable {
    case press(x: Int, y: Int)
    case wheelUp(x: Int, y: Int)
    case wheelDown(x: Int, y: Int)
}

/// Everything that can change the state: input from the terminal and results of background work.
public enum Event: Sendable {
    case key(Key)
    case mouse(MouseEvent)
    case resize(width: Int, height: Int)
    /// A stage's progress or outcome, posted by background work.
    case stage(Stage, StageStatus)
    /// New layer data (metrics, quantization, histograms) replacing the old; selection and scroll are kept.
    case layersUpdated([LayerInfo])
    /// Updated header facts, e.g. sample counts once the data set is read.
    case sessionUpdated(SessionInfo)
    /// A line for the status bar (e.g. "exported report.csv"); `isError` colours it.
    case message(String, isError: Bool)
    /// Background work the unfinished stages wait for failed: the first stage still pending or computing fails
    /// with this reason, the later ones as needing it, and the status line shows the reason.
    case workFailed(String)
}

/// What the caller must do after an update: `update` itself never performs work.
public enum Effect: Equatable, Sendable {
    case quit
    case redraw
    /// Recompute the quantized and hybrid stages with these settings (in the background).
    case recompute(RecomputeRequest)
    /// Write a report.
    case export(format: ExportFormat, path: String)
    /// Stop all background work.
    case cancelJobs
}

/// The settings a recomputation uses.
public struct RecomputeRequest: Equatable, Sendable {
    public var method: CalibrationMethod
    public var perChannel: Bool
    /// Layer indices the user marked to run on the CPU in float.
    public var cpuFallback: Set<Int>
    public init(method: CalibrationMethod, perChannel: Bool, cpuFallback: Set<Int>) {
        self.method = method
        self.perChannel = perChannel
        self.cpuFallback = cpuFallback
    }
}

/// Report formats of the export prompt, in the order Tab cycles them.
public enum ExportFormat: String, CaseIterable, Sendable {
    case csv, json, html
}
