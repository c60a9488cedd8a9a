// randread: reads FILE once sequentially (giving up after SEQ_MAX seconds),
// drops its pages from the page cache, then does COUNT 4 KiB preads at
// random offsets (fixed seed), giving up after RAND_MAX seconds.  Prints
// "<bytes read> <seq seconds> <random reads done> <random seconds>".
// Used by scripts/bench.d/bench.py: cc -O2 -o randread randread.c
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s FILE COUNT SEQ_MAX RAND_MAX\n", argv[0]);
    return 2;
  }
  long count = atol(argv[2]);
  double seq_max = atof(argv[3]), rand_max = atof(argv[4]);
  int fd = open(argv[1], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 8192) {
    perror(argv[1]);
    return 1;
  }
  static char buf[1 << 20];
  double t0 = now();
  off_t total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) { perror("read"); return 1; }
    if (n == 0) break;
    total += n;
    if (now() - t0 > seq_max) break;
  }
  double seq = now() - t0;
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);

  uint64_t x = 0x9E3779B97F4A7C15ull;  // xorshift64, fixed seed
  long done = 0;
  t0 = now();
  while (done < count) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    off_t off = (off_t)(x % (uint64_t)(st.st_size - 4096));
    if (pread(fd, buf, 4096, off) != 4096) { perror("pread"); return 1; }
    done++;
    if (now() - t0 > rand_max) break;
  }
  printf("%lld %.6f %ld %.6f\n", (long long)total, seq, done, now() - t0);
  return 0;
}
