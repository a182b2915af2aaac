/// Where each part of the screen goes for a terminal size. Shared by `render` and by `update` (page size,
/// mouse hits) so the two always agree.
public struct Layout: Equatable, Sendable {
    /// Below this the screen only says the terminal is too small.
    public static let minWidth = 60
    public static let minHeight = 15
    /// From this width the detail pane sits beside the list instead of below it.
    public static let sideBySideWidth = 110

    public var tooSmall: Bool
    public var header: Rect
    /// The rule under the header.
    public var headerRule: Int
    /// The list including its column-title row.
    public var list: Rect
    public var detail: Rect
    /// The line between list and detail: a column (side by side) or a row (stacked).
    public var divider: Rect
    public var sideBySide: Bool
    /// Status or prompt line.
    public var status: Rect
    /// Key hints.
    public var footer: Rect

    public init(width: Int, height: Int) {
        tooSmall = width < Self.minWidth || height < Self.minHeight
        header = Rect(x: 0, y: 0, width: width, height: 3)
        headerRule = 3
        status = Rect(x: 0, y: height - 2, width: width, height: 1)
        footer = Rect(x: 0, y: height - 1, width: width, height: 1)
        let top = 4, bodyHeight = max(0, height - 2 - top)
        sideBySide = width >= Self.sideBySideWidth
        if sideBySide {
            let listWidth = width * 60 / 100
            list = Rect(x: 0, y: top, width: listWidth, height: bodyHeight)
            divider = Rect(x: listWidth, y: top, width: 1, height: bodyHeight)
            detail = Rect(x: listWidth + 1, y: top, width: width - listWidth - 1, height: bodyHeight)
        } else {
            let listHeight = max(2, bodyHeight * 55 / 100)
            list = Rect(x: 0, y: top, width: width, height: listHeight)
            divider = Rect(x: 0, y: top + listHeight, width: width, height: 1)
            detail = Rect(x: 0, y: top + listHeight + 1, width: width, height: bodyHeight - listHeight - 1)
        }
    }

    /// Layer rows the list shows at once (its height less the column titles).
    public var listRows: Int { max(1, list.height - 1) }
}
