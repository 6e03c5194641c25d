#include "cncurses.h"

#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

/* What a fatal signal needs to put the terminal back, saved while it is safe to look it
 * up: the terminal's mode before ncurses changed it, and the capabilities that leave
 * the alternate screen, show the cursor and reset the attributes. */
static struct termios saved_mode;
static int saved_mode_valid;
static char leave_sequence[256];

static void append_capability(const char *name) {
  char *value = tigetstr(name);
  if (!value || value == (char *)-1) return;
  size_t used = strlen(leave_sequence);
  if (used + strlen(value) + 1 < sizeof leave_sequence) strcat(leave_sequence, value);
}

SCREEN *dtc_start(void) {
  saved_mode_valid = tcgetattr(0, &saved_mode) == 0;
  SCREEN *screen = newterm(NULL, stdout, stdin);
  if (!screen) return NULL;
  leave_sequence[0] = 0;
  append_capability("sgr0");
  append_capability("cnorm");
  append_capability("rmcup");
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

void dtc_emergency_restore(void) {
  size_t length = strlen(leave_sequence);
  if (length > 0 && write(1, leave_sequence, length) < 0) { /* nothing more to do */ }
  if (write(1, "\r\n", 2) < 0) { /* likewise */ }
  if (saved_mode_valid) tcsetattr(0, TCSANOW, &saved_mode);
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
