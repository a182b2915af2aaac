// Generated from themes/*.toml so the binary works without the repository. A test keeps them equal:
// after editing a theme file, run the tests with QSCOPE_RECORD_SNAPSHOTS=1 to regenerate this file.

extension Theme {
    /// The built-in theme files by name, in the order `t` cycles them.
    public static let builtInSources: [(name: String, toml: String)] = [
        ("dark", #"""
# qscope theme: dark (the default). Colours are xterm-256 indices; 8-colour terminals get the nearest basic
# colour. Roles left out look like [normal]. See light.toml and high-contrast.toml for the other built-ins.
name = "dark"

[normal]
fg = 252
[header]
fg = 252
bg = 236
[title]
fg = 81
bg = 236
attrs = ["bold"]
[border]
fg = 240
[focusBorder]
fg = 81
bg = 238
attrs = ["bold"]
[columnHeader]
fg = 250
bg = 238
[selectedRow]
fg = 231
bg = 24
attrs = ["bold"]
[dim]
fg = 244
[accent]
fg = 110
[ok]
fg = 114
[warn]
fg = 214
attrs = ["bold"]
[fail]
fg = 203
attrs = ["bold"]
[bar]
fg = 71
[barEmpty]
fg = 238
[acc]
fg = 114
[cpu]
fg = 180
[marked]
fg = 213
attrs = ["bold"]
[prompt]
fg = 231
bg = 238
[message]
fg = 150
[error]
fg = 203
attrs = ["bold"]
[help]
fg = 252
[key]
fg = 81
attrs = ["bold"]
"""#),
        ("light", #"""
# qscope theme: light, for terminals with a light background.
name = "light"

[normal]
fg = 235
[header]
fg = 235
bg = 254
[title]
fg = 25
bg = 254
attrs = ["bold"]
[border]
fg = 248
[focusBorder]
fg = 25
bg = 252
attrs = ["bold"]
[columnHeader]
fg = 236
bg = 252
[selectedRow]
fg = 16
bg = 153
attrs = ["bold"]
[dim]
fg = 244
[accent]
fg = 25
[ok]
fg = 28
[warn]
fg = 130
attrs = ["bold"]
[fail]
fg = 160
attrs = ["bold"]
[bar]
fg = 28
[barEmpty]
fg = 252
[acc]
fg = 28
[cpu]
fg = 94
[marked]
fg = 90
attrs = ["bold"]
[prompt]
fg = 16
bg = 253
[message]
fg = 28
[error]
fg = 160
attrs = ["bold"]
[help]
fg = 235
[key]
fg = 25
attrs = ["bold"]
"""#),
        ("high-contrast", #"""
# qscope theme: high contrast, colour-blind safe. White on black; good is blue, loss is yellow, failure is
# black on orange (Okabe-Ito hues, told apart without red/green). Symbols carry the meaning as well.
name = "high-contrast"

[normal]
fg = 231
bg = 16
[header]
fg = 231
bg = 236
[title]
fg = 231
bg = 236
attrs = ["bold", "underline"]
[border]
fg = 250
bg = 16
[focusBorder]
fg = 16
bg = 117
attrs = ["bold"]
[columnHeader]
fg = 16
bg = 250
attrs = ["bold"]
[selectedRow]
fg = 16
bg = 231
attrs = ["bold"]
[dim]
fg = 250
bg = 16
[accent]
fg = 117
bg = 16
[ok]
fg = 39
bg = 16
[warn]
fg = 226
bg = 16
attrs = ["bold"]
[fail]
fg = 16
bg = 214
attrs = ["bold"]
[bar]
fg = 39
bg = 16
[barEmpty]
fg = 240
bg = 16
[acc]
fg = 39
bg = 16
[cpu]
fg = 226
bg = 16
[marked]
fg = 16
bg = 117
attrs = ["bold"]
[prompt]
fg = 16
bg = 231
[message]
fg = 117
bg = 16
[error]
fg = 16
bg = 214
attrs = ["bold"]
[help]
fg = 231
bg = 16
[key]
fg = 226
bg = 16
attrs = ["bold"]
"""#),
    ]
}
