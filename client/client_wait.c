/*
 * client: waiting for a job's instances to reach a state (--wait-until,
 * and kills), by polling getTasksWithoutConfigs every second and printing
 * the task count per state whenever it changes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"

int
client_wait_parse(const char *s, enum client_wait_for *w)
{
	if (strcmp(s, "PENDING") == 0)
		*w = CLIENT_WAIT_PENDING;
	else if (strcmp(s, "RUNNING") == 0)
		*w = CLIENT_WAIT_RUNNING;
	else if (strcmp(s, "FINISHED") == 0)
		*w = CLIENT_WAIT_FINISHED;
	else
		return -1;
	return 0;
}

int
client_wait_opts(const struct client_opt *until,
    const struct client_opt *timeout, enum client_wait_for *w, int *secs)
{
	*w = CLIENT_WAIT_PENDING;
	*secs = 0;
	if (until->set && client_wait_parse(until->value, w) == -1) {
		fprintf(stderr, "argument --wait-until: invalid choice: '%s' "
		    "(choose from 'PENDING', 'RUNNING', 'FINISHED')\n",
		    until->value);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	if (timeout->set && client_opt_int(timeout, "--wait-timeout", secs) !=
	    0)
		return CLIENT_EXIT_INVALID_PARAMETER;
	if (*secs < 0) {
		fprintf(stderr, "argument --wait-timeout: must be 0 (no limit) "
		    "or more\n");
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	return 0;
}

static bool
reached(int status, enum client_wait_for w)
{
	if (w == CLIENT_WAIT_FINISHED)
		return client_status_terminal(status);
	return client_status_live(status) || client_status_terminal(status);
}

/*
 * An instance's state, as Aurora's JobMonitor sees it: that of its task
 * whose first event is the latest.
 */
static int64_t
first_event(const ScheduledTask *t)
{
	return t->n_taskevents > 0 ? t->taskevents[0]->timestamp : 0;
}

static const ScheduledTask *
current(const ScheduleStatusResult *r, int32_t id)
{
	const ScheduledTask *best = NULL;
	size_t i;

	for (i = 0; i < r->n_tasks; i++) {
		const ScheduledTask *t = r->tasks[i];

		if (t->assignedtask == NULL ||
		    t->assignedtask->instanceid != id)
			continue;
		if (best == NULL || first_event(t) > first_event(best))
			best = t;
	}
	return best;
}

static void
summary(const ScheduleStatusResult *r, char *buf, size_t len)
{
	static const int order[] = {
		SCHEDULE_STATUS__INIT, SCHEDULE_STATUS__THROTTLED,
		SCHEDULE_STATUS__PENDING, SCHEDULE_STATUS__ASSIGNED,
		SCHEDULE_STATUS__STARTING, SCHEDULE_STATUS__RUNNING,
		SCHEDULE_STATUS__RESTARTING, SCHEDULE_STATUS__PREEMPTING,
		SCHEDULE_STATUS__SCHEDULE_STATUS_DRAINING,
		SCHEDULE_STATUS__PARTITIONED, SCHEDULE_STATUS__KILLING,
		SCHEDULE_STATUS__FINISHED, SCHEDULE_STATUS__SCHEDULE_STATUS_FAILED,
		SCHEDULE_STATUS__KILLED, SCHEDULE_STATUS__LOST,
	};
	size_t i, j, n, off = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(order) / sizeof(order[0]) && off < len; i++) {
		for (n = j = 0; j < r->n_tasks; j++)
			if ((int)r->tasks[j]->status == order[i])
				n++;
		if (n > 0)
			off += (size_t)snprintf(buf + off, len - off,
			    "%s%s: %zu", off > 0 ? ", " : "",
			    client_status_name(order[i]), n);
	}
	if (off == 0)
		snprintf(buf, len, "no tasks");
}

int
client_wait_until(struct client_ctx *ctx, const struct client_jobkey *k,
    enum client_wait_for w, const int32_t *ids, size_t n, int timeout_secs,
    bool quiet)
{
	char last[512] = "", now[512], key[1024], list[512];
	time_t start = time(NULL);
	Response *resp;
	int code;

	if (w == CLIENT_WAIT_PENDING)
		return 0;
	client_jobkey_str(k, key, sizeof(key));
	for (;;) {
		const ScheduleStatusResult *r;
		bool done = true;
		size_t i;

		if ((code = client_query_tasks_ok(ctx, k, ids, n, false,
		    CLIENT_EXIT_API_ERROR, "Error querying the job's tasks:",
		    &resp)) != 0)
			return code;
		r = resp->result != NULL ? resp->result->schedulestatusresult :
		    NULL;
		/*
		 * As in Aurora, instances without tasks do not count (a
		 * killed PENDING task is deleted): no tasks is done.
		 */
		for (i = 0; r != NULL && i < r->n_tasks && done; i++) {
			const ScheduledTask *t = r->tasks[i];

			if (t->assignedtask == NULL)
				continue;
			if (ids != NULL && !client_ids_contains(ids, n,
			    t->assignedtask->instanceid))
				continue;
			if (current(r, t->assignedtask->instanceid) == t)
				done = reached(t->status, w);
		}
		if (r != NULL)
			summary(r, now, sizeof(now));
		else
			snprintf(now, sizeof(now), "no tasks");
		if (strcmp(now, last) != 0) {
			printf("%s: %s\n", key, now);
			fflush(stdout);
			snprintf(last, sizeof(last), "%s", now);
		}
		client_response_free(resp);
		if (done)
			return 0;
		if (timeout_secs > 0 && time(NULL) - start >= timeout_secs) {
			if (quiet)
				return CLIENT_EXIT_TIMEOUT;
			if (ids != NULL)
				client_instances_str(ids, n, list, sizeof(list));
			fprintf(stderr, "Instances %s of %s did not reach %s "
			    "within %d seconds\n", ids != NULL ? list : "(all)",
			    key, w == CLIENT_WAIT_RUNNING ? "RUNNING" :
			    "FINISHED", timeout_secs);
			return CLIENT_EXIT_TIMEOUT;
		}
		sleep(1);
	}
}
