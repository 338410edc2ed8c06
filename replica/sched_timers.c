/*
 * replica: the leader's task timers (see sched_timers.h).
 *
 * Timers are a min-heap of (time, task id, kind, state) with one libevent
 * timer for the earliest. Nothing cancels a timer: when it is due, the
 * decision reads the task again and does nothing unless it is still in
 * the state the timer was armed for, and for as long as it should have
 * been. Jobs whose history may be too long wait in a set until the next
 * turn of the loop, then are checked in the same round as the due timers.
 */
#include "config.h"

#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "replica/replica_store.h"
#include "replica/sched.h"
#include "replica/sched_state.h"
#include "replica/sched_timers.h"
#include "replica/task_state.h"

/* Aurora's wait before trying again when the scheduler could not act. */
#define RETRY_MS	5000
/* Tasks read per turn of the loop when scanning the store at election. */
#define SCAN_PAGE	5000

struct timer {
	int64_t			 at_ms;
	enum sched_timer_kind	 kind;
	int			 status;	/* the state it was armed in */
	char			*id;	/* a task id; a job's key for JOB_HISTORY */
};

/* What one round acts on: due timers and jobs to check. */
struct batch {
	struct timer		*t;
	size_t			 n;
	int64_t			 now_ms;
};

static struct {
	struct sched_timer_settings set;
	struct event		*ev;		/* the earliest timer, or a job check */
	struct event		*scan_ev;
	int			 leading;
	struct timer		*heap;
	size_t			 n, cap;
	void			*jobs;		/* tsearch set of job keys to check */
	struct timer		*job_list;	/* the same, in order */
	size_t			 njobs, capjobs;
	char			 scan_after[512]; /* the store scan's place */
	int			 scanning;
	/* Aurora's counters, and ours. */
	uint64_t		 timed_out, pruned, unthrottled, rounds;
} tm;

/* Pure parts: what is due when. */

static int64_t
last_event_ms(const ScheduledTask *t)
{
	return t->n_taskevents > 0 ?
	    t->taskevents[t->n_taskevents - 1]->timestamp : 0;
}

static const char *
last_message(const ScheduledTask *t)
{
	return t->n_taskevents > 0 ?
	    t->taskevents[t->n_taskevents - 1]->message : NULL;
}

static int
transient(int status)
{
	switch (status) {
	case SCHEDULE_STATUS__ASSIGNED:
	case SCHEDULE_STATUS__PREEMPTING:
	case SCHEDULE_STATUS__RESTARTING:
	case SCHEDULE_STATUS__KILLING:
	case SCHEDULE_STATUS__SCHEDULE_STATUS_DRAINING:
		return 1;
	default:
		return 0;
	}
}

int64_t
sched_timer_penalty_ms(const char *message)
{
	long long ms;

	if (message != NULL && sscanf(message,
	    "Rescheduled, penalized for %lld ms for flapping", &ms) == 1 &&
	    ms > 0)
		return ms;
	return 0;
}

enum sched_timer_kind
sched_timer_due(const ScheduledTask *t, int64_t now_ms, int elected,
    const struct sched_timer_settings *s, int64_t *at_ms)
{
	int64_t last = last_event_ms(t), prune;

	if (!t->has_status)
		return TIMER_NONE;
	if (transient(t->status)) {
		/* Aurora arms it when it sees the state, at election too. */
		*at_ms = (elected ? now_ms : last) + s->transient_timeout_ms;
		return TIMER_TRANSIENT;
	}
	if (t->status == SCHEDULE_STATUS__THROTTLED) {
		*at_ms = last + sched_timer_penalty_ms(last_message(t));
		return TIMER_THROTTLED;
	}
	if (task_status_terminal(t->status)) {
		/* Aurora: the threshold from its end, less what passed, but
		 * at least the minimum retention from now. */
		prune = (elected ? last : now_ms) + s->prune_threshold_ms;
		if (prune < now_ms + s->min_retention_ms)
			prune = now_ms + s->min_retention_ms;
		*at_ms = prune;
		return TIMER_PRUNE;
	}
	return TIMER_NONE;
}

