/*
 * replica: the API calls that change something (createJob, killTasks,
 * restartShards, addInstances, setQuota, forceTaskState, pruneTasks),
 * each a decision of the scheduler core's round (see api_call.h), with
 * Aurora's checks in Aurora's order and its messages. A decision that
 * fails answers why and is undone: bad input stores nothing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/proto_copy.h"
#include "ipc/api_calls.pb-c.h"
#include "replica/api_call.h"
#include "replica/api_quota.h"
#include "replica/api_tasks.h"
#include "replica/sched_config.h"
#include "replica/sched_state.h"
#include "replica/task_state.h"

#define ERROR_CODE	RESPONSE_CODE__RESPONSE_CODE_ERROR
#define INVALID		RESPONSE_CODE__INVALID_REQUEST

static int
refuse(struct api_call *c, ResponseCode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
refuse(struct api_call *c, ResponseCode code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	aurora_api_answer_message(&c->a, code, "%s", msg);
	return -1;
}

/* Aurora's checks that throw without a message. */
static int
refuse_bare(struct api_call *c)
{
	api_error_bare(c);
	return -1;
}

/* The ids of a job's active tasks (some instances, or all). */
static int
active_ids(struct sched_tx *tx, const JobKey *job, const int32_t *instances,
    size_t ninstances, char ***ids, size_t *n, char *err, size_t errlen)
{
	ScheduleStatus active[API_MAX_STATUSES];
	struct job_query jq;

	api_job_query(&jq, job, instances, ninstances);
	jq.q.statuses = active;
	jq.q.n_statuses = api_active_statuses(active);
	return api_tx_task_ids(tx, &jq.q, ids, n, err, errlen);
}

static const ScheduledTask *
tx_task(struct sched_tx *tx, const char *id)
{
	int failed = 0;

	return (const ScheduledTask *)sched_tx_get(tx, STORE_TASKS, id,
	    &failed);
}

/* What a role uses, as a transaction sees it; for quota checks. */
struct role_usage {
	const ScheduledTask	**tasks;
	size_t			  ntasks;
	struct resource_bag	 *used;
	JobKey			**crons;	/* copies: scanned records go */
	size_t			  ncrons, cap;
	int			  failed;	/* out of memory */
};

static int
usage_cron(void *arg, const char *key, const ProtobufCMessage *msg)
{
	struct role_usage *u = arg;
	const JobConfiguration *job = (const JobConfiguration *)msg;

	(void)key;
	quota_cron_add(job, u->tasks, u->ntasks, u->used);
	if (u->ncrons == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 8;
		JobKey **k = realloc(u->crons, cap * sizeof(*k));

		if (k == NULL) {
			u->failed = 1;
			return -1;
		}
		u->crons = k;
		u->cap = cap;
	}
	if ((u->crons[u->ncrons] = (JobKey *)proto_copy(&job->key->base)) ==
	    NULL) {
		u->failed = 1;
		return -1;
	}
	u->ncrons++;
	return 0;
}

static int
role_usage(struct sched_tx *tx, const char *role,
    struct resource_bag used[QUOTA_CATEGORIES], char *err, size_t errlen)
{
	ScheduleStatus active[API_MAX_STATUSES];
	TaskQuery q = TASK_QUERY__INIT;
	struct role_usage u;
	char **ids = NULL, prefix[512];
	size_t n = 0, i;
	int rc = -1;

