#define _GNU_SOURCE
#include "deadtop_abi.h"

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

int dt_seq_read(const void *slot, void *copy, size_t size, int tries) {
  const uint32_t *seq = (const uint32_t *)slot;
  for (int i = 0; i < tries; i++) {
    uint32_t before = __atomic_load_n(seq, __ATOMIC_ACQUIRE);
    if (before & 1u) continue;
    /* The slot may change underneath the copy; the sequence check below tells. */
    memcpy(copy, slot, size);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    uint32_t after = __atomic_load_n(seq, __ATOMIC_RELAXED);
    if (before == after) return 1;
  }
  return 0;
}

static long dt_futex(uint32_t *word, int op, uint32_t value) {
  return syscall(SYS_futex, word, op, value, NULL, NULL, 0);
}

void dt_lock_wait(dt_lock *l) {
  /* Drepper's "Futexes are tricky", mutex 2: mark contended, sleep while held. */
  while (__atomic_exchange_n(&l->word, 2, __ATOMIC_ACQUIRE) != 0) {
    dt_futex(&l->word, FUTEX_WAIT_PRIVATE, 2);
  }
}

void dt_lock_wake_one(dt_lock *l) { dt_futex(&l->word, FUTEX_WAKE_PRIVATE, 1); }

void dt_park(uint32_t *word) {
  while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == 0) dt_futex(word, FUTEX_WAIT_PRIVATE, 0);
}

void dt_unpark(uint32_t *word) {
  __atomic_store_n(word, 1, __ATOMIC_RELEASE);
  dt_futex(word, FUTEX_WAKE_PRIVATE, 1);
}

_Thread_local dt_task_slot *dt_current_task_slot DT_TLS_MODEL = NULL;

int32_t dt_gettid(void) { return (int32_t)syscall(SYS_gettid); }

int dt_get_thread_name(char *buffer, size_t size) { return pthread_getname_np(pthread_self(), buffer, size); }

void dt_set_thread_name(const char *name) {
  char truncated[16];
  strncpy(truncated, name, sizeof truncated - 1);
  truncated[sizeof truncated - 1] = 0;
  pthread_setname_np(pthread_self(), truncated);
}

uint64_t dt_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t dt_realtime_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int dt_process_start_time(int32_t pid, uint64_t *ticks) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buffer[1024];
  ssize_t n = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  if (n <= 0) { errno = EIO; return -1; }
  buffer[n] = 0;
  /* The command name (field 2) may hold spaces and parentheses: skip to the last ')'. */
  char *p = strrchr(buffer, ')');
  if (!p) { errno = EINVAL; return -1; }
  p++;
  for (int field = 3; field < 22; field++) {
    p = strchr(p + 1, ' ');
    if (!p) { errno = EINVAL; return -1; }
  }
  char *end;
  unsigned long long value = strtoull(p + 1, &end, 10);
  if (end == p + 1) { errno = EINVAL; return -1; }
  *ticks = value;
  return 0;
}

int dt_process_name(int32_t pid, char *buffer, size_t size) {
  if (size == 0) { errno = EINVAL; return -1; }
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buffer, size - 1);
  close(fd);
  if (n <= 0) { errno = EIO; return -1; }
  if (buffer[n - 1] == '\n') n--;
  buffer[n] = 0;
  return 0;
}

void dt_format_sched_record(const dt_sched_record *r, uint64_t since_start_ns, char *buffer, size_t size) {
  /* Blocked tasks by wait kind; kinds with no waiting task are left out to keep the line short. */
  const struct { const char *name; uint32_t count; } waits[] = {
    {"mutex", r->waiting_mutex},         {"rwlock", r->waiting_rwlock},     {"join", r->waiting_join},
    {"send", r->waiting_send},           {"receive", r->waiting_receive},   {"select", r->waiting_select},
    {"waitgroup", r->waiting_waitgroup}, {"cond", r->waiting_cond},         {"semaphore", r->waiting_semaphore},
    {"sleep", r->waiting_sleep},         {"other", r->waiting_other},
  };
  char waiting[256] = "";
  size_t used = 0;
  for (size_t i = 0; i < sizeof waits / sizeof waits[0] && used < sizeof waiting; i++) {
    if (waits[i].count == 0) continue;
    used += (size_t)snprintf(waiting + used, sizeof waiting - used, "%s%s=%u", used ? " " : "", waits[i].name,
                             waits[i].count);
  }
  snprintf(buffer, size,
           "SCHED %llums: tasks=%u running=%u blocked=%u ended=%u waiting(%s) "
           "threads=%u runnable=%u diskwait=%u csw=%llu/%llu cpu=%llums acquired=%llu contended=%llu blocks=%llu "
           "wakeups=%llu sends=%llu receives=%llu timeouts=%llu longest=%llums",
           (unsigned long long)(since_start_ns / 1000000), r->tasks, r->running, r->blocked, r->ended, waiting,
           r->os_threads, r->os_runnable, r->os_disk_wait, (unsigned long long)r->voluntary_switches,
           (unsigned long long)r->involuntary_switches, (unsigned long long)(r->cpu_ns / 1000000),
           (unsigned long long)r->acquisitions, (unsigned long long)r->contended, (unsigned long long)r->blocks,
           (unsigned long long)r->wakeups, (unsigned long long)r->sends, (unsigned long long)r->receives,
           (unsigned long long)r->timeouts, (unsigned long long)(r->longest_wait_ns / 1000000));
  if (r->longest_wait_ns > 0) {
    size_t length = strlen(buffer);
    snprintf(buffer + length, size - length, "(task %llu)", (unsigned long long)r->longest_wait_task);
  }
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
