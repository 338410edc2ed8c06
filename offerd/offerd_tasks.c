/*
 * offerd: the store's tasks as offerd needs them, kept in a table by
 * task id: every task's state and where it runs, and a PENDING task whole
 * (to place it). Filled by paging through replica's TASKS table when this
 * scheduler starts leading, and kept current by replica's STORE_APPLIED
 * events. Each record remembers the log position it reflects, so a page
 * read before an event never undoes it; a task removed while loading stays
 * as a tombstone until the load ends.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/proto_copy.h"
#include "common/strmap.h"
#include "ipc/storage.pb-c.h"
#include "offerd/offerd.h"

#define TOMBSTONE	(-1)

struct entry {
	struct otask	 t;
	uint64_t	 pos;
};

static struct {
	struct strmap	*tasks;		/* id -> struct entry */
	struct store_scan *scan;	/* the load under way */
	int		 loaded;
	void		(*on_change)(struct otask *);
	void		(*on_loaded)(void);
	uint64_t	 loads, events;
} tt;

static struct entry *
find(const char *id)
{
	return tt.tasks != NULL ? strmap_get(tt.tasks, id) : NULL;
}

static void
clear_fields(struct otask *t)
{
	free(t->agent_id);
	free(t->host);
	free(t->job);
	if (t->pending != NULL)
		scheduled_task__free_unpacked(t->pending, NULL);
	t->agent_id = t->host = t->job = NULL;
	t->pending = NULL;
	t->group = NULL;
}

static void
entry_free(struct entry *e)
{
	clear_fields(&e->t);
	free(e->t.id);
	free(e);
}

static void
unlink_entry(struct entry *e)
{
	strmap_del(tt.tasks, e->t.id);
	entry_free(e);
}

