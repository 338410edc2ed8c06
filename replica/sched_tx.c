/*
 * replica: a transaction being decided (see sched_tx.h). Every record the
 * transaction touched is an entry: read from the store (clean) or written
 * here (dirty, a copy or a deletion). An index (a tree keyed by table and
 * key) finds the newest entry of a record; a dirty entry remembers the one
 * it hides, so undoing back to a savepoint pops dirty entries newest
 * first and puts back what each one hid.
 *
 * Entries, their keys and their messages live in the transaction's
 * arena and go with it at once: a round of thousands of tasks spent a
 * good part of its time in malloc and free.
 */
#include "config.h"

#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/proto_copy.h"
#include "ipc/storage.pb-c.h"
#include "replica/sched_tx.h"

struct tx_entry {
	enum store_table	 table;
	char			*key;
	ProtobufCMessage	*msg;	/* NULL: absent or deleted */
	struct tx_entry		*hidden;	/* the entry this one hides */
	int			 dirty;		/* written here, not read */
};

struct sched_tx {
	struct store	 *store;
	struct arena	 *arena;	/* entries, keys and messages */
	void		 *index;	/* tsearch tree of the newest entries */
	struct tx_entry	**dirty;	/* written here, in order */
	size_t		  ndirty, capdirty;
	char		**kills;
	size_t		  nkills, capkills;
};

/* What each table keeps (replica/store.h). */
static const ProtobufCMessageDescriptor *
table_descriptor(enum store_table t)
{
	switch (t) {
	case STORE_TASKS:
		return &scheduled_task__descriptor;
	case STORE_CRON_JOBS:
		return &job_configuration__descriptor;
	case STORE_QUOTAS:
		return &resource_aggregate__descriptor;
	case STORE_HOST_ATTRIBUTES:
		return &host_attributes__descriptor;
	case STORE_JOB_UPDATES:
		return &job_update_details__descriptor;
	case STORE_MAINTENANCE:
		return &host_maintenance_request__descriptor;
	default:
		return NULL;
	}
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct tx_entry *x = a, *y = b;

	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return strcmp(x->key, y->key);
}

struct sched_tx *
sched_tx_new(struct store *store)
{
	struct sched_tx *tx;

	if ((tx = calloc(1, sizeof(*tx))) == NULL)
		return NULL;
	if ((tx->arena = arena_new()) == NULL) {
		free(tx);
		return NULL;
	}
	tx->store = store;
	return tx;
}

static void
no_free(void *node)
{
	(void)node;
}

void
sched_tx_free(struct sched_tx *tx)
{
	if (tx == NULL)
		return;
	tdestroy(tx->index, no_free);
	arena_free(tx->arena);
	for (size_t i = 0; i < tx->nkills; i++)
		free(tx->kills[i]);
	free(tx->kills);
	free(tx->dirty);
	free(tx);
}

static struct tx_entry *
find(struct sched_tx *tx, enum store_table t, const char *key)
{
	struct tx_entry probe = { .table = t, .key = (char *)(uintptr_t)key };
	struct tx_entry **found;

	found = tfind(&probe, &tx->index, entry_cmp);
	return found != NULL ? *found : NULL;
}

