/*
 * replica: applying Aurora's storage ops to the store's tables (see
 * store.h). Tables:
 *
 *   store.meta         "applied" -> 8 bytes BE, "frameworkId" -> string
 *   store.tasks        task id -> ScheduledTask
 *   store.cron         role/env/name -> JobConfiguration
 *   store.quotas       role -> ResourceAggregate
 *   store.hosts        host -> HostAttributes
 *   store.updates      role/env/name/id -> JobUpdateDetails
 *   store.maintenance  host -> HostMaintenanceRequest
 *
 * Apply must be deterministic: every replica applies the same entries in
 * the same order and must reach the same tables.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replica/lmdb_util.h"
#include "replica/store.h"
#include "replica/store_internal.h"

static const char *const table_names[STORE_TABLES] = {
	"store.tasks", "store.cron", "store.quotas", "store.hosts",
	"store.updates", "store.maintenance",
};

/* What apply is working on, for its error messages. */
struct apply_ctx {
	struct store	*s;
	MDB_txn		*txn;
	char		*err;
	size_t		 errlen;
	int		 broken;	/* LMDB failed: not the op's fault */
	struct task_counts delta;	/* of this transaction's tasks */
};

/* An LMDB failure inside an apply: the store, not the op, is at fault. */
static int
apply_lmdb_error(struct apply_ctx *c, const char *what, int rc)
{
	c->broken = 1;
	lmdb_error(c->err, c->errlen, what, rc);
	return -1;
}

const char *
store_op_name(Op__KindCase k)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field(&op__descriptor, k);

	return f != NULL ? f->name : "unset";
}

struct store *
store_open(MDB_env *env, char *err, size_t errlen)
{
	struct store *s;
	MDB_txn *txn;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->env = env;
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0) {
		lmdb_error(err, errlen, "cannot open the store", rc);
		free(s);
		return NULL;
	}
	rc = mdb_dbi_open(txn, "store.meta", MDB_CREATE, &s->meta);
	for (int t = 0; rc == 0 && t < STORE_TABLES; t++)
		rc = mdb_dbi_open(txn, table_names[t], MDB_CREATE,
		    &s->tables[t]);
	if (rc == 0)
		rc = store_read_applied(s, txn, &s->applied);
	if (rc != 0)
		mdb_txn_abort(txn);
	else
		rc = mdb_txn_commit(txn);
	if (rc != 0) {
		lmdb_error(err, errlen, "cannot open the store", rc);
		free(s);
		return NULL;
	}
	return s;
}

void
store_close(struct store *s)
{
	free(s);
}

uint64_t
store_applied(const struct store *s)
{
	return s->applied;
}

/* Validation. */

static int	invalid(char *, size_t, size_t, const Op *, const char *, ...)
		    __attribute__((format(printf, 5, 6)));

static int
invalid(char *err, size_t errlen, size_t i, const Op *op, const char *fmt,
    ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "op %zu (%s): %s", i, store_op_name(
	    op->kind_case), why);
	return -1;
}

static int
empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

static int
job_key_ok(const JobKey *k)
{
	return k != NULL && !empty(k->role) && !empty(k->environment) &&
	    !empty(k->name) && strchr(k->role, '/') == NULL &&
	    strchr(k->environment, '/') == NULL &&
	    strchr(k->name, '/') == NULL;
}

static int
update_key_ok(const JobUpdateKey *k)
{
	return k != NULL && job_key_ok(k->job) && !empty(k->id);
}

#define BAD_JOB_KEY	"the job key needs a role, an environment and a " \
			"name, none empty or with '/'"
#define BAD_UPDATE_KEY	"the update key needs a complete job key and an id"

