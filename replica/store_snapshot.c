/*
 * replica: snapshots of the store and restoring from them (see
 * store_snapshot.h).
 *
 * A part is written straight in protobuf's wire format: a LogEntry whose
 * field 1 is a Snapshot holding the part's records. Each table's record
 * goes under the Snapshot field Aurora gives it, bare or inside the small
 * wrapper Aurora uses (StoredCronJob, QuotaConfiguration with the role,
 * StoredJobUpdateDetails).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replica/lmdb_util.h"
#include "replica/store_internal.h"
#include "replica/store_snapshot.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Wire types and the Snapshot fields that are ours. */
#define WIRE_VARINT		0
#define WIRE_LEN		2
#define LOG_ENTRY_SNAPSHOT	1
#define SNAPSHOT_TIMESTAMP	1
#define SNAPSHOT_METADATA	6
#define METADATA_FRAMEWORK_ID	1
#define SNAPSHOT_POSITION	100
#define SNAPSHOT_PART		101
#define SNAPSHOT_LAST		102
#define PART_OVERHEAD		64	/* the part's own fields, generously */

/* Where a table's records go in a Snapshot. */
struct table_shape {
	enum store_table table;
	uint32_t	 field;		/* the Snapshot field */
	uint32_t	 key_field;	/* the key in the wrapper; 0: none */
	uint32_t	 value_field;	/* the record in the wrapper; 0: bare */
};

static const struct table_shape shapes[] = {
	{ STORE_HOST_ATTRIBUTES, 3, 0, 0 },
	{ STORE_TASKS, 4, 0, 0 },
	{ STORE_CRON_JOBS, 5, 0, 3 },		/* StoredCronJob */
	{ STORE_QUOTAS, 8, 1, 2 },		/* QuotaConfiguration */
	{ STORE_JOB_UPDATES, 10, 0, 1 },	/* StoredJobUpdateDetails */
	{ STORE_MAINTENANCE, 13, 0, 0 },
};

/* Protobuf's wire format, written into a growing buffer. */

struct wbuf {
	uint8_t	*p;
	size_t	 len, cap;
	int	 failed;
};

static size_t
varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static size_t
len_field_size(uint32_t field, size_t len)
{
	return varint_size((uint64_t)field << 3) + varint_size(len) + len;
}

