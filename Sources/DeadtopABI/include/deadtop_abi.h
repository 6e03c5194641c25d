// The deadtop shared-memory segment: the contract between the runtime (writer)
// and deadtop (reader). Every field is little-endian, naturally aligned, and
// explicitly padded; `_Static_assert`s pin the sizes so that a change to the
// layout is a deliberate change of DT_ABI_VERSION. See docs/ABI.md.
#ifndef DEADTOP_ABI_H
#define DEADTOP_ABI_H

#include <stdint.h>
#include <stddef.h>

#define DT_MAGIC 0x31504F5444414544ULL /* "DEADTOP1" read as little-endian bytes */
#define DT_ABI_VERSION 2u

/* Table indices in dt_header.tables. A reader ignores tables it does not know. */
enum {
  DT_TABLE_TASKS = 0,
  DT_TABLE_RESOURCES = 1,
  DT_TABLE_SITES = 2,
  DT_TABLE_STRINGS = 3,
  DT_TABLE_EDGES = 4,      /* lock-order edges: reserved, filled by a later version */
  DT_TABLE_EVENTS = 5,     /* event ring: reserved */
  DT_TABLE_SCHEDTRACE = 6, /* schedtrace ring: reserved */
  DT_TABLE_COUNT = 8
};

/* Task states. */
enum {
  DT_TASK_FREE = 0,
  DT_TASK_RUNNING = 1, /* not blocked in a primitive the runtime sees */
  DT_TASK_BLOCKED = 2, /* blocked: wait_kind says on what */
  DT_TASK_ENDED = 3
};

/* What a blocked task waits for. wait_target is a resource id, or a task id for JOIN. */
enum {
  DT_WAIT_NONE = 0,
  DT_WAIT_MUTEX = 1,
  DT_WAIT_READ_LOCK = 2,
  DT_WAIT_WRITE_LOCK = 3,
  DT_WAIT_JOIN = 4,
  /* Version 2: channels and the other primitives. */
  DT_WAIT_SEND = 5,      /* wait_target: the channel */
  DT_WAIT_RECEIVE = 6,   /* wait_target: the channel */
  DT_WAIT_SELECT = 7,    /* the cases are in cases[]; wait_target 0 */
  DT_WAIT_WAITGROUP = 8,
  DT_WAIT_COND = 9,
  DT_WAIT_SEMAPHORE = 10,
  DT_WAIT_SLEEP = 11
};

/* dt_task_slot.wait_flags (version 2). */
enum {
  DT_WAIT_TIMED = 1,          /* the wait ends by itself by wait_deadline_ns (a timeout, a sleep) */
  DT_WAIT_CASES_OVERFLOW = 2, /* a select with more cases than cases[] holds */
  DT_WAIT_ITERATING = 4       /* a receive by a `for x in channel` loop: the loop holds the channel twice */
};

/* A select case (version 2). */
enum { DT_CASE_SEND = 1, DT_CASE_RECEIVE = 2 };

/* Resource kinds. */
enum {
  DT_RESOURCE_FREE = 0,
  DT_RESOURCE_MUTEX = 1,
  DT_RESOURCE_RWMUTEX = 2,
  /* Version 2. */
  DT_RESOURCE_CHANNEL = 3,
  DT_RESOURCE_WAITGROUP = 4,
  DT_RESOURCE_COND = 5,
  DT_RESOURCE_SEMAPHORE = 6
};

/* dt_resource_slot.flags (version 2). */
enum {
  DT_RESOURCE_CLOSED = 1,         /* a closed channel */
  DT_RESOURCE_CLOCK = 2,          /* fed by the clock (a timer, a context deadline): never stuck */
  DT_RESOURCE_USERS_OVERFLOW = 4, /* more users than users[] holds */
  DT_RESOURCE_MEMBERS = 8,        /* a WaitGroup whose users[] are exactly the tasks it waits for */
  DT_RESOURCE_REFERENCES = 16     /* `references` was measured by the sampler */
};

#define DT_MAX_CASES 8
#define DT_MAX_USERS 8