	memset(&u, 0, sizeof(u));
	memset(used, 0, QUOTA_CATEGORIES * sizeof(*used));
	u.used = used;
	q.role = (char *)(uintptr_t)role;
	q.statuses = active;
	q.n_statuses = api_active_statuses(active);
	if (api_tx_task_ids(tx, &q, &ids, &n, err, errlen) == -1)
		return -1;
	if ((u.tasks = calloc(n + 1, sizeof(*u.tasks))) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if ((u.tasks[u.ntasks] = tx_task(tx, ids[i])) != NULL)
			u.ntasks++;
	snprintf(prefix, sizeof(prefix), "%s/", role);
	if (sched_tx_scan(tx, STORE_CRON_JOBS, prefix, usage_cron, &u, err,
	    errlen) == -1 || u.failed)
		goto out;
	/* Tasks of cron jobs counted with their job already. */
	quota_tasks_add(u.tasks, u.ntasks, (const JobKey *const *)u.crons,
	    u.ncrons, used);
	rc = 0;
out:
	if (rc == -1 && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	for (i = 0; i < u.ncrons; i++)
		job_key__free_unpacked(u.crons[i], NULL);
	free(u.crons);
	free(u.tasks);
	api_task_ids_free(ids, n);
	return rc;
}

/* Aurora's validateTaskLimits: the instance count, then the quota. */
static int
check_limits(struct sched_tx *tx, struct api_call *c, const TaskConfig *t,
    int total, int adding)
{
	struct resource_bag used[QUOTA_CATEGORIES], quota, wanted, one;
	const ResourceAggregate *stored;
	int max = sched_config()->max_tasks_per_job, failed = 0;
	char details[512], err[256] = "";

	if (total <= 0 || total > max)
		return refuse(c, INVALID, "Instance count must be between 1 "
		    "and %d inclusive.", max);
	/* Only production tasks on shared hosts need quota. */
	if (!t->production || sched_task_dedicated(t))
		return 0;
	if (role_usage(tx, t->job->role, used, err, sizeof(err)) == -1)
		return refuse(c, RESPONSE_CODE__ERROR_TRANSIENT, "%s", err);
	stored = (const ResourceAggregate *)sched_tx_get(tx, STORE_QUOTAS,
	    t->job->role, &failed);
	if (failed)
		return refuse(c, RESPONSE_CODE__ERROR_TRANSIENT,
		    "the store cannot be read");
	quota = quota_aggregate_bag(stored);
	wanted = used[QUOTA_PROD_SHARED];
	one = quota_task_bag(t);
	wanted.cpus += one.cpus * adding;
	wanted.ram_mb += one.ram_mb * adding;
	wanted.disk_mb += one.disk_mb * adding;
	if (quota_check(quota, wanted, details, sizeof(details)) == -1)
		return refuse(c, INVALID, "Insufficient resource quota: %s",
		    details);
	return 0;
}

static int
create_job(struct sched_tx *tx, struct api_call *c)
{
	const JobConfiguration *in = ((CreateJobArgs *)c->args)->description;
	JobConfiguration *job;
	int32_t *instances = NULL;
	char err[1024], key[1024], **ids = NULL;
	size_t n = 0;
	int failed = 0, rc = -1;

	if (in == NULL)
		return refuse_bare(c);
	if ((job = sched_config_validate_job(in, err, sizeof(err))) == NULL)
		return refuse(c, INVALID, "%s", err);
	api_keep(c, &job->base);
	if (job->cronschedule != NULL)
		return refuse(c, INVALID, "Cron jobs may only be "
		    "created/updated by calling scheduleCronJob.");
	if (active_ids(tx, job->key, NULL, 0, &ids, &n, err,
	    sizeof(err)) == -1)
		return refuse(c, RESPONSE_CODE__ERROR_TRANSIENT, "%s", err);
	api_task_ids_free(ids, n);
	store_job_key(job->key, key, sizeof(key));
	if (n > 0 || sched_tx_get(tx, STORE_CRON_JOBS, key, &failed) != NULL)
		return refuse(c, INVALID, "Job %s already exists", key);
	if (failed)
		return refuse(c, RESPONSE_CODE__ERROR_TRANSIENT,
		    "the store cannot be read");
	if (check_limits(tx, c, job->taskconfig, job->instancecount,
	    job->instancecount) == -1)
		return -1;
	if ((instances = calloc((size_t)job->instancecount,
	    sizeof(*instances))) == NULL)
		return refuse(c, ERROR_CODE, "out of memory");
	for (int32_t i = 0; i < job->instancecount; i++)
		instances[i] = i;
	if (sched_insert_pending(tx, job->taskconfig, instances,
	    (size_t)job->instancecount, err, sizeof(err)) == -1)
		refuse(c, ERROR_CODE, "%s", err);
	else {
		aurora_api_answer_init(&c->a, RESPONSE_CODE__OK);
		rc = 0;
	}
	free(instances);
	return rc;
}

/* Changes every id to status with message; how many changed. */
static int
change_all(struct sched_tx *tx, struct api_call *c, char **ids, size_t n,
    int status, const char *message, size_t *changed)
{
	enum task_result r;
	char err[512];

	*changed = 0;
	for (size_t i = 0; i < n; i++) {
		if (sched_change_state(tx, ids[i], -1, status, message, &r, err,
		    sizeof(err)) == -1)
			return refuse(c, RESPONSE_CODE__ERROR_TRANSIENT, "%s",
			    err);
		if (r == TASK_SUCCESS)
			(*changed)++;
	}
	return 0;
}

static int
kill_tasks(struct sched_tx *tx, struct api_call *c)
{
	const KillTasksArgs *a = (const KillTasksArgs *)c->args;
	char err[512], message[1200], **ids = NULL;
	size_t n = 0, killed = 0;
	int rc;

	if (!sched_job_key_valid(a->job))
		return refuse_bare(c);
	if (active_ids(tx, a->job, a->instances, a->n_instances, &ids, &n, err,
	    sizeof(err)) == -1)
		return refuse(c, RESPONSE_CODE__ERROR_TRANSIENT, "%s", err);
	/* Aurora's audit message: who, then the caller's words. */
	if (a->message != NULL)
		snprintf(message, sizeof(message), "Killed by " API_USER ".\n%s",
		    a->message);
	else
		snprintf(message, sizeof(message), "Killed by " API_USER);
	rc = change_all(tx, c, ids, n, SCHEDULE_STATUS__KILLING, message,
	    &killed);
	api_task_ids_free(ids, n);
	if (rc == -1)
		return -1;
	aurora_api_answer_init(&c->a, RESPONSE_CODE__OK);
	if (killed == 0)
		api_add_message(c, "No tasks to kill.");
	return 0;
}

static int
restart_shards(struct sched_tx *tx, struct api_call *c)
{
	const RestartShardsArgs *a = (const RestartShardsArgs *)c->args;
	char err[512], **ids = NULL;
	size_t n = 0, changed, distinct = 0, i, j;
	int rc;

	if (!sched_job_key_valid(a->job))
		return refuse_bare(c);
	if (a->n_shardids == 0)
		return refuse(c, ERROR_CODE, "Argument cannot be blank");
	if (active_ids(tx, a->job, a->shardids, a->n_shardids, &ids, &n, err,
	    sizeof(err)) == -1)
		return refuse(c, RESPONSE_CODE__ERROR_TRANSIENT, "%s", err);
	/* A set: an instance asked twice is asked once. */
	for (i = 0; i < a->n_shardids; i++) {
		for (j = 0; j < i && a->shardids[j] != a->shardids[i]; j++)
			;
		distinct += j == i;
	}
	if (n != distinct) {
		api_task_ids_free(ids, n);
		return refuse(c, INVALID, "Not all requested shards are "
		    "active.");
	}
	/* PENDING tasks cannot restart: Aurora ignores them, and so OK. */
	rc = change_all(tx, c, ids, n, SCHEDULE_STATUS__RESTARTING,
	    "Restarted by " API_USER, &changed);
	api_task_ids_free(ids, n);
	if (rc == -1)
		return -1;
	aurora_api_answer_init(&c->a, RESPONSE_CODE__OK);
	return 0;
}

static int
add_instances(struct sched_tx *tx, struct api_call *c)
{
	const AddInstancesArgs *a = (const AddInstancesArgs *)c->args;
	const JobKey *job = a->key != NULL ? a->key->jobkey : NULL;
	const ScheduledTask *template = NULL, *t;
	char err[512], key[1024], **ids = NULL;
	int32_t last = -1, *instances = NULL;
	size_t n = 0, i;
	int failed = 0, rc = -1;

	if (!sched_job_key_valid(job))
		return refuse_bare(c);
	if (a->count <= 0)
		return refuse(c, INVALID, "Instance count must be positive.");
	store_job_key(job, key, sizeof(key));
	if (sched_tx_get(tx, STORE_CRON_JOBS, key, &failed) != NULL)
		return refuse(c, INVALID,
		    "Instances may not be added to cron jobs.");
	if (failed || active_ids(tx, job, NULL, 0, &ids, &n, err,
	    sizeof(err)) == -1)
		return refuse(c, RESPONSE_CODE__ERROR_TRANSIENT,
		    "the store cannot be read");
	for (i = 0; i < n; i++) {
		if ((t = tx_task(tx, ids[i])) == NULL)
			continue;
		if (t->assignedtask->instanceid == a->key->instanceid &&
		    template == NULL)
			template = t;
		if (t->assignedtask->instanceid > last)
			last = t->assignedtask->instanceid;
	}
	if (template == NULL) {
		refuse(c, INVALID, "No active task found for a given instance "
		    "ID.");
		goto out;
	}
	if (check_limits(tx, c, template->assignedtask->task,
	    (int)n + a->count, a->count) == -1)
		goto out;
	if ((instances = calloc((size_t)a->count, sizeof(*instances))) ==
	    NULL) {
		refuse(c, ERROR_CODE, "out of memory");
		goto out;
	}
	/* After the highest active instance; gaps are not filled. */
	for (i = 0; i < (size_t)a->count; i++)
		instances[i] = last + 1 + (int32_t)i;
	if (sched_insert_pending(tx, template->assignedtask->task, instances,
	    (size_t)a->count, err, sizeof(err)) == -1) {
		refuse(c, INVALID, "%s", err);
		goto out;
	}
	aurora_api_answer_init(&c->a, RESPONSE_CODE__OK);
	rc = 0;
out:
	free(instances);
	api_task_ids_free(ids, n);
	return rc;
}

static int
set_quota(struct sched_tx *tx, struct api_call *c)
{
	const SetQuotaArgs *a = (const SetQuotaArgs *)c->args;
	struct resource_bag used[QUOTA_CATEGORIES], q;
	char text[1024], prod[256], err[256] = "", details[512];
	int cpus = 0, ram = 0, disk = 0, negative = 0;

	if (api_blank(a->ownerrole))
		return refuse(c, ERROR_CODE, "Argument cannot be blank");
	if (a->quota == NULL)
		return refuse_bare(c);
	if (a->quota->n_resources > 3)
		return refuse(c, ERROR_CODE,
		    "Too many resource values in quota.");
	for (size_t i = 0; i < a->quota->n_resources; i++) {
		const Resource *r = a->quota->resources[i];

		switch (r->kind_case) {
		case RESOURCE__KIND_NUM_CPUS:
			cpus++;
			negative |= r->numcpus < 0.0;
			break;
		case RESOURCE__KIND_RAM_MB:
			ram++;
			negative |= r->rammb < 0;
			break;
		case RESOURCE__KIND_DISK_MB:
			disk++;
			negative |= r->diskmb < 0;
			break;
		default:
			cpus = -9;	/* another type: not exactly the three */
			break;
		}
	}
	if (cpus != 1 || ram != 1 || disk != 1)
		return refuse(c, ERROR_CODE, "Quota resources must be exactly: "
		    "[CPUS, RAM_MB, DISK_MB]");
	quota_aggregate_string(a->quota, text, sizeof(text));
	if (negative)
		return refuse(c, INVALID, "Negative values in: %s", text);
	if (role_usage(tx, a->ownerrole, used, err, sizeof(err)) == -1)
		return refuse(c, RESPONSE_CODE__ERROR_TRANSIENT, "%s", err);
	q = quota_aggregate_bag(a->quota);
	if (quota_check(q, used[QUOTA_PROD_SHARED], details,
	    sizeof(details)) == -1) {
		quota_bag_string(used[QUOTA_PROD_SHARED], prod, sizeof(prod));
		return refuse(c, INVALID, "Quota: %s is less then current prod "
		    "reservation: %s", text, prod);
	}
	if (sched_tx_put(tx, STORE_QUOTAS, a->ownerrole, &a->quota->base) == -1)
		return refuse(c, ERROR_CODE, "out of memory");
	aurora_api_answer_init(&c->a, RESPONSE_CODE__OK);
	return 0;
}

static int
force_task_state(struct sched_tx *tx, struct api_call *c)
{
	const ForceTaskStateArgs *a = (const ForceTaskStateArgs *)c->args;
	enum task_result r;
	char err[512];

	if (api_blank(a->taskid))
		return refuse(c, ERROR_CODE, "Argument cannot be blank");
	if (!a->has_status || task_status_name(a->status) == NULL)
		return refuse_bare(c);
	/* Aurora answers OK whatever the state machine said. */
	if (sched_change_state(tx, a->taskid, -1, a->status,
	    "Transition forced by " API_USER, &r, err, sizeof(err)) == -1)
		return refuse(c, RESPONSE_CODE__ERROR_TRANSIENT, "%s", err);
	aurora_api_answer_init(&c->a, RESPONSE_CODE__OK);
	return 0;
}

static int
prune_tasks(struct sched_tx *tx, struct api_call *c)
{
	const TaskQuery *in = ((PruneTasksArgs *)c->args)->query;
	ScheduleStatus terminal[4] = { SCHEDULE_STATUS__SCHEDULE_STATUS_FAILED,
	    SCHEDULE_STATUS__FINISHED, SCHEDULE_STATUS__KILLED,
	    SCHEDULE_STATUS__LOST };
	TaskQuery q;
	char err[512], **ids = NULL;
	size_t n = 0, i;
	int rc;

	if (in == NULL)
		return refuse_bare(c);
	for (i = 0; i < in->n_statuses; i++)
		if (task_status_active(in->statuses[i]))
			return refuse(c, ERROR_CODE, "Tasks in non-terminal "
			    "state cannot be pruned.");
	if (in->has_limit && in->limit < 0)
		return refuse(c, ERROR_CODE, "limit is negative");
	q = *in;
	if (q.n_statuses == 0) {
		q.statuses = terminal;
		q.n_statuses = 4;
	}
	if (api_tx_task_ids(tx, &q, &ids, &n, err, sizeof(err)) == -1)
		return refuse(c, RESPONSE_CODE__ERROR_TRANSIENT, "%s", err);
	/* Aurora applies the limit, not the offset. */
	if (q.has_limit && (size_t)q.limit < n) {
		for (i = (size_t)q.limit; i < n; i++)
			free(ids[i]);
		n = (size_t)q.limit;
	}
	rc = sched_delete_tasks(tx, (const char *const *)ids, n, err,
	    sizeof(err));
	api_task_ids_free(ids, n);
	if (rc == -1)
		return refuse(c, ERROR_CODE, "%s", err);
	aurora_api_answer_init(&c->a, RESPONSE_CODE__OK);
	return 0;
}

static const struct {
	const char	*name;
	api_decide_fn	 fn;
} methods[] = {
	{ "createJob", create_job },
	{ "killTasks", kill_tasks },
	{ "restartShards", restart_shards },
	{ "addInstances", add_instances },
	{ "setQuota", set_quota },
	{ "forceTaskState", force_task_state },
	{ "pruneTasks", prune_tasks },
};

api_decide_fn
api_write_method(const char *name)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, name) == 0)
			return methods[i].fn;
	return NULL;
}