static int
validate_op(const Op *op, size_t i, char *err, size_t errlen)
{
	switch (op->kind_case) {
	case OP__KIND_SAVE_FRAMEWORK_ID:
		if (empty(op->saveframeworkid->id))
			return invalid(err, errlen, i, op, "empty id");
		break;
	case OP__KIND_SAVE_CRON_JOB:
		if (op->savecronjob->jobconfig == NULL ||
		    !job_key_ok(op->savecronjob->jobconfig->key))
			return invalid(err, errlen, i, op, BAD_JOB_KEY);
		break;
	case OP__KIND_REMOVE_JOB:
		if (!job_key_ok(op->removejob->jobkey))
			return invalid(err, errlen, i, op, BAD_JOB_KEY);
		break;
	case OP__KIND_SAVE_TASKS:
		for (size_t t = 0; t < op->savetasks->n_tasks; t++) {
			const AssignedTask *a =
			    op->savetasks->tasks[t]->assignedtask;

			if (a == NULL || empty(a->taskid))
				return invalid(err, errlen, i, op, "task %zu "
				    "has no assignedTask.taskId", t);
			if (!op->savetasks->tasks[t]->has_status)
				return invalid(err, errlen, i, op, "task %s "
				    "has no status", a->taskid);
		}
		break;
	case OP__KIND_REMOVE_TASKS:
		for (size_t t = 0; t < op->removetasks->n_taskids; t++)
			if (empty(op->removetasks->taskids[t]))
				return invalid(err, errlen, i, op,
				    "task id %zu is empty", t);
		break;
	case OP__KIND_SAVE_QUOTA:
		if (empty(op->savequota->role) || op->savequota->quota == NULL)
			return invalid(err, errlen, i, op,
			    "needs a role and a quota");
		break;
	case OP__KIND_REMOVE_QUOTA:
		if (empty(op->removequota->role))
			return invalid(err, errlen, i, op, "empty role");
		break;
	case OP__KIND_SAVE_HOST_ATTRIBUTES:
		if (op->savehostattributes->hostattributes == NULL ||
		    empty(op->savehostattributes->hostattributes->host))
			return invalid(err, errlen, i, op, "empty host");
		break;
	case OP__KIND_SAVE_JOB_UPDATE:
		if (op->savejobupdate->jobupdate == NULL ||
		    op->savejobupdate->jobupdate->summary == NULL ||
		    !update_key_ok(op->savejobupdate->jobupdate->summary->key))
			return invalid(err, errlen, i, op, BAD_UPDATE_KEY);
		break;
	case OP__KIND_SAVE_JOB_UPDATE_EVENT:
		if (!update_key_ok(op->savejobupdateevent->key) ||
		    op->savejobupdateevent->event == NULL)
			return invalid(err, errlen, i, op, "needs an event "
			    "and %s", BAD_UPDATE_KEY);
		break;
	case OP__KIND_SAVE_JOB_INSTANCE_UPDATE_EVENT:
		if (!update_key_ok(op->savejobinstanceupdateevent->key) ||
		    op->savejobinstanceupdateevent->event == NULL)
			return invalid(err, errlen, i, op, "needs an event "
			    "and %s", BAD_UPDATE_KEY);
		break;
	case OP__KIND_PRUNE_JOB_UPDATE_HISTORY:
		if (op->prunejobupdatehistory->perjobretaincount < 0 ||
		    op->prunejobupdatehistory->historyprunethresholdms < 0)
			return invalid(err, errlen, i, op,
			    "negative retain count or threshold");
		break;
	case OP__KIND_REMOVE_JOB_UPDATE:
		for (size_t k = 0; k < op->removejobupdate->n_keys; k++)
			if (!update_key_ok(op->removejobupdate->keys[k]))
				return invalid(err, errlen, i, op, "key %zu: "
				    "%s", k, BAD_UPDATE_KEY);
		break;
	case OP__KIND_SAVE_HOST_MAINTENANCE_REQUEST:
		if (op->savehostmaintenancerequest->hostmaintenancerequest ==
		    NULL || empty(op->savehostmaintenancerequest->
		    hostmaintenancerequest->host))
			return invalid(err, errlen, i, op, "empty host");
		break;
	case OP__KIND_REMOVE_HOST_MAINTENANCE_REQUEST:
		if (empty(op->removehostmaintenancerequest->host))
			return invalid(err, errlen, i, op, "empty host");
		break;
	default:
		return invalid(err, errlen, i, op, "no operation set");
	}
	return 0;
}

