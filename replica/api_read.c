/*
 * replica: Aurora's ReadOnlyScheduler, answered from the local store with
 * Aurora's rules (see api_call.h). Aurora's answers have no order; ours
 * come in task id and job key order.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "ipc/api_calls.pb-c.h"
#include "ipc/offers.pb-c.h"
#include "replica/api_call.h"
#include "replica/api_quota.h"
#include "replica/api_tasks.h"
#include "replica/replica.h"
#include "replica/replica_store.h"
#include "replica/sched_config.h"
#include "replica/sched_state.h"
#include "replica/task_state.h"

#define ERROR_CODE	RESPONSE_CODE__RESPONSE_CODE_ERROR

/* The store could not be read: Aurora's answer to a storage failure. */
static void
store_failed(struct api_call *c, const char *err)
{
	aurora_api_answer_message(&c->a, RESPONSE_CODE__ERROR_TRANSIENT, "%s",
	    err);
}

/*
 * A list's tasks become the call's, in an array that is the call's too
 * (NULL when memory ran out); the list is left empty.
 */
static ScheduledTask **
keep_tasks(struct api_call *c, struct task_list *l)
{
	ScheduledTask **out = api_alloc(c, (l->n ? l->n : 1) * sizeof(*out));

	if (out != NULL && l->n > 0)
		memcpy(out, l->t, l->n * sizeof(*out));
	api_keep_arena(c, l->arena);
	free(l->t);
	memset(l, 0, sizeof(*l));
	return out;
}

static void
tasks_answer(struct api_call *c, const TaskQuery *q, int strip)
{
	static const TaskQuery none = TASK_QUERY__INIT;
	ScheduleStatusResult *r;
	ScheduledTask **tasks;
	struct task_list l;
	size_t from = 0, n;
	char err[256];

	if (q == NULL)
		q = &none;
	if (api_tasks_fetch(replica_store_handle(), q, &l, err,
	    sizeof(err)) == -1) {
		store_failed(c, err);
		return;
	}
	/* Aurora's getTasks: skip offset if positive, then limit if positive. */
	if (q->has_offset && q->offset > 0)
		from = (size_t)q->offset < l.n ? (size_t)q->offset : l.n;
	n = l.n - from;
	if (q->has_limit && q->limit > 0 && (size_t)q->limit < n)
		n = (size_t)q->limit;
	for (size_t i = from; strip && i < from + n; i++) {
		TaskConfig *t = l.t[i]->assignedtask->task;

		/* Without the executor's data: most of a task's bytes. */
		if (t != NULL && t->executorconfig != NULL)
			t->executorconfig->data = NULL;	/* the arena's */
	}
	if ((tasks = keep_tasks(c, &l)) == NULL ||
	    (r = api_alloc(c, sizeof(*r))) == NULL)
		return;
	schedule_status_result__init(r);
	r->tasks = tasks + from;
	r->n_tasks = n;
	api_ok_result(c, RESULT__KIND_SCHEDULE_STATUS_RESULT, r);
}

static void
get_tasks_status(struct api_call *c)
{
	tasks_answer(c, ((GetTasksStatusArgs *)c->args)->query, 0);
}

static void
get_tasks_without_configs(struct api_call *c)
{
	tasks_answer(c, ((GetTasksWithoutConfigsArgs *)c->args)->query, 1);
}

