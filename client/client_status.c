/*
 * client: `aurora job status KEY [--write-json]`: the job's tasks, active
 * then inactive, each sorted by instance, in Aurora's text layout or as
 * JSON ({"job", "active", "inactive"} per job); and the expansion of a
 * partial key, which `aurora job list` shares.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/client.h"

/* As Python prints None. */
#define STR(s)	((s) != NULL ? (s) : "None")

static int
by_instance(const void *a, const void *b)
{
	const ScheduledTask *x = *(ScheduledTask *const *)a;
	const ScheduledTask *y = *(ScheduledTask *const *)b;
	int32_t i = x->assignedtask ? x->assignedtask->instanceid : 0;
	int32_t j = y->assignedtask ? y->assignedtask->instanceid : 0;

	return i < j ? -1 : i > j;
}

static int
by_time(const void *a, const void *b)
{
	const TaskEvent *x = *(TaskEvent *const *)a;
	const TaskEvent *y = *(TaskEvent *const *)b;

	return x->timestamp < y->timestamp ? -1 : x->timestamp > y->timestamp;
}

/* As Python prints datetime.fromtimestamp(ms / 1000). */
static void
fmt_time(int64_t ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	localtime_r(&s, &tm);
	n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	if (ms % 1000 != 0 && n < len)
		snprintf(buf + n, len - n, ".%06d", (int)(ms % 1000) * 1000);
}

static void
print_task(const ScheduledTask *st)
{
	const AssignedTask *at = st->assignedtask;
	const TaskConfig *tc = at != NULL ? at->task : NULL;
	const JobKey *jk = tc != NULL ? tc->job : NULL;
	char res[1024], when[64];
	TaskEvent **ev;
	size_t i;

	printf("\tTask role: %s, env: %s, name: %s, instance: %d, status: %s "
	    "on %s\n", STR(jk ? jk->role : NULL),
	    STR(jk ? jk->environment : NULL), STR(jk ? jk->name : NULL),
	    at ? at->instanceid : 0, client_status_name(st->status),
	    STR(at ? at->slavehost : NULL));
	if (tc != NULL) {
		client_resources_str(tc->resources, tc->n_resources, ", ", "",
		    res, sizeof(res));
		printf("\t  %s\n", res);
	}
	if (at != NULL && at->n_assignedports > 0) {
		printf("\t  assigned ports: {");
		for (i = 0; i < at->n_assignedports; i++)
			printf("%s'%s': %d", i > 0 ? ", " : "",
			    STR(at->assignedports[i]->key),
			    at->assignedports[i]->value);
		printf("}\n");
		printf("\t  failure count: %d (max %d)\n", st->failurecount,
		    tc != NULL ? tc->maxtaskfailures : 0);
	}
	printf("\t  events:\n");
	ev = client_xcalloc(st->n_taskevents, sizeof(*ev));
	memcpy(ev, st->taskevents, st->n_taskevents * sizeof(*ev));
	qsort(ev, st->n_taskevents, sizeof(*ev), by_time);
	for (i = 0; i < st->n_taskevents; i++) {
		fmt_time(ev[i]->timestamp, when, sizeof(when));
		printf("\t   %s %s: %s\n", when, client_status_name(
		    ev[i]->status), STR(ev[i]->message));
	}
	free(ev);
	if (tc != NULL && tc->n_metadata > 0) {
		printf("\t  metadata:\n");
		for (i = 0; i < tc->n_metadata; i++)
			printf("\t\t  (key: '%s', value: '%s')\n",
			    STR(tc->metadata[i]->key),
			    STR(tc->metadata[i]->value));
	}
	printf("\n");
}

static json_t *
tasks_json(ScheduledTask **v, size_t n)
{
	json_t *a = json_array(), *t, *evs;
	size_t i;

	for (i = 0; i < n; i++) {
		t = client_message_json(&v[i]->base);
		/* Events by time, as Aurora sorts them. */
		evs = json_object_get(t, "taskEvents");
		if (json_is_array(evs) && v[i]->n_taskevents > 0) {
			TaskEvent **ev = client_xcalloc(v[i]->n_taskevents,
			    sizeof(*ev));
			json_t *sorted = json_array();
			size_t j;

			memcpy(ev, v[i]->taskevents,
			    v[i]->n_taskevents * sizeof(*ev));
			qsort(ev, v[i]->n_taskevents, sizeof(*ev), by_time);
			for (j = 0; j < v[i]->n_taskevents; j++)
				json_array_append_new(sorted,
				    client_message_json(&ev[j]->base));
			json_object_set_new(t, "taskEvents", sorted);
			free(ev);
		}
		json_array_append_new(a, t);
	}
	return a;
}

/* One job; 0 and *found, or an exit code. */
static int
one_job(struct client_ctx *ctx, const struct client_jobkey *k, bool js,
    json_t *out, bool *found)
{
	ScheduledTask **active, **inactive;
	const ScheduleStatusResult *r;
	size_t na = 0, ni = 0, i;
	Response *resp;
	char key[1024];
	int code;

	if ((code = client_query_tasks_ok(ctx, k, NULL, 0, false,
	    CLIENT_EXIT_INVALID_PARAMETER, "Command failure:", &resp)) != 0)
		return code;
	r = resp->result != NULL ? resp->result->schedulestatusresult : NULL;
	if (r == NULL || r->n_tasks == 0) {
		client_response_free(resp);
		return 0;
	}
	*found = true;
	active = client_xcalloc(r->n_tasks, sizeof(*active));
	inactive = client_xcalloc(r->n_tasks, sizeof(*inactive));
	for (i = 0; i < r->n_tasks; i++) {
		if (client_status_active(r->tasks[i]->status))
			active[na++] = r->tasks[i];
		else
			inactive[ni++] = r->tasks[i];
	}
	qsort(active, na, sizeof(*active), by_instance);
	qsort(inactive, ni, sizeof(*inactive), by_instance);
	client_jobkey_str(k, key, sizeof(key));
	if (js) {
		json_t *o = json_object();

		json_object_set_new(o, "job", json_string(key));
		json_object_set_new(o, "active", tasks_json(active, na));
		json_object_set_new(o, "inactive", tasks_json(inactive, ni));
		json_array_append_new(out, o);
	} else {
		printf("Active tasks (%zu):\n", na);
		for (i = 0; i < na; i++)
			print_task(active[i]);
		printf("Inactive tasks (%zu):\n", ni);
		for (i = 0; i < ni; i++)
			print_task(inactive[i]);
	}
	free(active);
	free(inactive);
	client_response_free(resp);
	return 0;
}

