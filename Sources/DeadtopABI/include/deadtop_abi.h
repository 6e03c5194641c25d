// The deadtop shared-memory segment: the contract between the runtime (writer)
// and deadtop (reader), and nothing else: what the runtime does in its own memory
// (its lock word, parking, thread-local slot, caches) is in DeadtopRuntimeC. Every field is little-endian, naturally aligned, and
// explicitly padded; `_Static_assert`s pin the sizes so that a change to the
// layout is a deliberate change of DT_ABI_VERSION. See docs/ABI.md.
#ifndef DEADTOP_ABI_H
#define DEADTOP_ABI_H

#include <stdint.h>
#include <stddef.h>

#define DT_MAGIC 0x31504F5444414544ULL /* "DEADTOP1" read as little-endian bytes */
#define DT_ABI_VERSION 3u

/* Table indices in dt_header.tables. A reader ignores tables it does not know. */
enum {
  DT_TABLE_TASKS = 0,
  DT_TABLE_RESOURCES = 1,
  DT_TABLE_SITES = 2,
  DT_TABLE_STRINGS = 3,
  DT_TABLE_EDGES = 4,      /* lock-order edges (dt_edge) */
  DT_TABLE_EVENTS = 5,     /* event ring (dt_event) */
  DT_TABLE_SCHEDTRACE = 6, /* schedtrace ring (dt_sched_record) */
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
  DT_WAIT_SLEEP = 11,
  /* Version 3. */
  DT_WAIT_ONCE = 12      /* wait_target: the Once, held by the task running its body */
};

/* dt_task_slot.wait_flags (version 2). */
enum {
  DT_WAIT_TIMED = 1,          /* the wait ends by itself by wait_deadline_ns (a timeout, a sleep) */
  DT_WAIT_CASES_OVERFLOW = 2, /* a select with more cases than cases[] holds */
  DT_WAIT_ITERATING = 4       /* a receive by a `for x in channel` loop: the loop holds the channel twice */
};

/* A select case (version 2). */
enum { DT_CASE_SEND = 1, DT_CASE_RECEIVE = 2 };

/* Version 3: a channel's users[] entries carry, in their top bits, how the task has used
 * it: through a view that can receive (the channel itself, or a receive-only view), one
 * that can send or close (the channel, or a send-only view), and whether it has sent on
 * it or closed it. An entry without these bits (version 2) says nothing of them. */
/* Plain literals, so that Swift imports them as constants. */
#define DT_USER_MAY_RECEIVE 0x2000000000000000ull /* bit 61 */
#define DT_USER_MAY_SEND 0x4000000000000000ull    /* bit 62 */
#define DT_USER_SENT 0x8000000000000000ull        /* bit 63 */
#define DT_USER_TASK_MASK 0x1fffffffffffffffull

/* Resource kinds. */
enum {
  DT_RESOURCE_FREE = 0,
  DT_RESOURCE_MUTEX = 1,
  DT_RESOURCE_RWMUTEX = 2,
  /* Version 2. */
  DT_RESOURCE_CHANNEL = 3,
  DT_RESOURCE_WAITGROUP = 4,
  DT_RESOURCE_COND = 5,
  DT_RESOURCE_SEMAPHORE = 6,
  /* Version 3. */
  DT_RESOURCE_ONCE = 7,   /* a sync.Once: the task running its body holds it */
  DT_RESOURCE_ATOMIC = 8  /* an atomic counter: `count` is its value (a relaxed store, outside the seqlock) */
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
#define DT_MAX_REMOTE_RELEASES 4
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
  uint64_t wait_sequence;     /* global order of lock and join waits */
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
 * lock, else DT_CLASS_BY_SITE | its creation site; DT_CLASS_RWMUTEX marks rwmutexes,
 * DT_CLASS_ONCE sync.Once values (held while their body runs, taken by every `do`). */
#define DT_CLASS_BY_SITE 0x80000000u
#define DT_CLASS_RWMUTEX 0x40000000u
#define DT_CLASS_ONCE 0x20000000u
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
  uint64_t wait_seq;    /* identifies the wait episode; orders the waiters of one resource */
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
  /* Version 3: locks of this task that another task unlocked (Go allows it), which the
   * owner has not yet removed from held[]. Written by the unlocking task with atomics,
   * outside the seqlock: an entry is a resource id | mode << 62, 0 = empty. A reader
   * removes one matching hold per entry. */
  uint32_t remote_release_count;  /* entries in use */
  uint32_t remote_releases_lost;  /* remote unlocks that found every entry taken */
  uint64_t remote_releases[DT_MAX_REMOTE_RELEASES];
} dt_task_slot;
enum { DT_TASK_SLOT_V1_SIZE = 144 + 24 * DT_MAX_HELD }; /* what a version 1 reader or writer used */
enum { DT_TASK_SLOT_V2_SIZE = DT_TASK_SLOT_V1_SIZE + 16 + 16 * DT_MAX_CASES };
_Static_assert(sizeof(dt_task_slot) == DT_TASK_SLOT_V2_SIZE + 8 + 8 * DT_MAX_REMOTE_RELEASES, "dt_task_slot layout");
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

/* A string in STRINGS: uint32_t length, then the UTF-8 bytes, padded to 4. A string
 * reference is the entry's offset + 1, so that 0 means "none". */

/* Atomic helpers: Swift cannot use _Atomic fields, so every access goes through these. */
static inline uint32_t dt_load_acquire_u32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline uint64_t dt_load_acquire_u64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline uint32_t dt_load_relaxed_u32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline uint64_t dt_load_relaxed_u64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline void dt_fence_acquire(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }

/* Seqlock, reader side: copy `size` bytes of a slot whose first field is the sequence.
 * Returns 1 with a consistent copy, 0 after `tries` attempts found the slot changing. */
int dt_seq_read(const void *slot, void *copy, size_t size, int tries);

/* Formats a schedtrace record as one line, Go's style:
 * "SCHED 3000ms: tasks=5 running=1 blocked=4 ended=0 waiting(mutex=3 join=1) ..."
 * `since_start_ns` is the record's time since the process started. */
void dt_format_sched_record(const dt_sched_record *record, uint64_t since_start_ns, char *buffer, size_t size);

/* The clock and the process identity the header's fields are defined by; both sides use them. */
uint64_t dt_monotonic_ns(void);
/* Field 22 of /proc/<pid>/stat (start time, clock ticks after boot): the writer records
 * it, readers compare it to tell a live segment from one a reused pid left. Returns 0 on
 * success, -1 with errno set. */
int dt_process_start_time(int32_t pid, uint64_t *ticks);
/* The command name of a process (/proc/<pid>/comm, without the newline) into buffer.
 * Returns 0 on success, -1 with errno set. */
int dt_process_name(int32_t pid, char *buffer, size_t size);

#endif
