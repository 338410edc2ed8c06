/*
 * replica: ReadOnlyScheduler's job update calls. getJobUpdateSummaries and
 * getJobUpdateDetails, over the store's job updates (role/env/name/id ->
 * JobUpdateDetails), with Aurora's query rules: every field set must
 * match, newest modification first, then offset and limit.
 * getJobUpdateDiff compares a proposed config with the job's active tasks.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aurora_api.h"
#include "ipc/api_calls.pb-c.h"
#include "replica/api_call.h"
#include "replica/replica_store.h"
#include "replica/sched_config.h"

struct update_list {
	JobUpdateDetails	**d;
	size_t			  n, cap;
	const JobUpdateQuery	 *q;
	int			  oom;
};

static const JobUpdateSummary *
summary_of(const JobUpdateDetails *d)
{
	return d->update != NULL ? d->update->summary : NULL;
}

static int
same_str(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int
same_job(const JobKey *a, const JobKey *b)
{
	return a != NULL && b != NULL && same_str(a->role, b->role) &&
	    same_str(a->environment, b->environment) &&
	    same_str(a->name, b->name);
}

/* Aurora's filters: each one set in the query must hold. */
static int
matches(const JobUpdateQuery *q, const JobUpdateDetails *d)
{
	const JobUpdateSummary *s = summary_of(d);
	const JobUpdateKey *k = s != NULL ? s->key : NULL;
	const JobKey *job = k != NULL ? k->job : NULL;
	size_t i;

	if (q->role != NULL && (job == NULL || !same_str(job->role, q->role)))
		return 0;
	if (q->key != NULL && (k == NULL || !same_job(k->job, q->key->job) ||
	    !same_str(k->id, q->key->id)))
		return 0;
	if (q->jobkey != NULL && !same_job(job, q->jobkey))
		return 0;
	if (q->user != NULL && (s == NULL || !same_str(s->user, q->user)))
		return 0;
	if (q->n_updatestatuses > 0) {
		if (s == NULL || s->state == NULL || !s->state->has_status)
			return 0;
		for (i = 0; i < q->n_updatestatuses; i++)
			if (q->updatestatuses[i] == s->state->status)
				break;
		if (i == q->n_updatestatuses)
			return 0;
	}
	return 1;
}

static int
add_update(void *arg, const char *key, size_t keylen, const void *value,
    size_t len)
{
	struct update_list *l = arg;
	JobUpdateDetails *d;

	(void)key;
	(void)keylen;
	if ((d = job_update_details__unpack(NULL, len, value)) == NULL)
		return 0;	/* unreadable: the store validated what it took */
	if (!matches(l->q, d)) {
		job_update_details__free_unpacked(d, NULL);
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		JobUpdateDetails **grown = realloc(l->d, cap * sizeof(*grown));

		if (grown == NULL) {
			job_update_details__free_unpacked(d, NULL);
			l->oom = 1;
			return -1;
		}
		l->d = grown;
		l->cap = cap;
	}
	l->d[l->n++] = d;
	return 0;
}

static int64_t
last_modified(const JobUpdateDetails *d)
{
	const JobUpdateSummary *s = summary_of(d);

	return s != NULL && s->state != NULL ?
	    s->state->lastmodifiedtimestampms : 0;
}

static int
newest_first(const void *a, const void *b)
{
	int64_t x = last_modified(*(JobUpdateDetails *const *)a);
	int64_t y = last_modified(*(JobUpdateDetails *const *)b);

	return x > y ? -1 : x < y;
}

/*
 * The updates the query selects, in Aurora's order, kept by the call
 * (*d the call's array). -1 when the answer is already set.
 */
static int
fetch_updates(struct api_call *c, const JobUpdateQuery *q,
    JobUpdateDetails ***d, size_t *n)
{
	struct update_list l = { .q = q };
	char prefix[512] = "", err[256];
	const JobKey *job = q->jobkey != NULL ? q->jobkey :
	    q->key != NULL ? q->key->job : NULL;
	size_t from, i;
	int more;

	/* Keys are role/env/name/id: narrow the scan when the query can. */
	if (job != NULL && job->role != NULL && job->environment != NULL &&
	    job->name != NULL)
		snprintf(prefix, sizeof(prefix), "%s/%s/%s/", job->role,
		    job->environment, job->name);
	else if (q->role != NULL)
		snprintf(prefix, sizeof(prefix), "%s/", q->role);
	if (store_scan(replica_store_handle(), STORE_JOB_UPDATES, prefix, "",
	    SIZE_MAX, add_update, &l, &more, err, sizeof(err)) == -1 || l.oom) {
		for (i = 0; i < l.n; i++)
			job_update_details__free_unpacked(l.d[i], NULL);
		free(l.d);
		aurora_api_answer_message(&c->a, l.oom ?
		    RESPONSE_CODE__RESPONSE_CODE_ERROR :
		    RESPONSE_CODE__ERROR_TRANSIENT, "%s",
		    l.oom ? "out of memory" : err);
		return -1;
	}
	if (l.n > 1)
		qsort(l.d, l.n, sizeof(*l.d), newest_first);
	for (i = 0; i < l.n; i++)
		api_keep(c, &l.d[i]->base);
	from = q->has_offset && q->offset > 0 ? (size_t)q->offset : 0;
	if (from > l.n)
		from = l.n;
	*n = l.n - from;
	if (q->has_limit && q->limit > 0 && (size_t)q->limit < *n)
		*n = (size_t)q->limit;
	*d = api_alloc(c, (*n ? *n : 1) * sizeof(**d));
	if (*d != NULL && *n > 0)
		memcpy(*d, l.d + from, *n * sizeof(**d));
	free(l.d);
	return *d != NULL ? 0 : -1;
}

