/// What the main loop needs from a terminal. `CursesTerminal` is the real one; tests use a fake.
public protocol TerminalIO: AnyObject {
    /// Current size in cells.
    var size: (width: Int, height: Int) { get }
    /// Whether the locale is UTF-8, so box and block characters can be drawn.
    var supportsUnicode: Bool { get }
    /// Shows a frame, styled with the theme.
    func draw(_ grid: Grid, theme: Theme)
    /// The next key, mouse or resize event, waiting at most `timeoutMilliseconds`; nil on timeout.
    func nextEvent(timeoutMilliseconds: Int) -> Event?
    /// Gives the terminal back to the shell. Safe to call more than once.
    func restore()
}
