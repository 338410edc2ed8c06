/*
 * The store's task counts per state (/vars task_store_*): kept by every
 * apply, they always equal a count of the stored tasks done the slow way
 * (unpacking each one), through saves, state changes, removals, refused
 * transactions that roll back their saves, and a reopened store. The
 * packed-bytes reader of a task's status refuses truncated records.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replica/log_storage.h"
#include "replica/store.h"
#include "replica/store_internal.h"
#include "tests/unit/check.h"
#include "tests/unit/one_task_tx.h"

#define SLOTS	STORE_STATUS_SLOTS
#define IDS	40

static char dir[] = "/tmp/test_store_counts.XXXXXX";
static const int statuses[] = { 0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 12, 13, 16,
    17, 18 };

static int
count_unpacked(void *arg, const char *key, size_t keylen, const void *value,
    size_t len)
{
	int64_t *counts = arg;
	ScheduledTask *t = scheduled_task__unpack(NULL, len, value);

	(void)key;
	(void)keylen;
	if (t == NULL)
		return -1;
	counts[t->status]++;
	scheduled_task__free_unpacked(t, NULL);
	return 0;
}

/* 1 when the kept counts equal a count by unpacking every task. */
static int
counts_agree(struct store *s)
{
	int64_t kept[SLOTS], slow[SLOTS] = { 0 };
	char err[256];
	int more;

	if (store_task_counts(s, kept, SLOTS, err, sizeof(err)) == -1 ||
	    store_scan(s, STORE_TASKS, "", "", SIZE_MAX, count_unpacked, slow,
	    &more, err, sizeof(err)) == -1)
		return 0;
	for (int i = 0; i < SLOTS; i++)
		if (kept[i] != slow[i]) {
			fprintf(stderr, "status %d: kept %lld, stored %lld\n",
			    i, (long long)kept[i], (long long)slow[i]);
			return 0;
		}
	return 1;
}

/* A transaction saving a task then failing (an event for no update). */
static int
apply_refused_save(struct store *s, char *id, int status, uint64_t pos)
{
	struct one_task_tx save;
	Transaction *tx = one_task_tx(&save, id, NULL);
	JobKey job = JOB_KEY__INIT;
	JobUpdateKey key = JOB_UPDATE_KEY__INIT;
	JobInstanceUpdateEvent ev = JOB_INSTANCE_UPDATE_EVENT__INIT;
	SaveJobInstanceUpdateEvent sie = SAVE_JOB_INSTANCE_UPDATE_EVENT__INIT;
	Op bad = OP__INIT, *ops[2] = { &save.op, &bad };
	struct store_outcome out;
	char err[256];

	save.task.status = status;
	job.role = job.environment = job.name = id;
	key.job = &job;
	key.id = id;
	ev.has_instanceid = ev.has_timestampms = 1;
	sie.key = &key;
	sie.event = &ev;
	bad.kind_case = OP__KIND_SAVE_JOB_INSTANCE_UPDATE_EVENT;
	bad.savejobinstanceupdateevent = &sie;
	tx->n_ops = 2;
	tx->ops = ops;
	if (store_apply_entry(s, &tx, 1, pos, &out, err, sizeof(err)) == -1)
		return -1;
	return out.refused ? 0 : -1;
}

int
main(void)
{
	char err[256], ids[IDS][16], cmd[128];
	MDB_env *env;
	struct store *s;
	uint64_t pos = 0, seed = 12345;
	int64_t kept[SLOTS];

	if (mkdtemp(dir) == NULL)
		return 1;
	CHECK((env = log_env_open(dir, 64 << 20, 0, err, sizeof(err))) != NULL);
	CHECK((s = store_open(env, err, sizeof(err))) != NULL);
	for (int i = 0; i < IDS; i++)
		snprintf(ids[i], sizeof(ids[i]), "task-%d", i);

	/* Empty at first: every count is 0. */
	CHECK(store_task_counts(s, kept, SLOTS, err, sizeof(err)) == 0);
	CHECK(kept[SCHEDULE_STATUS__PENDING] == 0);

	/* Saves, state changes, removals and refused saves, at random. */
	for (int step = 0; step < 600; step++) {
		int id, st, what;
		RemoveTasks rt = REMOVE_TASKS__INIT;
		Op rop = OP__INIT, *rops[1] = { &rop };
		Transaction rtx = TRANSACTION__INIT;
		char *rid[1];
		struct one_task_tx one;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		id = (int)(seed >> 33) % IDS;
		st = statuses[(seed >> 20) % (sizeof(statuses) /
		    sizeof(statuses[0]))];
		what = (int)((seed >> 12) % 10);
		if (what < 6) {
			Transaction *tx = one_task_tx(&one, ids[id], NULL);

			one.task.status = st;
			CHECK(store_apply(s, tx, ++pos, err, sizeof(err)) == 0);
		} else if (what < 8) {
			rid[0] = ids[id];
			rt.n_taskids = 1;
			rt.taskids = rid;
			rop.kind_case = OP__KIND_REMOVE_TASKS;
			rop.removetasks = &rt;
			rtx.n_ops = 1;
			rtx.ops = rops;
			CHECK(store_apply(s, &rtx, ++pos, err,
			    sizeof(err)) == 0);
		} else
			CHECK(apply_refused_save(s, ids[id], st, ++pos) == 0);
		if (step % 50 == 0 || step == 599)
			CHECK(counts_agree(s));
	}

	/* A reopened store counts again from its table. */
	store_close(s);
	CHECK((s = store_open(env, err, sizeof(err))) != NULL);
	CHECK(counts_agree(s));

	/* The status read from packed bytes, and truncated records. */
	{
		ScheduledTask t = SCHEDULED_TASK__INIT;
		AssignedTask at = ASSIGNED_TASK__INIT;
		uint8_t buf[128];
		size_t n;

		at.taskid = ids[0];
		t.assignedtask = &at;
		n = scheduled_task__pack(&t, buf);
		/* No status field: the field's default, INIT. */
		CHECK(store_task_status(buf, n) == SCHEDULE_STATUS__INIT);
		t.has_status = 1;
		t.status = SCHEDULE_STATUS__RUNNING;
		t.has_failurecount = 1;
		t.failurecount = 3;
		n = scheduled_task__pack(&t, buf);
		CHECK(store_task_status(buf, n) == SCHEDULE_STATUS__RUNNING);
		CHECK(store_task_status(buf, n - 1) == -1);
		CHECK(store_task_status(buf, 3) == -1);
		buf[0] = 0x0f;		/* field 1, wire type 7: no such type */
		CHECK(store_task_status(buf, n) == -1);
	}

	store_close(s);
	mdb_env_close(env);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return check_done("test_store_counts");
}