static void
get_tier_configs(struct api_call *c)
{
	const struct tiers *t = &sched_config()->tiers;
	GetTierConfigResult *r = api_alloc(c, sizeof(*r));
	TierConfig **configs = api_alloc(c, t->n * sizeof(*configs));

	if (r == NULL || configs == NULL)
		return;
	get_tier_config_result__init(r);
	r->defaulttiername = (char *)(uintptr_t)t->default_name;
	for (size_t i = 0; i < t->n; i++) {
		TierConfig *tc = api_alloc(c, sizeof(*tc));
		TierConfig__SettingsEntry **e = api_alloc(c, 2 * sizeof(*e));
		TierConfig__SettingsEntry *s = api_alloc(c, 2 * sizeof(*s));

		if (tc == NULL || e == NULL || s == NULL)
			return;
		tier_config__init(tc);
		tc->name = (char *)(uintptr_t)t->tier[i].name;
		tier_config__settings_entry__init(&s[0]);
		tier_config__settings_entry__init(&s[1]);
		s[0].key = (char *)(uintptr_t)"preemptible";
		s[0].value = (char *)(uintptr_t)(t->tier[i].preemptible ?
		    "true" : "false");
		s[1].key = (char *)(uintptr_t)"revocable";
		s[1].value = (char *)(uintptr_t)(t->tier[i].revocable ?
		    "true" : "false");
		e[0] = &s[0];
		e[1] = &s[1];
		tc->settings = e;
		tc->n_settings = 2;
		configs[i] = tc;
	}
	r->tiers = configs;
	r->n_tiers = t->n;
	api_ok_result(c, RESULT__KIND_GET_TIER_CONFIG_RESULT, r);
}

/* Jobs: tasks grouped by job key. */

struct job_group {
	const JobKey		*key;
	ScheduledTask		**tasks;	/* into the list */
	size_t			 n;
	const JobConfiguration	*cron;
};

static int
job_cmp(const JobKey *a, const JobKey *b)
{
	int d;

	if ((d = strcmp(a->role, b->role)) != 0 ||
	    (d = strcmp(a->environment, b->environment)) != 0)
		return d;
	return strcmp(a->name, b->name);
}

static const JobKey *
task_job(const ScheduledTask *t)
{
	return t->assignedtask->task->job;
}

static int
by_job(const void *a, const void *b)
{
	const ScheduledTask *x = *(ScheduledTask *const *)a;
	const ScheduledTask *y = *(ScheduledTask *const *)b;
	int d = job_cmp(task_job(x), task_job(y));

	return d != 0 ? d : strcmp(x->assignedtask->taskid,
	    y->assignedtask->taskid);
}

/* Tasks without a complete job key cannot be grouped: left out. */
static int
complete_task(const ScheduledTask *t)
{
	return t->assignedtask != NULL && t->assignedtask->task != NULL &&
	    sched_job_key_complete(t->assignedtask->task->job);
}

struct cron_list {
	JobConfiguration	**jobs;
	size_t			  n, cap;
	const char		 *role;	/* NULL: every role */
	int			  failed;
};

static int
add_cron(void *arg, const char *key, size_t keylen, const void *value,
    size_t len)
{
	struct cron_list *l = arg;
	JobConfiguration *j;

	(void)key;
	(void)keylen;
	if ((j = job_configuration__unpack(NULL, len, value)) == NULL ||
	    !sched_job_key_complete(j->key)) {
		if (j != NULL)
			job_configuration__free_unpacked(j, NULL);
		return 0;	/* the store validated its key: cannot be */
	}
	if (l->role != NULL && strcmp(j->key->role, l->role) != 0) {
		job_configuration__free_unpacked(j, NULL);
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		JobConfiguration **n = realloc(l->jobs, cap * sizeof(*n));

		if (n == NULL) {
			job_configuration__free_unpacked(j, NULL);
			l->failed = 1;
			return -1;
		}
		l->jobs = n;
		l->cap = cap;
	}
	l->jobs[l->n++] = j;
	return 0;
}

/* The cron jobs of a role (NULL: all), kept by the call. */
static int
cron_jobs(struct api_call *c, const char *role, struct cron_list *l,
    char *err, size_t errlen)
{
	char prefix[512] = "";
	int more;

	memset(l, 0, sizeof(*l));
	l->role = role;
	if (role != NULL)
		snprintf(prefix, sizeof(prefix), "%s/", role);
	if (store_scan(replica_store_handle(), STORE_CRON_JOBS, prefix, "",
	    SIZE_MAX, add_cron, l, &more, err, errlen) == -1 || l->failed) {
		if (l->failed)
			snprintf(err, errlen, "out of memory");
		for (size_t i = 0; i < l->n; i++)
			job_configuration__free_unpacked(l->jobs[i], NULL);
		free(l->jobs);
		return -1;
	}
	for (size_t i = 0; i < l->n; i++)
		api_keep(c, &l->jobs[i]->base);
	return 0;
}