int
store_validate(const Transaction *tx, char *err, size_t errlen)
{
	if (tx->n_ops == 0) {
		snprintf(err, errlen, "empty transaction");
		return -1;
	}
	for (size_t i = 0; i < tx->n_ops; i++)
		if (validate_op(tx->ops[i], i, err, errlen) == -1)
			return -1;
	return 0;
}

/* Table access inside an apply. */

int
store_put_record(MDB_txn *txn, MDB_dbi dbi, const char *key,
    const ProtobufCMessage *m)
{
	MDB_val k = { strlen(key), (void *)(uintptr_t)key }, v;
	int rc;

	v.mv_size = protobuf_c_message_get_packed_size(m);
	if ((rc = mdb_put(txn, dbi, &k, &v, MDB_RESERVE)) != 0)
		return rc;
	protobuf_c_message_pack(m, v.mv_data);
	return 0;
}

static int
put(struct apply_ctx *c, MDB_dbi dbi, const char *key,
    const ProtobufCMessage *m)
{
	int rc;

	if ((rc = store_put_record(c->txn, dbi, key, m)) != 0)
		return apply_lmdb_error(c, key, rc);
	return 0;
}

static int
del(struct apply_ctx *c, MDB_dbi dbi, const char *key)
{
	MDB_val k = { strlen(key), (void *)(uintptr_t)key };
	int rc;

	if ((rc = mdb_del(c->txn, dbi, &k, NULL)) != 0 && rc != MDB_NOTFOUND)
		return apply_lmdb_error(c, key, rc);
	return 0;
}

/* A stored record that does not parse: the store, not the op, is at
 * fault. Returns -1. */
static int
corrupt(struct apply_ctx *c, const char *key)
{
	c->broken = 1;
	snprintf(c->err, c->errlen, "%s: stored record is corrupt", key);
	return -1;
}

/* Reads and unpacks a record; NULL when absent (*rc 0) or on error. */
static ProtobufCMessage *
get(struct apply_ctx *c, MDB_dbi dbi, const char *key,
    const ProtobufCMessageDescriptor *d, int *rc)
{
	MDB_val k = { strlen(key), (void *)(uintptr_t)key }, v;
	ProtobufCMessage *m;

	if ((*rc = mdb_get(c->txn, dbi, &k, &v)) == MDB_NOTFOUND) {
		*rc = 0;
		return NULL;
	}
	if (*rc != 0) {
		apply_lmdb_error(c, key, *rc);
		return NULL;
	}
	if ((m = protobuf_c_message_unpack(d, NULL, v.mv_size,
	    v.mv_data)) == NULL)
		*rc = corrupt(c, key);
	return m;
}

/*
 * Notes in c->delta that a stored task (if any) leaves its state for
 * status (-1: removed). Only while the counts are kept.
 */
static int
count_task_change(struct apply_ctx *c, const char *id, int status)
{
	MDB_val k = { strlen(id), (void *)(uintptr_t)id }, v;
	int rc, old = -1;

	if (!c->s->counts_valid)
		return 0;
	if ((rc = mdb_get(c->txn, c->s->tables[STORE_TASKS], &k, &v)) == 0)
		old = store_task_status(v.mv_data, v.mv_size);
	else if (rc != MDB_NOTFOUND)
		return apply_lmdb_error(c, id, rc);
	if (rc == 0 && old == -1)
		return corrupt(c, id);
	if (rc == 0 || status != -1)
		store_counts_move(&c->delta, old, status);
	return 0;
}

void
store_job_key(const JobKey *k, char *out, size_t len)
{
	snprintf(out, len, "%s/%s/%s", k->role, k->environment, k->name);
}

