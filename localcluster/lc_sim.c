/*
 * aurora-local-cluster: simulated tasks (--simulate_agents). Nothing runs:
 * a task is STARTING then RUNNING at once, and stays RUNNING, or with
 * --sim_task_ms ends after that long, FINISHED or, for the fraction
 * --sim_fail_ratio, FAILED. Which ones fail is decided by a counter, not
 * by chance, so a test run is repeatable. A KILL is obeyed at once.
 */
#include "config.h"

#include <math.h>

#include <event2/event.h>

#include "common/log.h"
#include "localcluster/localcluster.h"

static void
sim_end(evutil_socket_t fd, short what, void *arg)
{
	struct lc_task *t = arg;
	double r = lc.conf.sim_fail_ratio;
	bool fail;

	event_free(t->timer);
	t->timer = NULL;
	lc.sim_ended++;
	/* The n-th task fails when the count of failures due steps up. */
	fail = floor((double)lc.sim_ended * r) >
	    floor((double)(lc.sim_ended - 1) * r);
	lc_task_update(t, fail ? MESOS__V1__TASK_STATE__TASK_FAILED :
	    MESOS__V1__TASK_STATE__TASK_FINISHED,
	    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR, -1,
	    fail ? "Command exited with status 1" :
	    "Command exited with status 0");
}

void
lc_sim_start(struct lc_task *t)
{
	struct timeval tv;
	long ms = lc.conf.sim_task_ms;

	lc_task_update(t, MESOS__V1__TASK_STATE__TASK_STARTING,
	    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR, -1, NULL);
	lc_task_update(t, MESOS__V1__TASK_STATE__TASK_RUNNING,
	    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR, -1, NULL);
	if (ms <= 0)
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if ((t->timer = evtimer_new(lc.base, sim_end, t)) == NULL ||
	    evtimer_add(t->timer, &tv) == -1)
		fatalx("simulated task timer");
}

void
lc_sim_kill(struct lc_task *t)
{
	lc_task_update(t, MESOS__V1__TASK_STATE__TASK_KILLED,
	    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR, -1,
	    "Command terminated with signal Terminated");
}