static long long
last_event(const ScheduledTask *t)
{
	return t->n_taskevents > 0 ? t->taskevents[t->n_taskevents - 1]->
	    timestamp : 0;
}

/* Aurora's getLatestActiveTask: active before terminal, then newest. */
static const ScheduledTask *
latest_active(ScheduledTask *const *tasks, size_t n)
{
	const ScheduledTask *best = NULL;

	for (size_t i = 0; i < n; i++) {
		int a = task_status_active(tasks[i]->status);

		if (best == NULL || a > task_status_active(best->status) ||
		    (a == task_status_active(best->status) &&
		    last_event(tasks[i]) >= last_event(best)))
			best = tasks[i];
	}
	return best;
}

/* Groups tasks (sorted here by job) and cron jobs into jobs. */
static struct job_group *
group_jobs(struct api_call *c, ScheduledTask **t, size_t nt,
    const struct cron_list *crons, size_t *ngroups)
{
	struct job_group *g;
	size_t n = 0, i, j;

	g = api_alloc(c, (nt + crons->n + 1) * sizeof(*g));
	if (g == NULL)
		return NULL;
	qsort(t, nt, sizeof(*t), by_job);
	for (i = 0; i < nt; i = j) {
		if (!complete_task(t[i])) {
			j = i + 1;
			continue;
		}
		for (j = i + 1; j < nt && complete_task(t[j]) &&
		    job_cmp(task_job(t[i]), task_job(t[j])) == 0; j++)
			;
		g[n].key = task_job(t[i]);
		g[n].tasks = &t[i];
		g[n].n = j - i;
		n++;
	}
	for (i = 0; i < crons->n; i++) {
		for (j = 0; j < n; j++)
			if (job_cmp(g[j].key, crons->jobs[i]->key) == 0)
				break;
		if (j == n) {
			g[n].key = crons->jobs[i]->key;
			n++;
		}
		g[j].cron = crons->jobs[i];
	}
	*ngroups = n;
	return g;
}

/* A job's configuration as Aurora synthesizes it from its tasks. */
static JobConfiguration *
job_config(struct api_call *c, const struct job_group *g)
{
	const ScheduledTask *t;
	JobConfiguration *j;

	if (g->cron != NULL)
		return (JobConfiguration *)(uintptr_t)g->cron;
	if ((j = api_alloc(c, sizeof(*j))) == NULL)
		return NULL;
	job_configuration__init(j);
	if ((t = latest_active(g->tasks, g->n)) == NULL)
		return NULL;	/* a group has a task or a cron job */
	j->key = t->assignedtask->task->job;
	j->owner = t->assignedtask->task->owner;
	j->taskconfig = t->assignedtask->task;
	j->has_instancecount = 1;
	j->instancecount = (int32_t)g->n;
	return j;
}

static int
fetch_role(struct api_call *c, const char *role, int active_only,
    struct task_list *l, struct cron_list *crons)
{
	TaskQuery q = TASK_QUERY__INIT;
	ScheduleStatus active[API_MAX_STATUSES];
	char err[256];

	if (role != NULL)
		q.role = (char *)(uintptr_t)role;
	if (active_only) {
		q.statuses = active;
		q.n_statuses = api_active_statuses(active);
	}
	if (api_tasks_fetch(replica_store_handle(), &q, l, err,
	    sizeof(err)) == -1) {
		store_failed(c, err);
		return -1;
	}
	/* A blank role is no role for tasks (Aurora's query), not for crons. */
	if (cron_jobs(c, role, crons, err, sizeof(err)) == -1) {
		task_list_free(l);
		store_failed(c, err);
		return -1;
	}
	return 0;
}

/*
 * A role's jobs (NULL: every role's), in job key order: its tasks (the
 * active ones only, or all) grouped by job, and its cron jobs; what they
 * point to is the call's. NULL when the answer is already an error.
 */