void
store_update_key(const JobUpdateKey *k, char *out, size_t len)
{
	snprintf(out, len, "%s/%s/%s/%s", k->job->role, k->job->environment,
	    k->job->name, k->id);
}

/* Aurora keeps a host's maintenance mode when new attributes omit it. */
static int
save_host_attributes(struct apply_ctx *c, HostAttributes *h)
{
	HostAttributes *old;
	int rc, saved_has = h->has_mode;
	MaintenanceMode saved = h->mode;

	if (!h->has_mode) {
		old = (HostAttributes *)get(c, c->s->tables[
		    STORE_HOST_ATTRIBUTES], h->host,
		    &host_attributes__descriptor, &rc);
		if (rc != 0)
			return -1;
		h->has_mode = 1;
		h->mode = old != NULL && old->has_mode ? old->mode :
		    MAINTENANCE_MODE__NONE;
		if (old != NULL)
			host_attributes__free_unpacked(old, NULL);
	}
	rc = put(c, c->s->tables[STORE_HOST_ATTRIBUTES], h->host, &h->base);
	h->has_mode = saved_has;	/* the caller's transaction is const */
	h->mode = saved;
	return rc;
}

static JobUpdateDetails *
get_update(struct apply_ctx *c, const char *key, int must_exist)
{
	JobUpdateDetails *d;
	int rc;

	d = (JobUpdateDetails *)get(c, c->s->tables[STORE_JOB_UPDATES], key,
	    &job_update_details__descriptor, &rc);
	if (d == NULL && rc == 0 && must_exist)
		snprintf(c->err, c->errlen, "no job update %s", key);
	return d;
}

/* The update's state follows its events, as Aurora derives it. */
static void
derive_state(JobUpdateDetails *d, JobUpdateState *state)
{
	JobUpdateSummary *sum = d->update != NULL ? d->update->summary : NULL;

	if (sum == NULL || d->n_updateevents == 0)
		return;
	*state = (JobUpdateState)JOB_UPDATE_STATE__INIT;
	state->has_status = 1;
	state->status = d->updateevents[d->n_updateevents - 1]->status;
	state->has_createdtimestampms = 1;
	state->createdtimestampms = d->updateevents[0]->timestampms;
	state->has_lastmodifiedtimestampms = 1;
	state->lastmodifiedtimestampms =
	    d->updateevents[d->n_updateevents - 1]->timestampms;
	if (d->n_instanceevents > 0 && d->instanceevents[
	    d->n_instanceevents - 1]->timestampms >
	    state->lastmodifiedtimestampms)
		state->lastmodifiedtimestampms = d->instanceevents[
		    d->n_instanceevents - 1]->timestampms;
	sum->state = state;
}

/* Appends ev (borrowed) to a list of pointers, then stores and restores. */
static int
save_update_event(struct apply_ctx *c, const JobUpdateKey *key,
    void *ev, int instance)
{
	JobUpdateDetails *d;
	JobUpdateState state, *old_state;
	char k[1024];
	void **list, **grown;
	size_t *n;
	int rc;

	store_update_key(key, k, sizeof(k));
	if ((d = get_update(c, k, 1)) == NULL)
		return -1;
	list = instance ? (void **)d->instanceevents : (void **)d->updateevents;
	n = instance ? &d->n_instanceevents : &d->n_updateevents;
	if ((grown = realloc(list, (*n + 1) * sizeof(*grown))) == NULL) {
		snprintf(c->err, c->errlen, "out of memory");
		c->broken = 1;
		job_update_details__free_unpacked(d, NULL);
		return -1;
	}
	grown[(*n)++] = ev;
	if (instance)
		d->instanceevents = (JobInstanceUpdateEvent **)grown;
	else
		d->updateevents = (JobUpdateEvent **)grown;
	old_state = d->update != NULL && d->update->summary != NULL ?
	    d->update->summary->state : NULL;
	derive_state(d, &state);
	rc = put(c, c->s->tables[STORE_JOB_UPDATES], k, &d->base);
	/* Hand back what the unpacked record does not own. */
	(*n)--;
	if (d->update != NULL && d->update->summary != NULL)
		d->update->summary->state = old_state;
	job_update_details__free_unpacked(d, NULL);
	return rc;
}