static int
wbuf_need(struct wbuf *b, size_t n)
{
	uint8_t *p;
	size_t cap;

	if (b->failed)
		return -1;
	if (b->len + n <= b->cap)
		return 0;
	for (cap = b->cap ? b->cap : 4096; cap < b->len + n; cap *= 2)
		;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void
put_varint(struct wbuf *b, uint64_t v)
{
	if (wbuf_need(b, 10) == -1)
		return;
	while (v >= 0x80) {
		b->p[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->p[b->len++] = (uint8_t)v;
}

static void
put_bytes(struct wbuf *b, const void *data, size_t len)
{
	if (wbuf_need(b, len) == -1)
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void
put_varint_field(struct wbuf *b, uint32_t field, uint64_t v)
{
	put_varint(b, (uint64_t)field << 3 | WIRE_VARINT);
	put_varint(b, v);
}

static void
put_len_header(struct wbuf *b, uint32_t field, size_t len)
{
	put_varint(b, (uint64_t)field << 3 | WIRE_LEN);
	put_varint(b, len);
}

static void
put_len_field(struct wbuf *b, uint32_t field, const void *data, size_t len)
{
	put_len_header(b, field, len);
	put_bytes(b, data, len);
}

/* Making a snapshot. */

struct store_snapshot {
	struct store		*s;
	MDB_txn			*txn;
	MDB_cursor		*cur;
	size_t			 shape;		/* NELEM(shapes): no more */
	MDB_val			 k, v;		/* the cursor's record */
	uint64_t		 position;
	int64_t			 timestamp;
	uint32_t		 part;
	int			 done;
	char			*framework_id;
	struct snapshot_counts	 counts;
};

static size_t *
count_of(struct snapshot_counts *c, enum store_table t)
{
	switch (t) {
	case STORE_HOST_ATTRIBUTES:
		return &c->host_attributes;
	case STORE_TASKS:
		return &c->tasks;
	case STORE_CRON_JOBS:
		return &c->cron_jobs;
	case STORE_QUOTAS:
		return &c->quotas;
	case STORE_JOB_UPDATES:
		return &c->updates;
	default:
		return &c->maintenance;
	}
}

/* The cursor's next record across the tables in shape order; an LMDB code. */
static int
advance(struct store_snapshot *ss, MDB_cursor_op op)
{
	int rc;

	while (ss->shape < NELEM(shapes)) {
		if (ss->cur == NULL) {
			if ((rc = mdb_cursor_open(ss->txn,
			    ss->s->tables[shapes[ss->shape].table],
			    &ss->cur)) != 0)
				return rc;
			op = MDB_FIRST;
		}
		if ((rc = mdb_cursor_get(ss->cur, &ss->k, &ss->v, op)) == 0)
			return 0;
		if (rc != MDB_NOTFOUND)
			return rc;
		mdb_cursor_close(ss->cur);
		ss->cur = NULL;
		ss->shape++;
	}
	return 0;
}

/* A record's bytes inside its Snapshot field: bare, or wrapped. */
static size_t
wrapped_size(const struct table_shape *sh, const MDB_val *k, const MDB_val *v)
{
	size_t inner = v->mv_size;

	if (sh->value_field != 0)
		inner = len_field_size(sh->value_field, v->mv_size);
	if (sh->key_field != 0)
		inner += len_field_size(sh->key_field, k->mv_size);
	return inner;
}

/* What a record adds to a part, its Snapshot field included. */
static size_t
record_size(const struct table_shape *sh, const MDB_val *k, const MDB_val *v)
{
	return len_field_size(sh->field, wrapped_size(sh, k, v));
}

static void
put_record(struct wbuf *b, const struct table_shape *sh, const MDB_val *k,
    const MDB_val *v)
{
	put_len_header(b, sh->field, wrapped_size(sh, k, v));
	if (sh->key_field != 0)
		put_len_field(b, sh->key_field, k->mv_data, k->mv_size);
	if (sh->value_field != 0)
		put_len_header(b, sh->value_field, v->mv_size);
	put_bytes(b, v->mv_data, v->mv_size);
}

struct store_snapshot *
store_snapshot_begin(struct store *s, int64_t timestamp_ms, char *err,
    size_t errlen)
{
	MDB_val k = { strlen(STORE_META_FRAMEWORK_ID),
	    (void *)(uintptr_t)STORE_META_FRAMEWORK_ID }, v;
	struct store_snapshot *ss;
	int rc;

	if ((ss = calloc(1, sizeof(*ss))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ss->s = s;
	ss->timestamp = timestamp_ms;
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &ss->txn)) != 0)
		goto fail;
	if ((rc = store_read_applied(s, ss->txn, &ss->position)) != 0)
		goto fail;
	if ((rc = mdb_get(ss->txn, s->meta, &k, &v)) == 0) {
		if ((ss->framework_id = strndup(v.mv_data, v.mv_size)) == NULL) {
			snprintf(err, errlen, "out of memory");
			store_snapshot_end(ss);
			return NULL;
		}
	} else if (rc != MDB_NOTFOUND)
		goto fail;
	if ((rc = advance(ss, MDB_FIRST)) != 0)
		goto fail;
	return ss;
fail:
	lmdb_error(err, errlen, "cannot read the store for a snapshot", rc);
	store_snapshot_end(ss);
	return NULL;
}

uint64_t
store_snapshot_position(const struct store_snapshot *ss)
{
	return ss->position;
}

const struct snapshot_counts *
store_snapshot_counts(const struct store_snapshot *ss)
{
	return &ss->counts;
}

int
store_snapshot_next(struct store_snapshot *ss, size_t max, uint8_t **data,
    size_t *len, char *err, size_t errlen)
{
	struct wbuf body = { 0 }, entry = { 0 };
	size_t records = 0;
	int rc = 0;

	*data = NULL;
	*len = 0;
	if (ss->done)
		return 0;
	put_varint_field(&body, SNAPSHOT_TIMESTAMP, (uint64_t)ss->timestamp);
	put_varint_field(&body, SNAPSHOT_POSITION, ss->position);
	put_varint_field(&body, SNAPSHOT_PART, ss->part);
	if (ss->part == 0 && ss->framework_id != NULL) {
		size_t n = strlen(ss->framework_id);

		put_len_header(&body, SNAPSHOT_METADATA,
		    len_field_size(METADATA_FRAMEWORK_ID, n));
		put_len_field(&body, METADATA_FRAMEWORK_ID, ss->framework_id,
		    n);
	}
	while (ss->shape < NELEM(shapes) && !body.failed) {
		const struct table_shape *sh = &shapes[ss->shape];

		if (records > 0 && body.len + record_size(sh, &ss->k, &ss->v) +
		    PART_OVERHEAD > max)
			break;
		put_record(&body, sh, &ss->k, &ss->v);
		(*count_of(&ss->counts, sh->table))++;
		records++;
		if ((rc = advance(ss, MDB_NEXT)) != 0)
			break;
	}
	if (rc != 0) {
		free(body.p);
		lmdb_error(err, errlen, "cannot read the store for a snapshot",
		    rc);
		return -1;
	}
	if (ss->shape == NELEM(shapes)) {
		put_varint_field(&body, SNAPSHOT_LAST, 1);
		ss->done = 1;
	}
	put_len_field(&entry, LOG_ENTRY_SNAPSHOT, body.p, body.len);
	free(body.p);
	if (body.failed || entry.failed) {
		free(entry.p);
		snprintf(err, errlen, "out of memory making snapshot part %u",
		    ss->part);
		return -1;
	}
	ss->part++;
	*data = entry.p;
	*len = entry.len;
	return 1;
}

void
store_snapshot_end(struct store_snapshot *ss)
{
	if (ss == NULL)
		return;
	if (ss->cur != NULL)
		mdb_cursor_close(ss->cur);
	if (ss->txn != NULL)
		mdb_txn_abort(ss->txn);
	free(ss->framework_id);
	free(ss);
}

int
snapshot_part_peek(const void *data, size_t len)
{
	return len > 0 && *(const uint8_t *)data ==
	    (LOG_ENTRY_SNAPSHOT << 3 | WIRE_LEN);
}

void
snapshot_part_id(const Snapshot *part, struct snapshot_id *id)
{
	id->position = part->has_position ? part->position : 0;
	id->timestamp = part->has_timestamp ? part->timestamp : 0;
}

/* Restoring. */

struct store_restore {
	struct store		*s;
	MDB_txn			*txn;
	struct snapshot_id	 id;
	uint32_t		 next_part;
	struct snapshot_counts	 counts;
};

struct store_restore *
store_restore_begin(struct store *s, const struct snapshot_id *id, char *err,
    size_t errlen)
{
	MDB_val k = { strlen(STORE_META_FRAMEWORK_ID),
	    (void *)(uintptr_t)STORE_META_FRAMEWORK_ID };
	struct store_restore *r;
	int rc;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->s = s;
	r->id = *id;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &r->txn)) != 0) {
		free(r);
		lmdb_error(err, errlen, "cannot restore the store", rc);
		return NULL;
	}
	/* Emptied, not dropped: the tables' handles stay valid. */
	for (int t = 0; rc == 0 && t < STORE_TABLES; t++)
		rc = mdb_drop(r->txn, s->tables[t], 0);
	if (rc == 0 && (rc = mdb_del(r->txn, s->meta, &k, NULL)) ==
	    MDB_NOTFOUND)
		rc = 0;
	if (rc != 0) {
		store_restore_abort(r);
		lmdb_error(err, errlen, "cannot restore the store", rc);
		return NULL;
	}
	return r;
}