static struct job_group *
role_jobs(struct api_call *c, const char *role, int active_only, size_t *n)
{
	struct cron_list crons;
	struct job_group *g = NULL;
	struct task_list l;
	ScheduledTask **tasks;
	size_t nt;

	if (fetch_role(c, role, active_only, &l, &crons) == -1)
		return NULL;
	nt = l.n;
	if ((tasks = keep_tasks(c, &l)) != NULL)
		g = group_jobs(c, tasks, nt, &crons, n);
	free(crons.jobs);	/* the jobs themselves are the call's */
	return g;
}

static void
get_jobs(struct api_call *c)
{
	struct job_group *g;
	GetJobsResult *r;
	size_t n = 0, i;

	g = role_jobs(c, ((GetJobsArgs *)c->args)->ownerrole, 1, &n);
	if (g == NULL || (r = api_alloc(c, sizeof(*r))) == NULL)
		return;
	get_jobs_result__init(r);
	r->configs = api_alloc(c, n * sizeof(*r->configs));
	for (i = 0; r->configs != NULL && i < n; i++)
		r->configs[r->n_configs++] = job_config(c, &g[i]);
	api_ok_result(c, RESULT__KIND_GET_JOBS_RESULT, r);
}

/* Aurora's Jobs.getJobStats. */
static JobStats *
job_stats(struct api_call *c, const struct job_group *g)
{
	JobStats *s = api_alloc(c, sizeof(*s));

	if (s == NULL)
		return NULL;
	job_stats__init(s);
	s->has_activetaskcount = s->has_finishedtaskcount = 1;
	s->has_failedtaskcount = s->has_pendingtaskcount = 1;
	for (size_t i = 0; i < g->n; i++)
		switch (g->tasks[i]->status) {
		case SCHEDULE_STATUS__INIT:
		case SCHEDULE_STATUS__PENDING:
		case SCHEDULE_STATUS__THROTTLED:
			s->pendingtaskcount++;
			break;
		case SCHEDULE_STATUS__KILLED:
		case SCHEDULE_STATUS__FINISHED:
			s->finishedtaskcount++;
			break;
		case SCHEDULE_STATUS__LOST:
		case SCHEDULE_STATUS__SCHEDULE_STATUS_FAILED:
			s->failedtaskcount++;
			break;
		default:
			s->activetaskcount++;
			break;
		}
	return s;
}

static void
get_job_summary(struct api_call *c)
{
	struct job_group *g;
	JobSummaryResult *r;
	size_t n = 0, i;

	g = role_jobs(c, ((GetJobSummaryArgs *)c->args)->role, 0, &n);
	if (g == NULL || (r = api_alloc(c, sizeof(*r))) == NULL)
		return;
	job_summary_result__init(r);
	r->summaries = api_alloc(c, n * sizeof(*r->summaries));
	for (i = 0; r->summaries != NULL && i < n; i++) {
		JobSummary *s = api_alloc(c, sizeof(*s));

		if (s == NULL)
			break;
		job_summary__init(s);
		s->job = job_config(c, &g[i]);
		s->stats = job_stats(c, &g[i]);
		r->summaries[r->n_summaries++] = s;
	}
	api_ok_result(c, RESULT__KIND_JOB_SUMMARY_RESULT, r);
}

static void
get_role_summary(struct api_call *c)
{
	struct job_group *g;
	RoleSummaryResult *r;
	size_t n = 0, i;

	g = role_jobs(c, NULL, 0, &n);	/* in role order */
	if (g == NULL || (r = api_alloc(c, sizeof(*r))) == NULL)
		return;
	role_summary_result__init(r);
	r->summaries = api_alloc(c, n * sizeof(*r->summaries));
	for (i = 0; r->summaries != NULL && i < n; i++) {
		RoleSummary *s = r->n_summaries > 0 ?
		    r->summaries[r->n_summaries - 1] : NULL;

		if (s == NULL || strcmp(s->role, g[i].key->role) != 0) {
			if ((s = api_alloc(c, sizeof(*s))) == NULL)
				break;
			role_summary__init(s);
			s->role = g[i].key->role;
			s->has_jobcount = s->has_cronjobcount = 1;
			r->summaries[r->n_summaries++] = s;
		}
		/* A job with tasks counts; a cron job counts as cron too. */
		if (g[i].n > 0)
			s->jobcount++;
		if (g[i].cron != NULL)
			s->cronjobcount++;
	}
	api_ok_result(c, RESULT__KIND_ROLE_SUMMARY_RESULT, r);
}