static int
save_job_update(struct apply_ctx *c, JobUpdate *u)
{
	JobUpdateDetails *old, d = JOB_UPDATE_DETAILS__INIT;
	JobUpdateState state, *saved_state = u->summary->state;
	char k[1024];
	int rc;

	store_update_key(u->summary->key, k, sizeof(k));
	/* Saving an update again keeps the events recorded so far. */
	old = get_update(c, k, 0);
	if (old == NULL && c->err[0] != '\0')
		return -1;
	d.update = u;
	if (old != NULL) {
		d.n_updateevents = old->n_updateevents;
		d.updateevents = old->updateevents;
		d.n_instanceevents = old->n_instanceevents;
		d.instanceevents = old->instanceevents;
	}
	derive_state(&d, &state);
	rc = put(c, c->s->tables[STORE_JOB_UPDATES], k, &d.base);
	u->summary->state = saved_state;
	if (old != NULL)
		job_update_details__free_unpacked(old, NULL);
	return rc;
}

static int
terminal(JobUpdateStatus s)
{
	return s == JOB_UPDATE_STATUS__ROLLED_FORWARD ||
	    s == JOB_UPDATE_STATUS__ROLLED_BACK ||
	    s == JOB_UPDATE_STATUS__ABORTED ||
	    s == JOB_UPDATE_STATUS__ERROR ||
	    s == JOB_UPDATE_STATUS__JOB_UPDATE_STATUS_FAILED;
}

struct prune_entry {
	char	*key;
	char	 job[768];
	int64_t	 created;
	int64_t	 modified;
	int	 terminal;
};

static int
by_job_newest_first(const void *a, const void *b)
{
	const struct prune_entry *x = a, *y = b;
	int c = strcmp(x->job, y->job);

	if (c != 0)
		return c;
	return x->created > y->created ? -1 : x->created < y->created;
}

/*
 * Aurora's history pruning: of each job's finished updates, keep the
 * newest perJobRetainCount, and drop any last modified before the
 * threshold. Updates still in progress always stay.
 */
static int
prune_updates(struct apply_ctx *c, const PruneJobUpdateHistory *p)
{
	struct prune_entry *e = NULL, *grown;
	size_t n = 0, kept = 0;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, op, ret = 0;

	if ((rc = mdb_cursor_open(c->txn, c->s->tables[STORE_JOB_UPDATES],
	    &cur)) != 0) {
		apply_lmdb_error(c, "job updates", rc);
		return -1;
	}
	for (op = MDB_FIRST; mdb_cursor_get(cur, &k, &v, op) == 0;
	    op = MDB_NEXT) {
		JobUpdateDetails *d = job_update_details__unpack(NULL,
		    v.mv_size, v.mv_data);
		JobUpdateState *st;
		char *slash;

		if (d == NULL || (grown = realloc(e, (n + 1) *
		    sizeof(*e))) == NULL) {
			if (d != NULL)
				job_update_details__free_unpacked(d, NULL);
			snprintf(c->err, c->errlen, "cannot read the job "
			    "updates to prune");
			c->broken = 1;
			ret = -1;
			break;
		}
		e = grown;
		memset(&e[n], 0, sizeof(e[n]));
		e[n].key = strndup(k.mv_data, k.mv_size);
		snprintf(e[n].job, sizeof(e[n].job), "%.*s", (int)k.mv_size,
		    (const char *)k.mv_data);
		if ((slash = strrchr(e[n].job, '/')) != NULL)
			*slash = '\0';
		st = d->update != NULL && d->update->summary != NULL ?
		    d->update->summary->state : NULL;
		if (st != NULL) {
			e[n].created = st->createdtimestampms;
			e[n].modified = st->lastmodifiedtimestampms;
			e[n].terminal = st->has_status && terminal(st->status);
		}
		job_update_details__free_unpacked(d, NULL);
		n++;
	}
	mdb_cursor_close(cur);
	if (ret == 0)
		qsort(e, n, sizeof(*e), by_job_newest_first);
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (i == 0 || strcmp(e[i].job, e[i - 1].job) != 0)
			kept = 0;
		if (!e[i].terminal)
			continue;
		if (kept < (size_t)p->perjobretaincount &&
		    e[i].modified >= p->historyprunethresholdms) {
			kept++;
			continue;
		}
		if (e[i].key == NULL || del(c, c->s->tables[STORE_JOB_UPDATES],
		    e[i].key) == -1)
			ret = -1;
	}
	for (size_t i = 0; i < n; i++)
		free(e[i].key);
	free(e);
	return ret;
}

