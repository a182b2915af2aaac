import CNCurses
import Foundation

/// The ncurses adapter, and the only file that imports it: copies grids to the screen, decodes keys, mouse
/// and resizes, and restores the terminal on every way out (normal exit, error, SIGINT, SIGTERM).
public final class CursesTerminal: TerminalIO {
    public let supportsUnicode: Bool
    /// False under NO_COLOR or on a terminal without colours: roles are drawn with attributes only.
    public let usesColor: Bool
    private let colorCount: Int
    private var currentTheme: Theme?
    private var restored = false

    /// Takes over the terminal. Call once; `restore()` (or process exit) gives it back.
    /// - Throws: `TerminalUnavailable` when input or output is not a terminal or TERM is unknown
    ///   (instead of ncurses printing an error and exiting).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
            throw TerminalUnavailable(reason: "standard input and output must be a terminal (not a pipe or a file)")
        }
        setlocale(LC_ALL, "")
        supportsUnicode = qs_locale_is_utf8() != 0
        guard newterm(nil, stdout, stdin) != nil else {
            throw TerminalUnavailable(reason: "ncurses cannot drive the terminal type TERM=\(environment["TERM"] ?? "(unset)")")
        }
        CursesTerminal.installExitHandlers()
        cbreak()
        noecho()
        nonl()
        _ = qs_keypad(true)
        curs_set(0)
        set_escdelay(25)
        mousemask(qs_all_mouse_events(), nil)
        mouseinterval(0)
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        if !noColor && has_colors() {
            start_color()
            use_default_colors()
            colorCount = Int(qs_colors())
        } else {
            colorCount = 0
        }
        usesColor = colorCount >= 8 && Int(qs_color_pairs()) > StyleRole.allCases.count
    }

    deinit { restore() }

    public var size: (width: Int, height: Int) {
        (Int(getmaxx(qs_stdscr())), Int(getmaxy(qs_stdscr())))
    }

    public func restore() {
        guard !restored else { return }
        restored = true
        endwin()
    }

    // MARK: - Exit paths

    private static var handlersInstalled = false

    /// `atexit` covers normal exits and `exit()` after errors; the signal handlers cover Ctrl-C and kill.
    private static func installExitHandlers() {
        guard !handlersInstalled else { return }
        handlersInstalled = true
        atexit { if !isendwin() { endwin() } }
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { s in
                endwin()
                _exit(128 + s)
            }
        }
        // A crash (a Swift trap is SIGILL or SIGTRAP) still gives the terminal back, then dies as it would have,
        // so the crash report lands on a usable screen.
        for sig in [SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE] {
            signal(sig) { s in
                endwin()
                signal(s, SIG_DFL)
                raise(s)
            }
        }
    }

    // MARK: - Output

    public func draw(_ grid: Grid, theme: Theme) {
        if currentTheme != theme { applyColors(theme) }
        erase()
        let roles = StyleRole.allCases
        for y in 0..<grid.height {
            var x = 0
            while x < grid.width {
                let role = grid[x, y].role
                let start = x
                var text = ""
                while x < grid.width, grid[x, y].role == role || grid[x, y].isContinuation {
                    if !grid[x, y].isContinuation { text.append(grid[x, y].char) }
                    x += 1
                }
                let style = usesColor ? theme.style(role) : theme.monochrome(role)
                let pair = usesColor ? Int16((roles.firstIndex(of: role) ?? 0) + 1) : 0
                qs_set_style(style.bold ? 1 : 0, style.dim ? 1 : 0, style.underline ? 1 : 0, style.reverse ? 1 : 0, pair)
                // Writing the bottom-right cell reports an error after drawing it; that is expected.
                _ = qs_mvaddstr(Int32(y), Int32(start), text)
            }
        }
        refresh()
    }

    /// One colour pair per role, with 256-colour indices reduced to the basic 8 when needed.
    private func applyColors(_ theme: Theme) {
        currentTheme = theme
        guard usesColor else { return }
        for (i, role) in StyleRole.allCases.enumerated() {
            let s = theme.style(role)
            init_pair(Int16(i + 1), color(s.foreground), color(s.background))
        }
    }

    private func color(_ c: Int?) -> Int16 {
        guard let c else { return -1 }
        return Int16(colorCount >= 256 ? c : TerminalColor.basic(c))
    }

    // MARK: - Input

    public func nextEvent(timeoutMilliseconds: Int) -> Event? {
        qs_timeout(Int32(timeoutMilliseconds))
        var value: UInt32 = 0
        let r = qs_get_wch(&value)
        if r == ERR { return nil }
        if r == KEY_CODE_YES { return functionKey(Int32(value)) }
        switch value {
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 9: return .key(.tab)
        case 8, 127: return .key(.backspace)
        default:
            guard let scalar = Unicode.Scalar(value), value >= 32 else { return nil }
            return .key(.char(Character(scalar)))
        }
    }

    private func functionKey(_ code: Int32) -> Event? {
        switch code {
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_HOME: return .key(.home)
        case KEY_END: return .key(.end)
        case KEY_ENTER: return .key(.enter)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_BTAB: return .key(.backTab)
        case KEY_RESIZE:
            let s = size
            return .resize(width: s.width, height: s.height)
        case KEY_MOUSE: return mouse()
        default:
            for n in 1...12 where code == qs_key_f(Int32(n)) { return .key(.function(n)) }
            return nil
        }
    }

    private func mouse() -> Event? {
        var x: Int32 = 0, y: Int32 = 0
        var state: mmask_t = 0
        guard qs_getmouse(&x, &y, &state) == 0 else { return nil }
        let (px, py) = (Int(x), Int(y))
        if state & qs_button4_pressed() != 0 { return .mouse(.wheelUp(x: px, y: py)) }
        if qs_button5_pressed() != 0, state & qs_button5_pressed() != 0 { return .mouse(.wheelDown(x: px, y: py)) }
        if state & (qs_button1_pressed() | qs_button1_clicked()) != 0 { return .mouse(.press(x: px, y: py)) }
        return nil
    }
}

/// The TUI cannot start on this terminal.
public struct TerminalUnavailable: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "cannot open the interactive view: \(reason)" }
}
