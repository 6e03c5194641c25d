#include "cncurses.h"

#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <wchar.h>

SCREEN *dtc_start(void) {
  SCREEN *screen = newterm(NULL, stdout, stdin);
  if (!screen) return NULL;
  set_term(screen);
  cbreak();
  noecho();
  nonl();
  keypad(stdscr, TRUE);
  curs_set(0);
  set_escdelay(25);
  if (has_colors()) {
    start_color();
    use_default_colors();
  }
  return screen;
}

void dtc_stop(SCREEN *screen) {
  if (!screen) return;
  endwin();
  delscreen(screen);
}

int dtc_terminal_usable(void) {
  int error = 0;
  if (setupterm(NULL, 1, &error) != OK) return 0;
  char *cup = tigetstr("cup");
  int usable = cup != NULL && cup != (char *)-1;
  del_curterm(cur_term);
  return usable;
}

int dtc_lines(void) { return LINES; }
int dtc_cols(void) { return COLS; }
int dtc_colors(void) { return has_colors() ? COLORS : 0; }

static attr_t to_attributes(unsigned int attributes) {
  attr_t result = A_NORMAL;
  if (attributes & DTC_BOLD) result |= A_BOLD;
  if (attributes & DTC_UNDERLINE) result |= A_UNDERLINE;
  if (attributes & DTC_REVERSE) result |= A_REVERSE;
  if (attributes & DTC_DIM) result |= A_DIM;
  return result;
}

void dtc_draw(int row, int col, const char *utf8, short pair, unsigned int attributes) {
  size_t length = strlen(utf8);
  wchar_t *wide = malloc((length + 1) * sizeof(wchar_t));
  if (!wide) return;
  size_t count = mbstowcs(wide, utf8, length + 1);
  attr_t attr = to_attributes(attributes);
  attr_set(attr, pair, NULL);
  if (count == (size_t)-1) {
    mvaddnstr(row, col, utf8, (int)length);
  } else {
    mvaddnwstr(row, col, wide, (int)count);
  }
  attr_set(A_NORMAL, 0, NULL);
  free(wide);
}

void dtc_fill_line(int row, short pair, unsigned int attributes) {
  attr_set(to_attributes(attributes), pair, NULL);
  move(row, 0);
  for (int col = 0; col < COLS; col++) addch(' ');
  attr_set(A_NORMAL, 0, NULL);
}

int dtc_get_key(int timeout_ms) {
  timeout(timeout_ms);
  return getch();
}

int dtc_init_pair(short pair, short foreground, short background) {
  return init_pair(pair, foreground, background);
}

void dtc_erase(void) { erase(); }
void dtc_refresh(void) { refresh(); }
