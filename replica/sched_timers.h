/*
 * replica: what the leader does to tasks when time passes, as Aurora's
 * TaskTimeout, TaskThrottler and TaskHistoryPruner do:
 *
 * - a task still in a transient state (ASSIGNED, PREEMPTING, RESTARTING,
 *   KILLING, DRAINING) -transient_task_state_timeout after entering it
 *   goes LOST with "Task timed out";
 * - a THROTTLED task goes PENDING once its flapping penalty (the one its
 *   event announced) has passed;
 * - a terminated task is deleted -history_prune_threshold after it ended
 *   (never sooner than -history_min_retention_threshold after this
 *   leader was elected), and a job keeps at most
 *   -history_max_per_job_threshold terminated tasks older than the
 *   minimum retention.
 *
 * Timers are armed from every task the store applies while this replica
 * leads, and from a scan of the store when it is elected. When one is
 * due, the change is a decision in the scheduler core's rounds, made only
 * if the task is still as it was (Aurora's compare-and-set).
 */
#ifndef REPLICA_SCHED_TIMERS_H
#define REPLICA_SCHED_TIMERS_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "ipc/api.pb-c.h"
#include "ipc/ipc_vars.h"
#include "ipc/storage.pb-c.h"

struct sched_timer_settings {
	int64_t	transient_timeout_ms;	/* -transient_task_state_timeout */
	int64_t	prune_threshold_ms;	/* -history_prune_threshold */
	int64_t	min_retention_ms;	/* -history_min_retention_threshold */
	int64_t	max_per_job;		/* -history_max_per_job_threshold */
};

enum sched_timer_kind {
	TIMER_NONE,
	TIMER_TRANSIENT,	/* -> LOST "Task timed out" */
	TIMER_THROTTLED,	/* -> PENDING */
	TIMER_PRUNE,		/* -> deleted */
	TIMER_JOB_HISTORY,	/* a job's oldest terminated tasks -> deleted */
};

/*
 * When something is due for task, seen at now_ms; elected: seen in the
 * store at this leader's election rather than as it was saved. Returns
 * the kind (TIMER_NONE: nothing) with the time in *at_ms.
 */
enum sched_timer_kind sched_timer_due(const ScheduledTask *, int64_t now_ms,
	    int elected, const struct sched_timer_settings *, int64_t *at_ms);
/* The flapping penalty a THROTTLED event's message announced; 0: none. */
int64_t	 sched_timer_penalty_ms(const char *message);
/* A terminated task of a job, for the per-job history limit. */
struct sched_timer_ended {
	int64_t	 last_ms;	/* its last event */
	char	*id;
};
/*
 * Which of a job's terminated tasks to delete so that at most max_per_job
 * remain: the oldest by their last event, only those older than
 * min_retention. Sorts them (oldest first); returns how many of the first
 * ones to delete.
 */
size_t	 sched_timer_job_excess(struct sched_timer_ended *, size_t n,
	    int64_t now_ms, const struct sched_timer_settings *);

int	 sched_timers_init(struct event_base *,
	    const struct sched_timer_settings *);
/* The log became writable here (1: scan the store) or stopped (0: drop all). */
void	 sched_timers_leading(int leading);
/* A transaction the store applied: its saved tasks may need a timer. */
void	 sched_timers_applied(const Transaction *);
void	 sched_timers_vars(struct ipc_vars *);

#endif
