/*
 * Unit test of replica/sched_tx.c and replica/sched_state.c on a real
 * store: tasks created PENDING with their event, changes and their side
 * effects in Aurora's order (failures counted then rescheduled with the
 * ancestor, the failure limit, flapping -> THROTTLED with the backoff,
 * partitioned tasks marked LOST, kills asked for, PENDING tasks deleted
 * on kill), compare-and-set, undo to a savepoint, and the transaction
 * the changes pack into, applied to the store.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/storage.pb-c.h"
#include "replica/log_storage.h"
#include "replica/sched_state.h"
#include "replica/sched_tx.h"
#include "replica/store.h"
#include "tests/unit/check.h"

#define RUNNING		SCHEDULE_STATUS__RUNNING
#define PENDING		SCHEDULE_STATUS__PENDING
#define ASSIGNED	SCHEDULE_STATUS__ASSIGNED
#define FAILED		SCHEDULE_STATUS__SCHEDULE_STATUS_FAILED
#define FINISHED	SCHEDULE_STATUS__FINISHED
#define KILLING		SCHEDULE_STATUS__KILLING
#define PARTITIONED	SCHEDULE_STATUS__PARTITIONED
#define LOST		SCHEDULE_STATUS__LOST
#define THROTTLED	SCHEDULE_STATUS__THROTTLED

static char dir[] = "/tmp/test_sched_state.XXXXXX";
static struct store *store;
static uint64_t position;
static int64_t clock_ms = 1000000;

static int64_t
fixed_now(void)
{
	return clock_ms;
}

static double
half(void)
{
	return 0.5;
}

/* Packs tx's changes and applies them to the store as the next position. */
static void
commit(struct sched_tx *tx)
{
	Transaction *t;
	uint8_t *data;
	size_t len;
	char err[256];

	CHECK(sched_tx_pack(tx, &data, &len) == 0);
	CHECK(data != NULL);
	if (data == NULL)
		return;
	CHECK((t = transaction__unpack(NULL, len, data)) != NULL);
	CHECK(store_validate(t, err, sizeof(err)) == 0);
	CHECK(store_apply(store, t, ++position, err, sizeof(err)) == 0);
	transaction__free_unpacked(t, NULL);
	free(data);
}

struct found {
	char	ids[16][256];
	int	status[16];
	size_t	n;
};

static int
collect(void *arg, const char *key, const ProtobufCMessage *msg)
{
	struct found *f = arg;

	if (f->n < 16) {
		snprintf(f->ids[f->n], sizeof(f->ids[0]), "%s", key);
		f->status[f->n++] = ((const ScheduledTask *)msg)->status;
	}
	return 0;
}

static struct found
tasks(struct sched_tx *tx)
{
	struct found f;
	char err[256];

	memset(&f, 0, sizeof(f));
	CHECK(sched_tx_scan(tx, STORE_TASKS, "", collect, &f, err,
	    sizeof(err)) == 0);
	return f;
}

static const ScheduledTask *
task(struct sched_tx *tx, const char *id)
{
	int failed = 0;
	const ScheduledTask *t;

	t = (const ScheduledTask *)sched_tx_get(tx, STORE_TASKS, id, &failed);
	CHECK(failed == 0);
	return t;
}

static int
change(struct sched_tx *tx, const char *id, int status, const char *msg)
{
	enum task_result r;
	char err[256];

	CHECK(sched_change_state(tx, id, -1, status, msg, &r, err,
	    sizeof(err)) == 0);
	return (int)r;
}

/* The one task of a set whose status is s. */
static const char *
with_status(const struct found *f, int s, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < f->n; i++)
		if (f->status[i] == s)
			snprintf(out, len, "%s", f->ids[i]);
	return out;
}

static JobKey job = JOB_KEY__INIT;
static TaskConfig config = TASK_CONFIG__INIT;

static void
setup_job(int service, int max_failures)
{
	static char role[] = "www-data", env[] = "prod", name[] = "hello.world";

	job.role = role;
	job.environment = env;
	job.name = name;
	config.job = &job;
	config.has_isservice = config.has_maxtaskfailures = 1;
	config.isservice = service;
	config.maxtaskfailures = max_failures;
}

