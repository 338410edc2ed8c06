/*
 * replica: Aurora's state manager on a transaction being decided (see
 * sched_state.h). Runs on the leader only; what it decides reaches the
 * other replicas as the transaction's saveTasks and removeTasks.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/proto_copy.h"
#include "replica/sched_state.h"

#define LOST_MESSAGE	"Action performed on partitioned task, marking as LOST."
#define MAX_DEPTH	8	/* lost -> rescheduled is as deep as it gets */

static struct sched_settings settings;

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double
random_unit(void)
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint64_t)wall_ms() * 0x9e3779b97f4a7c15ull;
	return (double)(r >> 11) / 9007199254740992.0;	/* 2^53 */
}

void
sched_state_init(const struct sched_settings *s)
{
	settings = *s;
	if (settings.host[0] == '\0' &&
	    gethostname(settings.host, sizeof(settings.host) - 1) == -1)
		snprintf(settings.host, sizeof(settings.host), "localhost");
	if (settings.now_ms == NULL)
		settings.now_ms = wall_ms;
	if (settings.random == NULL)
		settings.random = random_unit;
}

const struct sched_settings *
sched_state_settings(void)
{
	return &settings;
}

/* Aurora keeps task ids to [\w-]: dots in a name become dashes. */
static void
id_charset(char *s)
{
	for (; *s != '\0'; s++)
		if (!(*s == '-' || *s == '_' || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			*s = '-';
}

void
sched_role_task_prefix(const char *role, char *out, size_t len)
{
	snprintf(out, len, "%s-", role);
	id_charset(out);
}

void
sched_job_task_prefix(const JobKey *job, char *out, size_t len)
{
	snprintf(out, len, "%s-%s-%s-", job->role, job->environment,
	    job->name);
	id_charset(out);
}

void
sched_task_id(const JobKey *job, int32_t instance, char *out, size_t len)
{
	uint8_t u[16];
	size_t i;

	if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u))
		for (i = 0; i < sizeof(u); i++)
			u[i] = (uint8_t)(settings.random() * 256);
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);	/* a version 4 UUID */
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	snprintf(out, len, "%s-%s-%s-%d-%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", job->role, job->environment,
	    job->name, (int)instance, u[0], u[1], u[2], u[3], u[4], u[5], u[6],
	    u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	id_charset(out);
}

static const ScheduledTask *
fetch(struct sched_tx *tx, const char *id, int *failed)
{
	return (const ScheduledTask *)sched_tx_get(tx, STORE_TASKS, id, failed);
}

/* A copy of a task to change, then to put back. */
static ScheduledTask *
mutable_copy(const ScheduledTask *t)
{
	return (ScheduledTask *)proto_copy(&t->base);
}

static int
failed_store(char *err, size_t errlen, const char *id)
{
	snprintf(err, errlen, "the store cannot be read (task %.200s)", id);
	return -1;
}

