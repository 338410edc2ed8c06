/*
 * client: `aurora job ...`: create, list, kill, killall, restart, add
 * (status lives in client_status.c), with the arguments, messages and
 * exit codes of Aurora's client/cli/jobs.py.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"

#define NOPTS(o)	(sizeof(o) / sizeof((o)[0]))
#define DEFAULT_WAIT	600	/* seconds, for --wait-until and kills */

static int
wait_secs(const struct client_opt *o, int *secs)
{
	*secs = DEFAULT_WAIT;
	if (o->set && client_opt_int(o, "--wait-timeout", secs) != 0)
		return CLIENT_EXIT_INVALID_PARAMETER;
	return 0;
}

static void
free_resp(Response *r)
{
	if (r != NULL)
		protobuf_c_message_free_unpacked(&r->base, NULL);
}

static int
create(struct client_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "aurora job create [--wait-until="
	    "PENDING|RUNNING|FINISHED] [--wait-timeout=SECS] "
	    "CLUSTER/ROLE/ENV/NAME CONFIG.json";
	struct client_opt opts[] = {
		{ "--wait-until", NULL, true, NULL, false },
		{ "--wait-timeout", NULL, true, NULL, false },
		{ "--read-json", NULL, false, NULL, false },
	};
	GetTierConfigsArgs targs = GET_TIER_CONFIGS_ARGS__INIT;
	CreateJobArgs cargs = CREATE_JOB_ARGS__INIT;
	enum client_wait_for w = CLIENT_WAIT_PENDING;
	struct client_jobkey k;
	char err[CLIENT_ERR_LEN], *args[2], url[1024];
	JobConfiguration *jc = NULL;
	Response *resp = NULL;
	size_t nargs;
	int code, secs;

	if ((code = client_opts_parse(argc, argv, opts, NOPTS(opts), args,
	    &nargs, 2, usage)) != 0)
		return code;
	if (nargs != 2) {
		fprintf(stderr, "usage: %s\n", usage);
		return CLIENT_EXIT_INVALID_COMMAND;
	}
	if (opts[0].set && client_wait_parse(opts[0].value, &w) == -1) {
		fprintf(stderr, "argument --wait-until: invalid choice: '%s' "
		    "(choose from 'PENDING', 'RUNNING', 'FINISHED')\n",
		    opts[0].value);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	if ((code = wait_secs(&opts[1], &secs)) != 0)
		return code;
	if (client_jobkey_parse(args[0], &k, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	if ((jc = client_config_load(args[1], &k, err, sizeof(err))) == NULL) {
		fprintf(stderr, "Error loading configuration: %s\n", err);
		return CLIENT_EXIT_INVALID_CONFIGURATION;
	}
	if (jc->cronschedule != NULL) {
		fprintf(stderr, "Cron jobs may only be scheduled with \"aurora "
		    "cron schedule\" command\n");
		code = CLIENT_EXIT_COMMAND_FAILURE;
		goto out;
	}
	/* Aurora fills in the tier (or production) from the cluster's. */
	if ((code = client_call(ctx, k.cluster, "getTierConfigs", &targs.base,
	    &resp)) != 0)
		goto out;
	if ((code = client_check_response(resp, CLIENT_EXIT_API_ERROR,
	    "Error getting tier configurations.")) != 0)
		goto out;
	if (resp->result != NULL)
		client_config_backfill_tier(jc,
		    resp->result->gettierconfigresult);
	free_resp(resp);
	cargs.description = jc;
	if ((code = client_call(ctx, k.cluster, "createJob", &cargs.base,
	    &resp)) != 0)
		goto out;
	if ((code = client_check_response(resp, CLIENT_EXIT_COMMAND_FAILURE,
	    "Job creation failed due to error:")) != 0)
		goto out;
	free_resp(resp);
	resp = NULL;
	if ((code = client_wait_until(ctx, &k, w, NULL, 0, secs)) != 0)
		goto out;
	/* Check that the job was created. */
	if ((code = client_query_tasks(ctx, &k, NULL, 0, false, &resp)) != 0)
		goto out;
	if (!resp->has_responsecode ||
	    resp->responsecode != RESPONSE_CODE__OK || resp->result == NULL ||
	    resp->result->schedulestatusresult == NULL ||
	    resp->result->schedulestatusresult->n_tasks == 0) {
		fprintf(stderr, "Error occurred while creating job %s\n",
		    args[0]);
		code = CLIENT_EXIT_COMMAND_FAILURE;
		goto out;
	}
	client_job_url(ctx, &k, url, sizeof(url));
	printf("Job create succeeded: job url=%s\n", url);
out:
	free_resp(resp);
	protobuf_c_message_free_unpacked(&jc->base, NULL);
	return code;
}

static int
list(struct client_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "aurora job list "
	    "cluster[/role[/env[/name]]]";
	GetJobsArgs gargs = GET_JOBS_ARGS__INIT;
	struct client_jobkey k;
	char err[CLIENT_ERR_LEN], *args[1];
	Response *resp;
	size_t nargs, i, c;
	int code;

	if ((code = client_opts_parse(argc, argv, NULL, 0, args, &nargs, 1,
	    usage)) != 0)
		return code;
	if (nargs != 1) {
		fprintf(stderr, "usage: %s\n", usage);
		return CLIENT_EXIT_INVALID_COMMAND;
	}
	if (client_jobkey_parse_partial(args[0], &k, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	if (client_jobkey_bound(&k)) {
		/* Aurora prints a full key without asking. */
		printf("%s/%s/%s/%s\n", k.cluster, k.role, k.env, k.name);
		return 0;
	}
	if (strchr(k.role, '*') == NULL)
		gargs.ownerrole = k.role;
	for (c = 0; c < ctx->clusters.n; c++) {
		const char *cl = ctx->clusters.v[c].name;
		const GetJobsResult *r;

		if (fnmatch(k.cluster, cl, 0) != 0 &&
		    strcmp(k.cluster, cl) != 0)
			continue;
		if ((code = client_call(ctx, cl, "getJobs", &gargs.base,
		    &resp)) != 0)
			return code;
		if ((code = client_check_response(resp,
		    CLIENT_EXIT_COMMAND_FAILURE, "Command failure:")) != 0) {
			free_resp(resp);
			return code;
		}
		r = resp->result != NULL ? resp->result->getjobsresult : NULL;
		for (i = 0; r != NULL && i < r->n_configs; i++) {
			const JobKey *jk = r->configs[i]->key;

			if (jk == NULL || jk->role == NULL ||
			    jk->environment == NULL || jk->name == NULL)
				continue;
			if (fnmatch(k.role, jk->role, 0) == 0 &&
			    fnmatch(k.env, jk->environment, 0) == 0 &&
			    fnmatch(k.name, jk->name, 0) == 0)
				printf("%s/%s/%s/%s\n", cl, jk->role,
				    jk->environment, jk->name);
		}
		free_resp(resp);
	}
	if (client_clusters_find(&ctx->clusters, k.cluster) == NULL &&
	    strchr(k.cluster, '*') == NULL) {
		fprintf(stderr, "Unknown cluster: %s\n", k.cluster);
		return CLIENT_EXIT_INVALID_CONFIGURATION;
	}
	return 0;
}

/* The job's active instances (sorted, unique); an exit code. */
static int
active_instances(struct client_ctx *ctx, const struct client_jobkey *k,
    int32_t **ids, size_t *n)
{
	const ScheduleStatusResult *r;
	Response *resp;
	size_t i, j;
	int code;

	*ids = NULL;
	*n = 0;
	if ((code = client_query_tasks(ctx, k, NULL, 0, true, &resp)) != 0)
		return code;
	if ((code = client_check_response(resp, CLIENT_EXIT_INVALID_PARAMETER,
	    "Command failure:")) != 0) {
		free_resp(resp);
		return code;
	}
	r = resp->result != NULL ? resp->result->schedulestatusresult : NULL;
	*ids = client_xcalloc(r != NULL ? r->n_tasks : 0, sizeof(int32_t));
	for (i = 0; r != NULL && i < r->n_tasks; i++) {
		int32_t id;

		if (r->tasks[i]->assignedtask == NULL)
			continue;
		id = r->tasks[i]->assignedtask->instanceid;
		for (j = 0; j < *n && (*ids)[j] != id; j++)
			;
		if (j == *n)
			(*ids)[(*n)++] = id;
	}
	/* Insertion sort: a job has few instances. */
	for (i = 1; i < *n; i++)
		for (j = i; j > 0 && (*ids)[j - 1] > (*ids)[j]; j--) {
			int32_t t = (*ids)[j];

			(*ids)[j] = (*ids)[j - 1];
			(*ids)[j - 1] = t;
		}
	free_resp(resp);
	return 0;
}

static bool
contains(const int32_t *ids, size_t n, int32_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static int
kill_batch(struct client_ctx *ctx, const struct client_jobkey *k,
    int32_t *batch, size_t n, const char *message, int secs)
{
	KillTasksArgs kargs = KILL_TASKS_ARGS__INIT;
	char msg[1024], list[512];
	JobKey jk;
	Response *resp;
	int code;

	client_jobkey_thrift(k, &jk);
	kargs.job = &jk;
	kargs.instances = batch;
	kargs.n_instances = n;
	kargs.message = (char *)(uintptr_t)message;
	client_instances_str(batch, n, list, sizeof(list));
	if ((code = client_call(ctx, k->cluster, "killTasks", &kargs.base,
	    &resp)) != 0)
		return code;
	snprintf(msg, sizeof(msg), "Kill of instances %s failed with error:",
	    list);
	code = client_check_response(resp, CLIENT_EXIT_API_ERROR, msg);
	free_resp(resp);
	if (code != 0)
		return code;
	if ((code = client_wait_until(ctx, k, CLIENT_WAIT_FINISHED, batch, n,
	    secs)) != 0) {
		if (code == CLIENT_EXIT_TIMEOUT)
			fprintf(stderr, "Instances %s were not killed in "
			    "time\n", list);
		return code;
	}
	printf("Successfully killed instances %s\n", list);
	return 0;
}

static int
kill_cmd(struct client_ctx *ctx, int argc, char **argv, bool all)
{
	const char *usage = all ? "aurora job killall [--message=MSG] "
	    "[--batch-size=N] [--no-batching] CLUSTER/ROLE/ENV/NAME" :
	    "aurora job kill [--message=MSG] [--batch-size=N] "
	    "[--no-batching] CLUSTER/ROLE/ENV/NAME/INSTANCES";
	struct client_opt opts[] = {
		{ "--message", "-m", true, NULL, false },
		{ "--batch-size", NULL, true, NULL, false },
		{ "--no-batching", NULL, false, NULL, false },
		{ "--wait-timeout", NULL, true, NULL, false },
		{ "--max-total-failures", NULL, true, NULL, false },
	};
	struct client_jobkey k;
	char err[CLIENT_ERR_LEN], *args[1], key[1024];
	int32_t *want = NULL, *active = NULL, *todo;
	size_t nargs, nwant = 0, nactive = 0, ntodo = 0, i;
	int code, batch = 1, secs, maxfail = 0, errors = 0;
	bool every;

	if ((code = client_opts_parse(argc, argv, opts, NOPTS(opts), args,
	    &nargs, 1, usage)) != 0)
		return code;
	if (nargs != 1) {
		fprintf(stderr, "usage: %s\n", usage);
		return CLIENT_EXIT_INVALID_COMMAND;
	}
	if ((opts[1].set && (code = client_opt_int(&opts[1], "--batch-size",
	    &batch)) != 0) || (code = wait_secs(&opts[3], &secs)) != 0 ||
	    (opts[4].set && (code = client_opt_int(&opts[4],
	    "--max-total-failures", &maxfail)) != 0))
		return code;
	if (batch < 1) {
		fprintf(stderr, "argument --batch-size: must be at least 1\n");
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	if (all) {
		every = true;
		if (client_jobkey_parse(args[0], &k, err, sizeof(err)) == -1) {
			fprintf(stderr, "%s\n", err);
			return CLIENT_EXIT_INVALID_PARAMETER;
		}
	} else {
		if (client_instance_spec_parse(args[0], &k, &want, &nwant,
		    &every, err, sizeof(err)) == -1) {
			fprintf(stderr, "%s\n", err);
			return CLIENT_EXIT_INVALID_PARAMETER;
		}
		if (every) {
			fprintf(stderr, "The instances list cannot be omitted "
			    "in a kill command!; use killall to kill all "
			    "instances\n");
			return CLIENT_EXIT_INVALID_PARAMETER;
		}
	}
	client_jobkey_str(&k, key, sizeof(key));
	if ((code = active_instances(ctx, &k, &active, &nactive)) != 0)
		goto out;
	todo = client_xcalloc(nactive, sizeof(*todo));
	for (i = 0; i < nactive; i++)
		if (every || contains(want, nwant, active[i]))
			todo[ntodo++] = active[i];
	free(active);
	active = todo;
	if (nactive == 0 || (ntodo == 0 && every)) {
		fprintf(stderr, "No tasks to kill found for job %s\n", key);
		code = CLIENT_EXIT_INVALID_PARAMETER;
		goto out;
	}
	if (opts[2].set)
		batch = (int)(ntodo > 0 ? ntodo : 1);
	for (i = 0; i < ntodo; i += (size_t)batch) {
		size_t n = ntodo - i < (size_t)batch ? ntodo - i : (size_t)batch;

		code = kill_batch(ctx, &k, todo + i, n, opts[0].value, secs);
		if (code == CLIENT_EXIT_TIMEOUT) {
			if (++errors > maxfail) {
				fprintf(stderr, "Exceeded maximum number of "
				    "errors while killing instances\n");
				code = CLIENT_EXIT_COMMAND_FAILURE;
				goto out;
			}
		} else if (code != 0)
			goto out;
	}
	if (errors > 0) {
		fprintf(stderr, "Errors occurred while killing instances\n");
		code = CLIENT_EXIT_COMMAND_FAILURE;
		goto out;
	}
	printf("Job %s succeeded\n", all ? "killall" : "kill");
	code = 0;
out:
	free(want);
	free(active);
	return code;
}

static int
restart(struct client_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "aurora job restart [--batch-size=N] "
	    "CLUSTER/ROLE/ENV/NAME[/INSTANCES]";
	struct client_opt opts[] = {
		{ "--batch-size", NULL, true, NULL, false },
		{ "--max-total-failures", NULL, true, NULL, false },
		{ "--strict", NULL, false, NULL, false },
	};
	RestartShardsArgs rargs = RESTART_SHARDS_ARGS__INIT;
	struct client_jobkey k;
	char err[CLIENT_ERR_LEN], *args[1], key[1024], msg[1200];
	int32_t *ids = NULL, *active = NULL;
	size_t nargs, n = 0, nactive = 0, i, off;
	Response *resp = NULL;
	JobKey jk;
	int code, batch = 0, maxfail = 0;
	bool all;

	if ((code = client_opts_parse(argc, argv, opts, NOPTS(opts), args,
	    &nargs, 1, usage)) != 0)
		return code;
	if (nargs != 1) {
		fprintf(stderr, "usage: %s\n", usage);
		return CLIENT_EXIT_INVALID_COMMAND;
	}
	if ((opts[0].set && (code = client_opt_int(&opts[0], "--batch-size",
	    &batch)) != 0) || (opts[1].set && (code = client_opt_int(&opts[1],
	    "--max-total-failures", &maxfail)) != 0))
		return code;
	if (maxfail < 0) {
		fprintf(stderr, "max_total_failures option must be >0, but you "
		    "specified %d\n", maxfail);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	if (client_instance_spec_parse(args[0], &k, &ids, &n, &all, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	client_jobkey_str(&k, key, sizeof(key));
	if (all || opts[2].set) {
		if ((code = active_instances(ctx, &k, &active, &nactive)) != 0)
			goto out;
		for (i = 0; opts[2].set && !all && i < n; i++)
			if (!contains(active, nactive, ids[i])) {
				fprintf(stderr, "Invalid instance parameter: "
				    "[%d]\n", ids[i]);
				code = CLIENT_EXIT_INVALID_PARAMETER;
				goto out;
			}
		if (all) {
			free(ids);
			ids = active;
			n = nactive;
			active = NULL;
		}
	}
	if (n == 0) {
		fprintf(stderr, "No active instances of %s to restart\n", key);
		code = CLIENT_EXIT_INVALID_PARAMETER;
		goto out;
	}
	client_jobkey_thrift(&k, &jk);
	rargs.job = &jk;
	if (batch <= 0)
		batch = (int)n;
	for (off = 0; off < n; off += (size_t)batch) {
		rargs.shardids = ids + off;
		rargs.n_shardids = n - off < (size_t)batch ? n - off :
		    (size_t)batch;
		if ((code = client_call(ctx, k.cluster, "restartShards",
		    &rargs.base, &resp)) != 0)
			goto out;
		snprintf(msg, sizeof(msg), "Error restarting job %s:", key);
		code = client_check_response(resp, CLIENT_EXIT_API_ERROR, msg);
		free_resp(resp);
		resp = NULL;
		if (code != 0)
			goto out;
	}
	printf("Job %s restarted successfully\n", key);
	code = 0;
out:
	free(ids);
	free(active);
	return code;
}

static int
add(struct client_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "aurora job add [--wait-until="
	    "PENDING|RUNNING|FINISHED] CLUSTER/ROLE/ENV/NAME/INSTANCE COUNT";
	struct client_opt opts[] = {
		{ "--wait-until", NULL, true, NULL, false },
		{ "--wait-timeout", NULL, true, NULL, false },
	};
	AddInstancesArgs aargs = ADD_INSTANCES_ARGS__INIT;
	enum client_wait_for w = CLIENT_WAIT_PENDING;
	struct client_opt countopt = { "instance_count", NULL, true, NULL,
	    false };
	struct client_jobkey k;
	InstanceKey ik = INSTANCE_KEY__INIT;
	char err[CLIENT_ERR_LEN], *args[2];
	int32_t instance, *active = NULL, *range = NULL;
	size_t nargs, nactive = 0, i;
	Response *resp;
	JobKey jk;
	int code, count, secs;

	if ((code = client_opts_parse(argc, argv, opts, NOPTS(opts), args,
	    &nargs, 2, usage)) != 0)
		return code;
	if (nargs != 2) {
		fprintf(stderr, "usage: %s\n", usage);
		return CLIENT_EXIT_INVALID_COMMAND;
	}
	if (opts[0].set && client_wait_parse(opts[0].value, &w) == -1) {
		fprintf(stderr, "argument --wait-until: invalid choice: '%s' "
		    "(choose from 'PENDING', 'RUNNING', 'FINISHED')\n",
		    opts[0].value);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	if ((code = wait_secs(&opts[1], &secs)) != 0)
		return code;
	if (client_task_instance_parse(args[0], &k, &instance, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	countopt.value = args[1];
	if ((code = client_opt_int(&countopt, "instance_count", &count)) != 0)
		return code;
	if (count < 1) {
		fprintf(stderr, "argument instance_count: must be at least "
		    "1\n");
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	if ((code = active_instances(ctx, &k, &active, &nactive)) != 0)
		return code;
	if (!contains(active, nactive, instance)) {
		fprintf(stderr, "Invalid instance parameter: [%d]\n", instance);
		free(active);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	client_jobkey_thrift(&k, &jk);
	ik.jobkey = &jk;
	ik.has_instanceid = 1;
	ik.instanceid = instance;
	aargs.key = &ik;
	aargs.has_count = 1;
	aargs.count = count;
	if ((code = client_call(ctx, k.cluster, "addInstances", &aargs.base,
	    &resp)) != 0) {
		free(active);
		return code;
	}
	code = client_check_response(resp, CLIENT_EXIT_API_ERROR,
	    "Command failure:");
	free_resp(resp);
	if (code == 0 && w != CLIENT_WAIT_PENDING) {
		range = client_xcalloc((size_t)count, sizeof(*range));
		for (i = 0; i < (size_t)count; i++)
			range[i] = active[nactive - 1] + 1 + (int32_t)i;
		code = client_wait_until(ctx, &k, w, range, (size_t)count,
		    secs);
	}
	free(range);
	free(active);
	return code;
}

int
client_job_main(struct client_ctx *ctx, int argc, char **argv)
{
	if (argc < 1) {
		fprintf(stderr, "usage: aurora job {create,status,list,kill,"
		    "killall,restart,add} ...\n");
		return CLIENT_EXIT_INVALID_COMMAND;
	}
	if (strcmp(argv[0], "create") == 0)
		return create(ctx, argc - 1, argv + 1);
	if (strcmp(argv[0], "status") == 0)
		return client_status_main(ctx, argc - 1, argv + 1);
	if (strcmp(argv[0], "list") == 0)
		return list(ctx, argc - 1, argv + 1);
	if (strcmp(argv[0], "kill") == 0)
		return kill_cmd(ctx, argc - 1, argv + 1, false);
	if (strcmp(argv[0], "killall") == 0)
		return kill_cmd(ctx, argc - 1, argv + 1, true);
	if (strcmp(argv[0], "restart") == 0)
		return restart(ctx, argc - 1, argv + 1);
	if (strcmp(argv[0], "add") == 0)
		return add(ctx, argc - 1, argv + 1);
	fprintf(stderr, "aurora job: unknown verb '%s' (choose from create, "
	    "status, list, kill, killall, restart, add)\n", argv[0]);
	return CLIENT_EXIT_INVALID_COMMAND;
}
