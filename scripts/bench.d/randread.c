// randread: the two ways the bench reads its 120 MiB entry, each timed
// from open(), since a FUSE file system may do its work there (fuse-zip
// inflates the whole entry when it is opened).
//
//   randread seq FILE SEQ_MAX         reads FILE front to back with 1 MiB
//                                     reads, giving up after SEQ_MAX s;
//                                     prints "<bytes read> <seconds>"
//   randread rand FILE COUNT RAND_MAX opens FILE and does COUNT 4 KiB
//                                     preads at random offsets (fixed
//                                     seed), giving up after RAND_MAX s;
//                                     prints "<reads done> <seconds>"
//
// Used by scripts/bench.d/bench.py: cc -O2 -o randread randread.c
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char buf[1 << 20];

static int open_checked(const char *path, off_t *size) {
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 8192) {
    perror(path);
    exit(1);
  }
  *size = st.st_size;
  return fd;
}

static int sequential(const char *path, double max_seconds) {
  double t0 = now();
  off_t size, total = 0;
  int fd = open_checked(path, &size);
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) { perror("read"); return 1; }
    if (n == 0) break;
    total += n;
    if (now() - t0 > max_seconds) break;
  }
  printf("%lld %.6f\n", (long long)total, now() - t0);
  return 0;
}

static int random_reads(const char *path, long count, double max_seconds) {
  double t0 = now();
  off_t size;
  int fd = open_checked(path, &size);
  uint64_t x = 0x9E3779B97F4A7C15ull;  // xorshift64, fixed seed
  long done = 0;
  while (done < count) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    off_t off = (off_t)(x % (uint64_t)(size - 4096));
    if (pread(fd, buf, 4096, off) != 4096) { perror("pread"); return 1; }
    done++;
    if (now() - t0 > max_seconds) break;
  }
  printf("%ld %.6f\n", done, now() - t0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "seq") == 0) return sequential(argv[2], atof(argv[3]));
  if (argc == 5 && strcmp(argv[1], "rand") == 0) {
    return random_reads(argv[2], atol(argv[3]), atof(argv[4]));
  }
  fprintf(stderr, "usage: %s seq FILE SEQ_MAX | %s rand FILE COUNT RAND_MAX\n",
          argv[0], argv[0]);
  return 2;
}
