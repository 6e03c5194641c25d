// No deadlock: a recursive mutex taken twice, a condition-variable wait nobody signals
#define _GNU_SOURCE
// (not a deadlock: a signal can still come), and busy threads sharing a mutex.
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

pthread_mutex_t recursive_lock;
pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t queue_ready = PTHREAD_COND_INITIALIZER;
pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
volatile long counter;

static void *reentrant(void *arg) {
  pthread_setname_np(pthread_self(), "reentrant");
  pthread_mutex_lock(&recursive_lock);
  pthread_mutex_lock(&recursive_lock);
  for (;;) sleep(1);
  return arg;
}

static void *consumer(void *arg) {
  pthread_setname_np(pthread_self(), "consumer");
  pthread_mutex_lock(&queue_lock);
  for (;;) pthread_cond_wait(&queue_ready, &queue_lock);
  return arg;
}

static void *busy(void *arg) {
  pthread_setname_np(pthread_self(), "busy");
  for (;;) {
    pthread_mutex_lock(&counter_lock);
    counter++;
    pthread_mutex_unlock(&counter_lock);
  }
  return arg;
}

int main(void) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&recursive_lock, &attributes);
  pthread_t threads[4];
  pthread_create(&threads[0], NULL, reentrant, NULL);
  pthread_create(&threads[1], NULL, consumer, NULL);
  pthread_create(&threads[2], NULL, busy, NULL);
  pthread_create(&threads[3], NULL, busy, NULL);
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (;;) pause();
}