/* Hold modes. */
enum { DT_HOLD_EXCLUSIVE = 0, DT_HOLD_SHARED = 1 };

#define DT_MAX_HELD 16
#define DT_NAME_BYTES 32

typedef struct {
  uint64_t offset;    /* from the start of the segment, 8-byte aligned */
  uint32_t slot_size; /* bytes per slot; a newer writer may append fields */
  uint32_t capacity;  /* slots (for STRINGS: bytes) */
} dt_table;
_Static_assert(sizeof(dt_table) == 16, "dt_table layout");

typedef struct {
  uint64_t magic;
  uint32_t abi_version;
  uint32_t header_size;
  uint64_t segment_size;
  uint32_t ready;          /* 1 once the header is complete; stored last, with release */
  int32_t pid;
  uint64_t start_time;     /* field 22 of /proc/<pid>/stat, clock ticks after boot */
  uint64_t clock_base_monotonic_ns; /* CLOCK_MONOTONIC at creation; every *_ns below uses it */
  uint64_t clock_base_realtime_ns;  /* CLOCK_REALTIME at creation, for wall-clock display */
  uint64_t heartbeat;      /* bumped by the sampler thread; 0 if none runs */
  uint64_t heartbeat_ns;
  dt_table tables[DT_TABLE_COUNT];
  /* Global counters, written with relaxed atomics on slow paths only. */
  uint64_t tasks_created;
  uint64_t resources_created;
  uint64_t tasks_dropped;     /* a task that found the task table full */
  uint64_t resources_dropped; /* a resource that found the resource table full */
  uint64_t sites_dropped;
  uint64_t strings_dropped;
  uint64_t sites_used;        /* published with release after the site slot is written */
  uint64_t strings_used;      /* bytes; published with release after the bytes */
  uint64_t wait_sequence;     /* global order of wait episodes */
  char process_name[DT_NAME_BYTES];
  uint64_t edges_used;    /* lock-order edges published (release after the edge) */
  uint64_t edges_dropped; /* new edges that found the edge table full */
  uint64_t schedtrace_head; /* schedtrace records ever written; the ring holds the last ones */
  uint64_t events_head;     /* events ever written; the ring holds the last ones */
  uint64_t schedtrace_interval_ns;
  uint8_t reserved[88];
} dt_header;
_Static_assert(sizeof(dt_header) == 72 + 16 * DT_TABLE_COUNT + 72 + DT_NAME_BYTES + 128, "dt_header layout");

/* A lock class: locks that play the same role. The name's string reference for a named
 * lock, else DT_CLASS_BY_SITE | its creation site; DT_CLASS_RWMUTEX marks rwmutexes. */
#define DT_CLASS_BY_SITE 0x80000000u
#define DT_CLASS_RWMUTEX 0x40000000u
#define DT_CLASS_REFERENCE 0x1fffffffu

typedef struct {
  uint64_t resource; /* resource id */
  uint32_t site;     /* call site index + 1; 0 = unknown */
  uint32_t mode;     /* DT_HOLD_* */
  uint32_t lock_class;
  uint32_t reserved;
} dt_hold;
_Static_assert(sizeof(dt_hold) == 24, "dt_hold layout");

/* A lock-order edge: some task acquired `to` while holding `from` (lockdep's idea). Written
 * once, before edges_used covers it. */
typedef struct {
  uint32_t from_class;
  uint32_t to_class;
  uint32_t from_site; /* where the held lock was acquired */
  uint32_t to_site;   /* where the second lock was acquired */
  uint16_t from_mode; /* DT_HOLD_* */
  uint16_t to_mode;
  uint32_t reserved;
  uint64_t task;      /* the first task seen taking the locks in this order */
} dt_edge;
_Static_assert(sizeof(dt_edge) == 32, "dt_edge layout");

/* One case of a select (version 2). */
typedef struct {
  uint64_t resource; /* the channel */
  uint32_t op;       /* DT_CASE_SEND or DT_CASE_RECEIVE */
  uint32_t reserved;
} dt_case;
_Static_assert(sizeof(dt_case) == 16, "dt_case layout");

