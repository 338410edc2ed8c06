/*
 * replica: Aurora's task state machine as a table (see task_state.h).
 * Aurora's machine runs a callback per "from" state on every attempted
 * change, legal or not, then saves the task on every legal change except
 * into DELETED and the PENDING/THROTTLED -> KILLING shortcut (which
 * deletes instead). The switch below keeps that shape: one case per
 * "from" state, the legal targets next to their side effects.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "replica/task_state.h"

#define PENDING		SCHEDULE_STATUS__PENDING
#define STARTING	SCHEDULE_STATUS__STARTING
#define RUNNING		SCHEDULE_STATUS__RUNNING
#define FINISHED	SCHEDULE_STATUS__FINISHED
#define FAILED		SCHEDULE_STATUS__SCHEDULE_STATUS_FAILED
#define KILLED		SCHEDULE_STATUS__KILLED
#define KILLING		SCHEDULE_STATUS__KILLING
#define LOST		SCHEDULE_STATUS__LOST
#define ASSIGNED	SCHEDULE_STATUS__ASSIGNED
#define INIT		SCHEDULE_STATUS__INIT
#define RESTARTING	SCHEDULE_STATUS__RESTARTING
#define PREEMPTING	SCHEDULE_STATUS__PREEMPTING
#define THROTTLED	SCHEDULE_STATUS__THROTTLED
#define DRAINING	SCHEDULE_STATUS__SCHEDULE_STATUS_DRAINING
#define PARTITIONED	SCHEDULE_STATUS__PARTITIONED
#define DELETED		TASK_DELETED

#define BIT(s)		(1ull << ((s) == DELETED ? 63 : (s)))

/* Legal targets per state, Aurora's table. */
static unsigned long long
legal_targets(int from)
{
	switch (from) {
	case INIT:
		return BIT(PENDING) | BIT(THROTTLED);
	case PENDING:
		return BIT(ASSIGNED) | BIT(KILLING);
	case THROTTLED:
		return BIT(PENDING) | BIT(KILLING);
	case PARTITIONED:
		return BIT(LOST) | BIT(FAILED) | BIT(FINISHED) | BIT(RUNNING) |
		    BIT(ASSIGNED) | BIT(STARTING) | BIT(RESTARTING) |
		    BIT(DRAINING) | BIT(PREEMPTING) | BIT(KILLING);
	case ASSIGNED:
		return BIT(STARTING) | BIT(RUNNING) | BIT(FINISHED) |
		    BIT(FAILED) | BIT(RESTARTING) | BIT(DRAINING) |
		    BIT(KILLED) | BIT(KILLING) | BIT(LOST) | BIT(PREEMPTING);
	case STARTING:
		return BIT(RUNNING) | BIT(FINISHED) | BIT(FAILED) |
		    BIT(RESTARTING) | BIT(DRAINING) | BIT(KILLING) |
		    BIT(KILLED) | BIT(LOST) | BIT(PREEMPTING) |
		    BIT(PARTITIONED);
	case RUNNING:
		return BIT(FINISHED) | BIT(RESTARTING) | BIT(DRAINING) |
		    BIT(FAILED) | BIT(KILLING) | BIT(KILLED) | BIT(LOST) |
		    BIT(PREEMPTING) | BIT(PARTITIONED);
	case PREEMPTING:
	case RESTARTING:
	case DRAINING:
		return BIT(FINISHED) | BIT(FAILED) | BIT(KILLING) |
		    BIT(KILLED) | BIT(LOST) | BIT(PARTITIONED);
	case FINISHED:
	case FAILED:
	case KILLED:
	case LOST:
		return BIT(DELETED);
	case KILLING:
		return BIT(FINISHED) | BIT(FAILED) | BIT(KILLED) | BIT(LOST) |
		    BIT(DELETED) | BIT(PARTITIONED);
	default:	/* DELETED: nothing */
		return 0;
	}
}

int
task_state_legal(int from, int to)
{
	if (task_status_name(from) == NULL || task_status_name(to) == NULL)
		return 0;
	return (legal_targets(from) & BIT(to)) != 0;
}

/* A failure counts; a service, or a batch task below its limit, returns. */
static unsigned
failed(const struct task_facts *f)
{
	if (f->is_service || f->max_task_failures == -1 ||
	    f->failure_count < f->max_task_failures - 1)
		return TASK_INCREMENT_FAILURES | TASK_RESCHEDULE;
	return TASK_INCREMENT_FAILURES;
}

/* Finished services run again; finished batch tasks are done. */
static unsigned
finished(const struct task_facts *f)
{
	return f->is_service ? TASK_RESCHEDULE : 0;
}

/* ASSIGNED, STARTING and RUNNING differ only in LOST's kill. */
static unsigned
from_live(int from, int to, const struct task_facts *f)
{
	switch (to) {
	case FINISHED:
		return finished(f);
	case FAILED:
		return failed(f);
	case PREEMPTING:
	case RESTARTING:
	case DRAINING:
	case KILLING:
		return TASK_KILL;
	case KILLED:
		return TASK_RESCHEDULE;
	case LOST:
		return from == ASSIGNED ? TASK_RESCHEDULE | TASK_KILL :
		    TASK_RESCHEDULE;
	default:
		return 0;
	}
}