static int
apply_op(struct apply_ctx *c, const Op *op)
{
	struct store *s = c->s;
	char k[1024];

	switch (op->kind_case) {
	case OP__KIND_SAVE_FRAMEWORK_ID: {
		int rc = store_put_framework_id(s, c->txn,
		    op->saveframeworkid->id);

		if (rc != 0)
			return apply_lmdb_error(c, STORE_META_FRAMEWORK_ID, rc);
		return 0;
	}
	case OP__KIND_SAVE_CRON_JOB:
		store_job_key(op->savecronjob->jobconfig->key, k, sizeof(k));
		return put(c, s->tables[STORE_CRON_JOBS], k,
		    &op->savecronjob->jobconfig->base);
	case OP__KIND_REMOVE_JOB:
		store_job_key(op->removejob->jobkey, k, sizeof(k));
		return del(c, s->tables[STORE_CRON_JOBS], k);
	case OP__KIND_SAVE_TASKS:
		for (size_t i = 0; i < op->savetasks->n_tasks; i++) {
			const ScheduledTask *t = op->savetasks->tasks[i];
			const char *id = t->assignedtask->taskid;

			if (count_task_change(c, id, (int)t->status) == -1 ||
			    put(c, s->tables[STORE_TASKS], id,
			    &t->base) == -1)
				return -1;
		}
		return 0;
	case OP__KIND_REMOVE_TASKS:
		for (size_t i = 0; i < op->removetasks->n_taskids; i++) {
			const char *id = op->removetasks->taskids[i];

			if (count_task_change(c, id, -1) == -1 ||
			    del(c, s->tables[STORE_TASKS], id) == -1)
				return -1;
		}
		return 0;
	case OP__KIND_SAVE_QUOTA:
		return put(c, s->tables[STORE_QUOTAS], op->savequota->role,
		    &op->savequota->quota->base);
	case OP__KIND_REMOVE_QUOTA:
		return del(c, s->tables[STORE_QUOTAS], op->removequota->role);
	case OP__KIND_SAVE_HOST_ATTRIBUTES:
		return save_host_attributes(c,
		    op->savehostattributes->hostattributes);
	case OP__KIND_SAVE_JOB_UPDATE:
		return save_job_update(c, op->savejobupdate->jobupdate);
	case OP__KIND_SAVE_JOB_UPDATE_EVENT:
		return save_update_event(c, op->savejobupdateevent->key,
		    op->savejobupdateevent->event, 0);
	case OP__KIND_SAVE_JOB_INSTANCE_UPDATE_EVENT:
		return save_update_event(c,
		    op->savejobinstanceupdateevent->key,
		    op->savejobinstanceupdateevent->event, 1);
	case OP__KIND_PRUNE_JOB_UPDATE_HISTORY:
		return prune_updates(c, op->prunejobupdatehistory);
	case OP__KIND_REMOVE_JOB_UPDATE:
		for (size_t i = 0; i < op->removejobupdate->n_keys; i++) {
			store_update_key(op->removejobupdate->keys[i], k,
			    sizeof(k));
			if (del(c, s->tables[STORE_JOB_UPDATES], k) == -1)
				return -1;
		}
		return 0;
	case OP__KIND_SAVE_HOST_MAINTENANCE_REQUEST:
		return put(c, s->tables[STORE_MAINTENANCE],
		    op->savehostmaintenancerequest->hostmaintenancerequest->host,
		    &op->savehostmaintenancerequest->hostmaintenancerequest->
		    base);
	case OP__KIND_REMOVE_HOST_MAINTENANCE_REQUEST:
		return del(c, s->tables[STORE_MAINTENANCE],
		    op->removehostmaintenancerequest->host);
	default:
		snprintf(c->err, c->errlen, "no operation set");
		return -1;
	}
}