typedef struct {
  uint32_t seq;        /* seqlock: odd while the owner thread writes */
  uint32_t state;      /* DT_TASK_* */
  uint64_t id;         /* task id, never reused; 0 for a free slot */
  uint32_t generation; /* bumped every time the slot is reused */
  int32_t tid;         /* OS thread id */
  uint32_t name;       /* string reference (offset into STRINGS + 1); 0 = none */
  uint32_t spawn_site; /* call site of spawn, 0 for a thread registered on first use */
  uint64_t parent;     /* task id of the spawner, 0 if none */
  uint64_t created_ns;
  uint64_t ended_ns;
  uint32_t wait_kind;   /* DT_WAIT_* */
  uint32_t wait_site;
  uint64_t wait_target; /* resource id, or task id for DT_WAIT_JOIN */
  uint64_t wait_since_ns;
  uint64_t wait_seq;    /* identifies the wait episode; orders waiters on one lock */
  uint32_t held_count;  /* entries of held[] in use */
  uint32_t held_overflow; /* holds beyond DT_MAX_HELD, counted but not listed */
  /* Per-task counters: summed by readers so that the fast path touches no shared line. */
  uint64_t acquisitions;
  uint64_t contended;
  uint64_t blocks;
  uint64_t wakeups;
  uint64_t sends;    /* version 2: channel sends and receives completed */
  uint64_t receives;
  dt_hold held[DT_MAX_HELD];
  /* Version 2: the rest of the wait. */
  uint32_t wait_flags;       /* DT_WAIT_TIMED, ... */
  uint32_t case_count;       /* entries of cases[] in use (a select) */
  uint64_t wait_deadline_ns; /* with DT_WAIT_TIMED */
  dt_case cases[DT_MAX_CASES];
} dt_task_slot;
enum { DT_TASK_SLOT_V1_SIZE = 144 + 24 * DT_MAX_HELD }; /* what a version 1 reader or writer used */
_Static_assert(sizeof(dt_task_slot) == DT_TASK_SLOT_V1_SIZE + 16 + 16 * DT_MAX_CASES, "dt_task_slot layout");
_Static_assert(offsetof(dt_task_slot, held) % 8 == 0, "dt_task_slot alignment");

typedef struct {
  uint32_t seq;
  uint32_t kind;       /* DT_RESOURCE_* */
  uint64_t id;         /* resource id, never reused; 0 for a free slot */
  uint32_t generation;
  uint32_t name;       /* string reference; 0 = unnamed */
  uint32_t site;       /* creation site */
  uint32_t reserved0;
  uint64_t created_ns;
  /* Contention profile, added to with atomics by each task after a contended acquisition
   * (outside the seqlock: read with relaxed loads). */
  uint64_t contended;
  uint64_t wait_total_ns;
  uint64_t wait_max_ns;
  /* Version 2: the state of a channel, WaitGroup, Cond or semaphore, under the seqlock
   * (but `references`, which the sampler stores with a relaxed atomic). */
  uint64_t capacity;   /* a channel's buffer; a semaphore's permits */
  uint64_t count;      /* buffered values; a WaitGroup's counter; permits taken */
  uint32_t flags;      /* DT_RESOURCE_CLOSED, ... */
  uint32_t user_count; /* entries of users[] in use */
  uint64_t references; /* strong references to the object from outside the runtime */
  uint64_t users[DT_MAX_USERS]; /* tasks that have used it, or a WaitGroup's members */
} dt_resource_slot;
enum { DT_RESOURCE_SLOT_V1_SIZE = 64 };
_Static_assert(sizeof(dt_resource_slot) == DT_RESOURCE_SLOT_V1_SIZE + 32 + 8 * DT_MAX_USERS, "dt_resource_slot layout");