static int
by_last_event(const void *a, const void *b)
{
	int64_t x = ((const struct sched_timer_ended *)a)->last_ms;
	int64_t y = ((const struct sched_timer_ended *)b)->last_ms;

	return x < y ? -1 : x > y;
}

size_t
sched_timer_job_excess(struct sched_timer_ended *ended, size_t n,
    int64_t now_ms, const struct sched_timer_settings *s)
{
	size_t excess, k = 0;

	if (s->max_per_job < 0 || n <= (size_t)s->max_per_job)
		return 0;
	excess = n - (size_t)s->max_per_job;
	qsort(ended, n, sizeof(*ended), by_last_event);
	while (k < excess && ended[k].last_ms <= now_ms - s->min_retention_ms)
		k++;
	return k;
}

/* The heap. */

static void
swap(size_t i, size_t j)
{
	struct timer x = tm.heap[i];

	tm.heap[i] = tm.heap[j];
	tm.heap[j] = x;
}

static int
push(int64_t at_ms, enum sched_timer_kind kind, int status, const char *id)
{
	struct timer *grown;
	size_t i;

	if (tm.n == tm.cap) {
		size_t cap = tm.cap ? tm.cap * 2 : 256;

		if ((grown = realloc(tm.heap, cap * sizeof(*grown))) == NULL)
			return -1;
		tm.heap = grown;
		tm.cap = cap;
	}
	if ((tm.heap[tm.n].id = strdup(id)) == NULL)
		return -1;
	tm.heap[tm.n].at_ms = at_ms;
	tm.heap[tm.n].kind = kind;
	tm.heap[tm.n].status = status;
	for (i = tm.n++; i > 0 && tm.heap[(i - 1) / 2].at_ms > tm.heap[i].at_ms;
	    i = (i - 1) / 2)
		swap(i, (i - 1) / 2);
	return 0;
}

/* Takes the earliest timer out; its id is the caller's. */
static struct timer
pop(void)
{
	struct timer top = tm.heap[0];
	size_t i = 0, l, m;

	tm.heap[0] = tm.heap[--tm.n];
	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < tm.n && tm.heap[l].at_ms < tm.heap[m].at_ms)
			m = l;
		if (l + 1 < tm.n && tm.heap[l + 1].at_ms < tm.heap[m].at_ms)
			m = l + 1;
		if (m == i)
			break;
		swap(i, m);
		i = m;
	}
	return top;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
noop_free(void *p)
{
	(void)p;
}

static void
drop_all(void)
{
	for (size_t i = 0; i < tm.n; i++)
		free(tm.heap[i].id);
	tm.n = 0;
	tdestroy(tm.jobs, noop_free);
	tm.jobs = NULL;
	for (size_t i = 0; i < tm.njobs; i++)
		free(tm.job_list[i].id);
	tm.njobs = 0;
	tm.scanning = 0;
	evtimer_del(tm.ev);
}

/* Sets the libevent timer for the earliest thing to do. */
static void
rearm(void)
{
	const struct sched_settings *ss = sched_state_settings();
	struct timeval tv = { 0, 0 };
	int64_t wait;

	if (!tm.leading)
		return;
	if (tm.njobs == 0) {
		if (tm.n == 0) {
			evtimer_del(tm.ev);
			return;
		}
		wait = tm.heap[0].at_ms - ss->now_ms();
		if (wait > 0) {
			tv.tv_sec = (time_t)(wait / 1000);
			tv.tv_usec = (suseconds_t)(wait % 1000 * 1000);
		}
	}
	evtimer_add(tm.ev, &tv);
}

static void
arm_task(const ScheduledTask *t, int elected)
{
	const struct sched_settings *ss = sched_state_settings();
	enum sched_timer_kind kind;
	int64_t at;

	if (t->assignedtask == NULL || t->assignedtask->taskid == NULL)
		return;
	kind = sched_timer_due(t, ss->now_ms(), elected, &tm.set, &at);
	if (kind == TIMER_NONE)
		return;
	if (push(at, kind, t->status, t->assignedtask->taskid) == -1)
		log_warnx("timers: out of memory; task %s keeps its state "
		    "until the next election", t->assignedtask->taskid);
}