/* Aurora's aggregateFromBag: always the three, RAM and disk whole MB. */
static ResourceAggregate *
aggregate(struct api_call *c, struct resource_bag b)
{
	ResourceAggregate *a = api_alloc(c, sizeof(*a));
	Resource **rp = api_alloc(c, 3 * sizeof(*rp));
	Resource *r = api_alloc(c, 3 * sizeof(*r));

	if (a == NULL || rp == NULL || r == NULL)
		return NULL;
	resource_aggregate__init(a);
	for (int i = 0; i < 3; i++) {
		resource__init(&r[i]);
		rp[i] = &r[i];
	}
	r[0].kind_case = RESOURCE__KIND_NUM_CPUS;
	r[0].numcpus = b.cpus;
	r[1].kind_case = RESOURCE__KIND_RAM_MB;
	r[1].rammb = (int64_t)b.ram_mb;
	r[2].kind_case = RESOURCE__KIND_DISK_MB;
	r[2].diskmb = (int64_t)b.disk_mb;
	a->resources = rp;
	a->n_resources = 3;
	return a;
}

static void
get_quota(struct api_call *c)
{
	const char *role = ((GetQuotaArgs *)c->args)->ownerrole;
	struct resource_bag used[QUOTA_CATEGORIES];
	struct cron_list crons;
	struct task_list l;
	GetQuotaResult *r;
	ResourceAggregate *stored = NULL;
	void *data;
	size_t len;
	char err[256];
	int rc;

	if (api_blank(role)) {
		aurora_api_answer_message(&c->a, ERROR_CODE,
		    "Argument cannot be blank");
		return;
	}
	if (fetch_role(c, role, 1, &l, &crons) == -1)
		return;
	quota_consumption((const ScheduledTask *const *)l.t, l.n,
	    (const JobConfiguration *const *)crons.jobs, crons.n, used);
	(void)keep_tasks(c, &l);
	free(crons.jobs);	/* the jobs themselves are the call's */
	rc = store_get(replica_store_handle(), STORE_QUOTAS, role, &data, &len,
	    err, sizeof(err));
	if (rc == -1) {
		store_failed(c, err);
		return;
	}
	if (rc == 1) {
		stored = resource_aggregate__unpack(NULL, len, data);
		free(data);
		if (stored == NULL) {
			store_failed(c, "the role's quota in the store cannot "
			    "be read");
			return;
		}
		api_keep(c, &stored->base);
	}
	if ((r = api_alloc(c, sizeof(*r))) == NULL)
		return;
	get_quota_result__init(r);
	r->quota = aggregate(c, quota_aggregate_bag(stored));
	r->prodsharedconsumption = aggregate(c, used[QUOTA_PROD_SHARED]);
	r->nonprodsharedconsumption = aggregate(c, used[QUOTA_NON_PROD_SHARED]);
	r->proddedicatedconsumption = aggregate(c, used[QUOTA_PROD_DEDICATED]);
	r->nonproddedicatedconsumption = aggregate(c,
	    used[QUOTA_NON_PROD_DEDICATED]);
	api_ok_result(c, RESULT__KIND_GET_QUOTA_RESULT, r);
}

/* Aurora's JobKeys.assertValid: an error without a message. */
static int
job_key_invalid(struct api_call *c, const JobKey *k)
{
	if (sched_job_key_valid(k))
		return 0;
	api_error_bare(c);
	return 1;
}

/* A shallow copy with the IDL's non-optional numbers present, as in Java. */
static TaskConfig
as_java(const TaskConfig *t)
{
	TaskConfig j = *t;

	j.has_isservice = j.has_priority = j.has_maxtaskfailures = 1;
	return j;
}

int
api_same_config(const TaskConfig *a, const TaskConfig *b)
{
	TaskConfig ja = as_java(a), jb = as_java(b);
	size_t la = task_config__get_packed_size(&ja);
	uint8_t *x, *y;
	int same = 0;

	if (la != task_config__get_packed_size(&jb))
		return 0;
	if ((x = malloc(la + 1)) != NULL && (y = malloc(la + 1)) != NULL) {
		task_config__pack(&ja, x);
		task_config__pack(&jb, y);
		same = memcmp(x, y, la) == 0;
		free(y);
	}
	free(x);
	return same;
}