/*
 * One transaction in a nested LMDB transaction of parent: 0 applied, 1
 * refused (outcome says why), -1 when the store cannot be written (err).
 */
static int
apply_one(struct store *s, MDB_txn *parent, const Transaction *tx,
    struct store_outcome *out, struct task_counts *delta, char *err,
    size_t errlen)
{
	struct apply_ctx c = { s, NULL, out->why, sizeof(out->why), 0,
	    { { 0 } } };
	char why[sizeof(out->why)];
	int rc;

	out->refused = 0;
	out->why[0] = '\0';
	if (store_validate(tx, out->why, sizeof(out->why)) == -1) {
		out->refused = 1;
		return 1;
	}
	if ((rc = mdb_txn_begin(s->env, parent, 0, &c.txn)) != 0) {
		lmdb_error(err, errlen, "cannot write the store", rc);
		return -1;
	}
	for (size_t i = 0; i < tx->n_ops; i++) {
		if (apply_op(&c, tx->ops[i]) == 0)
			continue;
		mdb_txn_abort(c.txn);
		if (c.broken) {
			snprintf(err, errlen, "%s", out->why);
			return -1;
		}
		snprintf(why, sizeof(why), "%s", out->why);
		snprintf(out->why, sizeof(out->why), "op %zu (%s): %.200s", i,
		    store_op_name(tx->ops[i]->kind_case), why);
		out->refused = 1;
		return 1;
	}
	if ((rc = lmdb_commit(c.txn)) != 0) {
		lmdb_error(err, errlen, "cannot write the store", rc);
		return -1;
	}
	store_counts_add(delta, &c.delta);
	return 0;
}

int
store_read_applied(struct store *s, MDB_txn *txn, uint64_t *pos)
{
	return lmdb_get_named64(txn, s->meta, STORE_META_APPLIED, pos);
}

int
store_put_framework_id(struct store *s, MDB_txn *txn, const char *id)
{
	MDB_val k = { strlen(STORE_META_FRAMEWORK_ID),
	    (void *)(uintptr_t)STORE_META_FRAMEWORK_ID };
	MDB_val v = { strlen(id), (void *)(uintptr_t)id };

	return mdb_put(txn, s->meta, &k, &v, 0);
}

int
store_put_applied(struct store *s, MDB_txn *txn, uint64_t pos)
{
	MDB_val k = { strlen(STORE_META_APPLIED),
	    (void *)(uintptr_t)STORE_META_APPLIED }, v;
	unsigned char buf[8];

	lmdb_put_be64(buf, pos);
	v.mv_size = sizeof(buf);
	v.mv_data = buf;
	return mdb_put(txn, s->meta, &k, &v, 0);
}

int
store_apply_entry(struct store *s, Transaction *const *txs, size_t n,
    uint64_t pos, struct store_outcome *out, char *err, size_t errlen)
{
	struct task_counts delta;
	MDB_txn *txn;
	int rc;

	memset(&delta, 0, sizeof(delta));
	if (pos <= s->applied) {
		snprintf(err, errlen, "position %llu is already applied (at "
		    "%llu)", (unsigned long long)pos,
		    (unsigned long long)s->applied);
		return -1;
	}
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
		lmdb_error(err, errlen, "cannot write the store", rc);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (apply_one(s, txn, txs[i], &out[i], &delta, err,
		    errlen) == -1) {
			mdb_txn_abort(txn);
			return -1;
		}
	if ((rc = store_put_applied(s, txn, pos)) != 0) {
		mdb_txn_abort(txn);
		lmdb_error(err, errlen, "cannot write the store", rc);
		return -1;
	}
	/* Lost to an OS crash, it is applied again from the log. */
	if ((rc = lmdb_commit_lazy_meta(txn)) != 0) {
		lmdb_error(err, errlen, "cannot write the store", rc);
		return -1;
	}
	s->applied = pos;
	store_counts_add(&s->counts, &delta);
	return 0;
}