void
api_get_job_update_summaries(struct api_call *c)
{
	static const JobUpdateQuery none = JOB_UPDATE_QUERY__INIT;
	const GetJobUpdateSummariesArgs *a = (void *)c->args;
	GetJobUpdateSummariesResult *r;
	JobUpdateDetails **d;
	size_t n, k = 0;

	if (fetch_updates(c, a->jobupdatequery != NULL ? a->jobupdatequery :
	    &none, &d, &n) == -1)
		return;
	if ((r = api_alloc(c, sizeof(*r))) == NULL)
		return;
	get_job_update_summaries_result__init(r);
	if ((r->updatesummaries = api_alloc(c, (n ? n : 1) *
	    sizeof(*r->updatesummaries))) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if (d[i]->update != NULL && d[i]->update->summary != NULL)
			r->updatesummaries[k++] = d[i]->update->summary;
	r->n_updatesummaries = k;
	api_ok_result(c, RESULT__KIND_GET_JOB_UPDATE_SUMMARIES_RESULT, r);
}

/* Thrift's toString of a JobUpdateKey, as Aurora's message shows it. */
static void
update_key_string(const JobUpdateKey *k, char *out, size_t len)
{
	const JobKey *j = k->job;

	if (j == NULL)
		snprintf(out, len, "JobUpdateKey(job:null, id:%s)",
		    k->id != NULL ? k->id : "null");
	else
		snprintf(out, len, "JobUpdateKey(job:JobKey(role:%s, "
		    "environment:%s, name:%s), id:%s)",
		    j->role != NULL ? j->role : "null",
		    j->environment != NULL ? j->environment : "null",
		    j->name != NULL ? j->name : "null",
		    k->id != NULL ? k->id : "null");
}

void
api_get_job_update_details(struct api_call *c)
{
	const GetJobUpdateDetailsArgs *a = (void *)c->args;
	GetJobUpdateDetailsResult *r;
	JobUpdateQuery byKey = JOB_UPDATE_QUERY__INIT;
	JobUpdateDetails **d;
	char key[1024];
	size_t n;

	if (a->key == NULL && a->query == NULL) {
		aurora_api_answer_message(&c->a,
		    RESPONSE_CODE__RESPONSE_CODE_ERROR,
		    "Either key or query must be set.");
		return;
	}
	byKey.key = a->key;
	if (fetch_updates(c, a->query != NULL ? a->query : &byKey, &d,
	    &n) == -1)
		return;
	if ((r = api_alloc(c, sizeof(*r))) == NULL)
		return;
	get_job_update_details_result__init(r);
	if (a->query != NULL) {
		r->detailslist = d;
		r->n_detailslist = n;
		api_ok_result(c, RESULT__KIND_GET_JOB_UPDATE_DETAILS_RESULT, r);
		return;
	}
	/* The deprecated key argument: one update, or none. */
	if (n == 0) {
		update_key_string(a->key, key, sizeof(key));
		aurora_api_answer_message(&c->a, RESPONSE_CODE__INVALID_REQUEST,
		    "Invalid update: %s", key);
		return;
	}
	r->details = d[0];
	api_ok_result(c, RESULT__KIND_GET_JOB_UPDATE_DETAILS_RESULT, r);
	api_add_message(c, "The key argument is deprecated, use the query "
	    "argument instead");
}

/* getJobUpdateDiff: what an update to this config would change. */

/* One category of the diff: instances and their configs, ids ascending. */
struct diff_part {
	int32_t			*ids;
	const TaskConfig	**configs;
	size_t			 n;
};

static int
in_ranges(const JobUpdateSettings *s, int32_t id)
{
	for (size_t i = 0; i < s->n_updateonlytheseinstances; i++) {
		const Range *r = s->updateonlytheseinstances[i];

		if (id >= r->first && id <= r->last)
			return 1;
	}
	return 0;
}

static void
part_add(struct diff_part *p, int32_t id, const TaskConfig *config)
{
	p->ids[p->n] = id;
	p->configs[p->n++] = config;
}

static int
part_groups(struct api_call *c, const struct diff_part *p, ConfigGroup ***g,
    size_t *n)
{
	return api_config_groups(c, p->ids, p->configs, p->n, g, n);
}

/*
 * Aurora's JobDiff: an instance whose active config differs from the
 * proposal, or that the proposal drops, is replaced; one the proposal
 * adds or changes is a replacement. With updateOnlyTheseInstances, only
 * those count and every other current instance is unchanged.
 */
static int
compute_diff(struct api_call *c, const int32_t *cur_ids,
    const TaskConfig *const *cur, size_t ncur, const TaskConfig *proposed,
    int32_t count, const JobUpdateSettings *scope, GetJobUpdateDiffResult *r)
{
	struct diff_part add = { 0 }, remove = { 0 }, update = { 0 },
	    unchanged = { 0 };
	struct diff_part *parts[] = { &add, &remove, &update, &unchanged };
	size_t most = ncur + (count > 0 ? (size_t)count : 0), i = 0;
	int32_t next = 0;	/* the next proposed instance */
	int scoped = scope != NULL && scope->n_updateonlytheseinstances > 0;

	for (size_t k = 0; k < 4; k++)
		if ((parts[k]->ids = api_alloc(c, (most ? most : 1) *
		    sizeof(int32_t))) == NULL || (parts[k]->configs =
		    api_alloc(c, (most ? most : 1) * sizeof(TaskConfig *))) ==
		    NULL)
			return -1;
	/* Every instance of either side once, in order. */
	for (;;) {
		const TaskConfig *old = NULL;
		int32_t at;
		int proposes;

		if (i < ncur && (next >= count || cur_ids[i] <= next)) {
			at = cur_ids[i];
			old = cur[i++];
			if (at == next)
				next++;
		} else if (next < count)
			at = next++;
		else
			break;
		proposes = at >= 0 && at < count;
		if (scoped && !in_ranges(scope, at)) {
			if (old != NULL)
				part_add(&unchanged, at, old);
		} else if (old != NULL && proposes)
			part_add(api_same_config(old, proposed) ? &unchanged :
			    &update, at, old);
		else if (old != NULL)
			part_add(&remove, at, old);
		else
			part_add(&add, at, proposed);
	}
	return part_groups(c, &add, &r->add, &r->n_add) == -1 ||
	    part_groups(c, &remove, &r->remove, &r->n_remove) == -1 ||
	    part_groups(c, &update, &r->update, &r->n_update) == -1 ||
	    part_groups(c, &unchanged, &r->unchanged, &r->n_unchanged) == -1 ?
	    -1 : 0;
}

void
api_get_job_update_diff(struct api_call *c)
{
	const JobUpdateRequest *req = ((GetJobUpdateDiffArgs *)c->args)->
	    request;
	GetJobUpdateDiffResult *r;
	const TaskConfig **cur;
	TaskConfig *proposed;
	int32_t *ids;
	size_t n;
	char err[1024], key[512];
	void *data;
	size_t len;
	int rc;

	if (req == NULL || req->taskconfig == NULL) {
		api_error_bare(c);
		return;
	}
	if ((proposed = sched_config_validate_task(req->taskconfig,
	    req->instancecount, err, sizeof(err))) == NULL) {
		aurora_api_answer_message(&c->a, RESPONSE_CODE__INVALID_REQUEST,
		    "%s", err);
		return;
	}
	api_keep(c, &proposed->base);
	store_job_key(proposed->job, key, sizeof(key));
	rc = store_get(replica_store_handle(), STORE_CRON_JOBS, key, &data,
	    &len, err, sizeof(err));
	if (rc == -1) {
		aurora_api_answer_message(&c->a, RESPONSE_CODE__ERROR_TRANSIENT,
		    "%s", err);
		return;
	}
	if (rc == 1) {
		free(data);
		aurora_api_answer_message(&c->a, RESPONSE_CODE__INVALID_REQUEST,
		    "Cron jobs may only be created/updated by calling "
		    "scheduleCronJob.");
		return;
	}
	if (api_active_configs(c, proposed->job, &ids, &cur, &n) == -1 ||
	    (r = api_alloc(c, sizeof(*r))) == NULL)
		return;
	get_job_update_diff_result__init(r);
	if (compute_diff(c, ids, cur, n, proposed, req->instancecount,
	    req->settings, r) == -1)
		return;
	api_ok_result(c, RESULT__KIND_GET_JOB_UPDATE_DIFF_RESULT, r);
}