static int
by_instance(const void *a, const void *b)
{
	int32_t x = (*(ScheduledTask *const *)a)->assignedtask->instanceid;
	int32_t y = (*(ScheduledTask *const *)b)->assignedtask->instanceid;

	return x < y ? -1 : x > y;
}

int
api_config_groups(struct api_call *c, const int32_t *ids,
    const TaskConfig *const *configs, size_t n, ConfigGroup ***out,
    size_t *nout)
{
	ConfigGroup **groups;
	size_t i, j, ng = 0;

	*out = NULL;
	*nout = 0;
	if ((groups = api_alloc(c, (n ? n : 1) * sizeof(*groups))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		ConfigGroup *g = NULL;
		Range *last;

		for (j = 0; j < ng && g == NULL; j++)
			if (api_same_config(groups[j]->config, configs[i]))
				g = groups[j];
		if (g == NULL) {
			if ((g = api_alloc(c, sizeof(*g))) == NULL)
				return -1;
			config_group__init(g);
			if ((g->instances = api_alloc(c, n *
			    sizeof(*g->instances))) == NULL)
				return -1;
			g->config = (TaskConfig *)(uintptr_t)configs[i];
			groups[ng++] = g;
		}
		last = g->n_instances > 0 ? g->instances[g->n_instances - 1] :
		    NULL;
		if (last != NULL && last->last + 1 == ids[i]) {
			last->last = ids[i];
			continue;
		}
		if ((last = api_alloc(c, sizeof(*last))) == NULL)
			return -1;
		range__init(last);
		last->has_first = last->has_last = 1;
		last->first = last->last = ids[i];
		g->instances[g->n_instances++] = last;
	}
	*out = groups;
	*nout = ng;
	return 0;
}

int
api_active_configs(struct api_call *c, const JobKey *job, int32_t **ids,
    const TaskConfig ***configs, size_t *n)
{
	struct job_query jq;
	ScheduleStatus statuses[API_MAX_STATUSES];
	struct task_list l;
	ScheduledTask **active;
	char err[256];

	api_job_query(&jq, job, NULL, 0);
	jq.q.statuses = statuses;
	jq.q.n_statuses = api_active_statuses(statuses);
	if (api_tasks_fetch(replica_store_handle(), &jq.q, &l, err,
	    sizeof(err)) == -1) {
		store_failed(c, err);
		return -1;
	}
	*n = l.n;
	if ((active = keep_tasks(c, &l)) == NULL ||
	    (*ids = api_alloc(c, (*n ? *n : 1) * sizeof(**ids))) == NULL ||
	    (*configs = api_alloc(c, (*n ? *n : 1) * sizeof(**configs))) ==
	    NULL)
		return -1;
	qsort(active, *n, sizeof(*active), by_instance);
	for (size_t i = 0; i < *n; i++) {
		(*ids)[i] = active[i]->assignedtask->instanceid;
		(*configs)[i] = active[i]->assignedtask->task;
	}
	return 0;
}

static void
get_config_summary(struct api_call *c)
{
	const JobKey *job = ((GetConfigSummaryArgs *)c->args)->job;
	const TaskConfig **configs;
	ConfigSummaryResult *r;
	ConfigSummary *s;
	int32_t *ids;
	size_t n;

	if (job_key_invalid(c, job))
		return;
	if (api_active_configs(c, job, &ids, &configs, &n) == -1 ||
	    (r = api_alloc(c, sizeof(*r))) == NULL ||
	    (s = api_alloc(c, sizeof(*s))) == NULL)
		return;
	config_summary_result__init(r);
	config_summary__init(s);
	s->key = (JobKey *)(uintptr_t)job;
	/* Identical configs group; their instances as contiguous ranges. */
	if (api_config_groups(c, ids, configs, n, &s->groups, &s->n_groups) ==
	    -1)
		return;
	r->summary = s;
	api_ok_result(c, RESULT__KIND_CONFIG_SUMMARY_RESULT, r);
}

/* Thrift's toString of a TaskQuery, for getPendingReason's messages. */
static void
query_string(const TaskQuery *q, char *out, size_t len)
{
	size_t off = (size_t)snprintf(out, len, "TaskQuery(");
	const char *sep = "";
	size_t i;

#define APPEND(...) do {						\
	if (off < len)							\
		off += (size_t)snprintf(out + off, len - off, __VA_ARGS__); \
} while (0)
	/* Thrift's order: the IDL's, not the field ids'. */
	if (q->role != NULL) {
		APPEND("role:%s", q->role);
		sep = ", ";
	}
	if (q->environment != NULL) {
		APPEND("%senvironment:%s", sep, q->environment);
		sep = ", ";
	}
	if (q->jobname != NULL) {
		APPEND("%sjobName:%s", sep, q->jobname);
		sep = ", ";
	}
	if (q->n_taskids > 0) {
		APPEND("%staskIds:[", sep);
		for (i = 0; i < q->n_taskids; i++)
			APPEND("%s%s", i > 0 ? ", " : "", q->taskids[i]);
		APPEND("]");
		sep = ", ";
	}
	if (q->n_statuses > 0) {
		APPEND("%sstatuses:[", sep);
		for (i = 0; i < q->n_statuses; i++)
			APPEND("%s%s", i > 0 ? ", " : "",
			    task_status_name(q->statuses[i]));
		APPEND("]");
		sep = ", ";
	}
	if (q->n_instanceids > 0) {
		APPEND("%sinstanceIds:[", sep);
		for (i = 0; i < q->n_instanceids; i++)
			APPEND("%s%d", i > 0 ? ", " : "", q->instanceids[i]);
		APPEND("]");
		sep = ", ";
	}
	if (q->n_slavehosts > 0) {
		APPEND("%sslaveHosts:[", sep);
		for (i = 0; i < q->n_slavehosts; i++)
			APPEND("%s%s", i > 0 ? ", " : "", q->slavehosts[i]);
		APPEND("]");
		sep = ", ";
	}
	if (q->n_jobkeys > 0) {
		APPEND("%sjobKeys:[", sep);
		for (i = 0; i < q->n_jobkeys; i++)
			APPEND("%sJobKey(role:%s, environment:%s, name:%s)",
			    i > 0 ? ", " : "", q->jobkeys[i]->role,
			    q->jobkeys[i]->environment, q->jobkeys[i]->name);
		APPEND("]");
		sep = ", ";
	}
	if (q->has_offset) {
		APPEND("%soffset:%d", sep, q->offset);
		sep = ", ";
	}
	if (q->has_limit)
		APPEND("%slimit:%d", sep, q->limit);
	APPEND(")");
#undef APPEND
}