static struct entry *
insert(const char *id)
{
	struct entry *e;

	if ((tt.tasks == NULL && (tt.tasks = strmap_new()) == NULL) ||
	    (e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if ((e->t.id = strdup(id)) == NULL ||
	    strmap_put(tt.tasks, id, e) == -1) {
		free(e->t.id);
		free(e);
		return NULL;
	}
	return e;
}

static char *
job_string(const ScheduledTask *s)
{
	const JobKey *k;
	char *out;

	if (s->assignedtask == NULL || s->assignedtask->task == NULL ||
	    (k = s->assignedtask->task->job) == NULL)
		return strdup("");
	if (asprintf(&out, "%s/%s/%s", k->role ? k->role : "",
	    k->environment ? k->environment : "", k->name ? k->name : "") ==
	    -1)
		return NULL;
	return out;
}

/*
 * Records task s as of log position pos. s stays the caller's; a PENDING
 * task is kept as a copy (placement needs all of it), of any other only
 * what offerd looks at.
 */
static void
upsert(const ScheduledTask *s, uint64_t pos)
{
	const AssignedTask *a = s->assignedtask;
	ScheduledTask *pending = NULL;
	struct entry *e;

	if (a == NULL || a->taskid == NULL)
		return;
	if ((e = find(a->taskid)) == NULL && (e = insert(a->taskid)) == NULL) {
		log_warnx("out of memory keeping task %s", a->taskid);
		return;
	}
	if (e->pos > pos)	/* a page older than what we know */
		return;
	if (s->status == SCHEDULE_STATUS__PENDING &&
	    (pending = (ScheduledTask *)proto_copy(&s->base)) == NULL) {
		log_warnx("out of memory keeping task %s", a->taskid);
		return;
	}
	clear_fields(&e->t);
	e->pos = pos;
	e->t.status = (int)s->status;
	e->t.agent_id = a->slaveid != NULL ? strdup(a->slaveid) : NULL;
	e->t.host = a->slavehost != NULL ? strdup(a->slavehost) : NULL;
	e->t.job = job_string(s);
	e->t.pending = pending;
	if (pending == NULL)
		e->t.placing = 0;
	if (tt.on_change != NULL)
		tt.on_change(&e->t);
}

static void
removed(const char *id, uint64_t pos)
{
	struct entry *e = find(id);

	if (e == NULL && tt.scan != NULL)
		e = insert(id);
	if (e == NULL)
		return;
	if (tt.scan != NULL) {
		clear_fields(&e->t);
		e->t.status = TOMBSTONE;
		e->pos = pos;
		return;
	}
	e->t.status = TOMBSTONE;
	if (tt.on_change != NULL)
		tt.on_change(&e->t);
	unlink_entry(e);
}

static int
sweep_one(const char *key, void *value, void *arg)
{
	struct entry *e = value;

	if (e->t.status == TOMBSTONE)
		unlink_entry(e);
	return 0;
}

static void
loaded_record(const StoreRecord *r, uint64_t applied, void *arg)
{
	ScheduledTask *s = scheduled_task__unpack(NULL, r->value.len,
	    r->value.data);

	if (s == NULL) {
		log_warnx("task %s does not parse; skipping it", r->key);
		return;
	}
	upsert(s, applied);
	scheduled_task__free_unpacked(s, NULL);
}

static void
load_done(void *arg)
{
	tt.scan = NULL;
	tt.loaded = 1;
	if (tt.tasks != NULL)
		strmap_each(tt.tasks, sweep_one, NULL);
	log_info("loaded %zu tasks from the store", offerd_tasks_count());
	offerd_offers_kick();
	if (tt.on_loaded != NULL)
		tt.on_loaded();
}

void
offerd_tasks_load(void)
{
	offerd_tasks_clear();
	tt.loads++;
	if ((tt.scan = offerd_scan(STORE_TABLE__TASKS, loaded_record,
	    load_done, NULL)) == NULL)
		log_warnx("cannot read the tasks");
}

static int
drop(const char *key, void *value, void *arg)
{
	entry_free(value);
	return 0;
}

void
offerd_tasks_clear(void)
{
	offerd_scan_cancel(tt.scan);
	tt.scan = NULL;
	tt.loaded = 0;
	if (tt.tasks != NULL) {
		strmap_each(tt.tasks, drop, NULL);
		strmap_free(tt.tasks);
		tt.tasks = NULL;
	}
}

void
offerd_tasks_applied(const StoreApplied *ev)
{
	if (tt.scan == NULL && !tt.loaded)
		return;
	tt.events++;
	for (size_t i = 0; i < ev->n_transactions; i++) {
		const Transaction *tx = ev->transactions[i];

		for (size_t j = 0; j < tx->n_ops; j++) {
			const Op *op = tx->ops[j];

			if (op->kind_case == OP__KIND_SAVE_TASKS)
				for (size_t k = 0; k < op->savetasks->n_tasks;
				    k++)
					upsert(op->savetasks->tasks[k],
					    ev->position);
			else if (op->kind_case == OP__KIND_REMOVE_TASKS)
				for (size_t k = 0;
				    k < op->removetasks->n_taskids; k++)
					removed(op->removetasks->taskids[k],
					    ev->position);
		}
	}
}

void
offerd_task_assigned(struct otask *t, const char *host)
{
	t->status = SCHEDULE_STATUS__ASSIGNED;
	t->placing = 0;
	if (t->pending != NULL)
		scheduled_task__free_unpacked(t->pending, NULL);
	t->pending = NULL;
	t->group = NULL;
	/* Limits count it on its host before the store's event comes. */
	free(t->host);
	t->host = host != NULL ? strdup(host) : NULL;
}

int
offerd_tasks_loaded(void)
{
	return tt.loaded;
}

struct otask *
offerd_task(const char *id)
{
	struct entry *e = find(id);

	return e != NULL && e->t.status != TOMBSTONE ? &e->t : NULL;
}

struct each_arg {
	int	(*fn)(struct otask *, void *);
	void	*arg;
};

static int
each_one(const char *key, void *value, void *arg)
{
	struct each_arg *a = arg;
	struct entry *e = value;

	return e->t.status != TOMBSTONE ? a->fn(&e->t, a->arg) : 0;
}

void
offerd_tasks_each(int (*fn)(struct otask *, void *), void *arg)
{
	struct each_arg a = { fn, arg };

	if (tt.tasks != NULL)
		strmap_each(tt.tasks, each_one, &a);
}

size_t
offerd_tasks_count(void)
{
	return tt.tasks != NULL ? strmap_count(tt.tasks) : 0;
}

void
offerd_tasks_on_change(void (*fn)(struct otask *))
{
	tt.on_change = fn;
}

void
offerd_tasks_on_loaded(void (*fn)(void))
{
	tt.on_loaded = fn;
}
