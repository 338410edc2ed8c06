/*
 * The store: Aurora's storage ops applied to LMDB tables with the applied
 * log position, validation errors naming the op, failed transactions that
 * change nothing, and the rules Aurora's stores follow (a host keeps its
 * maintenance mode, an update's state follows its events, history
 * pruning keeps updates in progress).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replica/log_storage.h"
#include "replica/store.h"
#include "tests/unit/check.h"
#include "tests/unit/one_task_tx.h"

static char dir[] = "/tmp/test_store.XXXXXX";

/* Writable copies of literals (protobuf-c fields are char *). */
static char *pool[64];
static size_t npool;

static char *
S(const char *lit)
{
	return pool[npool++] = strdup(lit);
}

/* One-op transactions, built on the stack. */
static Transaction tx = TRANSACTION__INIT;
static Op op = OP__INIT, *ops[1] = { &op };

static Transaction *
one(Op__KindCase k, void *msg)
{
	tx.n_ops = 1;
	tx.ops = ops;
	op.kind_case = k;
	op.savetasks = msg;	/* every member of the union is a pointer */
	return &tx;
}

static int
apply(struct store *s, Transaction *t, uint64_t pos, char *err, size_t len)
{
	return store_apply(s, t, pos, err, len);
}

static JobKey job = JOB_KEY__INIT;
static JobUpdateKey ukey = JOB_UPDATE_KEY__INIT;

static void
save_update(struct store *s, const char *id, uint64_t pos, int64_t ts,
    JobUpdateStatus last)
{
	JobUpdateSummary sum = JOB_UPDATE_SUMMARY__INIT;
	JobUpdate u = JOB_UPDATE__INIT;
	SaveJobUpdate su = SAVE_JOB_UPDATE__INIT;
	JobUpdateEvent ev = JOB_UPDATE_EVENT__INIT;
	SaveJobUpdateEvent se = SAVE_JOB_UPDATE_EVENT__INIT;
	char err[256];

	ukey.job = &job;
	ukey.id = S(id);
	sum.key = &ukey;
	u.summary = &sum;
	su.jobupdate = &u;
	CHECK(apply(s, one(OP__KIND_SAVE_JOB_UPDATE, &su), pos, err,
	    sizeof(err)) == 0);
	ev.has_status = ev.has_timestampms = 1;
	ev.status = last;
	ev.timestampms = ts;
	se.key = &ukey;
	se.event = &ev;
	CHECK(apply(s, one(OP__KIND_SAVE_JOB_UPDATE_EVENT, &se), pos + 1, err,
	    sizeof(err)) == 0);
}

static JobUpdateDetails *
read_update(struct store *s, const char *key)
{
	JobUpdateDetails *d = NULL;
	char err[256];
	void *data;
	size_t len;

	if (store_get(s, STORE_JOB_UPDATES, key, &data, &len, err,
	    sizeof(err)) == 1) {
		d = job_update_details__unpack(NULL, len, data);
		free(data);
	}
	return d;
}

/* A full map refuses the whole position and keeps what was applied. */
static void
test_full_map(void)
{
	char full_dir[] = "/tmp/test_store_full.XXXXXX", err[512], cmd[128];
	char id[32], *big;
	struct one_task_tx t;
	struct store *s;
	MDB_env *env;
	uint64_t pos;

	if (mkdtemp(full_dir) == NULL || (big = malloc(64 << 10)) == NULL)
		return;
	memset(big, 'h', (64 << 10) - 1);
	big[(64 << 10) - 1] = '\0';
	CHECK((env = log_env_open(full_dir, 1 << 20, 0, err, sizeof(err))) != NULL);
	CHECK((s = store_open(env, err, sizeof(err))) != NULL);
	for (pos = 1; pos < 100; pos++) {
		snprintf(id, sizeof(id), "task-%llu", (unsigned long long)pos);
		if (apply(s, one_task_tx(&t, id, big), pos, err,
		    sizeof(err)) == -1)
			break;
	}
	CHECK(pos > 1 && pos < 100);
	CHECK_CONTAINS(err, "the log's LMDB map is full (raise "
	    "-native_log_map_size)");
	CHECK(store_applied(s) == pos - 1);
	CHECK(store_count(s, STORE_TASKS) == pos - 1);
	store_close(s);
	mdb_env_close(env);
	free(big);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", full_dir);
	(void)!system(cmd);
}

