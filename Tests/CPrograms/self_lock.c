// A thread locks a normal (non-recursive) mutex it already holds.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void *refresh(void *arg) {
  pthread_setname_np(pthread_self(), "refresh");
  pthread_mutex_lock(&cache_lock);
  pthread_mutex_lock(&cache_lock);
  return arg;
}

int main(void) {
  pthread_t thread;
  pthread_create(&thread, NULL, refresh, NULL);
  printf("ready %d\n", getpid());
  fflush(stdout);
  pthread_join(thread, NULL);
  return 0;
}
