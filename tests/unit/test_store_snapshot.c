/*
 * Snapshots of the store: parts of bounded size holding the store exactly
 * as it was at one position (writes made meanwhile are not in them), a
 * restore that reproduces every table byte for byte, and restores that
 * fail (parts out of order, a record without its key, another snapshot's
 * part) leaving the store as it was.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replica/log_storage.h"
#include "replica/store.h"
#include "replica/store_snapshot.h"
#include "tests/unit/check.h"
#include "tests/unit/one_task_tx.h"

#define TASKS		300
#define PART_MAX	1024

static char top[] = "/tmp/test_store_snapshot.XXXXXX";

struct db {
	MDB_env		*env;
	struct store	*store;
};

static void
db_open(struct db *d, const char *name)
{
	char path[256], err[512];

	snprintf(path, sizeof(path), "%s/%s", top, name);
	d->env = log_env_open(path, 64 << 20, 0, err, sizeof(err));
	CHECK(d->env != NULL);
	d->store = d->env != NULL ? store_open(d->env, err, sizeof(err)) : NULL;
	CHECK(d->store != NULL);
	if (d->store == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
}

static void
db_close(struct db *d)
{
	store_close(d->store);
	mdb_env_close(d->env);
}

static void
apply_ok(struct db *d, Transaction *tx, uint64_t pos)
{
	char err[512];

	if (store_apply(d->store, tx, pos, err, sizeof(err)) == -1) {
		fprintf(stderr, "apply %llu: %s\n", (unsigned long long)pos,
		    err);
		CHECK(0);
	}
}

static Transaction *
one_op(Transaction *tx, Op *op, Op **ops, Op__KindCase k, void *msg)
{
	transaction__init(tx);
	op__init(op);
	op->kind_case = k;
	op->savetasks = msg;	/* every member of the union is a pointer */
	ops[0] = op;
	tx->n_ops = 1;
	tx->ops = ops;
	return tx;
}

/* One of every kind of record, then TASKS tasks: positions 1..6+TASKS. */
static uint64_t
fill(struct db *d)
{
	char role[] = "www-data", env[] = "prod", name[] = "hello";
	char host[] = "host-1", fwid[] = "framework-7", uid[] = "update-1";
	JobKey jk = JOB_KEY__INIT;
	JobUpdateKey uk = JOB_UPDATE_KEY__INIT;
	JobConfiguration jc = JOB_CONFIGURATION__INIT;
	SaveCronJob scj = SAVE_CRON_JOB__INIT;
	Resource res = RESOURCE__INIT, *resv[1] = { &res };
	ResourceAggregate ra = RESOURCE_AGGREGATE__INIT;
	SaveQuota sq = SAVE_QUOTA__INIT;
	HostAttributes ha = HOST_ATTRIBUTES__INIT;
	SaveHostAttributes sha = SAVE_HOST_ATTRIBUTES__INIT;
	JobUpdateSummary sum = JOB_UPDATE_SUMMARY__INIT;
	JobUpdate ju = JOB_UPDATE__INIT;
	SaveJobUpdate sju = SAVE_JOB_UPDATE__INIT;
	HostMaintenanceRequest hm = HOST_MAINTENANCE_REQUEST__INIT;
	SaveHostMaintenanceRequest shm = SAVE_HOST_MAINTENANCE_REQUEST__INIT;
	SaveFrameworkId sf = SAVE_FRAMEWORK_ID__INIT;
	Transaction tx;
	Op op, *ops[1];
	struct one_task_tx t;
	char id[32], slave[] = "agent-1";
	uint64_t pos = 0;

	jk.role = role;
	jk.environment = env;
	jk.name = name;
	sf.id = fwid;
	apply_ok(d, one_op(&tx, &op, ops, OP__KIND_SAVE_FRAMEWORK_ID, &sf),
	    ++pos);
	jc.key = &jk;
	scj.jobconfig = &jc;
	apply_ok(d, one_op(&tx, &op, ops, OP__KIND_SAVE_CRON_JOB, &scj), ++pos);
	res.kind_case = RESOURCE__KIND_NUM_CPUS;
	res.numcpus = 4;
	ra.n_resources = 1;
	ra.resources = resv;
	sq.role = role;
	sq.quota = &ra;
	apply_ok(d, one_op(&tx, &op, ops, OP__KIND_SAVE_QUOTA, &sq), ++pos);
	ha.host = host;
	sha.hostattributes = &ha;
	apply_ok(d, one_op(&tx, &op, ops, OP__KIND_SAVE_HOST_ATTRIBUTES, &sha),
	    ++pos);
	uk.job = &jk;
	uk.id = uid;
	sum.key = &uk;
	ju.summary = &sum;
	sju.jobupdate = &ju;
	apply_ok(d, one_op(&tx, &op, ops, OP__KIND_SAVE_JOB_UPDATE, &sju),
	    ++pos);
	hm.host = host;
	shm.hostmaintenancerequest = &hm;
	apply_ok(d, one_op(&tx, &op, ops,
	    OP__KIND_SAVE_HOST_MAINTENANCE_REQUEST, &shm), ++pos);
	for (int i = 0; i < TASKS; i++) {
		snprintf(id, sizeof(id), "task-%05d", i);
		apply_ok(d, one_task_tx(&t, id, slave), ++pos);
	}
	return pos;
}

