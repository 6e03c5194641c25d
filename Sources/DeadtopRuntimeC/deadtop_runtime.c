#define _GNU_SOURCE
#include "deadtop_runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

_Thread_local dt_task_slot *dt_current_task_slot DT_TLS_MODEL = NULL;

int32_t dt_gettid(void) { return (int32_t)syscall(SYS_gettid); }

int dt_get_thread_name(char *buffer, size_t size) { return pthread_getname_np(pthread_self(), buffer, size); }

void dt_set_thread_name(const char *name) {
  char truncated[16];
  strncpy(truncated, name, sizeof truncated - 1);
  truncated[sizeof truncated - 1] = 0;
  pthread_setname_np(pthread_self(), truncated);
}

uint64_t dt_realtime_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The sampler calls this once per interval from one thread. The stat files of the first
 * DT_CACHED_STAT_FILES threads stay open between calls (pread at 0 regenerates them),
 * which saves an open and a close per thread per interval, most of the sampler's cost;
 * the cap keeps the program's file descriptors its own. */
#define DT_CACHED_STAT_FILES 256
#define DT_NOT_CACHED (-2)
static struct tracked_thread { int32_t tid; int fd; } *tracked;
static size_t tracked_count;

static int compare_tids(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

void dt_count_own_threads(uint32_t *total, uint32_t *runnable, uint32_t *disk_wait, const int32_t *parked,
                          size_t parked_count) {
  *total = *runnable = *disk_wait = 0;
  int tasks = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (tasks < 0) return;
  DIR *directory = fdopendir(tasks);
  if (!directory) { close(tasks); return; }
  size_t count = 0, capacity = 64;
  int32_t *tids = malloc(capacity * sizeof *tids);
  struct dirent *entry;
  while (tids && (entry = readdir(directory)) != NULL) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    if (count == capacity) {
      int32_t *grown = realloc(tids, 2 * capacity * sizeof *tids);
      if (!grown) break;
      tids = grown;
      capacity *= 2;
    }
    tids[count++] = (int32_t)atoi(entry->d_name);
  }
  if (!tids) { closedir(directory); return; }
  qsort(tids, count, sizeof *tids, compare_tids);

  /* Merge with the threads tracked last time: close the gone, open the new. */
  struct tracked_thread *next = malloc((count ? count : 1) * sizeof *next);
  if (!next) { free(tids); closedir(directory); return; }
  size_t old = 0;
  char path[64];
  for (size_t i = 0; i < count; i++) {
    while (old < tracked_count && tracked[old].tid < tids[i]) {
      if (tracked[old].fd >= 0) close(tracked[old].fd);
      old++;
    }
    if (old < tracked_count && tracked[old].tid == tids[i] && (tracked[old].fd >= 0 || i >= DT_CACHED_STAT_FILES)) {
      next[i] = tracked[old++];
    } else {
      if (old < tracked_count && tracked[old].tid == tids[i]) old++;
      snprintf(path, sizeof path, "%d/stat", (int)tids[i]);
      next[i].tid = tids[i];
      next[i].fd = i < DT_CACHED_STAT_FILES ? openat(tasks, path, O_RDONLY | O_CLOEXEC) : DT_NOT_CACHED;
    }
  }
  while (old < tracked_count) {
    if (tracked[old].fd >= 0) close(tracked[old].fd);
    old++;
  }
  free(tracked);
  tracked = next;
  tracked_count = count;
  free(tids);

  char buffer[256];
  for (size_t i = 0; i < tracked_count; i++) {
    /* A thread parked in the runtime sleeps in futex: neither runnable nor in disk wait,
     * so its stat need not be read (the cost of a record is mostly these reads). */
    if (parked_count && bsearch(&tracked[i].tid, parked, parked_count, sizeof *parked, compare_tids)) {
      *total += 1;
      continue;
    }
    ssize_t n;
    if (tracked[i].fd == DT_NOT_CACHED) {
      snprintf(path, sizeof path, "%d/stat", (int)tracked[i].tid);
      int fd = openat(tasks, path, O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      n = pread(fd, buffer, sizeof buffer - 1, 0);
      close(fd);
    } else if (tracked[i].fd >= 0) {
      n = pread(tracked[i].fd, buffer, sizeof buffer - 1, 0);
    } else {
      continue;
    }
    if (n <= 0) continue;  /* the thread has just exited */
    *total += 1;
    buffer[n] = 0;
    char *close_paren = strrchr(buffer, ')');
    if (!close_paren || close_paren[1] == 0) continue;
    char state = close_paren[2];
    if (state == 'R') *runnable += 1;
    if (state == 'D') *disk_wait += 1;
  }
  closedir(directory);
}
