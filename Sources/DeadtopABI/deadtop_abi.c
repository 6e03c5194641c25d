#define _GNU_SOURCE
#include "deadtop_abi.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

uint64_t dt_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
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