static void
test_insert_and_collide(void)
{
	struct sched_tx *tx = sched_tx_new(store);
	int32_t inst[] = { 0, 1, 2 };
	const ScheduledTask *t;
	struct found f;
	char err[256], prefix[128];

	setup_job(1, 1);
	CHECK(sched_insert_pending(tx, &config, inst, 3, err, sizeof(err)) == 0);
	f = tasks(tx);
	CHECK(f.n == 3);
	sched_job_task_prefix(&job, prefix, sizeof(prefix));
	CHECK_STR(prefix, "www-data-prod-hello-world-");
	for (size_t i = 0; i < f.n; i++) {
		CHECK(strncmp(f.ids[i], prefix, strlen(prefix)) == 0);
		/* role-env-name-instance-uuid: 36 characters of uuid */
		CHECK(strlen(f.ids[i]) == strlen(prefix) + 2 + 36);
		CHECK(f.status[i] == PENDING);
		t = task(tx, f.ids[i]);
		CHECK(t->n_taskevents == 1);
		CHECK(t->taskevents[0]->status == PENDING);
		CHECK(t->taskevents[0]->timestamp == clock_ms);
		CHECK(t->taskevents[0]->message == NULL);
		CHECK_STR(t->taskevents[0]->scheduler, "test-host");
		CHECK(t->failurecount == 0 && t->has_failurecount);
		CHECK(t->ancestorid == NULL);
	}
	/* An active instance cannot be created twice, even in one round. */
	CHECK(sched_insert_pending(tx, &config, inst + 2, 1, err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "Instance ID collision detected.");
	commit(tx);
	sched_tx_free(tx);
	CHECK(store_count(store, STORE_TASKS) == 3);

	tx = sched_tx_new(store);
	CHECK(sched_insert_pending(tx, &config, inst + 1, 1, err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "Instance ID collision detected.");
	CHECK(!sched_tx_changed(tx));
	sched_tx_free(tx);
}

static void
test_kill_pending_deletes(void)
{
	struct sched_tx *tx = sched_tx_new(store);
	struct found f = tasks(tx);
	size_t n;

	CHECK(change(tx, f.ids[0], KILLING, "Killed by test") == TASK_SUCCESS);
	CHECK(task(tx, f.ids[0]) == NULL);
	(void)sched_tx_kills(tx, &n);
	CHECK(n == 0);	/* nothing runs: nothing to kill */
	commit(tx);
	sched_tx_free(tx);
	CHECK(store_count(store, STORE_TASKS) == 2);
}

static void
test_service_rescheduled_and_flapping(void)
{
	struct sched_tx *tx = sched_tx_new(store);
	struct found f = tasks(tx);
	const ScheduledTask *t;
	char id[256], next[256], third[256];

	snprintf(id, sizeof(id), "%s", f.ids[0]);
	CHECK(change(tx, id, ASSIGNED, NULL) == TASK_SUCCESS);
	CHECK(change(tx, id, RUNNING, NULL) == TASK_SUCCESS);
	clock_ms += 10;	/* ran 10 ms: flapped */
	CHECK(change(tx, id, FINISHED, "done") == TASK_SUCCESS);
	t = task(tx, id);
	CHECK(t->status == FINISHED && t->n_taskevents == 4);
	CHECK_STR(t->taskevents[3]->message, "done");
	f = tasks(tx);
	CHECK(f.n == 3);
	with_status(&f, PENDING, next, sizeof(next));
	/* Two PENDING: the untouched instance and the new one. */
	for (size_t i = 0; i < f.n; i++)
		if (f.status[i] == PENDING && (t = task(tx, f.ids[i]))->
		    ancestorid != NULL)
			snprintf(next, sizeof(next), "%s", f.ids[i]);
	t = task(tx, next);
	CHECK_STR(t->ancestorid, id);
	/* Its ancestor has no ancestor: no penalty yet. */
	CHECK_STR(t->taskevents[0]->message, "Rescheduled");
	CHECK(t->assignedtask->instanceid ==
	    task(tx, id)->assignedtask->instanceid);

	/* The second one flaps too: its ancestor flapped, so THROTTLED. */
	CHECK(change(tx, next, ASSIGNED, NULL) == TASK_SUCCESS);
	CHECK(change(tx, next, RUNNING, NULL) == TASK_SUCCESS);
	CHECK(change(tx, next, SCHEDULE_STATUS__SCHEDULE_STATUS_FAILED,
	    "boom") == TASK_SUCCESS);
	CHECK(task(tx, next)->failurecount == 1);
	f = tasks(tx);
	with_status(&f, THROTTLED, third, sizeof(third));
	CHECK(third[0] != '\0');
	t = task(tx, third);
	/* initial 30000 ms plus half of it (the jitter at 0.5) */
	CHECK_STR(t->taskevents[0]->message,
	    "Rescheduled, penalized for 45000 ms for flapping");
	CHECK(t->failurecount == 1);
	CHECK_STR(t->ancestorid, next);
	commit(tx);
	sched_tx_free(tx);
}

static void
test_batch_failure_limit(void)
{
	struct sched_tx *tx = sched_tx_new(store);
	int32_t inst[] = { 7 };
	struct found f;
	char err[256], a[256], b[256];
	size_t before;

	setup_job(0, 2);
	job.name = (char *)(uintptr_t)"batch";
	config.job = &job;
	before = tasks(tx).n;
	CHECK(sched_insert_pending(tx, &config, inst, 1, err, sizeof(err)) == 0);
	f = tasks(tx);
	CHECK(f.n == before + 1);
	snprintf(a, sizeof(a), "%s", f.ids[f.n - 1]);
	CHECK(change(tx, a, ASSIGNED, NULL) == TASK_SUCCESS);
	clock_ms += 10 * 60 * 1000;	/* long runs: no flapping */
	CHECK(change(tx, a, RUNNING, NULL) == TASK_SUCCESS);
	clock_ms += 10 * 60 * 1000;
	CHECK(change(tx, a, FAILED, NULL) == TASK_SUCCESS);
	f = tasks(tx);
	CHECK(f.n == before + 2);	/* below the limit: again */
	snprintf(b, sizeof(b), "%s", f.ids[f.n - 1]);
	CHECK(task(tx, b)->failurecount == 1);
	CHECK(task(tx, b)->status == PENDING);
	CHECK(change(tx, b, ASSIGNED, NULL) == TASK_SUCCESS);
	clock_ms += 10 * 60 * 1000;
	CHECK(change(tx, b, RUNNING, NULL) == TASK_SUCCESS);
	clock_ms += 10 * 60 * 1000;
	CHECK(change(tx, b, FAILED, NULL) == TASK_SUCCESS);
	CHECK(task(tx, b)->failurecount == 2);
	CHECK(tasks(tx).n == before + 2);	/* at its limit: not again */
	commit(tx);
	sched_tx_free(tx);
}

static void
test_partitioned(void)
{
	struct sched_tx *tx = sched_tx_new(store);
	int32_t inst[] = { 9 };
	const ScheduledTask *t;
	struct found f;
	char err[256], id[256];
	size_t n, before;

	job.name = (char *)(uintptr_t)"part";
	before = tasks(tx).n;
	CHECK(sched_insert_pending(tx, &config, inst, 1, err, sizeof(err)) == 0);
	f = tasks(tx);
	snprintf(id, sizeof(id), "%s", f.ids[f.n - 1]);
	CHECK(change(tx, id, ASSIGNED, NULL) == TASK_SUCCESS);
	CHECK(change(tx, id, RUNNING, NULL) == TASK_SUCCESS);
	CHECK(change(tx, id, PARTITIONED, NULL) == TASK_SUCCESS);
	CHECK(change(tx, id, RUNNING, NULL) == TASK_SUCCESS);
	CHECK(change(tx, id, PARTITIONED, NULL) == TASK_SUCCESS);
	t = task(tx, id);
	/* RUNNING, PARTITIONED, RUNNING, PARTITIONED compacted to two. */
	CHECK(t->n_taskevents == 4);
	CHECK(t->taskevents[3]->status == PARTITIONED);
	CHECK(t->timespartitioned == 2);
	/* Killing a partitioned task marks it LOST at once. */
	CHECK(change(tx, id, KILLING, "Killed by x") == TASK_SUCCESS);
	t = task(tx, id);
	CHECK(t->status == LOST);
	CHECK_STR(t->taskevents[t->n_taskevents - 1]->message,
	    "Action performed on partitioned task, marking as LOST.");
	CHECK(t->taskevents[t->n_taskevents - 2]->status == KILLING);
	/* The agent is unreachable: no kill is sent. */
	(void)sched_tx_kills(tx, &n);
	CHECK(n == 0);
	/* KILLING -> LOST does not reschedule. */
	CHECK(tasks(tx).n == before + 1);
	commit(tx);
	sched_tx_free(tx);
}

static void
test_cas_rollback_and_zombies(void)
{
	struct sched_tx *tx = sched_tx_new(store);
	struct sched_tx_savepoint sp;
	struct found f = tasks(tx);
	const char *const *kills;
	enum task_result r;
	uint8_t *data;
	size_t len, n, before = f.n;
	char err[256], pending[256];
	int32_t inst[] = { 40, 41 };

	with_status(&f, PENDING, pending, sizeof(pending));
	CHECK(pending[0] != '\0');
	/* Not in the state asked for: nothing happens. */
	CHECK(sched_change_state(tx, pending, RUNNING, ASSIGNED, NULL, &r,
	    err, sizeof(err)) == 0);
	CHECK(r == TASK_ILLEGAL);
	CHECK(task(tx, pending)->status == PENDING);
	CHECK(sched_change_state(tx, "no-such-task", PENDING, ASSIGNED, NULL,
	    &r, err, sizeof(err)) == 0);
	CHECK(r == TASK_ILLEGAL);
	CHECK(!sched_tx_changed(tx));

	/* Undo back to a savepoint: as if never decided. */
	sp = sched_tx_savepoint(tx);
	job.name = (char *)(uintptr_t)"undone";
	CHECK(sched_insert_pending(tx, &config, inst, 2, err, sizeof(err)) == 0);
	CHECK(change(tx, pending, ASSIGNED, NULL) == TASK_SUCCESS);
	CHECK(tasks(tx).n == before + 2);
	sched_tx_rollback(tx, sp);
	CHECK(tasks(tx).n == before);
	CHECK(task(tx, pending)->status == PENDING);
	CHECK(!sched_tx_changed(tx));
	CHECK(sched_tx_pack(tx, &data, &len) == 0 && data == NULL && len == 0);

	/* A task the scheduler does not know reported RUNNING: killed. */
	CHECK(change(tx, "ghost-task", RUNNING, NULL) ==
	    TASK_ILLEGAL_WITH_SIDE_EFFECTS);
	kills = sched_tx_kills(tx, &n);
	CHECK(n == 1 && strcmp(kills[0], "ghost-task") == 0);
	CHECK(task(tx, "ghost-task") == NULL);
	CHECK(sched_tx_changed(tx));
	CHECK(sched_tx_pack(tx, &data, &len) == 0 && data == NULL);
	sched_tx_free(tx);
}

int
main(void)
{
	struct sched_settings s;
	char err[512], cmd[128];
	MDB_env *env;

	memset(&s, 0, sizeof(s));
	s.flapping_threshold_ms = 5 * 60 * 1000;
	s.initial_flapping_delay_ms = 30 * 1000;
	s.max_flapping_delay_ms = 5 * 60 * 1000;
	snprintf(s.host, sizeof(s.host), "test-host");
	s.now_ms = fixed_now;
	s.random = half;
	sched_state_init(&s);
	if (mkdtemp(dir) == NULL)
		return 1;
	CHECK((env = log_env_open(dir, 64 << 20, 0, err, sizeof(err))) != NULL);
	CHECK((store = store_open(env, err, sizeof(err))) != NULL);
	if (store != NULL) {
		test_insert_and_collide();
		test_kill_pending_deletes();
		test_service_rescheduled_and_flapping();
		test_batch_failure_limit();
		test_partitioned();
		test_cas_rollback_and_zombies();
		store_close(store);
	}
	mdb_env_close(env);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return check_done("test_sched_state");
}
