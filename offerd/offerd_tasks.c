/*
 * offerd: the store's tasks as offerd needs them, kept in a hash table by
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
#include "ipc/storage.pb-c.h"
#include "offerd/offerd.h"

#define LOAD_PAGE	5000
#define LOAD_TIMEOUT_MS	30000
#define TOMBSTONE	(-1)

struct entry {
	struct otask	 t;
	uint64_t	 pos;
};

static struct {
	struct otask	**buckets;
	size_t		 nbuckets, count;
	int		 loading, loaded;
	uint64_t	 generation;	/* a load's pages belong to one */
	void		(*on_change)(struct otask *);
	void		(*on_loaded)(void);
	uint64_t	 loads, events;
} tt;

static size_t
hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int
grow(void)
{
	size_t n = tt.nbuckets ? tt.nbuckets * 2 : 1024;
	struct otask **b = calloc(n, sizeof(*b)), *t, *next;

	if (b == NULL)
		return -1;
	for (size_t i = 0; i < tt.nbuckets; i++)
		for (t = tt.buckets[i]; t != NULL; t = next) {
			next = t->next;
			t->next = b[hash(t->id) % n];
			b[hash(t->id) % n] = t;
		}
	free(tt.buckets);
	tt.buckets = b;
	tt.nbuckets = n;
	return 0;
}