int
main(void)
{
	char err[512], cmd[128];
	MDB_env *env;
	struct store *s;
	ScheduledTask task = SCHEDULED_TASK__INIT, *tasks[1] = { &task };
	AssignedTask at = ASSIGNED_TASK__INIT;
	SaveTasks st = SAVE_TASKS__INIT;
	RemoveTasks rt = REMOVE_TASKS__INIT;
	SaveFrameworkId fid = SAVE_FRAMEWORK_ID__INIT;
	SaveQuota sq = SAVE_QUOTA__INIT;
	ResourceAggregate quota = RESOURCE_AGGREGATE__INIT;
	HostAttributes ha = HOST_ATTRIBUTES__INIT;
	SaveHostAttributes sha = SAVE_HOST_ATTRIBUTES__INIT;
	JobInstanceUpdateEvent iev = JOB_INSTANCE_UPDATE_EVENT__INIT;
	SaveJobInstanceUpdateEvent sie = SAVE_JOB_INSTANCE_UPDATE_EVENT__INIT;
	PruneJobUpdateHistory prune = PRUNE_JOB_UPDATE_HISTORY__INIT;
	JobUpdateDetails *d;
	char *ids[1], *fw;
	void *data;
	size_t len;

	if (mkdtemp(dir) == NULL)
		return 1;
	CHECK((env = log_env_open(dir, 64 << 20, 0, err, sizeof(err))) != NULL);
	CHECK((s = store_open(env, err, sizeof(err))) != NULL);
	CHECK(store_applied(s) == 0);

	/* saveTasks / removeTasks */
	at.taskid = S("t1");
	task.assignedtask = &at;
	task.has_status = 1;
	task.status = SCHEDULE_STATUS__PENDING;
	st.n_tasks = 1;
	st.tasks = tasks;
	CHECK(apply(s, one(OP__KIND_SAVE_TASKS, &st), 5, err,
	    sizeof(err)) == 0);
	CHECK(store_applied(s) == 5);
	CHECK(store_count(s, STORE_TASKS) == 1);
	CHECK(store_get(s, STORE_TASKS, "t1", &data, &len, err,
	    sizeof(err)) == 1);
	{
		ScheduledTask *back = scheduled_task__unpack(NULL, len, data);

		CHECK(back != NULL && back->status == SCHEDULE_STATUS__PENDING);
		CHECK_STR(back->assignedtask->taskid, "t1");
		scheduled_task__free_unpacked(back, NULL);
		free(data);
	}
	/* A position at or below the applied one is refused. */
	CHECK(apply(s, one(OP__KIND_SAVE_TASKS, &st), 5, err,
	    sizeof(err)) == -1);
	CHECK_CONTAINS(err, "already applied");

	/* Validation names the op and the problem; nothing changes. */
	at.taskid = S("");
	CHECK(apply(s, one(OP__KIND_SAVE_TASKS, &st), 6, err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "op 0 (saveTasks): task 0 has no assignedTask.taskId");
	at.taskid = S("t1");
	task.has_status = 0;
	CHECK(store_validate(one(OP__KIND_SAVE_TASKS, &st), err,
	    sizeof(err)) == -1);
	CHECK_CONTAINS(err, "task t1 has no status");
	task.has_status = 1;
	sq.role = S("");
	sq.quota = &quota;
	CHECK(store_validate(one(OP__KIND_SAVE_QUOTA, &sq), err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "op 0 (saveQuota): needs a role and a quota");
	op.kind_case = OP__KIND__NOT_SET;
	CHECK(store_validate(&tx, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "no operation set");
	tx.n_ops = 0;
	CHECK(store_validate(&tx, err, sizeof(err)) == -1);
	CHECK_STR(err, "empty transaction");
	/* A refused transaction still takes its position, as everywhere. */
	CHECK(store_applied(s) == 6);

	ids[0] = S("t1");
	rt.n_taskids = 1;
	rt.taskids = ids;
	CHECK(apply(s, one(OP__KIND_REMOVE_TASKS, &rt), 7, err,
	    sizeof(err)) == 0);
	CHECK(store_count(s, STORE_TASKS) == 0);
	/* Removing what is not there is no error (Aurora's stores agree). */
	CHECK(apply(s, one(OP__KIND_REMOVE_TASKS, &rt), 8, err,
	    sizeof(err)) == 0);

	/* saveFrameworkId, saveQuota */
	fid.id = S("framework-1");
	CHECK(apply(s, one(OP__KIND_SAVE_FRAMEWORK_ID, &fid), 9, err,
	    sizeof(err)) == 0);
	fw = store_framework_id(s);
	CHECK_STR(fw, "framework-1");
	free(fw);
	sq.role = S("www-data");
	CHECK(apply(s, one(OP__KIND_SAVE_QUOTA, &sq), 10, err,
	    sizeof(err)) == 0);
	CHECK(store_count(s, STORE_QUOTAS) == 1);

	/* A host keeps its maintenance mode when new attributes omit it. */
	ha.host = S("host1");
	ha.has_mode = 1;
	ha.mode = MAINTENANCE_MODE__DRAINED;
	sha.hostattributes = &ha;
	CHECK(apply(s, one(OP__KIND_SAVE_HOST_ATTRIBUTES, &sha), 11, err,
	    sizeof(err)) == 0);
	ha.has_mode = 0;
	CHECK(apply(s, one(OP__KIND_SAVE_HOST_ATTRIBUTES, &sha), 12, err,
	    sizeof(err)) == 0);
	CHECK(ha.has_mode == 0);	/* the transaction is left as it was */
	CHECK(store_get(s, STORE_HOST_ATTRIBUTES, "host1", &data, &len, err,
	    sizeof(err)) == 1);
	{
		HostAttributes *back = host_attributes__unpack(NULL, len, data);

		CHECK(back != NULL && back->has_mode &&
		    back->mode == MAINTENANCE_MODE__DRAINED);
		host_attributes__free_unpacked(back, NULL);
		free(data);
	}

	/* Job updates: state follows events; events need the update. */
	job.role = S("www-data");
	job.environment = S("prod");
	job.name = S("hello");
	ukey.job = &job;
	ukey.id = S("missing");
	iev.has_instanceid = iev.has_timestampms = 1;
	iev.instanceid = 0;
	iev.timestampms = 500;
	sie.key = &ukey;
	sie.event = &iev;
	CHECK(apply(s, one(OP__KIND_SAVE_JOB_INSTANCE_UPDATE_EVENT, &sie), 13,
	    err, sizeof(err)) == -1);
	CHECK_STR(err, "op 0 (saveJobInstanceUpdateEvent): no job update "
	    "www-data/prod/hello/missing");
	CHECK(store_applied(s) == 13);

	save_update(s, "u1", 14, 100, JOB_UPDATE_STATUS__ROLLED_FORWARD);
	save_update(s, "u2", 16, 200, JOB_UPDATE_STATUS__ROLLED_FORWARD);
	save_update(s, "u3", 18, 300, JOB_UPDATE_STATUS__ROLLING_FORWARD);
	ukey.id = S("u3");
	CHECK(apply(s, one(OP__KIND_SAVE_JOB_INSTANCE_UPDATE_EVENT, &sie), 20,
	    err, sizeof(err)) == 0);
	d = read_update(s, "www-data/prod/hello/u3");
	CHECK(d != NULL && d->n_updateevents == 1 && d->n_instanceevents == 1);
	CHECK(d != NULL && d->update->summary->state != NULL &&
	    d->update->summary->state->status ==
	    JOB_UPDATE_STATUS__ROLLING_FORWARD &&
	    d->update->summary->state->createdtimestampms == 300 &&
	    d->update->summary->state->lastmodifiedtimestampms == 500);
	if (d != NULL)
		job_update_details__free_unpacked(d, NULL);

	/* Keep one finished update per job; the one in progress stays. */
	prune.has_perjobretaincount = prune.has_historyprunethresholdms = 1;
	prune.perjobretaincount = 1;
	prune.historyprunethresholdms = 0;
	CHECK(apply(s, one(OP__KIND_PRUNE_JOB_UPDATE_HISTORY, &prune), 21, err,
	    sizeof(err)) == 0);
	CHECK(store_count(s, STORE_JOB_UPDATES) == 2);
	d = read_update(s, "www-data/prod/hello/u1");
	CHECK(d == NULL);
	d = read_update(s, "www-data/prod/hello/u2");
	CHECK(d != NULL);
	if (d != NULL)
		job_update_details__free_unpacked(d, NULL);

	/* A batch: each transaction on its own, the refused one alone. */
	{
		RemoveQuota rq = REMOVE_QUOTA__INIT;
		SaveFrameworkId f2 = SAVE_FRAMEWORK_ID__INIT;
		Transaction t1 = TRANSACTION__INIT, t2 = TRANSACTION__INIT,
		    t3 = TRANSACTION__INIT, *batch[3] = { &t1, &t2, &t3 };
		Op o1 = OP__INIT, o2 = OP__INIT, o3 = OP__INIT;
		Op *p1[1] = { &o1 }, *p2[1] = { &o2 }, *p3[1] = { &o3 };
		struct store_outcome out[3];

		rq.role = S("www-data");
		o1.kind_case = OP__KIND_REMOVE_QUOTA;
		o1.removequota = &rq;
		t1.n_ops = 1;
		t1.ops = p1;
		o2.kind_case = OP__KIND_SAVE_JOB_INSTANCE_UPDATE_EVENT;
		o2.savejobinstanceupdateevent = &sie;
		ukey.id = S("gone");
		t2.n_ops = 1;
		t2.ops = p2;
		f2.id = S("framework-2");
		o3.kind_case = OP__KIND_SAVE_FRAMEWORK_ID;
		o3.saveframeworkid = &f2;
		t3.n_ops = 1;
		t3.ops = p3;
		CHECK(store_apply_entry(s, batch, 3, 22, out, err,
		    sizeof(err)) == 0);
		CHECK(!out[0].refused && out[1].refused && !out[2].refused);
		CHECK_STR(out[1].why, "op 0 (saveJobInstanceUpdateEvent): no "
		    "job update www-data/prod/hello/gone");
		CHECK(store_count(s, STORE_QUOTAS) == 0);
		fw = store_framework_id(s);
		CHECK_STR(fw, "framework-2");
		free(fw);
		CHECK(store_applied(s) == 22);
		/* An empty entry (a no-op position) only moves the cursor. */
		CHECK(store_apply_entry(s, NULL, 0, 23, NULL, err,
		    sizeof(err)) == 0);
		CHECK(store_applied(s) == 23);
		CHECK(store_apply_entry(s, batch, 1, 23, out, err,
		    sizeof(err)) == -1);
		CHECK_STR(err, "position 23 is already applied (at 23)");
	}

	/* The applied position survives a reopen. */
	store_close(s);
	mdb_env_close(env);
	CHECK((env = log_env_open(dir, 64 << 20, 0, err, sizeof(err))) != NULL);
	CHECK((s = store_open(env, err, sizeof(err))) != NULL);
	CHECK(store_applied(s) == 23);
	CHECK(store_count(s, STORE_HOST_ATTRIBUTES) == 1);
	store_close(s);
	mdb_env_close(env);

	for (size_t i = 0; i < npool; i++)
		free(pool[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	test_full_map();
	return check_done("test_store");
}
