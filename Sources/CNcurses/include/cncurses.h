// A thin C shim over ncursesw: the macros, globals and attributes Swift cannot import.
#ifndef CNCURSES_H
#define CNCURSES_H

#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <ncursesw/ncurses.h>
#include <stdio.h>

/* Starts curses on the terminal named by TERM, on stdin/stdout. NULL if it cannot
 * (unlike initscr, which exits the process). */
SCREEN *dtc_start(void);
void dtc_stop(SCREEN *screen);
/* Puts the terminal back from a signal handler: async-signal-safe (write, tcsetattr). */
void dtc_emergency_restore(void);
/* 1 if the terminal can address the cursor (TERM=dumb cannot). */
int dtc_terminal_usable(void);
int dtc_lines(void);
int dtc_cols(void);
int dtc_colors(void);
/* Draws a UTF-8 string at row, col with a colour pair and attributes. */
void dtc_draw(int row, int col, const char *utf8, short pair, unsigned int attributes);
void dtc_fill_line(int row, short pair, unsigned int attributes);
int dtc_get_key(int timeout_ms);
int dtc_init_pair(short pair, short foreground, short background);
void dtc_erase(void);
void dtc_refresh(void);

enum {
  DTC_BOLD = 1, DTC_UNDERLINE = 2, DTC_REVERSE = 4, DTC_DIM = 8
};

#endif
