/*
 * The table every write benchmark prints, one row per writer count, so
 * bench/run-store-bench.sh can put the store and its peers side by side:
 *
 *   writers   writes   writes/s    p50 ms    p99 ms    max ms   failed
 */
#ifndef BENCH_LATENCY_TABLE_H
#define BENCH_LATENCY_TABLE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline void
latency_table_header(void)
{
	printf("%8s %8s %10s %9s %9s %9s %8s\n", "writers", "writes",
	    "writes/s", "p50 ms", "p99 ms", "max ms", "failed");
	fflush(stdout);
}

static inline int
latency_by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts the ok latencies (microseconds) and prints one row. */
static inline void
latency_table_row(int writers, int64_t *latencies, int ok, int failures,
    int64_t took_us)
{
	qsort(latencies, (size_t)ok, sizeof(*latencies), latency_by_value);
	printf("%8d %8d %10.0f %9.2f %9.2f %9.2f %8d\n", writers, ok,
	    ok * 1e6 / (double)(took_us > 0 ? took_us : 1),
	    ok ? latencies[ok / 2] / 1000.0 : 0,
	    ok ? latencies[(int)(ok * 0.99)] / 1000.0 : 0,
	    ok ? latencies[ok - 1] / 1000.0 : 0, failures);
	fflush(stdout);
}

#endif
