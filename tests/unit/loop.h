/*
 * Event-loop helpers for the unit tests of the replicated log: run the
 * loop until a flag is set or a time limit passes, and record what a
 * coordinator's election or write callback said.
 */
#ifndef TESTS_UNIT_LOOP_H
#define TESTS_UNIT_LOOP_H

#include <stdint.h>
#include <time.h>

#include <event2/event.h>

static void
loop_tick(evutil_socket_t fd, short what, void *arg)
{
}

/* Runs base until *flag is set or ms pass; returns *flag. */
static inline int
loop_until(struct event_base *base, int *flag, int ms)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!*flag) {
		struct timeval tv = { 0, 10000 };
		struct event *tick = evtimer_new(base, loop_tick, NULL);

		evtimer_add(tick, &tv);
		event_base_loop(base, EVLOOP_ONCE);
		event_free(tick);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000 > ms)
			break;
	}
	return *flag;
}

/* Runs base for ms (to let messages in flight land). */
static inline void
loop_for(struct event_base *base, int ms)
{
	int never = 0;

	loop_until(base, &never, ms);
}

/* What an election or write reported. */
struct result {
	int		done, ok;
	uint64_t	pos;
};

static inline void
elected(void *arg, int ok, uint64_t last)
{
	struct result *r = arg;

	r->done = 1;
	r->ok = ok;
	r->pos = last;
}

static inline void
written(void *arg, int ok, uint64_t pos, const char *why)
{
	struct result *r = arg;

	r->done = 1;
	r->ok = ok;
	r->pos = pos;
}

#endif
