#define _GNU_SOURCE
// N threads (argv[1], default 1000) that wait on one mutex main holds: a process to
// measure how long a /proc snapshot takes.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;

static void *parked(void *arg) {
  pthread_mutex_lock(&gate);
  pthread_mutex_unlock(&gate);
  return arg;
}

int main(int argc, char **argv) {
  int count = argc > 1 ? atoi(argv[1]) : 1000;
  pthread_mutex_lock(&gate);
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, 64 * 1024);
  for (int i = 0; i < count; i++) {
    pthread_t thread;
    if (pthread_create(&thread, &attributes, parked, NULL) != 0) { perror("pthread_create"); return 1; }
  }
  printf("ready %d\n", getpid());
  fflush(stdout);
  for (;;) pause();
}
