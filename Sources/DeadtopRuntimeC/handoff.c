/* Hand-off between tasks without the kernel when the other side is near: the runtime's
 * lock (Go's sync.Mutex state machine over a futex semaphore) and the parking word of a
 * blocked operation both spin a bounded, adaptive time before they sleep. The budget
 * adapts per object to how long its recent waits lasted (as glibc's adaptive mutex does
 * to its recent spins); there is none when only one CPU is usable, and a lock waiter
 * that has already waited long sleeps at once. */
#define _GNU_SOURCE
#include "deadtop_runtime.h"

#include <linux/futex.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The cap: about what one sleep and wake-up costs on the machine in the README (half a
 * ping-pong round trip with no spinning, `deadtop-bench spin`: 21-27 us), and the
 * shortest cap in that sweep that keeps ping-pong out of the kernel. */
#define DT_SPIN_DEFAULT_LIMIT_NS 20000u
/* Added to every budget: a first wait, with nothing learnt yet, still spins. */
#define DT_SPIN_FLOOR_NS 1000u
/* A lock waiter woken after this long in its wait sleeps again without spinning. */
#define DT_SPIN_PATIENCE_NS 1000000ull

static long futex(uint32_t *word, int op, uint32_t value) {
  return syscall(SYS_futex, word, op, value, NULL, NULL, 0);
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield" ::: "memory");
#else
  __asm__ __volatile__("" ::: "memory");
#endif
}

static uint32_t spin_limit_ns = DT_SPIN_DEFAULT_LIMIT_NS;

int dt_usable_cpus(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  int count = CPU_COUNT(&set);
  return count > 0 ? count : 1;
}

__attribute__((constructor)) static void dt_handoff_init(void) {
  const char *chosen = getenv("DEADTOP_SPIN_NS");
  if (chosen && *chosen) spin_limit_ns = (uint32_t)strtoul(chosen, NULL, 10);
  if (dt_usable_cpus() < 2) spin_limit_ns = 0;
}

uint32_t dt_spin_limit_ns(void) { return spin_limit_ns; }

/* This wait's budget, from `*estimate`, the recent waits on the object (an average of
 * how long they lasted, each counted at most as the cap): twice that within the cap, so
 * that a wait about as long as the last ones ends while spinning. The cap is what a sleep
 * and wake-up cost (measured: README), so a wait never spins longer than the sleep it
 * tries to avoid (the classic 2-competitive rule), and waits that keep outlasting it
 * spin the cap rather than stop spinning for good: the other side of a hand-off sleeps
 * too when nobody spins, which would make every wait look long forever. */
static inline uint32_t spin_budget(const uint32_t *estimate) {
  if (spin_limit_ns == 0 || !estimate) return 0;
  uint64_t budget = 2 * (uint64_t)__atomic_load_n(estimate, __ATOMIC_RELAXED) + DT_SPIN_FLOOR_NS;
  return budget < spin_limit_ns ? (uint32_t)budget : spin_limit_ns;
}

/* Moves the estimate an eighth of the way to how long this wait lasted, at most the cap.
 * Racy by design: a lost update only delays the adaptation. */
static inline void learn(uint32_t *estimate, uint64_t waited) {
  if (!estimate) return;
  if (waited > spin_limit_ns) waited = spin_limit_ns;
  int64_t current = __atomic_load_n(estimate, __ATOMIC_RELAXED);
  int64_t next = current + ((int64_t)waited - current) / 8;
  __atomic_store_n(estimate, (uint32_t)(next < 0 ? 0 : next), __ATOMIC_RELAXED);
}

/* MARK: the parking word */

#define DT_PARK_WAITING 0u
#define DT_PARK_WOKEN 1u
#define DT_PARK_ASLEEP 2u

int dt_park_spin(uint32_t *word, uint32_t *estimate, uint64_t start) {
  uint32_t budget = spin_budget(estimate);
  if (!budget) return __atomic_load_n(word, __ATOMIC_ACQUIRE) == DT_PARK_WOKEN;
  for (uint32_t round = 1;; round++) {
    if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == DT_PARK_WOKEN) {
      learn(estimate, dt_monotonic_ns() - start);
      return 1;
    }
    cpu_relax();
    if ((round & 7) == 0 && dt_monotonic_ns() - start >= budget) return 0;
  }
}