int
client_jobs_matching(struct client_ctx *ctx, const struct client_jobkey *k,
    struct client_jobkey **out, size_t *n)
{
	GetJobsArgs gargs = GET_JOBS_ARGS__INIT;
	bool glob = strpbrk(k->cluster, "*?[") != NULL;
	size_t c, i;
	Response *resp;
	int code;

	*out = NULL;
	*n = 0;
	if (client_jobkey_bound(k)) {
		*out = client_xcalloc(1, sizeof(**out));
		**out = *k;
		*n = 1;
		return 0;
	}
	/* As Aurora's get_api; a glob (ours) may match no cluster. */
	if (!glob && client_clusters_find(&ctx->clusters, k->cluster) == NULL) {
		fprintf(stderr, "Unknown cluster: %s\n", k->cluster);
		return CLIENT_EXIT_INVALID_CONFIGURATION;
	}
	/* Aurora asks for one role unless the role has a '*'. */
	if (strchr(k->role, '*') == NULL)
		gargs.ownerrole = (char *)(uintptr_t)k->role;
	for (c = 0; c < ctx->clusters.n; c++) {
		const char *cl = ctx->clusters.v[c].name;
		const GetJobsResult *r;

		if (glob ? fnmatch(k->cluster, cl, 0) != 0 :
		    strcmp(k->cluster, cl) != 0)
			continue;
		if ((code = client_call(ctx, cl, "getJobs", &gargs.base,
		    &resp)) != 0)
			return code;
		if ((code = client_check_response(resp,
		    CLIENT_EXIT_COMMAND_FAILURE, "Command failure:")) != 0) {
			client_response_free(resp);
			return code;
		}
		r = resp->result != NULL ? resp->result->getjobsresult : NULL;
		for (i = 0; r != NULL && i < r->n_configs; i++) {
			const JobKey *jk = r->configs[i]->key;
			struct client_jobkey *nv;

			if (jk == NULL || jk->role == NULL ||
			    jk->environment == NULL || jk->name == NULL ||
			    fnmatch(k->role, jk->role, 0) != 0 ||
			    fnmatch(k->env, jk->environment, 0) != 0 ||
			    fnmatch(k->name, jk->name, 0) != 0)
				continue;
			nv = client_xcalloc(*n + 1, sizeof(*nv));
			if (*n > 0)
				memcpy(nv, *out, *n * sizeof(*nv));
			free(*out);
			*out = nv;
			snprintf(nv[*n].cluster, CLIENT_ID_LEN, "%s", cl);
			snprintf(nv[*n].role, CLIENT_ID_LEN, "%s", jk->role);
			snprintf(nv[*n].env, CLIENT_ID_LEN, "%s",
			    jk->environment);
			snprintf(nv[*n].name, CLIENT_ID_LEN, "%s", jk->name);
			(*n)++;
		}
		client_response_free(resp);
	}
	return 0;
}

int
client_status_main(struct client_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "aurora job status [--write-json] "
	    "cluster[/role[/env[/name]]]";
	struct client_opt opts[] = {
		{ "--write-json", NULL, false, NULL, false },
	};
	struct client_jobkey k, *jobs = NULL;
	char err[CLIENT_ERR_LEN], *args[1], key[1024];
	json_t *out = json_array();
	size_t njobs = 0, i;
	bool js, found = false;
	int code;

	if ((code = client_opts_exact(argc, argv, opts, NOPTS(opts), args, 1,
	    usage)) != 0)
		goto done;
	js = opts[0].set;
	if (client_jobkey_parse_partial(args[0], &k, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		code = CLIENT_EXIT_INVALID_PARAMETER;
		goto done;
	}
	if ((code = client_jobs_matching(ctx, &k, &jobs, &njobs)) != 0)
		goto done;
	for (i = 0; i < njobs; i++)
		if ((code = one_job(ctx, &jobs[i], js, out, &found)) != 0)
			goto done;
	client_jobkey_str(&k, key, sizeof(key));
	if (!found) {
		if (js) {
			/* Scripts get an answer, and no error code. */
			json_t *o = json_pack("{s:s, s:s}", "jobspec", key,
			    "error", "No matching jobs found");
			char *text = o != NULL ? json_dumps(o, JSON_COMPACT |
			    JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII) : NULL;

			printf("%s\n", text != NULL ? text : "{}");
			free(text);
			json_decref(o);
		} else {
			fprintf(stderr, "Found no jobs matching %s\n", key);
			code = CLIENT_EXIT_INVALID_PARAMETER;
		}
		goto done;
	}
	if (js) {
		char *text = json_dumps(out, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));

		printf("%s\n", text != NULL ? text : "[]");
		free(text);
	}
done:
	json_decref(out);
	free(jobs);
	return code;
}
