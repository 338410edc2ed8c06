/*
 * client: `aurora job ...`: create, list, kill, killall, restart, add
 * (status lives in client_status.c), with the arguments, messages and
 * exit codes of Aurora's client/cli/jobs.py.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"

/* Seconds a kill waits by default (Aurora's kill wait is bounded too). */
#define KILL_WAIT	600

/*
 * The options and the two arguments of create and add, whose first two
 * options are --wait-until and --wait-timeout.
 */
static int
two_args_and_wait(int argc, char **argv, struct client_opt *opts,
    size_t nopts, const char *usage, char *args[2], enum client_wait_for *w,
    int *secs)
{
	int code;

	if ((code = client_opts_exact(argc, argv, opts, nopts, args, 2,
	    usage)) != 0)
		return code;
	return client_wait_opts(&opts[0], &opts[1], w, secs);
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
	enum client_wait_for w;
	struct client_jobkey k;
	char err[CLIENT_ERR_LEN], *args[2], url[1024];
	JobConfiguration *jc = NULL;
	Response *resp = NULL;
	int code, secs;

	if ((code = two_args_and_wait(argc, argv, opts, NOPTS(opts), usage,
	    args, &w, &secs)) != 0)
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
	client_response_free(resp);
	cargs.description = jc;
	if ((code = client_call(ctx, k.cluster, "createJob", &cargs.base,
	    &resp)) != 0)
		goto out;
	if ((code = client_check_response(resp, CLIENT_EXIT_COMMAND_FAILURE,
	    "Job creation failed due to error:")) != 0)
		goto out;
	client_response_free(resp);
	resp = NULL;
	if ((code = client_wait_until(ctx, &k, w, NULL, 0, secs, false)) != 0)
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
	client_response_free(resp);
	protobuf_c_message_free_unpacked(&jc->base, NULL);
	return code;
}