static int
no_memory(char *err, size_t errlen)
{
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Whether a task ran too briefly, on its own, before ending. */
static int
flapped(const ScheduledTask *t)
{
	const TaskEvent *terminal, *active = NULL;
	size_t i;

	if (t->n_taskevents == 0)
		return 0;
	for (i = 0; i < t->n_taskevents; i++) {
		int s = t->taskevents[i]->status;

		/* Restarted, drained or killed: not the task's doing. */
		if (s == SCHEDULE_STATUS__RESTARTING ||
		    s == SCHEDULE_STATUS__KILLING ||
		    s == SCHEDULE_STATUS__SCHEDULE_STATUS_DRAINING)
			return 0;
	}
	terminal = t->taskevents[t->n_taskevents - 1];
	if (!task_status_terminal(terminal->status))
		return 0;
	for (i = t->n_taskevents; i-- > 0;)
		if (task_status_active(t->taskevents[i]->status)) {
			active = t->taskevents[i];
			break;
		}
	if (active == NULL)
		return 0;
	return terminal->timestamp - active->timestamp <
	    settings.flapping_threshold_ms;
}

/* Aurora's truncated binary backoff: doubles, with jitter, to the max. */
static int64_t
backoff(int64_t last)
{
	int64_t half = last == 0 ? settings.initial_flapping_delay_ms : last;
	int64_t next = half + (int64_t)(settings.random() * (double)half + 0.5);

	return next < settings.max_flapping_delay_ms ? next :
	    settings.max_flapping_delay_ms;
}

int64_t
sched_flapping_penalty_ms(struct sched_tx *tx, const ScheduledTask *task)
{
	const ScheduledTask *cur;
	int64_t penalty = 0, next;
	int failed = 0;

	cur = task->ancestorid != NULL && task->ancestorid[0] != '\0' ?
	    fetch(tx, task->ancestorid, &failed) : NULL;
	while (cur != NULL && flapped(cur)) {
		if ((next = backoff(penalty)) == penalty)
			break;
		penalty = next;
		cur = cur->ancestorid != NULL && cur->ancestorid[0] != '\0' ?
		    fetch(tx, cur->ancestorid, &failed) : NULL;
	}
	return penalty;
}

/* Drops a PARTITIONED round trip from the events, so they stay bounded. */
static void
compact_partition_events(ScheduledTask *t)
{
	size_t n = t->n_taskevents;

	if (n >= 3 &&
	    t->taskevents[n - 2]->status == SCHEDULE_STATUS__PARTITIONED &&
	    t->taskevents[n - 3]->status == t->taskevents[n - 1]->status) {
		task_event__free_unpacked(t->taskevents[n - 1], NULL);
		task_event__free_unpacked(t->taskevents[n - 2], NULL);
		t->n_taskevents = n - 2;
	}
}

static int
increment_failures(struct sched_tx *tx, const char *id, char *err,
    size_t errlen)
{
	const ScheduledTask *cur;
	ScheduledTask *t;
	int failed = 0, rc;

	if ((cur = fetch(tx, id, &failed)) == NULL)
		return failed ? failed_store(err, errlen, id) : 0;
	if ((t = mutable_copy(cur)) == NULL)
		return no_memory(err, errlen);
	t->failurecount++;
	rc = sched_tx_put(tx, STORE_TASKS, id, &t->base);
	scheduled_task__free_unpacked(t, NULL);
	return rc == -1 ? no_memory(err, errlen) : 0;
}

static int
save_state(struct sched_tx *tx, const char *id, int status,
    const char *message, char *err, size_t errlen)
{
	const ScheduledTask *cur;
	ScheduledTask *t;
	TaskEvent ev = TASK_EVENT__INIT, **events;
	int failed = 0, rc;

	if ((cur = fetch(tx, id, &failed)) == NULL) {
		snprintf(err, errlen, "task %.200s is not in the store", id);
		return -1;
	}
	if ((t = mutable_copy(cur)) == NULL)
		return no_memory(err, errlen);
	t->status = (ScheduleStatus)status;
	t->has_status = 1;
	if (status == SCHEDULE_STATUS__PARTITIONED) {
		t->timespartitioned++;
		t->has_timespartitioned = 1;
		compact_partition_events(t);
	}
	if ((events = realloc(t->taskevents, (t->n_taskevents + 1) *
	    sizeof(*events))) == NULL) {
		scheduled_task__free_unpacked(t, NULL);
		return no_memory(err, errlen);
	}
	t->taskevents = events;
	ev.has_timestamp = ev.has_status = 1;
	ev.timestamp = settings.now_ms();
	ev.status = (ScheduleStatus)status;
	ev.message = (char *)(uintptr_t)message;
	ev.scheduler = settings.host;
	t->taskevents[t->n_taskevents++] = &ev;
	rc = sched_tx_put(tx, STORE_TASKS, id, &t->base);
	t->n_taskevents--;	/* ev is on the stack: not the copy's */
	scheduled_task__free_unpacked(t, NULL);
	return rc == -1 ? no_memory(err, errlen) : 0;
}

static int	update(struct sched_tx *, const char *id, int status,
		    const char *message, enum task_result *, int depth,
		    char *err, size_t errlen);

/* A new task for the instance, as the one ended, in its place. */
static int
reschedule(struct sched_tx *tx, const char *id, int depth, char *err,
    size_t errlen)
{
	ScheduledTask t = SCHEDULED_TASK__INIT;
	AssignedTask a = ASSIGNED_TASK__INIT;
	const ScheduledTask *cur;
	enum task_result r;
	char new_id[512], message[128];
	int64_t penalty;
	int failed = 0;

	if ((cur = fetch(tx, id, &failed)) == NULL || cur->assignedtask ==
	    NULL || cur->assignedtask->task == NULL ||
	    cur->assignedtask->task->job == NULL) {
		snprintf(err, errlen, "task %.200s cannot be rescheduled: it "
		    "is not in the store, or has no job", id);
		return -1;
	}
	penalty = sched_flapping_penalty_ms(tx, cur);
	sched_task_id(cur->assignedtask->task->job,
	    cur->assignedtask->instanceid, new_id, sizeof(new_id));
	a.taskid = new_id;
	a.has_instanceid = 1;
	a.instanceid = cur->assignedtask->instanceid;
	a.task = cur->assignedtask->task;
	t.assignedtask = &a;
	t.has_status = 1;
	t.status = SCHEDULE_STATUS__INIT;
	t.has_failurecount = 1;
	t.failurecount = cur->failurecount;
	t.ancestorid = (char *)(uintptr_t)id;
	if (sched_tx_put(tx, STORE_TASKS, new_id, &t.base) == -1)
		return no_memory(err, errlen);
	if (penalty > 0)
		snprintf(message, sizeof(message), "Rescheduled, penalized "
		    "for %lld ms for flapping", (long long)penalty);
	else
		snprintf(message, sizeof(message), "Rescheduled");
	return update(tx, new_id, penalty > 0 ? SCHEDULE_STATUS__THROTTLED :
	    SCHEDULE_STATUS__PENDING, message, &r, depth + 1, err, errlen);
}

static void
facts_of(const ScheduledTask *t, struct task_facts *f)
{
	const TaskConfig *c = t->assignedtask != NULL ?
	    t->assignedtask->task : NULL;

	memset(f, 0, sizeof(*f));
	if (c != NULL) {
		f->is_service = c->isservice;
		f->max_task_failures = c->maxtaskfailures;
	}
	f->failure_count = t->failurecount;
	for (size_t i = 0; i < t->n_taskevents; i++)
		if (t->taskevents[i]->status == SCHEDULE_STATUS__KILLING)
			f->was_killing = 1;
}

static int
update(struct sched_tx *tx, const char *id, int status, const char *message,
    enum task_result *result, int depth, char *err, size_t errlen)
{
	struct task_facts facts = { 0, 0, 0, 0 };
	const ScheduledTask *task;
	unsigned actions;
	int failed = 0;

	if (depth > MAX_DEPTH) {
		snprintf(err, errlen, "task %.200s: side effects go too deep",
		    id);
		return -1;
	}
	task = fetch(tx, id, &failed);
	if (failed)
		return failed_store(err, errlen, id);
	if (task != NULL)
		facts_of(task, &facts);
	*result = task_state_change(task != NULL ? (int)task->status :
	    TASK_DELETED, status, &facts, &actions);
	if ((actions & TASK_INCREMENT_FAILURES) &&
	    increment_failures(tx, id, err, errlen) == -1)
		return -1;
	if ((actions & TASK_SAVE_STATE) &&
	    save_state(tx, id, status, message, err, errlen) == -1)
		return -1;
	if ((actions & TASK_RESCHEDULE) &&
	    reschedule(tx, id, depth, err, errlen) == -1)
		return -1;
	if (actions & TASK_TRANSITION_TO_LOST) {
		enum task_result r;

		if (update(tx, id, SCHEDULE_STATUS__LOST, LOST_MESSAGE, &r,
		    depth + 1, err, errlen) == -1)
			return -1;
	}
	if ((actions & TASK_KILL) && sched_tx_kill(tx, id) == -1)
		return no_memory(err, errlen);
	if ((actions & TASK_DELETE) &&
	    sched_tx_del(tx, STORE_TASKS, id) == -1)
		return no_memory(err, errlen);
	return 0;
}

int
sched_change_state(struct sched_tx *tx, const char *task_id, int cas,
    int status, const char *message, enum task_result *result, char *err,
    size_t errlen)
{
	const ScheduledTask *task;
	int failed = 0;

	if (cas != -1) {
		task = fetch(tx, task_id, &failed);
		if (failed)
			return failed_store(err, errlen, task_id);
		if (task == NULL || (int)task->status != cas) {
			*result = TASK_ILLEGAL;	/* Aurora's INVALID_CAS_STATE */
			return 0;
		}
	}
	return update(tx, task_id, status, message, result, 0, err, errlen);
}

int
sched_assign_task(struct sched_tx *tx, const char *task_id,
    const char *agent_id, const char *agent_host,
    AssignedTask__AssignedPortsEntry *const *ports, size_t nports,
    int *assigned, char *err, size_t errlen)
{
	const ScheduledTask *cur;
	ScheduledTask *t;
	AssignedTask__AssignedPortsEntry **keep;
	size_t nkeep;
	enum task_result r;
	int failed = 0, rc;

	*assigned = 0;
	cur = fetch(tx, task_id, &failed);
	if (failed)
		return failed_store(err, errlen, task_id);
	if (cur == NULL || cur->status != SCHEDULE_STATUS__PENDING ||
	    cur->assignedtask == NULL)
		return 0;
	if ((t = mutable_copy(cur)) == NULL)
		return no_memory(err, errlen);
	/* The caller's strings and ports are lent to the copy while it is
	 * written, then taken back before it is freed. */
	free(t->assignedtask->slaveid);
	free(t->assignedtask->slavehost);
	t->assignedtask->slaveid = (char *)(uintptr_t)agent_id;
	t->assignedtask->slavehost = (char *)(uintptr_t)agent_host;
	keep = t->assignedtask->assignedports;
	nkeep = t->assignedtask->n_assignedports;
	t->assignedtask->assignedports =
	    (AssignedTask__AssignedPortsEntry **)(uintptr_t)ports;
	t->assignedtask->n_assignedports = nports;
	rc = sched_tx_put(tx, STORE_TASKS, task_id, &t->base);
	t->assignedtask->slaveid = NULL;
	t->assignedtask->slavehost = NULL;
	t->assignedtask->assignedports = keep;
	t->assignedtask->n_assignedports = nkeep;
	scheduled_task__free_unpacked(t, NULL);
	if (rc == -1)
		return no_memory(err, errlen);
	if (update(tx, task_id, SCHEDULE_STATUS__ASSIGNED, NULL, &r, 0, err,
	    errlen) == -1)
		return -1;
	*assigned = r == TASK_SUCCESS;
	return 0;
}

struct collision {
	const JobKey	*job;
	const int32_t	*instances;
	size_t		 n;
	int		 found;
};

int
sched_job_key_complete(const JobKey *k)
{
	return k != NULL && k->role != NULL && k->environment != NULL &&
	    k->name != NULL;
}

int
sched_same_job(const JobKey *a, const JobKey *b)
{
	return sched_job_key_complete(a) && sched_job_key_complete(b) &&
	    strcmp(a->role, b->role) == 0 &&
	    strcmp(a->environment, b->environment) == 0 &&
	    strcmp(a->name, b->name) == 0;
}

static int
find_collision(void *arg, const char *key, const ProtobufCMessage *msg)
{
	const ScheduledTask *t = (const ScheduledTask *)msg;
	struct collision *c = arg;

	(void)key;
	if (t->assignedtask == NULL || t->assignedtask->task == NULL ||
	    !sched_same_job(t->assignedtask->task->job, c->job) ||
	    !task_status_active(t->status))
		return 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->instances[i] == t->assignedtask->instanceid) {
			c->found = 1;
			return -1;
		}
	return 0;
}

