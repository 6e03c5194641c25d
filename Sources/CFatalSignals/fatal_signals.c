#define _GNU_SOURCE
#include "fatal_signals.h"

#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define DTF_MAX_MAPPINGS 16

struct watched {
  _Atomic(uintptr_t) base;
  _Atomic(size_t) size;
  _Atomic(uint64_t) faults;
};

static struct watched mappings[DTF_MAX_MAPPINGS];
static void (*_Atomic restore_terminal)(void);
static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS};
#define DTF_FATAL_COUNT (sizeof fatal / sizeof fatal[0])
static struct sigaction previous[DTF_FATAL_COUNT];
static atomic_flag installed = ATOMIC_FLAG_INIT;

static int patch_watched_page(void *address) {
  uintptr_t at = (uintptr_t)address;
  for (int i = 0; i < DTF_MAX_MAPPINGS; i++) {
    uintptr_t base = atomic_load(&mappings[i].base);
    size_t size = atomic_load(&mappings[i].size);
    if (base == 0 || at < base || at >= base + size) continue;
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t start = at & ~((uintptr_t)page - 1);
    if (mmap((void *)start, (size_t)page, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
      return 0;
    atomic_fetch_add(&mappings[i].faults, 1);
    return 1;
  }
  return 0;
}

static const char *name_of(int signal_number) {
  switch (signal_number) {
  case SIGSEGV: return "SIGSEGV (invalid memory access)";
  case SIGBUS: return "SIGBUS (bus error)";
  case SIGILL: return "SIGILL (illegal instruction, a Swift runtime trap)";
  case SIGFPE: return "SIGFPE (arithmetic error)";
  case SIGABRT: return "SIGABRT (abort)";
  case SIGTRAP: return "SIGTRAP (trap)";
  case SIGSYS: return "SIGSYS (bad system call)";
  default: return "(unknown)";
  }
}

static void say(const char *text) {
  size_t length = strlen(text);
  while (length > 0) {
    ssize_t written = write(2, text, length);
    if (written <= 0) return;
    text += written;
    length -= (size_t)written;
  }
}

static void on_fatal(int signal_number, siginfo_t *info, void *context) {
  if (signal_number == SIGBUS && info && patch_watched_page(info->si_addr)) return;
  void (*restore)(void) = atomic_exchange(&restore_terminal, NULL);
  if (restore) {
    restore();
    say("deadtop: fatal signal ");
    say(name_of(signal_number));
    say("; the terminal was restored\n");
  }
  // A crash reporter that sees a terminal on standard input waits for a key.
  int null = open("/dev/null", O_RDONLY);
  if (null >= 0) {
    dup2(null, 0);
    close(null);
  }
  for (size_t i = 0; i < DTF_FATAL_COUNT; i++) {
    if (fatal[i] != signal_number) continue;
    struct sigaction *before = &previous[i];
    if ((before->sa_flags & SA_SIGINFO) && before->sa_sigaction) {
      before->sa_sigaction(signal_number, info, context);
    } else if (before->sa_handler != SIG_DFL && before->sa_handler != SIG_IGN && before->sa_handler) {
      before->sa_handler(signal_number);
    }
    break;
  }
  // Whatever ran before returned (or there was nothing): the signal is still fatal. A
  // fault re-executes into the default action; a sent or raised signal is raised again.
  signal(signal_number, SIG_DFL);
  if (signal_number == SIGABRT || !info || info->si_code <= 0) raise(signal_number);
}

void dtf_install(void) {
  if (atomic_flag_test_and_set(&installed)) return;
  for (size_t i = 0; i < DTF_FATAL_COUNT; i++) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fatal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(fatal[i], &action, &previous[i]);
  }
}

int dtf_watch_mapping(const void *base, size_t size) {
  dtf_install();
  for (int i = 0; i < DTF_MAX_MAPPINGS; i++) {
    uintptr_t empty = 0;
    if (atomic_compare_exchange_strong(&mappings[i].base, &empty, (uintptr_t)1)) {
      atomic_store(&mappings[i].faults, 0);
      atomic_store(&mappings[i].size, size);
      atomic_store(&mappings[i].base, (uintptr_t)base);
      return 0;
    }
  }
  return -1;
}

void dtf_unwatch_mapping(const void *base) {
  for (int i = 0; i < DTF_MAX_MAPPINGS; i++) {
    if (atomic_load(&mappings[i].base) == (uintptr_t)base) {
      atomic_store(&mappings[i].size, 0);
      atomic_store(&mappings[i].base, 0);
    }
  }
}

uint64_t dtf_mapping_faults(const void *base) {
  for (int i = 0; i < DTF_MAX_MAPPINGS; i++) {
    if (atomic_load(&mappings[i].base) == (uintptr_t)base) return atomic_load(&mappings[i].faults);
  }
  return 0;
}

void dtf_on_fatal(void (*restore)(void)) {
  dtf_install();
  atomic_store(&restore_terminal, restore);
}