static int
list(struct client_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "aurora job list "
	    "cluster[/role[/env[/name]]]";
	struct client_jobkey k, *jobs;
	char err[CLIENT_ERR_LEN], *args[1];
	size_t njobs, i;
	int code;

	if ((code = client_opts_exact(argc, argv, NULL, 0, args, 1,
	    usage)) != 0)
		return code;
	if (client_jobkey_parse_partial(args[0], &k, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	/* A full key is printed without asking, as Aurora does. */
	if ((code = client_jobs_matching(ctx, &k, &jobs, &njobs)) != 0)
		return code;
	for (i = 0; i < njobs; i++)
		printf("%s/%s/%s/%s\n", jobs[i].cluster, jobs[i].role,
		    jobs[i].env, jobs[i].name);
	free(jobs);
	return 0;
}

/* The job's active instances (sorted, unique); an exit code. */
static int
active_instances(struct client_ctx *ctx, const struct client_jobkey *k,
    int32_t **ids, size_t *n)
{
	const ScheduleStatusResult *r;
	Response *resp;
	size_t i;
	int code;

	*ids = NULL;
	*n = 0;
	if ((code = client_query_tasks_ok(ctx, k, NULL, 0, true,
	    CLIENT_EXIT_INVALID_PARAMETER, "Command failure:", &resp)) != 0)
		return code;
	r = resp->result != NULL ? resp->result->schedulestatusresult : NULL;
	*ids = client_xcalloc(r != NULL ? r->n_tasks : 0, sizeof(int32_t));
	for (i = 0; r != NULL && i < r->n_tasks; i++)
		if (r->tasks[i]->assignedtask != NULL)
			(*ids)[(*n)++] = r->tasks[i]->assignedtask->instanceid;
	client_ids_sort_unique(*ids, n);
	client_response_free(resp);
	return 0;
}

/*
 * killTasks for ids (NULL: the whole job), then waits for them to end; on
 * a timeout, Aurora's one message and CLIENT_EXIT_TIMEOUT.
 */
static int
kill_and_wait(struct client_ctx *ctx, const struct client_jobkey *k,
    int32_t *ids, size_t n, const char *message, const char *errmsg,
    int secs)
{
	KillTasksArgs kargs = KILL_TASKS_ARGS__INIT;
	char list[512];
	JobKey jk;
	Response *resp;
	int code;

	client_jobkey_thrift(k, &jk);
	kargs.job = &jk;
	kargs.instances = ids;
	kargs.n_instances = n;
	kargs.message = (char *)(uintptr_t)message;
	if ((code = client_call(ctx, k->cluster, "killTasks", &kargs.base,
	    &resp)) != 0)
		return code;
	code = client_check_response(resp, CLIENT_EXIT_API_ERROR, errmsg);
	client_response_free(resp);
	if (code != 0)
		return code;
	code = client_wait_until(ctx, k, CLIENT_WAIT_FINISHED, ids, n, secs,
	    true);
	if (code == CLIENT_EXIT_TIMEOUT) {
		/* Python prints the instance list, or None for all. */
		if (ids != NULL)
			client_instances_str(ids, n, list, sizeof(list));
		fprintf(stderr, "Instances %s were not killed in time\n",
		    ids != NULL ? list : "None");
	}
	return code;
}

/* Aurora's kill_in_batches: the active instances asked for, in batches. */
static int
kill_batches(struct client_ctx *ctx, const struct client_jobkey *k,
    const int32_t *want, size_t nwant, int batch, int maxfail,
    const char *message, int secs)
{
	char key[1024], list[512], errmsg[600];
	int32_t *ids;
	size_t nids, ntodo = 0, i, n;
	int code = 0, errors = 0;

	client_jobkey_str(k, key, sizeof(key));
	if ((code = active_instances(ctx, k, &ids, &nids)) != 0)
		return code;
	if (nids == 0) {
		fprintf(stderr, "No tasks to kill found for job %s\n", key);
		free(ids);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	for (i = 0; i < nids; i++)
		if (want == NULL || client_ids_contains(want, nwant, ids[i]))
			ids[ntodo++] = ids[i];
	for (i = 0; i < ntodo; i += n) {
		n = ntodo - i < (size_t)batch ? ntodo - i : (size_t)batch;
		client_instances_str(ids + i, n, list, sizeof(list));
		snprintf(errmsg, sizeof(errmsg), "Kill of instances %s failed "
		    "with error:", list);
		code = kill_and_wait(ctx, k, ids + i, n, message, errmsg, secs);
		if (code == 0) {
			printf("Successfully killed instances %s\n", list);
			continue;
		}
		if (code != CLIENT_EXIT_TIMEOUT)
			goto out;
		if (++errors > maxfail) {
			fprintf(stderr, "Exceeded maximum number of errors "
			    "while killing instances\n");
			code = CLIENT_EXIT_COMMAND_FAILURE;
			goto out;
		}
	}
	code = 0;
	if (errors > 0) {
		fprintf(stderr, "Errors occurred while killing instances\n");
		code = CLIENT_EXIT_COMMAND_FAILURE;
	}
out:
	free(ids);
	return code;
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
	char err[CLIENT_ERR_LEN], *args[1];
	int32_t *want = NULL;
	size_t nwant = 0;
	int code, batch = 1, secs = KILL_WAIT, maxfail = 0;
	bool every = true;

	if ((code = client_opts_exact(argc, argv, opts, NOPTS(opts), args, 1,
	    usage)) != 0)
		return code;
	if ((opts[1].set && (code = client_opt_int(&opts[1], "--batch-size",
	    &batch)) != 0) || (opts[3].set && (code = client_opt_int(&opts[3],
	    "--wait-timeout", &secs)) != 0) || (opts[4].set &&
	    (code = client_opt_int(&opts[4], "--max-total-failures",
	    &maxfail)) != 0))
		return code;
	if (batch < 1) {
		fprintf(stderr, "argument --batch-size: must be at least 1\n");
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	if (secs < 0) {
		fprintf(stderr, "argument --wait-timeout: must be 0 (no limit) "
		    "or more\n");
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	if (all) {
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
	/* --no-batching: as Aurora, one killTasks without looking first. */
	if (opts[2].set)
		code = kill_and_wait(ctx, &k, want, nwant, opts[0].value,
		    "Command failure:", secs);
	else
		code = kill_batches(ctx, &k, want, nwant, batch, maxfail,
		    opts[0].value, secs);
	free(want);
	if (code != 0)
		return code;
	printf("Job %s succeeded\n", all ? "killall" : "kill");
	return 0;
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
	size_t n = 0, nactive = 0, i, off;
	Response *resp = NULL;
	JobKey jk;
	int code, batch = 1, maxfail = 0;
	bool all;

	if ((code = client_opts_exact(argc, argv, opts, NOPTS(opts), args, 1,
	    usage)) != 0)
		return code;
	if ((opts[0].set && (code = client_opt_int(&opts[0], "--batch-size",
	    &batch)) != 0) || (opts[1].set && (code = client_opt_int(&opts[1],
	    "--max-total-failures", &maxfail)) != 0))
		return code;
	if (maxfail < 0) {
		fprintf(stderr, "max_total_failures option must be >0, but you "
		    "specified %d\n", maxfail);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	if (batch < 1) {
		fprintf(stderr, "argument --batch-size: must be at least 1\n");
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
			if (!client_ids_contains(active, nactive, ids[i])) {
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
	/* Aurora's restarter: nothing active is nothing to do, and OK. */
	client_jobkey_thrift(&k, &jk);
	rargs.job = &jk;
	for (off = 0; off < n; off += (size_t)batch) {
		rargs.shardids = ids + off;
		rargs.n_shardids = n - off < (size_t)batch ? n - off :
		    (size_t)batch;
		if ((code = client_call(ctx, k.cluster, "restartShards",
		    &rargs.base, &resp)) != 0)
			goto out;
		snprintf(msg, sizeof(msg), "Error restarting job %s:", key);
		code = client_check_response(resp, CLIENT_EXIT_API_ERROR, msg);
		client_response_free(resp);
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
	enum client_wait_for w;
	struct client_opt countopt = { "instance_count", NULL, true, NULL,
	    false };
	struct client_jobkey k;
	InstanceKey ik = INSTANCE_KEY__INIT;
	char err[CLIENT_ERR_LEN], *args[2];
	int32_t instance, *active = NULL, *range = NULL;
	size_t nactive = 0;
	Response *resp;
	JobKey jk;
	int code, count, secs;

	if ((code = two_args_and_wait(argc, argv, opts, NOPTS(opts), usage,
	    args, &w, &secs)) != 0)
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
	if (!client_ids_contains(active, nactive, instance)) {
		fprintf(stderr, "Invalid instance parameter: [%d]\n", instance);
		free(active);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	/* New ids follow the highest active one, as in Aurora. */
	if (client_instance_range(active[nactive - 1], count, NULL, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
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
	client_response_free(resp);
	if (code == 0 && w != CLIENT_WAIT_PENDING) {
		client_instance_range(active[nactive - 1], count, &range, err,
		    sizeof(err));
		code = client_wait_until(ctx, &k, w, range, (size_t)count,
		    secs, false);
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