/* A call site. Written once, before sites_used covers it. */
typedef struct {
  uint32_t file;     /* string reference */
  uint32_t function; /* string reference */
  uint32_t line;
  uint32_t reserved;
  /* Contention profile of acquisitions at this site (atomics, like the resource's). */
  uint64_t contended;
  uint64_t wait_total_ns;
  uint64_t wait_max_ns;
} dt_site;
_Static_assert(sizeof(dt_site) == 40, "dt_site layout");

/* One schedtrace record (Go's GODEBUG=schedtrace line), written by the sampler thread
 * into the ring at schedtrace_head % capacity. Counts are deltas over the interval. */
typedef struct {
  uint32_t seq;
  uint32_t reserved0;
  uint64_t time_ns;
  uint64_t interval_ns;
  uint32_t tasks, running, blocked, ended;
  uint32_t waiting_mutex, waiting_rwlock, waiting_join, waiting_other;
  uint32_t os_threads, os_runnable, os_disk_wait, reserved1;
  uint64_t voluntary_switches, involuntary_switches;
  uint64_t cpu_ns;
  uint64_t acquisitions, contended, blocks, wakeups, sends, receives, timeouts;
  uint64_t longest_wait_ns;
  uint64_t longest_wait_task;
  /* Version 2: blocked tasks waiting on the newer primitives (version 1 counted them in
   * waiting_other, which now holds only kinds this version does not know). */
  uint32_t waiting_send, waiting_receive, waiting_select, waiting_waitgroup;
  uint32_t waiting_cond, waiting_semaphore, waiting_sleep, reserved2;
} dt_sched_record;
enum { DT_SCHED_RECORD_V1_SIZE = 168 };
_Static_assert(sizeof(dt_sched_record) == DT_SCHED_RECORD_V1_SIZE + 32, "dt_sched_record layout");

/* Event kinds. */
enum {
  DT_EVENT_BLOCK = 1,    /* a task goes to sleep waiting (wait kind in `detail`) */
  DT_EVENT_WAKE = 2,     /* it got what it waited for after `duration_ns` */
  DT_EVENT_HANDOFF = 3,  /* an unlock that wakes a waiter */
  DT_EVENT_SPAWN = 4,    /* `target` is the new task */
  DT_EVENT_EXIT = 5,
  DT_EVENT_CLOSE = 6,    /* version 2: a channel closed (`target`) by `task` */
  DT_EVENT_TIMEOUT = 7   /* version 2: a timer, `after` or a context deadline fired on channel `target` */
};

/* One event, in the ring at events_head % capacity; seqlocked like a slot. */
typedef struct {
  uint32_t seq;
  uint32_t kind;
  uint64_t time_ns;
  uint64_t task;
  uint64_t target;      /* resource id, or task id for JOIN and SPAWN */
  uint32_t site;
  uint32_t detail;      /* DT_WAIT_* for BLOCK and WAKE */
  uint64_t duration_ns;
} dt_event;
_Static_assert(sizeof(dt_event) == 48, "dt_event layout");

