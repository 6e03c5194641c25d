// Two threads lock two global mutexes in opposite orders: an AB-BA deadlock.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

pthread_mutex_t accounts_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t ledger_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_barrier_t both_hold_first;

static void *transfer(void *arg) {
  pthread_setname_np(pthread_self(), "transfer");
  pthread_mutex_lock(&accounts_lock);
  pthread_barrier_wait(&both_hold_first);
  pthread_mutex_lock(&ledger_lock);
  return arg;
}

static void *audit(void *arg) {
  pthread_setname_np(pthread_self(), "audit");
  pthread_mutex_lock(&ledger_lock);
  pthread_barrier_wait(&both_hold_first);
  pthread_mutex_lock(&accounts_lock);
  return arg;
}

int main(void) {
  pthread_barrier_init(&both_hold_first, NULL, 2);
  pthread_t a, b;
  pthread_create(&a, NULL, transfer, NULL);
  pthread_create(&b, NULL, audit, NULL);
  printf("ready %d\n", getpid());
  fflush(stdout);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  return 0;
}
