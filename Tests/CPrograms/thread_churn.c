// Threads that come and go all the time (each lives a few milliseconds, named after
// the round that made it), beside one long-lived thread parked on a condition
// variable: what a source that keeps per-thread files open must read right.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

static void *parked(void *arg) {
  pthread_setname_np(pthread_self(), "parked");
  pthread_mutex_lock(&lock);
  for (;;) pthread_cond_wait(&never, &lock);
  return arg;
}

static void *short_lived(void *arg) {
  char name[16];
  snprintf(name, sizeof name, "churn-%ld", (long)arg % 100);
  pthread_setname_np(pthread_self(), name);
  usleep(3000);
  return arg;
}

int main(void) {
  pthread_t thread;
  pthread_create(&thread, NULL, parked, NULL);
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (long round = 0;; round++) {
    pthread_t batch[8];
    for (int i = 0; i < 8; i++) pthread_create(&batch[i], NULL, short_lived, (void *)(round * 8 + i));
    for (int i = 0; i < 8; i++) pthread_join(batch[i], NULL);
  }
}