/* A job whose terminated tasks may be more than it keeps. */
static void
check_job(const JobKey *job)
{
	char key[512];
	struct timer *grown;
	char *copy;
	void *found;

	if (job == NULL || !sched_job_key_complete(job))
		return;
	store_job_key(job, key, sizeof(key));
	if (tfind(key, &tm.jobs, cmp_str) != NULL)
		return;
	if (tm.njobs == tm.capjobs) {
		size_t cap = tm.capjobs ? tm.capjobs * 2 : 64;

		if ((grown = realloc(tm.job_list, cap * sizeof(*grown))) ==
		    NULL)
			return;
		tm.job_list = grown;
		tm.capjobs = cap;
	}
	if ((copy = strdup(key)) == NULL)
		return;
	if ((found = tsearch(copy, &tm.jobs, cmp_str)) == NULL) {
		free(copy);
		return;
	}
	memset(&tm.job_list[tm.njobs], 0, sizeof(tm.job_list[0]));
	tm.job_list[tm.njobs].kind = TIMER_JOB_HISTORY;
	tm.job_list[tm.njobs++].id = copy;
}

static void
saw_task(const ScheduledTask *t, int elected)
{
	arm_task(t, elected);
	if (t->has_status && task_status_terminal(t->status) &&
	    t->assignedtask != NULL && t->assignedtask->task != NULL)
		check_job(t->assignedtask->task->job);
}

void
sched_timers_applied(const Transaction *tx)
{
	if (!tm.leading || tx == NULL)
		return;
	for (size_t i = 0; i < tx->n_ops; i++) {
		const Op *op = tx->ops[i];

		if (op->kind_case != OP__KIND_SAVE_TASKS ||
		    op->savetasks == NULL)
			continue;
		for (size_t j = 0; j < op->savetasks->n_tasks; j++)
			saw_task(op->savetasks->tasks[j], 0);
	}
	rearm();
}

/* The decisions. */

static int
act_on_task(struct sched_tx *tx, const struct timer *t, int64_t now,
    char *err, size_t errlen)
{
	const ScheduledTask *task;
	enum task_result res;
	int failed = 0;

	task = (const ScheduledTask *)sched_tx_get(tx, STORE_TASKS, t->id,
	    &failed);
	if (failed) {
		snprintf(err, errlen, "cannot read task %s", t->id);
		return -1;
	}
	if (task == NULL || !task->has_status)
		return 0;
	switch (t->kind) {
	case TIMER_TRANSIENT:
		if ((int)task->status != t->status || last_event_ms(task) +
		    tm.set.transient_timeout_ms > now)
			return 0;
		if (sched_change_state(tx, t->id, t->status,
		    SCHEDULE_STATUS__LOST, "Task timed out", &res, err,
		    errlen) == -1)
			return -1;
		if (res == TASK_SUCCESS) {
			log_info("Timeout reached for task %s", t->id);
			tm.timed_out++;
		}
		return 0;
	case TIMER_THROTTLED:
		if (task->status != SCHEDULE_STATUS__THROTTLED ||
		    last_event_ms(task) + sched_timer_penalty_ms(
		    last_message(task)) > now)
			return 0;
		if (sched_change_state(tx, t->id, SCHEDULE_STATUS__THROTTLED,
		    SCHEDULE_STATUS__PENDING, NULL, &res, err, errlen) == -1)
			return -1;
		if (res == TASK_SUCCESS)
			tm.unthrottled++;
		return 0;
	case TIMER_PRUNE:
		if (!task_status_terminal(task->status))
			return 0;
		log_info("Pruning expired inactive task %s", t->id);
		if (sched_delete_tasks(tx, (const char *const *)&t->id, 1, err,
		    errlen) == -1)
			return -1;
		tm.pruned++;
		return 0;
	default:
		return 0;
	}
}

/* A job's terminated tasks, copied out of the scan. */
struct job_history {
	const char		*key;
	struct sched_timer_ended *ended;
	size_t			 n, cap;
};

static void
job_history_free(struct job_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->ended[i].id);
	free(h->ended);
}

