/*
 * replica: finding tasks for the API (see api_tasks.h). A query naming
 * jobs or task ids reads only those (task ids start with their job's
 * role-env-name-); any other reads the whole table, or the role's part.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replica/api_tasks.h"
#include "replica/sched_state.h"
#include "replica/task_state.h"

int
api_blank(const char *s)
{
	if (s == NULL)
		return 1;
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

static int
eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

size_t
api_active_statuses(ScheduleStatus out[API_MAX_STATUSES])
{
	size_t n = 0;

	for (size_t i = 0; i < task_nstatuses; i++)
		if (task_status_active(task_statuses[i]))
			out[n++] = (ScheduleStatus)task_statuses[i];
	return n;
}

int
api_task_matches(const TaskQuery *q, const ScheduledTask *t)
{
	const AssignedTask *a = t->assignedtask;
	const JobKey *job = a != NULL && a->task != NULL ? a->task->job : NULL;
	size_t i;
	int hit;

	if (a == NULL || job == NULL)
		return 0;
	if (!api_blank(q->role) && !eq(q->role, job->role))
		return 0;
	if (q->environment != NULL && !eq(q->environment, job->environment))
		return 0;
	if (q->jobname != NULL && !eq(q->jobname, job->name))
		return 0;
	if (q->n_jobkeys > 0) {
		for (hit = 0, i = 0; i < q->n_jobkeys && !hit; i++)
			hit = sched_same_job(q->jobkeys[i], job);
		if (!hit)
			return 0;
	}
	if (q->n_taskids > 0) {
		for (hit = 0, i = 0; i < q->n_taskids && !hit; i++)
			hit = eq(q->taskids[i], a->taskid);
		if (!hit)
			return 0;
	}
	if (q->n_statuses > 0) {
		for (hit = 0, i = 0; i < q->n_statuses && !hit; i++)
			hit = (int)q->statuses[i] == (int)t->status;
		if (!hit)
			return 0;
	}
	if (q->n_slavehosts > 0) {
		for (hit = 0, i = 0; i < q->n_slavehosts && !hit; i++)
			hit = eq(q->slavehosts[i], a->slavehost);
		if (!hit)
			return 0;
	}
	if (q->n_instanceids > 0) {
		for (hit = 0, i = 0; i < q->n_instanceids && !hit; i++)
			hit = q->instanceids[i] == a->instanceid;
		if (!hit)
			return 0;
	}
	return 1;
}

void
task_list_free(struct task_list *l)
{
	arena_free(l->arena);
	free(l->t);
	memset(l, 0, sizeof(*l));
}

struct fetch {
	const TaskQuery	*q;
	struct task_list *l;
	int		 failed;
};

static int
add(struct fetch *f, ScheduledTask *t)
{
	struct task_list *l = f->l;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		ScheduledTask **n = realloc(l->t, cap * sizeof(*n));

		if (n == NULL) {
			f->failed = 1;
			return -1;
		}
		l->t = n;
		l->cap = cap;
	}
	l->t[l->n++] = t;
	return 0;
}

static int
fetch_record(void *arg, const char *key, size_t keylen, const void *value,
    size_t len)
{
	struct fetch *f = arg;
	struct arena_mark before = arena_mark(f->l->arena);
	ScheduledTask *t;

	(void)key;
	(void)keylen;
	/* One arena for the list: no allocation is freed one by one. */
	t = scheduled_task__unpack(arena_allocator(f->l->arena), len, value);
	if (t == NULL) {
		f->failed = 1;
		return -1;
	}
	if (!api_task_matches(f->q, t) || add(f, t) == -1)
		arena_rollback(f->l->arena, before);
	return f->failed ? -1 : 0;
}

/* The key prefixes to scan: a job's, a role's, or everything. */
static int
scan_prefixes(const TaskQuery *q, char (**prefixes)[512], size_t *n)
{
	JobKey k = JOB_KEY__INIT;
	size_t i;

	*n = 0;
	if (q->n_jobkeys > 0) {
		if ((*prefixes = calloc(q->n_jobkeys, sizeof(**prefixes))) ==
		    NULL)
			return -1;
		for (i = 0; i < q->n_jobkeys; i++)
			if (sched_job_key_complete(q->jobkeys[i]))
				sched_job_task_prefix(q->jobkeys[i],
				    (*prefixes)[(*n)++], sizeof(**prefixes));
		return 0;
	}
	if ((*prefixes = calloc(1, sizeof(**prefixes))) == NULL)
		return -1;
	if (!api_blank(q->role) && q->environment != NULL && q->jobname != NULL) {
		k.role = q->role;
		k.environment = q->environment;
		k.name = q->jobname;
		sched_job_task_prefix(&k, (*prefixes)[0], sizeof(**prefixes));
	} else if (!api_blank(q->role))
		sched_role_task_prefix(q->role, (*prefixes)[0],
		    sizeof(**prefixes));
	*n = 1;
	return 0;
}