static inline void dt_fetch_max_u64(uint64_t *p, uint64_t v) {
  uint64_t current = __atomic_load_n(p, __ATOMIC_RELAXED);
  while (current < v && !__atomic_compare_exchange_n(p, &current, v, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
}

/* A string in STRINGS: uint32_t length, then the UTF-8 bytes, padded to 4. A string
 * reference is the entry's offset + 1, so that 0 means "none". */

/* Atomic helpers: Swift cannot use _Atomic fields, so every access goes through these. */
static inline uint32_t dt_load_acquire_u32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline uint64_t dt_load_acquire_u64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline uint32_t dt_load_relaxed_u32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline uint64_t dt_load_relaxed_u64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline void dt_store_release_u32(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline void dt_store_release_u64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline void dt_store_relaxed_u64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static inline uint64_t dt_fetch_add_u64(uint64_t *p, uint64_t v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
static inline void dt_fence_acquire(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }

/* Seqlock, writer side. Only the owner of a slot writes it, so no CAS is needed. */
static inline void dt_seq_begin(uint32_t *seq) {
  __atomic_store_n(seq, __atomic_load_n(seq, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_RELEASE);
}
static inline void dt_seq_end(uint32_t *seq) {
  __atomic_store_n(seq, __atomic_load_n(seq, __ATOMIC_RELAXED) + 1, __ATOMIC_RELEASE);
}

/* Seqlock, reader side: copy `size` bytes of a slot whose first field is the sequence.
 * Returns 1 with a consistent copy, 0 after `tries` attempts found the slot changing. */
int dt_seq_read(const void *slot, void *copy, size_t size, int tries);

/* Fast-path task updates, written by the thread that owns the slot. */
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

static inline int dt_task_holds(const dt_task_slot *t, uint64_t resource, uint32_t mode) {
  for (uint32_t i = 0; i < t->held_count; i++)
    if (t->held[i].resource == resource && t->held[i].mode == mode) return 1;
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

/* The runtime's futex-based mutex word: 0 unlocked, 1 locked, 2 locked with waiters. */
typedef struct {
  uint32_t word;
  uint32_t reserved;
  uint64_t owner; /* task id of the holder; written by the holder */
} dt_lock;

static inline int dt_lock_try(dt_lock *l) {
  uint32_t expected = 0;
  return __atomic_compare_exchange_n(&l->word, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}
/* Slow path: sleeps until the lock is taken. */
void dt_lock_wait(dt_lock *l);
/* Returns 1 if a waiter may need waking. */
static inline int dt_lock_release(dt_lock *l) {
  return __atomic_exchange_n(&l->word, 0, __ATOMIC_RELEASE) == 2;
}
void dt_lock_wake_one(dt_lock *l);

/* A one-shot parking word for a blocked channel operation: dt_park sleeps until
 * dt_unpark has stored 1. */
void dt_park(uint32_t *word);
void dt_unpark(uint32_t *word);
static inline uint64_t dt_lock_owner(const dt_lock *l) { return __atomic_load_n(&l->owner, __ATOMIC_RELAXED); }
static inline void dt_lock_set_owner(dt_lock *l, uint64_t owner) { __atomic_store_n(&l->owner, owner, __ATOMIC_RELAXED); }

/* Counts this process's OS threads, and those runnable (R) or in uninterruptible sleep (D),
 * from /proc/self/task/<tid>/stat; the `parked` threads (sorted), blocked in the runtime,
 * are counted as sleeping without reading their stat. */
void dt_count_own_threads(uint32_t *total, uint32_t *runnable, uint32_t *disk_wait, const int32_t *parked,
                          size_t parked_count);

/* Formats a schedtrace record as one line, Go's style:
 * "SCHED 3000ms: tasks=5 running=1 blocked=4 ended=0 waiting(mutex=3 join=1) ..."
 * `since_start_ns` is the record's time since the process started. */
void dt_format_sched_record(const dt_sched_record *record, uint64_t since_start_ns, char *buffer, size_t size);

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
uint64_t dt_monotonic_ns(void);
uint64_t dt_realtime_ns(void);
/* Field 22 of /proc/<pid>/stat (start time, clock ticks after boot): the writer records
 * it, readers compare it to tell a live segment from one a reused pid left. Returns 0 on
 * success, -1 with errno set. */
int dt_process_start_time(int32_t pid, uint64_t *ticks);
/* The command name of a process (/proc/<pid>/comm, without the newline) into buffer.
 * Returns 0 on success, -1 with errno set. */
int dt_process_name(int32_t pid, char *buffer, size_t size);

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

/* 1 if `key` is in the set (open addressing, keys stored with release). */
static inline int dt_edge_set_contains(const uint64_t *table, uint32_t mask, uint64_t key) {
  uint32_t i = (uint32_t)((key * 0x9E3779B97F4A7C15ULL) >> 40) & mask;
  for (uint32_t probe = 0; probe <= mask; probe++, i = (i + 1) & mask) {
    uint64_t stored = __atomic_load_n(&table[i], __ATOMIC_ACQUIRE);
    if (stored == key) return 1;
    if (stored == 0) return 0;
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