/* Stores one record; -1 with err. */
static int
restore_put(struct store_restore *r, enum store_table t, const char *key,
    const ProtobufCMessage *m, char *err, size_t errlen)
{
	int rc;

	if ((rc = store_put_record(r->txn, r->s->tables[t], key, m)) != 0) {
		lmdb_error(err, errlen, "cannot restore the store", rc);
		return -1;
	}
	(*count_of(&r->counts, t))++;
	return 0;
}

static int
no_key(const struct store_restore *r, const char *what, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "snapshot of position %llu, part %u: %s",
	    (unsigned long long)r->id.position, r->next_part, what);
	return -1;
}

static int
restore_records(struct store_restore *r, const Snapshot *p, char *err,
    size_t errlen)
{
	char k[1024];

	for (size_t i = 0; i < p->n_hostattributes; i++) {
		if (p->hostattributes[i]->host == NULL)
			return no_key(r, "host attributes without a host",
			    err, errlen);
		if (restore_put(r, STORE_HOST_ATTRIBUTES,
		    p->hostattributes[i]->host, &p->hostattributes[i]->base,
		    err, errlen) == -1)
			return -1;
	}
	for (size_t i = 0; i < p->n_tasks; i++) {
		const ScheduledTask *t = p->tasks[i];

		if (t->assignedtask == NULL || t->assignedtask->taskid == NULL)
			return no_key(r, "a task without an id", err, errlen);
		if (restore_put(r, STORE_TASKS, t->assignedtask->taskid,
		    &t->base, err, errlen) == -1)
			return -1;
	}
	for (size_t i = 0; i < p->n_cronjobs; i++) {
		const JobConfiguration *j = p->cronjobs[i]->jobconfiguration;

		if (j == NULL || j->key == NULL)
			return no_key(r, "a cron job without a job key", err,
			    errlen);
		store_job_key(j->key, k, sizeof(k));
		if (restore_put(r, STORE_CRON_JOBS, k, &j->base, err,
		    errlen) == -1)
			return -1;
	}
	for (size_t i = 0; i < p->n_quotaconfigurations; i++) {
		const QuotaConfiguration *q = p->quotaconfigurations[i];

		if (q->role == NULL || q->quota == NULL)
			return no_key(r, "a quota without its role or amount",
			    err, errlen);
		if (restore_put(r, STORE_QUOTAS, q->role, &q->quota->base, err,
		    errlen) == -1)
			return -1;
	}
	for (size_t i = 0; i < p->n_jobupdatedetails; i++) {
		const JobUpdateDetails *d = p->jobupdatedetails[i]->details;

		if (d == NULL || d->update == NULL ||
		    d->update->summary == NULL ||
		    d->update->summary->key == NULL ||
		    d->update->summary->key->job == NULL)
			return no_key(r, "a job update without its key", err,
			    errlen);
		store_update_key(d->update->summary->key, k, sizeof(k));
		if (restore_put(r, STORE_JOB_UPDATES, k, &d->base, err,
		    errlen) == -1)
			return -1;
	}
	for (size_t i = 0; i < p->n_hostmaintenancerequests; i++) {
		const HostMaintenanceRequest *m = p->hostmaintenancerequests[i];

		if (m->host == NULL)
			return no_key(r, "a maintenance request without a "
			    "host", err, errlen);
		if (restore_put(r, STORE_MAINTENANCE, m->host, &m->base, err,
		    errlen) == -1)
			return -1;
	}
	return 0;
}