int
sched_insert_pending(struct sched_tx *tx, const TaskConfig *config,
    const int32_t *instances, size_t n, char *err, size_t errlen)
{
	struct collision c = { config->job, instances, n, 0 };
	char prefix[512], id[512];
	enum task_result r;

	sched_job_task_prefix(config->job, prefix, sizeof(prefix));
	if (sched_tx_scan(tx, STORE_TASKS, prefix, find_collision, &c, err,
	    errlen) == -1)
		return -1;
	if (c.found) {
		snprintf(err, errlen, "Instance ID collision detected.");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		ScheduledTask t = SCHEDULED_TASK__INIT;
		AssignedTask a = ASSIGNED_TASK__INIT;

		sched_task_id(config->job, instances[i], id, sizeof(id));
		a.taskid = id;
		a.has_instanceid = 1;
		a.instanceid = instances[i];
		a.task = (TaskConfig *)(uintptr_t)config;
		t.assignedtask = &a;
		t.has_status = 1;
		t.status = SCHEDULE_STATUS__INIT;
		t.has_failurecount = 1;
		if (sched_tx_put(tx, STORE_TASKS, id, &t.base) == -1)
			return no_memory(err, errlen);
		if (update(tx, id, SCHEDULE_STATUS__PENDING, NULL, &r, 0, err,
		    errlen) == -1)
			return -1;
	}
	return 0;
}

int
sched_delete_tasks(struct sched_tx *tx, const char *const *ids, size_t n,
    char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++)
		if (sched_tx_del(tx, STORE_TASKS, ids[i]) == -1)
			return no_memory(err, errlen);
	return 0;
}