void dt_park_sleep(uint32_t *word, uint32_t *estimate, uint64_t start) {
  uint32_t expected = DT_PARK_WAITING;
  if (__atomic_compare_exchange_n(word, &expected, DT_PARK_ASLEEP, 0, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == DT_PARK_ASLEEP)
      futex(word, FUTEX_WAIT_PRIVATE, DT_PARK_ASLEEP);
  } /* else woken between the spin and the sleep */
  if (estimate) learn(estimate, dt_monotonic_ns() - start);
}

void dt_unpark(uint32_t *word) {
  if (__atomic_exchange_n(word, DT_PARK_WOKEN, __ATOMIC_ACQ_REL) == DT_PARK_ASLEEP)
    futex(word, FUTEX_WAKE_PRIVATE, 1);
}

/* MARK: the lock */

static void sema_acquire(uint32_t *sema) {
  for (;;) {
    uint32_t tokens = __atomic_load_n(sema, __ATOMIC_RELAXED);
    while (tokens > 0) {
      if (__atomic_compare_exchange_n(sema, &tokens, tokens - 1, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return;
    }
    futex(sema, FUTEX_WAIT_PRIVATE, 0);
  }
}

static void sema_release(uint32_t *sema) {
  __atomic_fetch_add(sema, 1, __ATOMIC_RELEASE);
  futex(sema, FUTEX_WAKE_PRIVATE, 1);
}

void dt_lock_wait(dt_lock *l) {
  uint64_t began = dt_monotonic_ns();
  uint64_t spin_start = began;
  uint32_t budget = spin_budget(&l->spin_estimate);
  int spinning = budget != 0;
  int awoke = 0; /* this waiter owns the WOKEN bit */
  uint32_t round = 0;
  uint32_t old = __atomic_load_n(&l->word, __ATOMIC_RELAXED);
  for (;;) {
    if (!(old & DT_LOCK_LOCKED)) {
      uint32_t next = old | DT_LOCK_LOCKED;
      if (awoke) next &= ~DT_LOCK_WOKEN;
      if (__atomic_compare_exchange_n(&l->word, &old, next, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        learn(&l->spin_estimate, dt_monotonic_ns() - began);
        return;
      }
      continue;
    }
    if (spinning) {
      /* Claim WOKEN so that the holder's unlock wakes no sleeper while this one spins. */
      if (!awoke && !(old & DT_LOCK_WOKEN) && (old / DT_LOCK_WAITER) != 0 &&
          __atomic_compare_exchange_n(&l->word, &old, old | DT_LOCK_WOKEN, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        awoke = 1;
      cpu_relax();
      if ((++round & 7) == 0 && dt_monotonic_ns() - spin_start >= budget) spinning = 0;
      old = __atomic_load_n(&l->word, __ATOMIC_RELAXED);
      continue;
    }
    uint32_t next = old + DT_LOCK_WAITER;
    if (awoke) next &= ~DT_LOCK_WOKEN;
    if (!__atomic_compare_exchange_n(&l->word, &old, next, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) continue;
    sema_acquire(&l->sema);
    awoke = 1; /* the unlock that woke this waiter set WOKEN for it */
    uint64_t now = dt_monotonic_ns();
    if (budget && now - began < DT_SPIN_PATIENCE_NS) {
      spinning = 1;
      spin_start = now;
      round = 0;
    }
    old = __atomic_load_n(&l->word, __ATOMIC_RELAXED);
  }
}

int dt_lock_wake_one(dt_lock *l) {
  uint32_t old = __atomic_load_n(&l->word, __ATOMIC_RELAXED);
  for (;;) {
    if ((old / DT_LOCK_WAITER) == 0 || (old & (DT_LOCK_LOCKED | DT_LOCK_WOKEN))) return 0;
    uint32_t next = (old - DT_LOCK_WAITER) | DT_LOCK_WOKEN;
    if (__atomic_compare_exchange_n(&l->word, &old, next, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
      sema_release(&l->sema);
      return 1;
    }
  }
}
