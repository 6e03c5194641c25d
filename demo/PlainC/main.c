// Demos of deadlocks in C with pthreads, which link no deadtop: deadtop reads them
// through /proc, resolving each futex wait to the thread that owns it.
//
//   deadtop-plain-c-demo c-abba        deadtop --attach PID
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int fixed;

struct scenario {
  const char *name, *summary, *story, *fix;
  void (*run)(void);
};

/* Two threads meet here before taking their second lock, so the demo always deadlocks. */
static pthread_barrier_t both_hold_one;
static pthread_mutex_t accounts_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t ledger_lock = PTHREAD_MUTEX_INITIALIZER;

static void *transfer(void *unused) {
  (void)unused;
  prctl(PR_SET_NAME, "transfer");
  pthread_mutex_lock(&accounts_lock);
  pthread_barrier_wait(&both_hold_one);
  pthread_mutex_lock(&ledger_lock);
  pthread_mutex_unlock(&ledger_lock);
  pthread_mutex_unlock(&accounts_lock);
  return NULL;
}

static void *audit(void *unused) {
  (void)unused;
  prctl(PR_SET_NAME, "audit");
  pthread_mutex_t *first = fixed ? &accounts_lock : &ledger_lock;
  pthread_mutex_t *second = fixed ? &ledger_lock : &accounts_lock;
  if (fixed) pthread_barrier_wait(&both_hold_one);
  pthread_mutex_lock(first);
  if (!fixed) pthread_barrier_wait(&both_hold_one);
  pthread_mutex_lock(second);
  pthread_mutex_unlock(second);
  pthread_mutex_unlock(first);
  return NULL;
}

static void run_abba(void) {
  pthread_t a, b;
  pthread_barrier_init(&both_hold_one, NULL, 2);
  pthread_create(&a, NULL, transfer, NULL);
  pthread_create(&b, NULL, audit, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
}

static pthread_rwlock_t config = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void *reload(void *unused) {
  (void)unused;
  prctl(PR_SET_NAME, "reload");
  pthread_rwlock_wrlock(&config);
  pthread_barrier_wait(&both_hold_one);
  pthread_mutex_lock(&cache_lock);
  pthread_mutex_unlock(&cache_lock);
  pthread_rwlock_unlock(&config);
  return NULL;
}

static void *serve(void *unused) {
  (void)unused;
  prctl(PR_SET_NAME, "serve");
  if (fixed) {
    pthread_barrier_wait(&both_hold_one);
    pthread_rwlock_rdlock(&config);
    pthread_mutex_lock(&cache_lock);
  } else {
    pthread_mutex_lock(&cache_lock);
    pthread_barrier_wait(&both_hold_one);
    pthread_rwlock_rdlock(&config);
  }
  pthread_rwlock_unlock(&config);
  pthread_mutex_unlock(&cache_lock);
  return NULL;
}

static void run_rwlock(void) {
  pthread_t a, b;
  pthread_barrier_init(&both_hold_one, NULL, 2);
  pthread_create(&a, NULL, reload, NULL);
  pthread_create(&b, NULL, serve, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
}

static const struct scenario scenarios[] = {
    {"c-abba", "two pthread mutexes taken in opposite orders (C, no runtime)",
     "transfer holds accounts_lock and wants ledger_lock; audit holds ledger_lock and wants accounts_lock.",
     "audit takes accounts_lock first too: one order, no cycle.", run_abba},
    {"c-rwlock", "a pthread rwlock writer and a mutex holder wait on each other (C, no runtime)",
     "reload holds config for writing and wants cache_lock; serve holds cache_lock and wants to read config.",
     "serve reads config before it takes cache_lock: one order, no cycle.", run_rwlock},
};

int main(int argc, char **argv) {
  const char *name = NULL;
  int stay = 0, count = sizeof scenarios / sizeof scenarios[0];
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--catalog") == 0) {
      for (int s = 0; s < count; s++)
        printf("%s\t%s\t%s\t%s\n", scenarios[s].name, scenarios[s].summary, scenarios[s].story, scenarios[s].fix);
      return 0;
    }
    if (strcmp(argv[i], "--fixed") == 0) fixed = 1;
    else if (strcmp(argv[i], "--stay") == 0) stay = 1;
    else name = argv[i];
  }
  for (int s = 0; name && s < count; s++) {
    if (strcmp(scenarios[s].name, name) != 0) continue;
    printf("deadtop demo %s%s — pid %d (no deadtop runtime: read through /proc)\n  %s\n", name,
           fixed ? " (fixed)" : "", getpid(), fixed ? scenarios[s].fix : scenarios[s].story);
    printf("  attach from another terminal: deadtop --attach %d\n", getpid());
    fflush(stdout);
    scenarios[s].run();
    printf("%s: scenario finished: no deadlock\n", name);
    fflush(stdout);
    while (stay) sleep(1);
    return 0;
  }
  fprintf(stderr, "usage: deadtop-plain-c-demo NAME [--fixed] [--stay]\n");
  for (int s = 0; s < count; s++) fprintf(stderr, "  %s  %s\n", scenarios[s].name, scenarios[s].summary);
  return 1;
}
