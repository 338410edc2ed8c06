/*
 * The task timers' rules (replica/sched_timers.c): when a task in each
 * state is due, from a save and at an election; the penalty read back
 * from a THROTTLED event; which terminated tasks a job's history limit
 * deletes. The timers themselves run in tests/integration/test_timers.sh.
 */
#include "config.h"

#include "replica/sched_timers.h"
#include "tests/unit/check.h"

static const struct sched_timer_settings set = {
	.transient_timeout_ms = 300000,		/* 5mins */
	.prune_threshold_ms = 172800000,	/* 2days */
	.min_retention_ms = 3600000,		/* 1hrs */
	.max_per_job = 2,
};

/* A task in status whose last event was at last_ms, with message. */
static enum sched_timer_kind
due(int status, int64_t last_ms, const char *message, int64_t now_ms,
    int elected, int64_t *at)
{
	TaskEvent ev = TASK_EVENT__INIT, *evs[1] = { &ev };
	ScheduledTask t = SCHEDULED_TASK__INIT;

	ev.has_timestamp = 1;
	ev.timestamp = last_ms;
	ev.message = (char *)(uintptr_t)message;
	t.has_status = 1;
	t.status = status;
	t.n_taskevents = 1;
	t.taskevents = evs;
	*at = -1;
	return sched_timer_due(&t, now_ms, elected, &set, at);
}

static void
test_due(void)
{
	static const int transient[] = {
		SCHEDULE_STATUS__ASSIGNED, SCHEDULE_STATUS__PREEMPTING,
		SCHEDULE_STATUS__RESTARTING, SCHEDULE_STATUS__KILLING,
		SCHEDULE_STATUS__SCHEDULE_STATUS_DRAINING,
	};
	static const int none[] = {
		SCHEDULE_STATUS__PENDING, SCHEDULE_STATUS__STARTING,
		SCHEDULE_STATUS__RUNNING, SCHEDULE_STATUS__PARTITIONED,
		SCHEDULE_STATUS__INIT,
	};
	static const int terminal[] = {
		SCHEDULE_STATUS__FINISHED, SCHEDULE_STATUS__SCHEDULE_STATUS_FAILED,
		SCHEDULE_STATUS__KILLED, SCHEDULE_STATUS__LOST,
	};
	int64_t at;
	size_t i;

	for (i = 0; i < sizeof(transient) / sizeof(transient[0]); i++) {
		/* Saved: from its event; at an election: from now. */
		CHECK(due(transient[i], 1000, NULL, 5000, 0, &at) ==
		    TIMER_TRANSIENT && at == 301000);
		CHECK(due(transient[i], 1000, NULL, 5000, 1, &at) ==
		    TIMER_TRANSIENT && at == 305000);
	}
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		CHECK(due(none[i], 1000, NULL, 5000, 0, &at) == TIMER_NONE);
	for (i = 0; i < sizeof(terminal) / sizeof(terminal[0]); i++) {
		/* Saved as it ends: the threshold from now. */
		CHECK(due(terminal[i], 5000, NULL, 5000, 0, &at) ==
		    TIMER_PRUNE && at == 5000 + 172800000);
		/* At an election: from its end... */
		CHECK(due(terminal[i], 1000, NULL, 100000000, 1, &at) ==
		    TIMER_PRUNE && at == 1000 + 172800000);
		/* ...but never before the minimum retention from now. */
		CHECK(due(terminal[i], 1000, NULL, 172000000, 1, &at) ==
		    TIMER_PRUNE && at == 172000000 + 3600000);
	}
	CHECK(due(SCHEDULE_STATUS__THROTTLED, 1000,
	    "Rescheduled, penalized for 45000 ms for flapping", 1200, 0,
	    &at) == TIMER_THROTTLED && at == 46000);
	/* A THROTTLED task without the message is due at once. */
	CHECK(due(SCHEDULE_STATUS__THROTTLED, 1000, NULL, 1200, 1, &at) ==
	    TIMER_THROTTLED && at == 1000);
}

static void
test_penalty(void)
{
	CHECK(sched_timer_penalty_ms(
	    "Rescheduled, penalized for 30123 ms for flapping") == 30123);
	CHECK(sched_timer_penalty_ms("Rescheduled") == 0);
	CHECK(sched_timer_penalty_ms(NULL) == 0);
	CHECK(sched_timer_penalty_ms(
	    "Rescheduled, penalized for -5 ms for flapping") == 0);
	CHECK(sched_timer_penalty_ms("Killed by UNSECURE") == 0);
}

static void
test_job_excess(void)
{
	int64_t hour = 3600000, now = 10 * hour;
	struct sched_timer_ended e[5];
	char ids[5][2] = { "a", "b", "c", "d", "e" };

	/* Ended at: a 5h ago, b 2h, c 30min (too recent), d 9h, e 20min. */
	static const int64_t ago[5] = { 5, 2, 0, 9, 0 };
	for (size_t i = 0; i < 5; i++) {
		e[i].id = ids[i];
		e[i].last_ms = now - ago[i] * hour - (ago[i] ? 0 : hour / 3);
	}
	/* 5 over a limit of 2: the 3 oldest, all old enough. */
	CHECK(sched_timer_job_excess(e, 5, now, &set) == 3);
	CHECK_STR(e[0].id, "d");
	CHECK_STR(e[1].id, "a");
	CHECK_STR(e[2].id, "b");
	/* At the limit: none. */
	CHECK(sched_timer_job_excess(e + 3, 2, now, &set) == 0);
	{
		struct sched_timer_settings s = set;

		/* Over the limit, but both too recent: none. */
		s.max_per_job = 1;
		CHECK(sched_timer_job_excess(e + 3, 2, now, &s) == 0);
		/* Only the old enough go, however many are over. */
		s.max_per_job = 0;
		CHECK(sched_timer_job_excess(e, 5, now, &s) == 3);
	}
}

int
main(void)
{
	test_due();
	test_penalty();
	test_job_excess();
	return check_done("test_sched_timers");
}
