// dispatch_once whose initializer takes a lock the waiting thread holds: the waiter
// sleeps on the once gate (its owner's tid in the futex word), the initializer on the
// mutex. It links libdispatch, not deadtop.
#include <dispatch/dispatch.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static dispatch_once_t config_once;

static void load_config(void *unused) {
  (void)unused;
  usleep(200000);
  pthread_mutex_lock(&config_lock);
  pthread_mutex_unlock(&config_lock);
}

static void *reloader(void *unused) {
  (void)unused;
  prctl(PR_SET_NAME, "reloader");
  pthread_mutex_lock(&config_lock);
  usleep(100000);
  dispatch_once_f(&config_once, NULL, load_config);
  pthread_mutex_unlock(&config_lock);
  return NULL;
}

static void *reader(void *unused) {
  (void)unused;
  prctl(PR_SET_NAME, "reader");
  usleep(20000);
  dispatch_once_f(&config_once, NULL, load_config);
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, reloader, NULL);
  pthread_create(&b, NULL, reader, NULL);
  printf("ready %d\n", getpid());
  fflush(stdout);
  pthread_join(a, NULL);
  return 0;
}