/* Every record of every table, in order, as key=hex lines. */
struct dump_ctx {
	FILE	*f;
	char	 last[256];
};

static int
dump_record(void *arg, const char *key, size_t keylen, const void *value,
    size_t len)
{
	struct dump_ctx *c = arg;

	fprintf(c->f, "%.*s=", (int)keylen, key);
	for (size_t i = 0; i < len; i++)
		fprintf(c->f, "%02x", ((const unsigned char *)value)[i]);
	fputc('\n', c->f);
	snprintf(c->last, sizeof(c->last), "%.*s", (int)keylen, key);
	return 0;
}

static char *
dump_tables(struct db *d)
{
	char *out = NULL, err[512], *fw = store_framework_id(d->store);
	size_t outlen = 0;
	struct dump_ctx c;

	c.f = open_memstream(&out, &outlen);
	fprintf(c.f, "applied %llu framework %s\n",
	    (unsigned long long)store_applied(d->store), fw ? fw : "-");
	free(fw);
	for (int t = 0; t < STORE_TABLES; t++) {
		int more = 1;

		c.last[0] = '\0';
		fprintf(c.f, "table %d\n", t);
		while (more)
			if (store_scan(d->store, (enum store_table)t, "",
			    c.last, 50, dump_record, &c, &more, err,
			    sizeof(err)) == -1) {
				fprintf(stderr, "%s\n", err);
				CHECK(0);
				break;
			}
	}
	fclose(c.f);
	return out;
}

struct parts {
	uint8_t	*data[512];
	size_t	 len[512];
	size_t	 n;
};

static Snapshot *
part_at(const struct parts *p, size_t i, LogEntry **e)
{
	*e = log_entry__unpack(NULL, p->len[i], p->data[i]);
	CHECK(*e != NULL && (*e)->kind_case == LOG_ENTRY__KIND_SNAPSHOT);
	return *e != NULL ? (*e)->snapshot : NULL;
}

/* Feeds parts[from..] to a restore; the last add's result. */
static int
feed(struct store_restore *r, const struct parts *p, size_t from, char *err,
    size_t errlen)
{
	int rc = 0;

	for (size_t i = from; i < p->n && rc == 0; i++) {
		LogEntry *e;
		Snapshot *s = part_at(p, i, &e);

		rc = store_restore_add(r, s, err, errlen);
		log_entry__free_unpacked(e, NULL);
	}
	return rc;
}