static int
add_terminated(void *arg, const char *id, const ProtobufCMessage *m)
{
	struct job_history *h = arg;
	const ScheduledTask *t = (const ScheduledTask *)m;
	char key[512];

	if (!t->has_status || !task_status_terminal(t->status) ||
	    t->assignedtask == NULL || t->assignedtask->task == NULL ||
	    t->assignedtask->task->job == NULL)
		return 0;
	store_job_key(t->assignedtask->task->job, key, sizeof(key));
	if (strcmp(key, h->key) != 0)
		return 0;	/* another job with the same id prefix */
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 128;
		struct sched_timer_ended *grown = realloc(h->ended,
		    cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		h->ended = grown;
		h->cap = cap;
	}
	if ((h->ended[h->n].id = strdup(id)) == NULL)
		return -1;
	h->ended[h->n++].last_ms = last_event_ms(t);
	return 0;
}

/* Aurora's per-job goal: deletes the oldest terminated tasks over it. */
static int
act_on_job(struct sched_tx *tx, const char *key, int64_t now, char *err,
    size_t errlen)
{
	struct job_history h = { .key = key };
	JobKey job = JOB_KEY__INIT;
	char parts[512], prefix[512];
	const char **ids = NULL;
	size_t excess, i;
	int rc = 0;

	/* "role/env/name" (valid keys have no other '/') -> its ids' prefix. */
	snprintf(parts, sizeof(parts), "%s", key);
	job.role = parts;
	if ((job.environment = strchr(job.role, '/')) == NULL ||
	    (job.name = strchr(++job.environment, '/')) == NULL)
		return 0;
	job.environment[-1] = job.name[0] = '\0';
	job.name++;
	sched_job_task_prefix(&job, prefix, sizeof(prefix));
	if (sched_tx_scan(tx, STORE_TASKS, prefix, add_terminated, &h, err,
	    errlen) == -1) {
		job_history_free(&h);
		return -1;
	}
	excess = sched_timer_job_excess(h.ended, h.n, now, &tm.set);
	if (excess > 0 && (ids = calloc(excess, sizeof(*ids))) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	for (i = 0; rc == 0 && i < excess; i++)
		ids[i] = h.ended[i].id;
	if (rc == 0 && excess > 0) {
		log_info("Pruning %zu inactive task%s of %s over "
		    "-history_max_per_job_threshold", excess,
		    excess == 1 ? "" : "s", key);
		if (sched_delete_tasks(tx, ids, excess, err, errlen) == -1)
			rc = -1;
		else
			tm.pruned += excess;
	}
	free(ids);
	job_history_free(&h);
	return rc;
}

static int
decide(struct sched_tx *tx, void *arg)
{
	struct batch *b = arg;
	char err[512];

	for (size_t i = 0; i < b->n; i++) {
		const struct timer *t = &b->t[i];
		int rc = t->kind == TIMER_JOB_HISTORY ?
		    act_on_job(tx, t->id, b->now_ms, err, sizeof(err)) :
		    act_on_task(tx, t, b->now_ms, err, sizeof(err));

		if (rc == -1) {
			log_warnx("timers: %s; trying again in %d ms", err,
			    RETRY_MS);
			return -1;
		}
	}
	return 0;
}

static void
batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->t[i].id);
	free(b->t);
	free(b);
}

static void
decided(void *arg, enum sched_outcome o, const char *why)
{
	struct batch *b = arg;

	switch (o) {
	case SCHED_COMMITTED:
	case SCHED_UNCHANGED:
	case SCHED_NOT_LEADING:
		break;
	default:
		/* Not done: the same again a little later. */
		if (!tm.leading)
			break;
		log_warnx("timers: a round failed (%s); trying again in %d ms",
		    why != NULL ? why : "refused", RETRY_MS);
		for (size_t i = 0; i < b->n; i++)
			if (push(b->now_ms + RETRY_MS, b->t[i].kind,
			    b->t[i].status, b->t[i].id) == -1)
				log_warnx("timers: out of memory; %s waits "
				    "for the next election", b->t[i].id);
		rearm();
		break;
	}
	batch_free(b);
}