#define REASONS_TIMEOUT_MS	2000

/* offerd's reasons, in the order asked; without them, Aurora's "". */
static void
reasons_heard(const Envelope *reply, const char *error, void *arg)
{
	struct api_call *c = arg;
	GetPendingReasonResult *r =
	    c->a.resp.result->getpendingreasonresult;
	PendingReasonsResponse *heard = NULL;

	if (reply != NULL && reply->type == MSG_TYPE__PENDING_REASONS_RESPONSE)
		heard = (PendingReasonsResponse *)ipc_body_decode(reply,
		    &pending_reasons_response__descriptor);
	if (heard == NULL)
		log_warnx("getPendingReason: no reasons from offerd: %s",
		    error != NULL ? error : "bad answer");
	for (size_t i = 0; heard != NULL && i < r->n_reasons &&
	    i < heard->n_reasons; i++)
		if (heard->reasons[i][0] != '\0')
			r->reasons[i]->reason = api_strdup(c,
			    heard->reasons[i]);
	if (heard != NULL)
		pending_reasons_response__free_unpacked(heard, NULL);
	api_answer(c);
}

static void
get_pending_reason(struct api_call *c)
{
	const TaskQuery *in = ((GetPendingReasonArgs *)c->args)->query;
	static const TaskQuery none = TASK_QUERY__INIT;
	ScheduleStatus pending = SCHEDULE_STATUS__PENDING;
	PendingReasonsRequest ask = PENDING_REASONS_REQUEST__INIT;
	GetPendingReasonResult *r;
	ScheduleStatusResult *tasks;
	TaskQuery q;
	char text[2048];

	if (in == NULL)
		in = &none;
	if (in->n_slavehosts > 0 || in->n_statuses > 0) {
		query_string(in, text, sizeof(text));
		aurora_api_answer_message(&c->a, RESPONSE_CODE__INVALID_REQUEST,
		    "%s in %s", in->n_slavehosts > 0 ?
		    "SlaveHosts are not supported" :
		    "Statuses is not supported", text);
		return;
	}
	q = *in;
	q.statuses = &pending;
	q.n_statuses = 1;
	tasks_answer(c, &q, 0);
	if (c->a.resp.result == NULL)
		return;
	tasks = c->a.resp.result->schedulestatusresult;
	if ((r = api_alloc(c, sizeof(*r))) == NULL)
		return;
	get_pending_reason_result__init(r);
	r->reasons = api_alloc(c, tasks->n_tasks * sizeof(*r->reasons));
	ask.task_ids = api_alloc(c, tasks->n_tasks * sizeof(*ask.task_ids));
	if (tasks->n_tasks > 0 && (r->reasons == NULL || ask.task_ids == NULL))
		return;
	for (size_t i = 0; i < tasks->n_tasks; i++) {
		PendingReason *p = api_alloc(c, sizeof(*p));

		if (p == NULL)
			return;
		pending_reason__init(p);
		p->taskid = tasks->tasks[i]->assignedtask->taskid;
		p->reason = (char *)(uintptr_t)"";
		r->reasons[r->n_reasons++] = p;
		ask.task_ids[ask.n_task_ids++] = p->taskid;
	}
	api_ok_result(c, RESULT__KIND_GET_PENDING_REASON_RESULT, r);
	/* Only offerd has seen the offers: it knows the nearest fit. */
	if (r->n_reasons > 0 && ipc_call(replica_offerd(),
	    MSG_TYPE__PENDING_REASONS_REQUEST, &ask.base, REASONS_TIMEOUT_MS,
	    reasons_heard, c) == 0)
		c->deferred = 1;
}

