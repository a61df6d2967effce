/* Counts malloc, calloc, realloc and posix_memalign calls of the process it is preloaded into,
 * and writes "MALLOCS <n>" to stderr on SIGUSR1. Used by count-allocations.sh. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static atomic_long count;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void report(int sig) { char b[64]; int n = snprintf(b, sizeof b, "MALLOCS %ld\n", atomic_load(&count)); write(2, b, n); }
__attribute__((constructor)) static void init(void) { signal(SIGUSR1, report); }
void *malloc(size_t n) { if (!real_malloc) real_malloc = dlsym(RTLD_NEXT, "malloc"); atomic_fetch_add(&count, 1); return real_malloc(n); }
static char early[4096]; static size_t early_used;
void *calloc(size_t a, size_t b) {
  if (!real_calloc) { if (early_used + a*b > sizeof early) return NULL; void *p = early + early_used; early_used += (a*b + 15) & ~15; memset(p,0,a*b); return p; }
  atomic_fetch_add(&count, 1); return real_calloc(a, b); }
void *realloc(void *p, size_t n) { if (!real_realloc) real_realloc = dlsym(RTLD_NEXT, "realloc"); atomic_fetch_add(&count, 1); return real_realloc(p, n); }
int posix_memalign(void **p, size_t a, size_t n) { if (!real_posix_memalign) real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign"); atomic_fetch_add(&count, 1); return real_posix_memalign(p, a, n); }
__attribute__((constructor(101))) static void init0(void) { real_calloc = dlsym(RTLD_NEXT, "calloc"); }
