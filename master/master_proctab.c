/*
 * The process table's decisions, kept free of system calls so that the unit
 * tests can drive them with made-up times and exit statuses: when to restart
 * a worker, how long to wait first, and when to give up.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "common/exitcodes.h"
#include "master/master.h"

void
proctab_started(struct proc_entry *e, pid_t pid, int64_t now_ms)
{
	e->pid = pid;
	e->state = PROC_STARTING;
	e->started_ms = now_ms;
}

void
proctab_describe_exit(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "exited on signal %d", WTERMSIG(status));
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with code %d", WEXITSTATUS(status));
	else
		snprintf(buf, len, "changed state 0x%x", status);
}

const char *
proctab_state_name(enum proc_state s)
{
	switch (s) {
	case PROC_STARTING:
		return "starting";
	case PROC_RUNNING:
		return "running";
	case PROC_BACKOFF:
		return "backoff";
	case PROC_STOPPED:
		return "stopped";
	}
	return "unknown";
}

/* Exits within the window ending now, counting this one. */
static int
recent_exits(struct proc_entry *e, const struct proc_policy *pol,
    int64_t now_ms)
{
	int limit = pol->crash_limit < PROC_MAX_CRASHES ? pol->crash_limit :
	    PROC_MAX_CRASHES;
	int n = 0;

	e->exits[e->nexits++ % PROC_MAX_CRASHES] = now_ms;
	for (int i = 0; i < limit && i < e->nexits; i++) {
		int64_t t = e->exits[(e->nexits - 1 - i) % PROC_MAX_CRASHES];

		if (now_ms - t < pol->crash_window_ms)
			n++;
	}
	return n;
}

enum proc_decision
proctab_exited(struct proc_entry *e, const struct proc_policy *pol,
    int64_t now_ms, int status, int64_t *delay_ms, char *why, size_t whylen)
{
	int64_t uptime = now_ms - e->started_ms;
	int n;

	e->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_CONFIG) {
		e->state = PROC_STOPPED;
		snprintf(why, whylen, "%s has a bad configuration; not "
		    "restarting it", e->name);
		return PROC_NO_RESPAWN;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_ABORT) {
		e->state = PROC_STOPPED;
		snprintf(why, whylen, "%s asked the scheduler to stop; "
		    "stopping it", e->name);
		return PROC_GIVE_UP;
	}
	n = recent_exits(e, pol, now_ms);
	if (n >= pol->crash_limit) {
		e->state = PROC_STOPPED;
		snprintf(why, whylen, "%s died %d times within %lld ms; "
		    "stopping the scheduler", e->name, n,
		    (long long)pol->crash_window_ms);
		return PROC_GIVE_UP;
	}
	/* A worker that stayed up for a whole window starts over. */
	if (e->backoff_ms == 0 || uptime >= pol->crash_window_ms)
		e->backoff_ms = pol->backoff_initial_ms;
	else if (e->backoff_ms < pol->backoff_max_ms)
		e->backoff_ms = e->backoff_ms * 2 < pol->backoff_max_ms ?
		    e->backoff_ms * 2 : pol->backoff_max_ms;
	e->state = PROC_BACKOFF;
	e->restarts++;
	*delay_ms = e->backoff_ms;
	snprintf(why, whylen, "restarting %s in %lld ms", e->name,
	    (long long)e->backoff_ms);
	return PROC_RESPAWN;
}
