/* The counter job under flock(2): the physical limit the proclab Lock is measured against.
 * usage: flock-counter <counter-file> <lock-file> <cycles>
 * Prints "ready", waits for a line on stdin, then runs; prints "req acq rel" per cycle
 * (ms since the epoch, CLOCK_REALTIME, the clock Node's performance.timeOrigin is based on). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Read, increment, write back: the same file operations as the Node workers. */
static void increment(const char *path) {
  char buf[32] = {0};
  int fd = open(path, O_RDONLY);
  if (fd < 0 || read(fd, buf, sizeof buf - 1) < 0) { perror(path); exit(1); }
  close(fd);
  int len = snprintf(buf, sizeof buf, "%ld", atol(buf) + 1);
  fd = open(path, O_WRONLY | O_TRUNC);
  if (fd < 0 || write(fd, buf, len) != len) { perror(path); exit(1); }
  close(fd);
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s <counter-file> <lock-file> <cycles>\n", argv[0]); return 2; }
  int cycles = atoi(argv[3]);
  int lock = open(argv[2], O_RDWR | O_CREAT, 0644);
  if (lock < 0) { perror(argv[2]); return 1; }
  double *t = malloc(sizeof(double) * 3 * cycles);
  char line[16];
  printf("ready\n");
  fflush(stdout);
  if (!fgets(line, sizeof line, stdin)) return 1;
  for (int i = 0; i < cycles; i++) {
    t[3 * i] = now_ms();
    if (flock(lock, LOCK_EX) != 0) { perror("flock"); return 1; }
    t[3 * i + 1] = now_ms();
    increment(argv[1]);
    t[3 * i + 2] = now_ms();
    flock(lock, LOCK_UN);
  }
  for (int i = 0; i < cycles; i++) printf("%.6f %.6f %.6f\n", t[3 * i], t[3 * i + 1], t[3 * i + 2]);
  return 0;
}
