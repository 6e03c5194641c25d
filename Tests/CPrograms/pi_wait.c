#define _GNU_SOURCE
// A priority-inheritance mutex (the kind Swift's Synchronization.Mutex uses on Linux):
// its owner sleeps while holding it and another thread waits. Not a deadlock.
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

pthread_mutex_t pi_lock;
pthread_barrier_t held;

static void *holder(void *arg) {
  pthread_setname_np(pthread_self(), "holder");
  pthread_mutex_lock(&pi_lock);
  pthread_barrier_wait(&held);
  for (;;) sleep(1);
  return arg;
}

static void *waiter(void *arg) {
  pthread_setname_np(pthread_self(), "waiter");
  pthread_barrier_wait(&held);
  pthread_mutex_lock(&pi_lock);
  return arg;
}

int main(void) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  pthread_mutexattr_setprotocol(&attributes, PTHREAD_PRIO_INHERIT);
  pthread_mutex_init(&pi_lock, &attributes);
  pthread_barrier_init(&held, NULL, 2);
  pthread_t threads[2];
  pthread_create(&threads[0], NULL, holder, NULL);
  pthread_create(&threads[1], NULL, waiter, NULL);
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (;;) pause();
}