static struct tx_entry *
entry_new(struct sched_tx *tx, enum store_table t, const char *key,
    ProtobufCMessage *msg)
{
	size_t klen = strlen(key) + 1;
	struct tx_entry *e = arena_alloc(tx->arena, sizeof(*e));
	char *k = arena_alloc(tx->arena, klen);

	if (e == NULL || k == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	memcpy(k, key, klen);
	e->key = k;
	e->table = t;
	e->msg = msg;
	return e;
}

/* Makes e the newest entry of its record in the index. */
static int
index_set(struct sched_tx *tx, struct tx_entry *e)
{
	struct tx_entry **slot;

	if ((slot = tsearch(e, &tx->index, entry_cmp)) == NULL)
		return -1;
	*slot = e;
	return 0;
}

const ProtobufCMessage *
sched_tx_get(struct sched_tx *tx, enum store_table t, const char *key,
    int *failed)
{
	const ProtobufCMessageDescriptor *d = table_descriptor(t);
	ProtobufCMessage *msg = NULL;
	struct tx_entry *e;
	void *data = NULL;
	size_t len = 0;
	char err[256];
	int rc;

	if ((e = find(tx, t, key)) != NULL)
		return e->msg;
	if (d == NULL || (rc = store_get(tx->store, t, key, &data, &len, err,
	    sizeof(err))) == -1) {
		*failed = -1;
		return NULL;
	}
	if (rc == 1 && (msg = protobuf_c_message_unpack(d,
	    arena_allocator(tx->arena), len, data)) == NULL) {
		free(data);
		*failed = -1;
		return NULL;
	}
	free(data);
	/* Remembered clean: later reads see the same record. */
	if ((e = entry_new(tx, t, key, msg)) == NULL || index_set(tx, e) == -1) {
		*failed = -1;
		return NULL;
	}
	return e->msg;
}

static int
write_entry(struct sched_tx *tx, enum store_table t, const char *key,
    ProtobufCMessage *msg)
{
	struct tx_entry *e, *hidden = find(tx, t, key);

	if (tx->ndirty == tx->capdirty) {
		size_t cap = tx->capdirty ? tx->capdirty * 2 : 64;
		struct tx_entry **d = realloc(tx->dirty, cap * sizeof(*d));

		if (d == NULL)
			return -1;
		tx->dirty = d;
		tx->capdirty = cap;
	}
	if ((e = entry_new(tx, t, key, msg)) == NULL)
		return -1;
	e->hidden = hidden;
	e->dirty = 1;
	if (index_set(tx, e) == -1)
		return -1;	/* e is freed with the transaction */
	tx->dirty[tx->ndirty++] = e;
	return 0;
}

int
sched_tx_put(struct sched_tx *tx, enum store_table t, const char *key,
    const ProtobufCMessage *msg)
{
	ProtobufCMessage *c;

	if (msg->descriptor != table_descriptor(t) ||
	    (c = proto_copy_in(msg, arena_allocator(tx->arena))) == NULL)
		return -1;
	return write_entry(tx, t, key, c);
}

int
sched_tx_del(struct sched_tx *tx, enum store_table t, const char *key)
{
	return write_entry(tx, t, key, NULL);
}

struct sched_tx_savepoint
sched_tx_savepoint(const struct sched_tx *tx)
{
	struct sched_tx_savepoint sp = { tx->ndirty, tx->nkills };

	return sp;
}

void
sched_tx_rollback(struct sched_tx *tx, struct sched_tx_savepoint sp)
{
	while (tx->ndirty > sp.ndirty) {
		struct tx_entry *e = tx->dirty[--tx->ndirty];

		if (e->hidden != NULL)
			(void)index_set(tx, e->hidden);	/* replaces: no alloc */
		else
			tdelete(e, &tx->index, entry_cmp);
	}
	while (tx->nkills > sp.nkills)
		free(tx->kills[--tx->nkills]);
}

int
sched_tx_changed(const struct sched_tx *tx)
{
	return tx->ndirty > 0 || tx->nkills > 0;
}

struct scan {
	struct sched_tx		*tx;
	enum store_table	 table;
	const ProtobufCMessageDescriptor *d;
	sched_tx_record_fn	 fn;
	void			*arg;
	int			 stopped, bad;
	char			 key[1024];
};

static int
scan_store_record(void *arg, const char *key, size_t keylen,
    const void *value, size_t len)
{
	struct scan *s = arg;
	struct tx_entry *e;
	struct arena_mark mark;
	ProtobufCMessage *msg;
	int rc;

	if (keylen >= sizeof(s->key))
		return 0;	/* no key of ours is that long */
	memcpy(s->key, key, keylen);
	s->key[keylen] = '\0';
	if ((e = find(s->tx, s->table, s->key)) != NULL && e->dirty)
		return 0;	/* seen below, as this transaction wrote it */
	mark = arena_mark(s->tx->arena);
	if ((msg = protobuf_c_message_unpack(s->d,
	    arena_allocator(s->tx->arena), len, value)) == NULL) {
		s->bad = 1;
		return -1;
	}
	rc = s->fn(s->arg, s->key, msg);
	arena_rollback(s->tx->arena, mark);
	if (rc == -1)
		s->stopped = 1;
	return rc;
}

int
sched_tx_scan(struct sched_tx *tx, enum store_table t, const char *prefix,
    sched_tx_record_fn fn, void *arg, char *err, size_t errlen)
{
	struct scan s = { .tx = tx, .table = t, .d = table_descriptor(t),
	    .fn = fn, .arg = arg };
	size_t plen = strlen(prefix);
	int more;

	if (s.d == NULL)
		return -1;
	if (store_scan(tx->store, t, prefix, "", SIZE_MAX, scan_store_record,
	    &s, &more, err, errlen) == -1)
		return -1;
	if (s.bad) {
		snprintf(err, errlen, "a record of the store cannot be read "
		    "(key %.200s)", s.key);
		return -1;
	}
	if (s.stopped)
		return 0;
	/* Records read here (clean) were seen in the store: only writes. */
	for (size_t i = 0; i < tx->ndirty; i++) {
		struct tx_entry *e = tx->dirty[i];

		if (e->table != t || e->msg == NULL ||
		    strncmp(e->key, prefix, plen) != 0 ||
		    find(tx, t, e->key) != e)
			continue;	/* hidden by a later write */
		if (fn(arg, e->key, e->msg) == -1)
			return 0;
	}
	return 0;
}

int
sched_tx_kill(struct sched_tx *tx, const char *task_id)
{
	if (tx->nkills == tx->capkills) {
		size_t cap = tx->capkills ? tx->capkills * 2 : 16;
		char **k = realloc(tx->kills, cap * sizeof(*k));

		if (k == NULL)
			return -1;
		tx->kills = k;
		tx->capkills = cap;
	}
	if ((tx->kills[tx->nkills] = strdup(task_id)) == NULL)
		return -1;
	tx->nkills++;
	return 0;
}

const char *const *
sched_tx_kills(const struct sched_tx *tx, size_t *n)
{
	*n = tx->nkills;
	return (const char *const *)tx->kills;
}

/* Whether e is its record's newest write. */
static int
newest(const struct sched_tx *tx, const struct tx_entry *e)
{
	return find((struct sched_tx *)(uintptr_t)tx, e->table, e->key) == e;
}

/* A JobKey from a "role/env/name" key, pointing into buf (a copy). */
static void
job_key_of(char *buf, JobKey *k)
{
	char *env, *name;

	job_key__init(k);
	k->role = buf;
	if ((env = strchr(buf, '/')) != NULL) {
		*env++ = '\0';
		if ((name = strchr(env, '/')) != NULL) {
			*name++ = '\0';
			k->name = name;
		}
		k->environment = env;
	}
}

int
sched_tx_pack(const struct sched_tx *tx, uint8_t **data, size_t *len)
{
	Transaction t = TRANSACTION__INIT;
	SaveTasks save = SAVE_TASKS__INIT;
	RemoveTasks remove = REMOVE_TASKS__INIT;
	Op save_op = OP__INIT, remove_op = OP__INIT, **ops = NULL, *other = NULL;
	SaveQuota *sq = NULL;
	RemoveQuota *rq = NULL;
	SaveCronJob *sc = NULL;
	RemoveJob *rj = NULL;
	JobKey *keys = NULL;
	char **bufs = NULL;
	size_t n = tx->ndirty, nother = 0, i;
	int ret = -1;

	*data = NULL;
	*len = 0;
	if (n == 0)
		return 0;
	if ((save.tasks = calloc(n, sizeof(*save.tasks))) == NULL ||
	    (remove.taskids = calloc(n, sizeof(*remove.taskids))) == NULL ||
	    (ops = calloc(n + 2, sizeof(*ops))) == NULL ||
	    (other = calloc(n, sizeof(*other))) == NULL ||
	    (sq = calloc(n, sizeof(*sq))) == NULL ||
	    (rq = calloc(n, sizeof(*rq))) == NULL ||
	    (sc = calloc(n, sizeof(*sc))) == NULL ||
	    (rj = calloc(n, sizeof(*rj))) == NULL ||
	    (keys = calloc(n, sizeof(*keys))) == NULL ||
	    (bufs = calloc(n, sizeof(*bufs))) == NULL)
		goto out;
	/* The newest write of each record, in the order first written. */
	for (i = 0; i < n; i++) {
		const struct tx_entry *e = tx->dirty[i];
		Op *op = &other[nother];

		if (!newest(tx, e))
			continue;
		switch (e->table) {
		case STORE_TASKS:
			if (e->msg != NULL)
				save.tasks[save.n_tasks++] =
				    (ScheduledTask *)e->msg;
			else
				remove.taskids[remove.n_taskids++] = e->key;
			continue;
		case STORE_QUOTAS:
			op__init(op);
			if (e->msg != NULL) {
				save_quota__init(&sq[nother]);
				sq[nother].role = e->key;
				sq[nother].quota = (ResourceAggregate *)e->msg;
				op->kind_case = OP__KIND_SAVE_QUOTA;
				op->savequota = &sq[nother];
			} else {
				remove_quota__init(&rq[nother]);
				rq[nother].role = e->key;
				op->kind_case = OP__KIND_REMOVE_QUOTA;
				op->removequota = &rq[nother];
			}
			break;
		case STORE_CRON_JOBS:
			op__init(op);
			if (e->msg != NULL) {
				save_cron_job__init(&sc[nother]);
				sc[nother].jobconfig =
				    (JobConfiguration *)e->msg;
				op->kind_case = OP__KIND_SAVE_CRON_JOB;
				op->savecronjob = &sc[nother];
			} else {
				remove_job__init(&rj[nother]);
				if ((bufs[nother] = strdup(e->key)) == NULL)
					goto out;
				job_key_of(bufs[nother], &keys[nother]);
				rj[nother].jobkey = &keys[nother];
				op->kind_case = OP__KIND_REMOVE_JOB;
				op->removejob = &rj[nother];
			}
			break;
		default:
			goto out;	/* not written by the scheduler core */
		}
		nother++;
	}
	/* Tasks saved, then removed, then the rest, as Aurora's order. */
	if (save.n_tasks > 0) {
		save_op.kind_case = OP__KIND_SAVE_TASKS;
		save_op.savetasks = &save;
		ops[t.n_ops++] = &save_op;
	}
	if (remove.n_taskids > 0) {
		remove_op.kind_case = OP__KIND_REMOVE_TASKS;
		remove_op.removetasks = &remove;
		ops[t.n_ops++] = &remove_op;
	}
	for (i = 0; i < nother; i++)
		ops[t.n_ops++] = &other[i];
	t.ops = ops;
	ret = 0;
	if (t.n_ops == 0)
		goto out;
	*len = transaction__get_packed_size(&t);
	if ((*data = malloc(*len)) == NULL) {
		*len = 0;
		ret = -1;
		goto out;
	}
	transaction__pack(&t, *data);
out:
	free(save.tasks);
	free(remove.taskids);
	free(ops);
	free(other);
	free(sq);
	free(rq);
	free(sc);
	free(rj);
	free(keys);
	for (i = 0; bufs != NULL && i < n; i++)
		free(bufs[i]);
	free(bufs);
	return ret;
}