static struct entry *
find(const char *id)
{
	struct otask *t;

	if (tt.nbuckets == 0)
		return NULL;
	for (t = tt.buckets[hash(id) % tt.nbuckets]; t != NULL; t = t->next)
		if (strcmp(t->id, id) == 0)
			return (struct entry *)t;
	return NULL;
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
unlink_entry(struct entry *e)
{
	struct otask **p = &tt.buckets[hash(e->t.id) % tt.nbuckets];

	while (*p != &e->t)
		p = &(*p)->next;
	*p = e->t.next;
	clear_fields(&e->t);
	free(e->t.id);
	free(e);
	tt.count--;
}

static struct entry *
insert(const char *id)
{
	struct entry *e;
	size_t b;

	if ((tt.count + 1 > tt.nbuckets && grow() == -1) ||
	    (e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if ((e->t.id = strdup(id)) == NULL) {
		free(e);
		return NULL;
	}
	b = hash(id) % tt.nbuckets;
	e->t.next = tt.buckets[b];
	tt.buckets[b] = &e->t;
	tt.count++;
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

/* Records task s as of log position pos (the store's copy; s is kept
 * when PENDING, else freed). */
static void
upsert(ScheduledTask *s, uint64_t pos)
{
	const AssignedTask *a = s->assignedtask;
	struct entry *e;

	if (a == NULL || a->taskid == NULL) {
		scheduled_task__free_unpacked(s, NULL);
		return;
	}
	if ((e = find(a->taskid)) == NULL && (e = insert(a->taskid)) == NULL) {
		log_warnx("out of memory keeping task %s", a->taskid);
		scheduled_task__free_unpacked(s, NULL);
		return;
	}
	if (e->pos > pos) {	/* a page older than what we know */
		scheduled_task__free_unpacked(s, NULL);
		return;
	}
	clear_fields(&e->t);
	e->pos = pos;
	e->t.status = (int)s->status;
	e->t.agent_id = a->slaveid != NULL ? strdup(a->slaveid) : NULL;
	e->t.host = a->slavehost != NULL ? strdup(a->slavehost) : NULL;
	e->t.job = job_string(s);
	if (s->status == SCHEDULE_STATUS__PENDING) {
		e->t.pending = s;
	} else {
		e->t.placing = 0;
		scheduled_task__free_unpacked(s, NULL);
	}
	if (tt.on_change != NULL)
		tt.on_change(&e->t);
}

static void
removed(const char *id, uint64_t pos)
{
	struct entry *e = find(id);

	if (e == NULL && tt.loading)
		e = insert(id);
	if (e == NULL)
		return;
	if (tt.loading) {
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

static void
sweep_tombstones(void)
{
	struct otask *t, *next;

	for (size_t i = 0; i < tt.nbuckets; i++)
		for (t = tt.buckets[i]; t != NULL; t = next) {
			next = t->next;
			if (t->status == TOMBSTONE)
				unlink_entry((struct entry *)t);
		}
}

static void	load_page(const char *after);

static void
page_done(const Envelope *reply, const char *error, void *arg)
{
	uint64_t gen = (uint64_t)(uintptr_t)arg;
	StoreQueryResponse *r;
	ScheduledTask *s;
	char *last = NULL;

	if (gen != tt.generation || !tt.loading)
		return;		/* a load that was given up */
	if (reply == NULL || reply->type != MSG_TYPE__STORE_QUERY_RESPONSE ||
	    (r = (StoreQueryResponse *)ipc_body_decode(reply,
	    &store_query_response__descriptor)) == NULL) {
		log_warnx("cannot load the tasks from replica: %s; trying "
		    "again", error != NULL ? error : "bad answer");
		load_page(NULL);
		return;
	}
	for (size_t i = 0; i < r->n_records; i++) {
		s = scheduled_task__unpack(NULL, r->records[i]->value.len,
		    r->records[i]->value.data);
		if (s == NULL) {
			log_warnx("task %s does not parse; skipping it",
			    r->records[i]->key);
			continue;
		}
		upsert(s, r->applied);
	}
	if (r->more && r->n_records > 0)
		last = strdup(r->records[r->n_records - 1]->key);
	if (r->more && last != NULL) {
		load_page(last);
	} else {
		tt.loading = 0;
		tt.loaded = 1;
		sweep_tombstones();
		log_info("loaded %zu tasks from the store", tt.count);
		offerd_offers_kick();
		if (tt.on_loaded != NULL)
			tt.on_loaded();
	}
	free(last);
	store_query_response__free_unpacked(r, NULL);
}

static void
load_page(const char *after)
{
	StoreQueryRequest q = STORE_QUERY_REQUEST__INIT;

	q.table = STORE_TABLE__TASKS;
	q.after = (char *)(uintptr_t)after;
	q.has_limit = 1;
	q.limit = LOAD_PAGE;
	if (ipc_call(offerd_replica(), MSG_TYPE__STORE_QUERY_REQUEST, &q.base,
	    LOAD_TIMEOUT_MS, page_done,
	    (void *)(uintptr_t)tt.generation) == -1)
		log_warnx("cannot ask replica for the tasks");
}

void
offerd_tasks_load(void)
{
	offerd_tasks_clear();
	tt.generation++;
	tt.loading = 1;
	tt.loads++;
	load_page(NULL);
}

void
offerd_tasks_clear(void)
{
	struct otask *t, *next;

	for (size_t i = 0; i < tt.nbuckets; i++)
		for (t = tt.buckets[i]; t != NULL; t = next) {
			next = t->next;
			clear_fields(t);
			free(t->id);
			free(t);
		}
	free(tt.buckets);
	tt.buckets = NULL;
	tt.nbuckets = tt.count = 0;
	tt.loading = tt.loaded = 0;
	tt.generation++;
}

void
offerd_tasks_applied(const StoreApplied *ev)
{
	if (!tt.loading && !tt.loaded)
		return;
	tt.events++;
	for (size_t i = 0; i < ev->n_transactions; i++) {
		const Transaction *tx = ev->transactions[i];

		for (size_t j = 0; j < tx->n_ops; j++) {
			const Op *op = tx->ops[j];

			if (op->kind_case == OP__KIND_SAVE_TASKS)
				for (size_t k = 0; k < op->savetasks->n_tasks;
				    k++) {
					ScheduledTask *copy = (ScheduledTask *)
					    proto_copy(
					    &op->savetasks->tasks[k]->base);

					if (copy != NULL)
						upsert(copy, ev->position);
				}
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

void
offerd_tasks_each(int (*fn)(struct otask *, void *), void *arg)
{
	struct otask *t, *next;

	for (size_t i = 0; i < tt.nbuckets; i++)
		for (t = tt.buckets[i]; t != NULL; t = next) {
			next = t->next;
			if (t->status != TOMBSTONE && fn(t, arg) == -1)
				return;
		}
}

size_t
offerd_tasks_count(void)
{
	return tt.count;
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
