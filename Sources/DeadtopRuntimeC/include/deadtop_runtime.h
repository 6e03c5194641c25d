// The runtime's private machinery: how it writes the segment (seqlock writer side,
// fast-path slot updates) and what lives only in its own memory (its futex lock word,
// parking, the thread-local task slot, the call-site cache, the lock-order edge set).
// Readers never include this header; the layout they share is deadtop_abi.h.
#ifndef DEADTOP_RUNTIME_H
#define DEADTOP_RUNTIME_H

#include "deadtop_abi.h"

/* Atomic writes: Swift cannot use _Atomic fields, so every access goes through these. */
static inline void dt_store_release_u32(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline void dt_store_release_u64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline void dt_store_relaxed_u64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static inline uint64_t dt_fetch_add_u64(uint64_t *p, uint64_t v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
static inline void dt_fetch_max_u64(uint64_t *p, uint64_t v) {
  uint64_t current = __atomic_load_n(p, __ATOMIC_RELAXED);
  while (current < v && !__atomic_compare_exchange_n(p, &current, v, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
}

/* Sequentially consistent word operations, for AtomicCounter (Go's sync/atomic). */
static inline uint64_t dt_atomic_load_u64(uint64_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static inline void dt_atomic_store_u64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
static inline uint64_t dt_atomic_add_u64(uint64_t *p, uint64_t v) { return __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST); }
static inline uint64_t dt_atomic_exchange_u64(uint64_t *p, uint64_t v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
static inline int dt_atomic_compare_exchange_u64(uint64_t *p, uint64_t expected, uint64_t desired) {
  return __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* Seqlock, writer side. Only the owner of a slot writes it, so no CAS is needed. */
static inline void dt_seq_begin(uint32_t *seq) {
  __atomic_store_n(seq, __atomic_load_n(seq, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_RELEASE);
}
static inline void dt_seq_end(uint32_t *seq) {
  __atomic_store_n(seq, __atomic_load_n(seq, __ATOMIC_RELAXED) + 1, __ATOMIC_RELEASE);
}

/* Fast-path task updates, written by the thread that owns the slot. */

/* Removes the oldest hold of `resource` in `mode`: the one another task unlocked, which
 * any hold of it the task took since came after. */
static inline void dt_task_remove_oldest_hold(dt_task_slot *t, uint64_t resource, uint32_t mode) {
  uint32_t n = t->held_count;
  for (uint32_t i = 0; i < n; i++) {
    if (t->held[i].resource == resource && t->held[i].mode == mode) {
      dt_seq_begin(&t->seq);
      for (uint32_t j = i + 1; j < n; j++) t->held[j - 1] = t->held[j];
      t->held_count = n - 1;
      dt_seq_end(&t->seq);
      return;
    }
  }
  if (t->held_overflow > 0) {
    dt_seq_begin(&t->seq);
    t->held_overflow -= 1;
    dt_seq_end(&t->seq);
  }
}

/* Removes from held[] the holds that other tasks unlocked (remote_releases). The owner
 * does it before it reads held[] for lock order (so a lock it no longer holds orders
 * nothing), and the runtime for a task that has ended. Until then readers hide those
 * holds, and the fast paths need not look. */
static inline void dt_task_drain_remote_releases(dt_task_slot *t) {
  for (uint32_t i = 0; i < DT_MAX_REMOTE_RELEASES; i++) {
    uint64_t entry = __atomic_load_n(&t->remote_releases[i], __ATOMIC_SEQ_CST);
    if (!entry) continue;
    /* The hold goes first, the entry after: a reader never sees the hold without it. */
    dt_task_remove_oldest_hold(t, entry & ((1ull << 62) - 1), (uint32_t)(entry >> 62));
    __atomic_store_n(&t->remote_releases[i], 0, __ATOMIC_SEQ_CST);
    __atomic_sub_fetch(&t->remote_release_count, 1, __ATOMIC_SEQ_CST);
  }
}

static inline void dt_task_drain_if_released_elsewhere(dt_task_slot *t) {
  if (__builtin_expect(__atomic_load_n(&t->remote_release_count, __ATOMIC_RELAXED) != 0, 0))
    dt_task_drain_remote_releases(t);
}

/* Another task's unlock of a lock `t` holds, which Go allows: posted for `t` to remove.
 * Returns 0 when every entry was taken (counted in remote_releases_lost). */
static inline int dt_task_post_remote_release(dt_task_slot *t, uint64_t resource, uint32_t mode) {
  uint64_t entry = resource | ((uint64_t)mode << 62);
  for (uint32_t i = 0; i < DT_MAX_REMOTE_RELEASES; i++) {
    uint64_t empty = 0;
    if (__atomic_compare_exchange_n(&t->remote_releases[i], &empty, entry, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
      __atomic_add_fetch(&t->remote_release_count, 1, __ATOMIC_SEQ_CST);
      return 1;
    }
  }
  __atomic_add_fetch(&t->remote_releases_lost, 1, __ATOMIC_RELAXED);
  return 0;
}

static inline void dt_fence_seq_cst(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

static inline void dt_task_push_hold(dt_task_slot *t, uint64_t resource, uint32_t site, uint32_t mode,
                                     uint32_t lock_class) {
  dt_seq_begin(&t->seq);
  uint32_t n = t->held_count;
  if (n < DT_MAX_HELD) {
    t->held[n].resource = resource;
    t->held[n].site = site;
    t->held[n].mode = mode;
    t->held[n].lock_class = lock_class;
    t->held_count = n + 1;
  } else {
    t->held_overflow += 1;
  }
  t->acquisitions += 1;
  dt_seq_end(&t->seq);
}

/* Removes the most recent hold of `resource` in `mode`. Returns 1 if one was found
 * (listed or counted in the overflow), 0 if the task did not hold it. */
static inline int dt_task_pop_hold(dt_task_slot *t, uint64_t resource, uint32_t mode) {
  uint32_t n = t->held_count;
  for (uint32_t i = n; i > 0; i--) {
    if (t->held[i - 1].resource == resource && t->held[i - 1].mode == mode) {
      dt_seq_begin(&t->seq);
      for (uint32_t j = i; j < n; j++) t->held[j - 1] = t->held[j];
      t->held_count = n - 1;
      dt_seq_end(&t->seq);
      return 1;
    }
  }
  if (t->held_overflow > 0) {
    dt_seq_begin(&t->seq);
    t->held_overflow -= 1;
    dt_seq_end(&t->seq);
    return 1;
  }
  return 0;
}

/* The task's listed hold of `resource` in `mode`, or NULL. */
static inline const dt_hold *dt_task_find_hold(const dt_task_slot *t, uint64_t resource, uint32_t mode) {
  uint32_t n = t->held_count < DT_MAX_HELD ? t->held_count : DT_MAX_HELD;
  for (uint32_t i = 0; i < n; i++)
    if (t->held[i].resource == resource && t->held[i].mode == mode) return &t->held[i];
  return 0;
}

/* Publishes a wait. `cases` (a select's, up to DT_MAX_CASES of `case_count`; more set
 * DT_WAIT_CASES_OVERFLOW) may be NULL. */
static inline void dt_task_begin_wait_full(dt_task_slot *t, uint32_t kind, uint64_t target, uint32_t site,
                                           uint64_t since_ns, uint64_t wait_seq, uint32_t flags,
                                           uint64_t deadline_ns, const dt_case *cases, uint32_t case_count) {
  dt_seq_begin(&t->seq);
  t->state = DT_TASK_BLOCKED;
  t->wait_kind = kind;
  t->wait_target = target;
  t->wait_site = site;
  t->wait_since_ns = since_ns;
  t->wait_seq = wait_seq;
  t->blocks += 1;
  uint32_t listed = case_count < DT_MAX_CASES ? case_count : DT_MAX_CASES;
  for (uint32_t i = 0; i < listed; i++) t->cases[i] = cases[i];
  t->case_count = listed;
  t->wait_flags = flags | (case_count > DT_MAX_CASES ? DT_WAIT_CASES_OVERFLOW : 0);
  t->wait_deadline_ns = deadline_ns;
  dt_seq_end(&t->seq);
}

static inline void dt_task_begin_wait(dt_task_slot *t, uint32_t kind, uint64_t target, uint32_t site,
                                      uint64_t since_ns, uint64_t wait_seq) {
  dt_task_begin_wait_full(t, kind, target, site, since_ns, wait_seq, 0, 0, 0, 0);
}

static inline void dt_task_end_wait(dt_task_slot *t) {
  dt_seq_begin(&t->seq);
  t->wakeups += 1;
  t->state = DT_TASK_RUNNING;
  t->wait_kind = DT_WAIT_NONE;
  t->wait_target = 0;
  t->wait_site = 0;
  t->wait_flags = 0;
  t->case_count = 0;
  t->wait_deadline_ns = 0;
  dt_seq_end(&t->seq);
}

/* Counts completed channel operations. */
static inline void dt_task_count_transfer(dt_task_slot *t, uint64_t sends, uint64_t receives) {
  dt_seq_begin(&t->seq);
  t->sends += sends;
  t->receives += receives;
  dt_seq_end(&t->seq);
}

/* Counts a contended acquisition; the hold itself is pushed by dt_task_push_hold. */
static inline void dt_task_count_contended(dt_task_slot *t) {
  dt_seq_begin(&t->seq);
  t->contended += 1;
  dt_seq_end(&t->seq);
}

/* The runtime's lock word (Go's sync.Mutex design): bit 0 locked, bit 1 a waiter is
 * awake and competing (so an unlock need not wake another), the bits above count the
 * waiters that sleep or are about to on `sema`, a count of wake-up tokens. A waiter
 * spins for a bounded, adaptive time before it sleeps (handoff.c). */
#define DT_LOCK_LOCKED 1u
#define DT_LOCK_WOKEN 2u
#define DT_LOCK_WAITER 4u
typedef struct {
  uint32_t word;
  uint32_t sema;
  dt_task_slot *owner;     /* Mutex: the holder's slot; written by whoever locks or unlocks */
  uint32_t spin_estimate;  /* ns its recent contended acquisitions waited (handoff.c) */
  uint32_t park_estimate;  /* the same for waits parked on the object it guards */
  void *pending_wake;      /* RuntimeLock: the first waiter to wake at unlock, retained */
} dt_lock;

static inline int dt_lock_try(dt_lock *l) {
  uint32_t expected = 0;
  return __atomic_compare_exchange_n(&l->word, &expected, DT_LOCK_LOCKED, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}
/* Takes the lock if it is not held, waiters or not; never blocks. */
static inline int dt_lock_try_any(dt_lock *l) {
  uint32_t old = __atomic_load_n(&l->word, __ATOMIC_RELAXED);
  while (!(old & DT_LOCK_LOCKED)) {
    if (__atomic_compare_exchange_n(&l->word, &old, old | DT_LOCK_LOCKED, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
      return 1;
  }
  return 0;
}
/* Slow path: spins, then sleeps, until the lock is taken. */
void dt_lock_wait(dt_lock *l);
/* Returns 1 if waiters remain, and dt_lock_wake_one must be called. */
static inline int dt_lock_release(dt_lock *l) {
  return __atomic_sub_fetch(&l->word, DT_LOCK_LOCKED, __ATOMIC_RELEASE) != 0;
}
/* Wakes one sleeping waiter unless one is awake already or the lock was taken again;
 * returns 1 if it woke one (a hand-off). */
int dt_lock_wake_one(dt_lock *l);
/* The release for a Mutex, which any task may unlock: returns the word before it, so
 * that the caller can tell an unlock of an unlocked mutex (no LOCKED bit) and whether
 * waiters remain (anything else set). */
static inline uint32_t dt_lock_release_returning_old(dt_lock *l) {
  return __atomic_fetch_sub(&l->word, DT_LOCK_LOCKED, __ATOMIC_RELEASE);
}
static inline int dt_lock_is_locked(const dt_lock *l) {
  return (__atomic_load_n(&l->word, __ATOMIC_ACQUIRE) & DT_LOCK_LOCKED) != 0;
}
static inline void dt_lock_full(dt_lock *l) {
  if (!dt_lock_try(l)) dt_lock_wait(l);
}
static inline void dt_lock_unlock(dt_lock *l) {
  if (dt_lock_release(l)) dt_lock_wake_one(l);
}

/* A one-shot parking word for a blocked operation: 0 waiting, 1 woken, 2 asleep.
 * dt_park_spin spins a bounded, adaptive time from `start` (the wait's start on the
 * monotonic clock), learning in `*estimate` how long the recent parks on the same object
 * waited (NULL: no spin), and returns 1 if it was woken meanwhile; if not, dt_park_sleep
 * sleeps until dt_unpark. dt_unpark makes the system call only for a waiter that is
 * asleep. */
int dt_park_spin(uint32_t *word, uint32_t *estimate, uint64_t start);
void dt_park_sleep(uint32_t *word, uint32_t *estimate, uint64_t start);
void dt_unpark(uint32_t *word);

/* A blocked operation's parking word beside which of its cases fired, so that the task
 * that claims it and wakes it writes one cache line. */
typedef struct {
  uint32_t park;
  uint32_t fired; /* the case's index + 1; 0 while unclaimed */
} dt_waiter;

/* Claims the waiter for case `index`; 0 if another case got it first. */
static inline int dt_waiter_claim(dt_waiter *w, uint32_t index) {
  uint32_t unclaimed = 0;
  return __atomic_compare_exchange_n(&w->fired, &unclaimed, index + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
/* The case that fired; -1 while unclaimed. */
static inline int32_t dt_waiter_fired(const dt_waiter *w) {
  return (int32_t)__atomic_load_n(&w->fired, __ATOMIC_ACQUIRE) - 1;
}

/* The spin budget: 0 when only one CPU is usable (a spinner would only delay the task
 * it waits for), else the cap in ns, DEADTOP_SPIN_NS when set. Read at start-up. */
uint32_t dt_spin_limit_ns(void);
/* The CPUs this process may run on (sched_getaffinity). */
int dt_usable_cpus(void);
static inline dt_task_slot *dt_lock_owner(const dt_lock *l) { return __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE); }
static inline int dt_lock_is_owned_by(const dt_lock *l, const dt_task_slot *task) {
  return __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) == task;
}
static inline void dt_lock_set_owner(dt_lock *l, dt_task_slot *owner) { __atomic_store_n(&l->owner, owner, __ATOMIC_RELEASE); }

/* Counts this process's OS threads, and those runnable (R) or in uninterruptible sleep (D),
 * from /proc/self/task/<tid>/stat; the `parked` threads (sorted), blocked in the runtime,
 * are counted as sleeping without reading their stat. */
void dt_count_own_threads(uint32_t *total, uint32_t *runnable, uint32_t *disk_wait, const int32_t *parked,
                          size_t parked_count);

/* The current thread's task slot, kept in C thread-local storage because it is read
 * on every operation. The initial-exec model makes the access one instruction instead
 * of a call to __tls_get_addr; it holds for a program and the libraries it starts with
 * (not for one opened later with dlopen). */
#define DT_TLS_MODEL __attribute__((tls_model("initial-exec")))
extern _Thread_local dt_task_slot *dt_current_task_slot DT_TLS_MODEL;
static inline dt_task_slot *dt_current_task(void) { return dt_current_task_slot; }
static inline void dt_set_current_task(dt_task_slot *slot) { dt_current_task_slot = slot; }

/* Small OS helpers that Swift cannot express cleanly. */
int32_t dt_gettid(void);
/* The calling thread's OS name (what ps and top show); 15 bytes at most. */
int dt_get_thread_name(char *buffer, size_t size);
void dt_set_thread_name(const char *name);
uint64_t dt_realtime_ns(void);

/* The runtime's call-site cache, in process memory (not in the segment): maps a call
 * site's static strings and line to its index in the SITES table, so the fast path
 * finds an interned site with one hash and a few loads. Entries are never removed;
 * `site` is stored last, with release. */
typedef struct {
  uint64_t file;
  uint64_t function;
  uint32_t line;
  uint32_t site; /* SITES index + 1; 0 = empty entry */
} dt_site_cache_entry;
_Static_assert(sizeof(dt_site_cache_entry) == 24, "dt_site_cache_entry layout");

static inline uint32_t dt_site_cache_hash(uint64_t file, uint64_t function, uint32_t line) {
  uint64_t h = (file ^ (function * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)line << 32)) * 0xBF58476D1CE4E5B9ULL;
  return (uint32_t)(h >> 40);
}

/* The runtime's set of lock-order edges already published, in process memory: a key
 * per (from class, to class, modes); 0 = empty. */
static inline uint64_t dt_edge_key(uint32_t from_class, uint32_t to_class, uint32_t from_mode, uint32_t to_mode) {
  /* Bit 29 of a class is free (references stay below 2^29): it carries the mode. */
  return ((uint64_t)(from_class | (from_mode << 29)) << 32) | (uint64_t)(to_class | (to_mode << 29));
}

/* The slot a key's probe starts at: the one hash of the edge set. */
static inline uint32_t dt_edge_set_start(uint64_t key, uint32_t mask) {
  return (uint32_t)((key * 0x9E3779B97F4A7C15ULL) >> 40) & mask;
}

/* 1 if `key` is in the set (open addressing, keys stored with release). */
static inline int dt_edge_set_contains(const uint64_t *table, uint32_t mask, uint64_t key) {
  uint32_t i = dt_edge_set_start(key, mask);
  for (uint32_t probe = 0; probe <= mask; probe++, i = (i + 1) & mask) {
    uint64_t stored = __atomic_load_n(&table[i], __ATOMIC_ACQUIRE);
    if (stored == key) return 1;
    if (stored == 0) return 0;
  }
  return 0;
}

/* Adds `key` (the caller serializes inserts; readers probe concurrently). Returns 0 when full. */
static inline int dt_edge_set_insert(uint64_t *table, uint32_t mask, uint64_t key) {
  uint32_t i = dt_edge_set_start(key, mask);
  for (uint32_t probe = 0; probe <= mask; probe++, i = (i + 1) & mask) {
    if (__atomic_load_n(&table[i], __ATOMIC_RELAXED) == 0) {
      __atomic_store_n(&table[i], key, __ATOMIC_RELEASE);
      return 1;
    }
  }
  return 0;
}

/* Returns the site (index + 1) or 0 when the site is not cached yet. */
static inline uint32_t dt_site_cache_lookup(const dt_site_cache_entry *table, uint32_t mask,
                                            uint64_t file, uint64_t function, uint32_t line) {
  uint32_t i = dt_site_cache_hash(file, function, line) & mask;
  for (uint32_t probe = 0; probe <= mask; probe++, i = (i + 1) & mask) {
    uint32_t site = __atomic_load_n(&table[i].site, __ATOMIC_ACQUIRE);
    if (site == 0) return 0;
    if (table[i].file == file && table[i].function == function && table[i].line == line) return site;
  }
  return 0;
}

#endif
