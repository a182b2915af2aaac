// Swift cannot import ncurses' macros and global mutable state; these inline wrappers expose them.
// SwiftPM drops pkg-config's -D flags, so the wide-character API is switched on here.
#ifndef QSCOPE_CNCURSES_SHIM_H
#define QSCOPE_CNCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <string.h>
#include <wchar.h>
#include <ncursesw/curses.h>

static inline WINDOW *qs_stdscr(void) { return stdscr; }
static inline int qs_lines(void) { return LINES; }
static inline int qs_cols(void) { return COLS; }
static inline int qs_colors(void) { return COLORS; }
static inline int qs_color_pairs(void) { return COLOR_PAIRS; }
static inline int qs_key_f(int n) { return KEY_F(n); }
static inline attr_t qs_a_normal(void) { return A_NORMAL; }
static inline attr_t qs_a_bold(void) { return A_BOLD; }
static inline attr_t qs_a_reverse(void) { return A_REVERSE; }
static inline attr_t qs_a_underline(void) { return A_UNDERLINE; }
static inline attr_t qs_a_dim(void) { return A_DIM; }
static inline chtype qs_acs_vline(void) { return ACS_VLINE; }
static inline chtype qs_acs_hline(void) { return ACS_HLINE; }

/// Sets the drawing attributes and colour pair for the following output.
static inline void qs_set_style(int bold, int dim, int underline, int reverse, short pair) {
    attr_t a = A_NORMAL;
    if (bold) a |= A_BOLD;
    if (dim) a |= A_DIM;
    if (underline) a |= A_UNDERLINE;
    if (reverse) a |= A_REVERSE;
    attrset(a | COLOR_PAIR(pair));
}
static inline int qs_mvaddstr(int y, int x, const char *s) { return mvaddstr(y, x, s); }
static inline void qs_timeout(int ms) { timeout(ms); }
static inline int qs_keypad(bool on) { return keypad(stdscr, on); }
static inline int qs_get_wch(unsigned int *out) {
    wint_t w = 0;
    int r = get_wch(&w);
    *out = (unsigned int)w;
    return r;
}

/// 1 when the locale's character set is UTF-8 (call after setlocale).
static inline int qs_locale_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

static inline mmask_t qs_all_mouse_events(void) { return ALL_MOUSE_EVENTS; }
static inline mmask_t qs_button1_pressed(void) { return BUTTON1_PRESSED; }
static inline mmask_t qs_button1_clicked(void) { return BUTTON1_CLICKED; }
static inline mmask_t qs_button1_released(void) { return BUTTON1_RELEASED; }
static inline mmask_t qs_button4_pressed(void) { return BUTTON4_PRESSED; }
#ifdef BUTTON5_PRESSED
static inline mmask_t qs_button5_pressed(void) { return BUTTON5_PRESSED; }
#else
static inline mmask_t qs_button5_pressed(void) { return 0; }
#endif
/// Reads the pending mouse event; returns 0 and fills x, y and the button state, or -1.
static inline int qs_getmouse(int *x, int *y, mmask_t *state) {
    MEVENT e;
    if (getmouse(&e) != OK) return -1;
    *x = e.x; *y = e.y; *state = e.bstate;
    return 0;
}
#endif