/* Due timers and the jobs to check go to the scheduler core as one decision. */
static void
fire(evutil_socket_t fd, short what, void *arg)
{
	struct timeval retry = { RETRY_MS / 1000, 0 };
	int64_t now = sched_state_settings()->now_ms();
	struct timer *grown;
	struct batch *b;
	size_t cap;

	(void)fd;
	(void)what;
	(void)arg;
	if (!tm.leading)
		return;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		goto no_memory;
	/* The jobs to check start the batch (their id is the job's key)... */
	b->t = tm.job_list;
	b->n = tm.njobs;
	cap = tm.capjobs;
	tm.job_list = NULL;
	tm.njobs = tm.capjobs = 0;
	tdestroy(tm.jobs, noop_free);	/* the batch has the keys now */
	tm.jobs = NULL;
	/* ...then every due timer, earliest first. */
	while (tm.n > 0 && tm.heap[0].at_ms <= now) {
		if (b->n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((grown = realloc(b->t, cap * sizeof(*grown))) ==
			    NULL)
				break;	/* the rest stay due */
			b->t = grown;
		}
		b->t[b->n++] = pop();
	}
	b->now_ms = now;
	if (b->n == 0) {
		batch_free(b);
		if (tm.n > 0 && tm.heap[0].at_ms <= now)
			goto no_memory;	/* due, but no room to take it */
		rearm();
		return;
	}
	rearm();
	tm.rounds++;
	sched_submit(decide, decided, b);
	return;
no_memory:
	log_warnx("timers: out of memory; trying again in %d ms", RETRY_MS);
	evtimer_add(tm.ev, &retry);
}

/* Election: every task in the store, a page per turn of the loop. */

static int
scan_one(void *arg, const char *key, size_t keylen, const void *value,
    size_t len)
{
	ScheduledTask *t;

	(void)arg;
	(void)keylen;
	snprintf(tm.scan_after, sizeof(tm.scan_after), "%s", key);
	if ((t = scheduled_task__unpack(NULL, len, value)) == NULL) {
		log_warnx("timers: task %s does not unpack; it has no timer",
		    key);
		return 0;
	}
	saw_task(t, 1);
	scheduled_task__free_unpacked(t, NULL);
	return 0;
}

static void
scan_page(evutil_socket_t fd, short what, void *arg)
{
	char err[512], after[sizeof(tm.scan_after)];
	int more = 0;

	(void)fd;
	(void)what;
	(void)arg;
	if (!tm.leading || !tm.scanning)
		return;
	memcpy(after, tm.scan_after, sizeof(after));
	if (store_scan(replica_store_handle(), STORE_TASKS, "", after, SCAN_PAGE, scan_one,
	    NULL, &more, err, sizeof(err)) == -1) {
		struct timeval retry = { RETRY_MS / 1000, 0 };

		log_warnx("timers: cannot scan the tasks: %s; trying again in "
		    "%d ms", err, RETRY_MS);
		evtimer_add(tm.scan_ev, &retry);
		return;
	}
	if (more) {
		event_active(tm.scan_ev, 0, 0);
		return;
	}
	tm.scanning = 0;
	log_info("timers: %zu task timer%s armed at election", tm.n,
	    tm.n == 1 ? "" : "s");
	rearm();
}

void
sched_timers_leading(int leading)
{
	if (leading == tm.leading)
		return;
	tm.leading = leading;
	drop_all();
	evtimer_del(tm.scan_ev);
	if (!leading)
		return;
	tm.scan_after[0] = '\0';
	tm.scanning = 1;
	event_active(tm.scan_ev, 0, 0);
}

int
sched_timers_init(struct event_base *base,
    const struct sched_timer_settings *set)
{
	tm.set = *set;
	if ((tm.ev = evtimer_new(base, fire, NULL)) == NULL ||
	    (tm.scan_ev = evtimer_new(base, scan_page, NULL)) == NULL)
		return -1;
	return 0;
}

void
sched_timers_vars(struct ipc_vars *v)
{
	ipc_vars_int(v, "timed_out_tasks", (int64_t)tm.timed_out);
	ipc_vars_int(v, "tasks_pruned", (int64_t)tm.pruned);
	ipc_vars_int(v, "scheduler_timers_armed", (int64_t)tm.n);
	ipc_vars_int(v, "scheduler_timers_unthrottled", (int64_t)tm.unthrottled);
	ipc_vars_int(v, "scheduler_timers_rounds", (int64_t)tm.rounds);
}
