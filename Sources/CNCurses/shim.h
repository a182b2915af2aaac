// Swift cannot import ncurses' macros and global mutable state; these inline wrappers expose them.
// SwiftPM drops pkg-config's -D flags, so the wide-character API is switched on here.
#ifndef QSCOPE_CNCURSES_SHIM_H
#define QSCOPE_CNCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

static inline WINDOW *qs_stdscr(void) { return stdscr; }
static inline int qs_lines(void) { return LINES; }
static inline int qs_cols(void) { return COLS; }
static inline int qs_key_f(int n) { return KEY_F(n); }
static inline attr_t qs_a_normal(void) { return A_NORMAL; }
static inline attr_t qs_a_bold(void) { return A_BOLD; }
static inline attr_t qs_a_reverse(void) { return A_REVERSE; }
static inline attr_t qs_a_underline(void) { return A_UNDERLINE; }
static inline attr_t qs_a_dim(void) { return A_DIM; }
static inline chtype qs_acs_vline(void) { return ACS_VLINE; }
static inline chtype qs_acs_hline(void) { return ACS_HLINE; }
#endif
