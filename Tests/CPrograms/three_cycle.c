// Three threads, three locks, each holding one and wanting the next.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
pthread_barrier_t all_hold_first;
pthread_mutex_t *locks[3] = {&lock_a, &lock_b, &lock_c};

static void *worker(void *arg) {
  long index = (long)arg;
  char name[16];
  snprintf(name, sizeof name, "worker-%ld", index);
  pthread_setname_np(pthread_self(), name);
  pthread_mutex_lock(locks[index]);
  pthread_barrier_wait(&all_hold_first);
  pthread_mutex_lock(locks[(index + 1) % 3]);
  return NULL;
}

int main(void) {
  pthread_barrier_init(&all_hold_first, NULL, 3);
  pthread_t threads[3];
  for (long i = 0; i < 3; i++) pthread_create(&threads[i], NULL, worker, (void *)i);
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (int i = 0; i < 3; i++) pthread_join(threads[i], NULL);
  return 0;
}
