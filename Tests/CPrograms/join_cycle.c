// Three threads join each other in a ring.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

pthread_t threads[3];
pthread_barrier_t all_started;

static void *joiner(void *arg) {
  long index = (long)arg;
  char name[16];
  snprintf(name, sizeof name, "joiner-%ld", index);
  pthread_setname_np(pthread_self(), name);
  pthread_barrier_wait(&all_started);
  pthread_join(threads[(index + 1) % 3], NULL);
  return NULL;
}

int main(void) {
  pthread_barrier_init(&all_started, NULL, 4);
  for (long i = 0; i < 3; i++) pthread_create(&threads[i], NULL, joiner, (void *)i);
  pthread_barrier_wait(&all_started);
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (;;) pause();
}