int
store_apply(struct store *s, const Transaction *tx, uint64_t pos, char *err,
    size_t errlen)
{
	Transaction *one = (Transaction *)(uintptr_t)tx;
	struct store_outcome out;

	if (store_apply_entry(s, &one, 1, pos, &out, err, errlen) == -1)
		return -1;
	if (out.refused) {
		snprintf(err, errlen, "%s", out.why);
		return -1;
	}
	return 0;
}

size_t
store_count(struct store *s, enum store_table t)
{
	MDB_txn *txn;
	MDB_stat st;

	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return 0;
	if (mdb_stat(txn, s->tables[t], &st) != 0)
		st.ms_entries = 0;
	mdb_txn_abort(txn);
	return st.ms_entries;
}

static int
read_value(struct store *s, MDB_dbi dbi, const char *key, void **data,
    size_t *len, char *err, size_t errlen)
{
	MDB_val k = { strlen(key), (void *)(uintptr_t)key }, v;
	MDB_txn *txn;
	int rc, found = 0;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0) {
		lmdb_error(err, errlen, "cannot read the store", rc);
		return -1;
	}
	if ((rc = mdb_get(txn, dbi, &k, &v)) == 0) {
		if ((*data = malloc(v.mv_size + 1)) == NULL)
			rc = ENOMEM;
		else {
			memcpy(*data, v.mv_data, v.mv_size);
			((char *)*data)[v.mv_size] = '\0';
			*len = v.mv_size;
			found = 1;
		}
	}
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		lmdb_error(err, errlen, key, rc);
		return -1;
	}
	return found;
}

int
store_scan(struct store *s, enum store_table t, const char *prefix,
    const char *after, size_t limit, store_record_fn fn, void *arg,
    int *more, char *err, size_t errlen)
{
	size_t plen = strlen(prefix), n = 0;
	const char *start = after[0] != '\0' ? after : prefix;
	MDB_val k = { strlen(start), (void *)(uintptr_t)start }, v;
	MDB_cursor *cur;
	MDB_txn *txn = NULL;
	int rc;

	*more = 0;
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, s->tables[t], &cur)) != 0) {
		if (rc != 0 && txn != NULL)
			mdb_txn_abort(txn);
		lmdb_error(err, errlen, "cannot read the store", rc);
		return -1;
	}
	rc = k.mv_size > 0 ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) :
	    mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	/* "after" itself was the last record of the previous page. */
	if (rc == 0 && after[0] != '\0' && k.mv_size == strlen(after) &&
	    memcmp(k.mv_data, after, k.mv_size) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if (n == limit) {
			*more = 1;
			break;
		}
		if (fn(arg, k.mv_data, k.mv_size, v.mv_data, v.mv_size) == -1)
			break;
		n++;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		lmdb_error(err, errlen, "cannot read the store", rc);
		return -1;
	}
	return (int)n;
}

int
store_get(struct store *s, enum store_table t, const char *key, void **data,
    size_t *len, char *err, size_t errlen)
{
	return read_value(s, s->tables[t], key, data, len, err, errlen);
}

char *
store_framework_id(struct store *s)
{
	char err[128];
	void *data = NULL;
	size_t len;

	if (read_value(s, s->meta, STORE_META_FRAMEWORK_ID, &data, &len, err,
	    sizeof(err)) != 1)
		return NULL;
	return data;
}