int
main(void)
{
	struct db a, ref, b;
	struct store_snapshot *ss;
	struct store_restore *r;
	struct snapshot_id id;
	struct parts p = { .n = 0 };
	struct one_task_tx t;
	char err[512], cmd[128], late[] = "task-late", slave[] = "agent-2";
	char *want, *got, *before;
	uint64_t at;
	int64_t counts_b[STORE_STATUS_SLOTS], counts_ref[STORE_STATUS_SLOTS];
	LogEntry *e;
	Snapshot *s;
	int rc;

	if (mkdtemp(top) == NULL)
		return 1;
	db_open(&a, "a");
	db_open(&ref, "ref");
	db_open(&b, "b");
	at = fill(&a);
	CHECK(fill(&ref) == at);

	/* A snapshot holds the position it began at, whatever follows. */
	CHECK((ss = store_snapshot_begin(a.store, 1234, err,
	    sizeof(err))) != NULL);
	CHECK(store_snapshot_position(ss) == at);
	apply_ok(&a, one_task_tx(&t, late, slave), at + 1);
	while ((rc = store_snapshot_next(ss, PART_MAX, &p.data[p.n],
	    &p.len[p.n], err, sizeof(err))) == 1 && p.n < 511)
		p.n++;
	CHECK(rc == 0);
	CHECK(store_snapshot_next(ss, PART_MAX, &p.data[p.n], &p.len[p.n],
	    err, sizeof(err)) == 0);
	CHECK(store_snapshot_counts(ss)->tasks == TASKS);
	CHECK(store_snapshot_counts(ss)->cron_jobs == 1);
	CHECK(store_snapshot_counts(ss)->quotas == 1);
	CHECK(store_snapshot_counts(ss)->host_attributes == 1);
	CHECK(store_snapshot_counts(ss)->updates == 1);
	CHECK(store_snapshot_counts(ss)->maintenance == 1);
	store_snapshot_end(ss);
	CHECK(p.n > 5);
	for (size_t i = 0; i < p.n; i++) {
		CHECK(p.len[i] <= PART_MAX);
		CHECK(snapshot_part_peek(p.data[i], p.len[i]));
		s = part_at(&p, i, &e);
		CHECK(s != NULL && s->part == i && s->position == at &&
		    s->timestamp == 1234);
		CHECK(s != NULL && (s->has_last && s->last) == (i == p.n - 1));
		log_entry__free_unpacked(e, NULL);
	}

	/* b holds other things; a restore replaces them all. */
	apply_ok(&b, one_task_tx(&t, late, slave), 3);
	before = dump_tables(&b);

	/* Parts out of order: refused, b unchanged. */
	s = part_at(&p, 0, &e);
	snapshot_part_id(s, &id);
	log_entry__free_unpacked(e, NULL);
	CHECK((r = store_restore_begin(b.store, &id, err,
	    sizeof(err))) != NULL);
	CHECK(feed(r, &p, 1, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "expected part 0, got part 1");
	store_restore_abort(r);
	got = dump_tables(&b);
	CHECK_STR(got, before);
	free(got);

	/* A part of another snapshot: refused. */
	id.timestamp = 99;
	CHECK((r = store_restore_begin(b.store, &id, err,
	    sizeof(err))) != NULL);
	CHECK(feed(r, &p, 0, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "got part 0 of the snapshot of position");
	store_restore_abort(r);
	id.timestamp = 1234;

	/* A task without an id: refused, b unchanged after the abort. */
	{
		Snapshot bad = SNAPSHOT__INIT;
		ScheduledTask task = SCHEDULED_TASK__INIT, *tasks[1] = { &task };

		bad.has_position = bad.has_timestamp = 1;
		bad.position = id.position;
		bad.timestamp = id.timestamp;
		bad.n_tasks = 1;
		bad.tasks = tasks;
		CHECK((r = store_restore_begin(b.store, &id, err,
		    sizeof(err))) != NULL);
		CHECK(store_restore_add(r, &bad, err, sizeof(err)) == -1);
		CHECK_STR(err, "snapshot of position 306, part 0: a task "
		    "without an id");
		store_restore_abort(r);
		got = dump_tables(&b);
		CHECK_STR(got, before);
		free(got);
	}

	/* The whole snapshot: b equals the reference, record for record. */
	CHECK(store_task_counts(b.store, counts_b, STORE_STATUS_SLOTS, err,
	    sizeof(err)) == 0);
	CHECK((r = store_restore_begin(b.store, &id, err,
	    sizeof(err))) != NULL);
	CHECK(feed(r, &p, 0, err, sizeof(err)) == 1);
	CHECK(store_restore_counts(r)->tasks == TASKS);
	CHECK(store_restore_commit(r, err, sizeof(err)) == 0);
	CHECK(store_applied(b.store) == at);
	want = dump_tables(&ref);
	got = dump_tables(&b);
	CHECK_STR(got, want);
	free(got);
	/* Its tasks per state (/vars) are the reference's, not the old ones. */
	CHECK(store_task_counts(b.store, counts_b, STORE_STATUS_SLOTS, err,
	    sizeof(err)) == 0);
	CHECK(store_task_counts(ref.store, counts_ref, STORE_STATUS_SLOTS, err,
	    sizeof(err)) == 0);
	CHECK(memcmp(counts_b, counts_ref, sizeof(counts_b)) == 0);
	CHECK(counts_b[SCHEDULE_STATUS__PENDING] == TASKS);

	/* It survives a reopen, and applying goes on from there. */
	db_close(&b);
	db_open(&b, "b");
	CHECK(store_applied(b.store) == at);
	got = dump_tables(&b);
	CHECK_STR(got, want);
	free(got);
	free(want);
	apply_ok(&b, one_task_tx(&t, late, slave), at + 1);
	CHECK(store_count(b.store, STORE_TASKS) == TASKS + 1);

	/* An empty store makes one part, marked last. */
	{
		struct db empty;
		uint8_t *data;
		size_t len;

		db_open(&empty, "empty");
		CHECK((ss = store_snapshot_begin(empty.store, 5, err,
		    sizeof(err))) != NULL);
		CHECK(store_snapshot_next(ss, PART_MAX, &data, &len, err,
		    sizeof(err)) == 1);
		e = log_entry__unpack(NULL, len, data);
		CHECK(e != NULL && e->snapshot != NULL && e->snapshot->last &&
		    e->snapshot->position == 0 && e->snapshot->n_tasks == 0);
		if (e != NULL)
			log_entry__free_unpacked(e, NULL);
		free(data);
		CHECK(store_snapshot_next(ss, PART_MAX, &data, &len, err,
		    sizeof(err)) == 0);
		store_snapshot_end(ss);
		db_close(&empty);
	}

	/* A transaction batch is not a part. */
	{
		LogEntry le = LOG_ENTRY__INIT;
		TransactionBatch tb = TRANSACTION_BATCH__INIT;
		uint8_t buf[64];
		size_t len;

		le.kind_case = LOG_ENTRY__KIND_BATCH;
		le.batch = &tb;
		len = log_entry__pack(&le, buf);
		CHECK(!snapshot_part_peek(buf, len));
	}

	free(before);
	for (size_t i = 0; i < p.n; i++)
		free(p.data[i]);
	db_close(&a);
	db_close(&ref);
	db_close(&b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	if (system(cmd) != 0)
		return 1;
	return check_done("test_store_snapshot");
}