static void
populate_job_config(struct api_call *c)
{
	const JobConfiguration *in = ((PopulateJobConfigArgs *)c->args)->
	    description;
	PopulateJobResult *r;
	JobConfiguration *job;
	char err[1024];

	if (in == NULL) {
		aurora_api_answer_init(&c->a, ERROR_CODE);
		return;
	}
	if ((job = sched_config_validate_job(in, err, sizeof(err))) == NULL) {
		aurora_api_answer_message(&c->a, RESPONSE_CODE__INVALID_REQUEST,
		    "Invalid configuration: %s", err);
		return;
	}
	api_keep(c, &job->base);
	if ((r = api_alloc(c, sizeof(*r))) == NULL)
		return;
	populate_job_result__init(r);
	r->taskconfig = job->taskconfig;
	api_ok_result(c, RESULT__KIND_POPULATE_JOB_RESULT, r);
}

static const struct {
	const char	*name;
	api_read_fn	 fn;
} methods[] = {
	{ "getRoleSummary", get_role_summary },
	{ "getJobSummary", get_job_summary },
	{ "getTasksStatus", get_tasks_status },
	{ "getTasksWithoutConfigs", get_tasks_without_configs },
	{ "getPendingReason", get_pending_reason },
	{ "getConfigSummary", get_config_summary },
	{ "getJobs", get_jobs },
	{ "getQuota", get_quota },
	{ "populateJobConfig", populate_job_config },
	{ "getTierConfigs", get_tier_configs },
	{ "getJobUpdateSummaries", api_get_job_update_summaries },
	{ "getJobUpdateDetails", api_get_job_update_details },
	{ "getJobUpdateDiff", api_get_job_update_diff },
};

api_read_fn
api_read_method(const char *name)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, name) == 0)
			return methods[i].fn;
	return NULL;
}