int
store_restore_add(struct store_restore *r, const Snapshot *p, char *err,
    size_t errlen)
{
	struct snapshot_id id;
	uint32_t part = p->has_part ? p->part : 0;
	int rc;

	snapshot_part_id(p, &id);
	if (id.position != r->id.position || id.timestamp != r->id.timestamp ||
	    part != r->next_part) {
		snprintf(err, errlen, "snapshot of position %llu: expected "
		    "part %u, got part %u of the snapshot of position %llu",
		    (unsigned long long)r->id.position, r->next_part, part,
		    (unsigned long long)id.position);
		return -1;
	}
	if (p->schedulermetadata != NULL &&
	    p->schedulermetadata->frameworkid != NULL &&
	    (rc = store_put_framework_id(r->s, r->txn,
	    p->schedulermetadata->frameworkid)) != 0) {
		lmdb_error(err, errlen, "cannot restore the store", rc);
		return -1;
	}
	if (restore_records(r, p, err, errlen) == -1)
		return -1;
	r->next_part++;
	return p->has_last && p->last;
}

int
store_restore_commit(struct store_restore *r, char *err, size_t errlen)
{
	struct store *s = r->s;
	uint64_t pos = r->id.position;
	int rc;

	if ((rc = store_put_applied(s, r->txn, pos)) != 0) {
		store_restore_abort(r);
		lmdb_error(err, errlen, "cannot restore the store", rc);
		return -1;
	}
	rc = lmdb_commit(r->txn);
	free(r);
	if (rc != 0) {
		lmdb_error(err, errlen, "cannot restore the store", rc);
		return -1;
	}
	s->applied = pos;
	s->counts_valid = 0;	/* every table was replaced */
	return 0;
}

void
store_restore_abort(struct store_restore *r)
{
	if (r == NULL)
		return;
	mdb_txn_abort(r->txn);
	free(r);
}

const struct snapshot_counts *
store_restore_counts(const struct store_restore *r)
{
	return &r->counts;
}