static int
by_task_id(const void *a, const void *b)
{
	const ScheduledTask *x = *(ScheduledTask *const *)a;
	const ScheduledTask *y = *(ScheduledTask *const *)b;

	return strcmp(x->assignedtask->taskid, y->assignedtask->taskid);
}

int
api_tasks_fetch(struct store *s, const TaskQuery *q, struct task_list *l,
    char *err, size_t errlen)
{
	struct fetch f = { q, l, 0 };
	char (*prefixes)[512] = NULL;
	size_t n, i;
	int more;

	memset(l, 0, sizeof(*l));
	if ((l->arena = arena_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (q->n_taskids > 0) {
		for (i = 0; i < q->n_taskids; i++) {
			void *data;
			size_t len;
			int rc = store_get(s, STORE_TASKS, q->taskids[i], &data,
			    &len, err, errlen);

			if (rc == -1)
				goto fail;
			if (rc == 1) {
				(void)fetch_record(&f, q->taskids[i], 0, data,
				    len);
				free(data);
			}
			if (f.failed)
				goto corrupt;
		}
		goto out;
	}
	if (scan_prefixes(q, &prefixes, &n) == -1)
		goto corrupt;
	for (i = 0; i < n; i++) {
		/* Two job keys may share a prefix: scan it once. */
		if (i > 0 && strcmp(prefixes[i], prefixes[i - 1]) == 0)
			continue;
		if (store_scan(s, STORE_TASKS, prefixes[i], "", SIZE_MAX,
		    fetch_record, &f, &more, err, errlen) == -1)
			goto fail;
		if (f.failed)
			goto corrupt;
	}
out:
	free(prefixes);
	/* Several prefixes or ids: one order for all. */
	if (l->n > 1)
		qsort(l->t, l->n, sizeof(*l->t), by_task_id);
	for (i = 1; i < l->n; i++)
		if (strcmp(l->t[i]->assignedtask->taskid,
		    l->t[i - 1]->assignedtask->taskid) == 0) {
			/* The same id asked twice (its copy stays in the arena). */
			memmove(l->t + i, l->t + i + 1, (l->n - i - 1) *
			    sizeof(*l->t));
			l->n--;
			i--;
		}
	return 0;
corrupt:
	snprintf(err, errlen, "a task in the store cannot be read");
fail:
	free(prefixes);
	task_list_free(l);
	return -1;
}

struct ids {
	const TaskQuery	*q;
	char		**ids;
	size_t		  n, cap;
	int		  failed;
};

static int
collect_id(void *arg, const char *key, const ProtobufCMessage *msg)
{
	struct ids *c = arg;

	if (!api_task_matches(c->q, (const ScheduledTask *)msg))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		char **n = realloc(c->ids, cap * sizeof(*n));

		if (n == NULL) {
			c->failed = 1;
			return -1;
		}
		c->ids = n;
		c->cap = cap;
	}
	if ((c->ids[c->n] = strdup(key)) == NULL) {
		c->failed = 1;
		return -1;
	}
	c->n++;
	return 0;
}

int
api_tx_task_ids(struct sched_tx *tx, const TaskQuery *q, char ***ids,
    size_t *n, char *err, size_t errlen)
{
	struct ids c = { .q = q };
	char (*prefixes)[512] = NULL;
	size_t np, i;

	if (scan_prefixes(q, &prefixes, &np) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < np && !c.failed; i++) {
		if (i > 0 && strcmp(prefixes[i], prefixes[i - 1]) == 0)
			continue;
		if (sched_tx_scan(tx, STORE_TASKS, prefixes[i], collect_id, &c,
		    err, errlen) == -1) {
			free(prefixes);
			api_task_ids_free(c.ids, c.n);
			return -1;
		}
	}
	free(prefixes);
	if (c.failed) {
		api_task_ids_free(c.ids, c.n);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*ids = c.ids;
	*n = c.n;
	return 0;
}

void
api_task_ids_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

void
api_job_query(struct job_query *jq, const JobKey *job,
    const int32_t *instances, size_t ninstances)
{
	task_query__init(&jq->q);
	job_key__init(&jq->key);
	jq->key.role = job->role;
	jq->key.environment = job->environment;
	jq->key.name = job->name;
	jq->keys[0] = &jq->key;
	jq->q.jobkeys = jq->keys;
	jq->q.n_jobkeys = 1;
	jq->q.instanceids = (int32_t *)(uintptr_t)instances;
	jq->q.n_instanceids = ninstances;
}

void
api_task_store_vars(struct store *s, struct ipc_vars *v)
{
	int64_t counts[STORE_STATUS_SLOTS];
	char name[64], err[256];

	if (s == NULL || store_task_counts(s, counts, STORE_STATUS_SLOTS, err,
	    sizeof(err)) == -1)
		return;
	for (size_t i = 0; i < task_nstatuses; i++) {
		snprintf(name, sizeof(name), "task_store_%s",
		    task_status_name(task_statuses[i]));
		ipc_vars_int(v, name, task_statuses[i] < STORE_STATUS_SLOTS ?
		    counts[task_statuses[i]] : 0);
	}
}