/* PREEMPTING, RESTARTING and DRAINING: the scheduler asked for a kill. */
static unsigned
from_restarting(int to)
{
	switch (to) {
	case ASSIGNED:
	case STARTING:
	case RUNNING:
		return TASK_KILL;
	case PARTITIONED:
		/* Partitioned during an operator's action: lost at once. */
		return TASK_TRANSITION_TO_LOST;
	case LOST:
		return TASK_KILL | TASK_RESCHEDULE;
	case FINISHED:
	case FAILED:
	case KILLED:
		return TASK_RESCHEDULE;
	default:
		return 0;
	}
}

/* Terminal states, KILLING and DELETED: revivals are killed. */
static unsigned
from_terminated(int from, int to)
{
	unsigned a = 0;

	if (from == KILLING && to == PARTITIONED)
		a |= TASK_TRANSITION_TO_LOST;
	if (to == ASSIGNED || to == STARTING || to == RUNNING)
		a |= TASK_KILL;
	if (to == DELETED)
		a |= TASK_DELETE;
	return a;
}

static unsigned
from_partitioned(int to, const struct task_facts *f)
{
	switch (to) {
	case LOST:
		/* Not if it was being killed: KILLING -> PARTITIONED -> LOST. */
		return f->was_killing ? TASK_KILL : TASK_KILL | TASK_RESCHEDULE;
	case KILLING:
	case RESTARTING:
	case DRAINING:
	case PREEMPTING:
		return TASK_TRANSITION_TO_LOST;
	case FAILED:
		return failed(f);
	default:
		return 0;
	}
}

/* The callback of state from, run on every change tried from it. */
static unsigned
callback(int from, int to, const struct task_facts *f)
{
	switch (from) {
	case PENDING:
	case THROTTLED:
		return to == KILLING ? TASK_DELETE : 0;
	case PARTITIONED:
		return from_partitioned(to, f);
	case ASSIGNED:
	case STARTING:
	case RUNNING:
		return from_live(from, to, f);
	case PREEMPTING:
	case RESTARTING:
	case DRAINING:
		return from_restarting(to);
	case FINISHED:
	case FAILED:
	case KILLED:
	case LOST:
	case KILLING:
	case DELETED:
		return from_terminated(from, to);
	default:	/* INIT */
		return 0;
	}
}

enum task_result
task_state_change(int from, int to, const struct task_facts *f,
    unsigned *actions)
{
	int legal;

	*actions = 0;
	if (from == to)
		return TASK_NOOP;
	*actions = callback(from, to, f);
	legal = task_state_legal(from, to);
	if (!legal)
		return *actions != 0 ? TASK_ILLEGAL_WITH_SIDE_EFFECTS :
		    TASK_ILLEGAL;
	/* Saved, unless deleted (the PENDING -> KILLING shortcut too). */
	if (to != DELETED &&
	    !((from == PENDING || from == THROTTLED) && to == KILLING))
		*actions |= TASK_SAVE_STATE;
	return TASK_SUCCESS;
}

/* api.thrift's order; the last is ours. */
const int task_statuses[] = {
	INIT, THROTTLED, PENDING, ASSIGNED, STARTING, RUNNING, FINISHED,
	PREEMPTING, RESTARTING, DRAINING, FAILED, KILLED, KILLING, LOST,
	PARTITIONED,
};
const size_t task_nstatuses = sizeof(task_statuses) / sizeof(task_statuses[0]);

const char *
task_status_name(int status)
{
	switch (status) {
	case INIT: return "INIT";
	case THROTTLED: return "THROTTLED";
	case PENDING: return "PENDING";
	case ASSIGNED: return "ASSIGNED";
	case STARTING: return "STARTING";
	case RUNNING: return "RUNNING";
	case FINISHED: return "FINISHED";
	case PREEMPTING: return "PREEMPTING";
	case RESTARTING: return "RESTARTING";
	case DRAINING: return "DRAINING";
	case FAILED: return "FAILED";
	case KILLED: return "KILLED";
	case KILLING: return "KILLING";
	case LOST: return "LOST";
	case PARTITIONED: return "PARTITIONED";
	case DELETED: return "DELETED";
	default: return NULL;
	}
}

int
task_status_parse(const char *name)
{
	size_t i;

	for (i = 0; i < task_nstatuses; i++)
		if (strcmp(task_status_name(task_statuses[i]), name) == 0)
			return task_statuses[i];
	return strcmp(name, "DELETED") == 0 ? DELETED : -1;
}

int
task_status_active(int s)
{
	return s == ASSIGNED || s == DRAINING || s == KILLING || s == PENDING ||
	    s == PREEMPTING || s == RESTARTING || s == RUNNING ||
	    s == STARTING || s == PARTITIONED || s == THROTTLED;
}

int
task_status_terminal(int s)
{
	return s == FAILED || s == FINISHED || s == KILLED || s == LOST;
}

int
task_status_on_agent(int s)
{
	return s == ASSIGNED || s == DRAINING || s == KILLING ||
	    s == PREEMPTING || s == RESTARTING || s == RUNNING ||
	    s == PARTITIONED || s == STARTING;
}
