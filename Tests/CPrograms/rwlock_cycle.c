#define _GNU_SOURCE
// A writer holds config_lock for writing and wants state_lock; a reader holds
// state_lock and wants to read config_lock.
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

pthread_rwlock_t config_lock = PTHREAD_RWLOCK_INITIALIZER;
pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_barrier_t both_hold_first;

static void *writer(void *arg) {
  pthread_setname_np(pthread_self(), "writer");
  pthread_rwlock_wrlock(&config_lock);
  pthread_barrier_wait(&both_hold_first);
  pthread_mutex_lock(&state_lock);
  return arg;
}

static void *reader(void *arg) {
  pthread_setname_np(pthread_self(), "reader");
  pthread_mutex_lock(&state_lock);
  pthread_barrier_wait(&both_hold_first);
  pthread_rwlock_rdlock(&config_lock);
  return arg;
}

int main(void) {
  pthread_barrier_init(&both_hold_first, NULL, 2);
  pthread_t threads[2];
  pthread_create(&threads[0], NULL, writer, NULL);
  pthread_create(&threads[1], NULL, reader, NULL);
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (;;) pause();
}
