/*
 * client: `aurora quota get CLUSTER/ROLE` and the commands of Aurora's
 * separate `aurora_admin` program (admin/admin.py), which this binary runs
 * when called by that name or as `aurora admin ...`: set_quota,
 * increase_quota, scheduler_snapshot, scheduler_backup_now,
 * scheduler_list_backups, prune_tasks, reconcile_tasks, get_scheduler.
 * As in aurora_admin, a failed command exits 1.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/client.h"

#define ADMIN_FAIL	1

static const char *const code_names[] = {
	"INVALID_REQUEST", "OK", "ERROR", "WARNING", "AUTH_FAILED",
	"JOB_UPDATING_ERROR", "ERROR_TRANSIENT",
};

static void
quota_lines(const char *title, const ResourceAggregate *ra)
{
	char buf[1024];

	if (ra == NULL)
		return;
	printf("%s\n", title);
	client_resources_str(ra->resources, ra->n_resources, "\n", "  ", buf,
	    sizeof(buf));
	if (buf[0] != '\0')
		printf("%s\n", buf);
}

int
client_quota_main(struct client_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "aurora quota get [--write-json] "
	    "CLUSTER/ROLE";
	struct client_opt opts[] = {
		{ "--write-json", NULL, false, NULL, false },
	};
	GetQuotaArgs qargs = GET_QUOTA_ARGS__INIT;
	const GetQuotaResult *q;
	char *args[1], cluster[CLIENT_ID_LEN], msg[512];
	const char *slash;
	Response *resp;
	int code;

	if (argc < 1 || strcmp(argv[0], "get") != 0) {
		fprintf(stderr, "usage: %s\n", usage);
		return CLIENT_EXIT_INVALID_COMMAND;
	}
	if ((code = client_opts_exact(argc - 1, argv + 1, opts, NOPTS(opts), args, 1,
	    usage)) != 0)
		return code;
	if ((slash = strchr(args[0], '/')) == NULL ||
	    strchr(slash + 1, '/') != NULL ||
	    (size_t)(slash - args[0]) >= sizeof(cluster) ||
	    !client_identifier_ok(slash + 1)) {
		fprintf(stderr, "Role argument must be in the form "
		    "CLUSTER/ROLE, got '%s'\n", args[0]);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	memcpy(cluster, args[0], (size_t)(slash - args[0]));
	cluster[slash - args[0]] = '\0';
	qargs.ownerrole = (char *)(uintptr_t)(slash + 1);
	if ((code = client_call(ctx, cluster, "getQuota", &qargs.base,
	    &resp)) != 0)
		return code;
	snprintf(msg, sizeof(msg), "Error retrieving quota for role %s",
	    slash + 1);
	if ((code = client_check_response(resp, CLIENT_EXIT_API_ERROR,
	    msg)) != 0)
		goto out;
	q = resp->result != NULL ? resp->result->getquotaresult : NULL;
	if (q == NULL) {
		fprintf(stderr, "%s\n\tthe answer has no getQuotaResult\n",
		    msg);
		code = CLIENT_EXIT_API_ERROR;
		goto out;
	}
	if (opts[0].set) {
		json_t *j = client_message_json(&q->base);
		char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER |
		    JSON_REAL_PRECISION(15));

		printf("%s\n", text != NULL ? text : "{}");
		free(text);
		json_decref(j);
	} else {
		ResourceAggregate empty = RESOURCE_AGGREGATE__INIT;

		quota_lines("Allocated:", q->quota != NULL ? q->quota : &empty);
		quota_lines("Production shared pool resources consumed:",
		    q->prodsharedconsumption);
		quota_lines("Production dedicated pool resources consumed:",
		    q->proddedicatedconsumption);
		quota_lines("Non-production shared pool resources consumed:",
		    q->nonprodsharedconsumption);
		quota_lines("Non-production dedicated pool resources consumed:",
		    q->nonproddedicatedconsumption);
	}
out:
	client_response_free(resp);
	return code;
}

/* aurora_admin's check_and_log_response. */
static int
log_response(const Response *resp)
{
	char details[4096];
	int c = resp->has_responsecode ? (int)resp->responsecode : 0;

	client_combine_messages(resp, details, sizeof(details));
	printf("Response from scheduler: %s (message: %s)\n",
	    c >= 0 && c < (int)(sizeof(code_names) / sizeof(code_names[0])) ?
	    code_names[c] : "UNKNOWN", details);
	return c == RESPONSE_CODE__OK ? 0 : ADMIN_FAIL;
}

/* aurora_admin's make_admin_client: it knows the cluster, or dies. */
static int
known(const struct client_ctx *ctx, const char *cluster)
{
	size_t i;

	if (client_clusters_find(&ctx->clusters, cluster) != NULL)
		return 0;
	fprintf(stderr, "Unknown cluster: %s. Known clusters: ", cluster);
	for (i = 0; i < ctx->clusters.n; i++)
		fprintf(stderr, "%s%s", i > 0 ? ", " : "",
		    ctx->clusters.v[i].name);
	fprintf(stderr, "\n");
	return ADMIN_FAIL;
}

static int
admin_call(struct client_ctx *ctx, const char *cluster, const char *method,
    const ProtobufCMessage *args, Response **resp)
{
	*resp = NULL;
	if (known(ctx, cluster) != 0)
		return ADMIN_FAIL;
	return client_call(ctx, cluster, method, args, resp);
}

static int
simple(struct client_ctx *ctx, const char *cluster, const char *method,
    const ProtobufCMessage *args, Response **keep)
{
	Response *resp;
	int code;

	if ((code = admin_call(ctx, cluster, method, args, &resp)) != 0)
		return code;
	code = log_response(resp);
	if (keep != NULL && code == 0)
		*keep = resp;
	else
		client_response_free(resp);
	return code;
}

/* "512", "512MB", "2G", "1.5GB", "1T" -> MB (Aurora's parse_data). */
static int
parse_mb(const char *s, long long *mb)
{
	char *end;
	double v = strtod(s, &end), mult;

	if (end == s || v < 0)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end == '\0' || strcasecmp(end, "M") == 0 ||
	    strcasecmp(end, "MB") == 0)
		mult = 1;
	else if (strcasecmp(end, "G") == 0 || strcasecmp(end, "GB") == 0)
		mult = 1024;
	else if (strcasecmp(end, "T") == 0 || strcasecmp(end, "TB") == 0)
		mult = 1024 * 1024;
	else if (strcasecmp(end, "K") == 0 || strcasecmp(end, "KB") == 0)
		mult = 1.0 / 1024;
	else if (strcasecmp(end, "B") == 0)
		mult = 1.0 / (1024 * 1024);
	else
		return -1;
	*mb = (long long)(v * mult);
	return 0;
}

static Resource *
res(Resource *r, Resource__KindCase kind)
{
	resource__init(r);
	r->kind_case = kind;
	return r;
}

static int
set_quota(struct client_ctx *ctx, char **args, bool increase)
{
	SetQuotaArgs sargs = SET_QUOTA_ARGS__INIT;
	GetQuotaArgs gargs = GET_QUOTA_ARGS__INIT;
	ResourceAggregate ra = RESOURCE_AGGREGATE__INIT;
	Resource r[3], *rs[3];
	long long ram, disk;
	double cpu;
	char *end;
	size_t i;
	int code;

	cpu = strtod(args[2], &end);
	if (end == args[2] || *end != '\0') {
		fprintf(stderr, "could not convert string to float: %s\n",
		    args[2]);
		return ADMIN_FAIL;
	}
	if (parse_mb(args[3], &ram) == -1 || parse_mb(args[4], &disk) == -1) {
		fprintf(stderr, "Invalid size: %s (a number with an optional "
		    "unit B, K, M, G, T; M if none)\n", parse_mb(args[3],
		    &ram) == -1 ? args[3] : args[4]);
		return ADMIN_FAIL;
	}
	if (increase) {
		Response *resp = NULL;
		const ResourceAggregate *q;

		gargs.ownerrole = args[1];
		if ((code = admin_call(ctx, args[0], "getQuota", &gargs.base,
		    &resp)) != 0)
			return code;
		if (log_response(resp) != 0) {
			client_response_free(resp);
			return ADMIN_FAIL;
		}
		q = resp->result != NULL && resp->result->getquotaresult !=
		    NULL ? resp->result->getquotaresult->quota : NULL;
		for (i = 0; q != NULL && i < q->n_resources; i++) {
			if (q->resources[i]->kind_case ==
			    RESOURCE__KIND_NUM_CPUS)
				cpu += q->resources[i]->numcpus;
			else if (q->resources[i]->kind_case ==
			    RESOURCE__KIND_RAM_MB)
				ram += q->resources[i]->rammb;
			else if (q->resources[i]->kind_case ==
			    RESOURCE__KIND_DISK_MB)
				disk += q->resources[i]->diskmb;
		}
		client_response_free(resp);
	}
	rs[0] = res(&r[0], RESOURCE__KIND_NUM_CPUS);
	r[0].numcpus = cpu;
	rs[1] = res(&r[1], RESOURCE__KIND_RAM_MB);
	r[1].rammb = ram;
	rs[2] = res(&r[2], RESOURCE__KIND_DISK_MB);
	r[2].diskmb = disk;
	ra.resources = rs;
	ra.n_resources = 3;
	sargs.ownerrole = args[1];
	sargs.quota = &ra;
	return simple(ctx, args[0], "setQuota", &sargs.base, NULL);
}

static int
prune_tasks(struct client_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "aurora_admin prune_tasks [--states=S,..] "
	    "[--role=ROLE] [--env=ENV] [--limit=N] CLUSTER";
	struct client_opt opts[] = {
		{ "--states", NULL, true, NULL, false },
		{ "--role", NULL, true, NULL, false },
		{ "--env", NULL, true, NULL, false },
		{ "--limit", NULL, true, NULL, false },
	};
	PruneTasksArgs pargs = PRUNE_TASKS_ARGS__INIT;
	TaskQuery q = TASK_QUERY__INIT;
	ScheduleStatus st[32];
	Response *resp;
	char *args[1], buf[512], *tok, *save, details[4096];
	size_t nargs;
	int code, limit;

	if ((code = client_opts_parse(argc, argv, opts, NOPTS(opts), args,
	    &nargs, 1, usage)) != 0)
		return code;
	if (nargs != 1) {
		fprintf(stderr, "Must specify at least cluster.\n");
		return ADMIN_FAIL;
	}
	if (opts[0].set) {
		snprintf(buf, sizeof(buf), "%s", opts[0].value);
		for (tok = strtok_r(buf, ",", &save); tok != NULL &&
		    q.n_statuses < 32; tok = strtok_r(NULL, ",", &save)) {
			int s = client_status_parse(tok);

			if (s == -1) {
				fprintf(stderr, "Unknown state: %s\n", tok);
				return ADMIN_FAIL;
			}
			st[q.n_statuses++] = (ScheduleStatus)s;
		}
		q.statuses = st;
	}
	if (opts[1].set)
		q.role = (char *)(uintptr_t)opts[1].value;
	if (opts[2].set)
		q.environment = (char *)(uintptr_t)opts[2].value;
	if (opts[3].set) {
		if ((code = client_opt_int(&opts[3], "--limit", &limit)) != 0)
			return ADMIN_FAIL;
		q.has_limit = 1;
		q.limit = limit;
	}
	pargs.query = &q;
	if ((code = admin_call(ctx, args[0], "pruneTasks", &pargs.base,
	    &resp)) != 0)
		return code;
	/* Aurora's prune_tasks says only this, not the whole response. */
	if (resp->has_responsecode && resp->responsecode == RESPONSE_CODE__OK)
		printf("Tasks pruned.\n");
	else {
		client_combine_messages(resp, details, sizeof(details));
		fprintf(stderr, "Failed to prune tasks: %s\n", details);
		code = ADMIN_FAIL;
	}
	client_response_free(resp);
	return code;
}

static int
list_backups(struct client_ctx *ctx, const char *cluster)
{
	ListBackupsArgs largs = LIST_BACKUPS_ARGS__INIT;
	const ListBackupsResult *r;
	Response *resp = NULL;
	size_t i;
	int code;

	if ((code = simple(ctx, cluster, "listBackups", &largs.base, &resp)) !=
	    0)
		return code;
	r = resp->result != NULL ? resp->result->listbackupsresult : NULL;
	printf("%zu available backups:\n", r != NULL ? r->n_backups : 0);
	for (i = 0; r != NULL && i < r->n_backups; i++)
		printf("%s\n", r->backups[i]);
	client_response_free(resp);
	return 0;
}

static int
reconcile(struct client_ctx *ctx, int argc, char **argv)
{
	static const char usage[] = "aurora_admin reconcile_tasks "
	    "[--type=explicit|implicit] [--batch_size=N] CLUSTER";
	struct client_opt opts[] = {
		{ "--type", "-t", true, NULL, false },
		{ "--batch_size", "-b", true, NULL, false },
	};
	TriggerExplicitTaskReconciliationArgs eargs =
	    TRIGGER_EXPLICIT_TASK_RECONCILIATION_ARGS__INIT;
	TriggerImplicitTaskReconciliationArgs iargs =
	    TRIGGER_IMPLICIT_TASK_RECONCILIATION_ARGS__INIT;
	ExplicitReconciliationSettings set =
	    EXPLICIT_RECONCILIATION_SETTINGS__INIT;
	char *args[1];
	size_t nargs;
	int code, b;

	if ((code = client_opts_parse(argc, argv, opts, NOPTS(opts), args,
	    &nargs, 1, usage)) != 0)
		return code;
	if (nargs != 1) {
		fprintf(stderr, "usage: %s\n", usage);
		return ADMIN_FAIL;
	}
	if (opts[0].set && strcmp(opts[0].value, "implicit") == 0)
		return simple(ctx, args[0], "triggerImplicitTaskReconciliation",
		    &iargs.base, NULL);
	if (opts[0].set && strcmp(opts[0].value, "explicit") != 0) {
		fprintf(stderr, "Unexpected value for --type: %s\n",
		    opts[0].value);
		return ADMIN_FAIL;
	}
	if (opts[1].set) {
		if (client_opt_int(&opts[1], "--batch_size", &b) != 0)
			return ADMIN_FAIL;
		set.has_batchsize = 1;
		set.batchsize = b;
	}
	eargs.settings = &set;
	return simple(ctx, args[0], "triggerExplicitTaskReconciliation",
	    &eargs.base, NULL);
}

static void
admin_usage(void)
{
	fprintf(stderr, "usage: aurora_admin COMMAND ...\n"
	    "  set_quota CLUSTER ROLE CPU RAM DISK\n"
	    "  increase_quota CLUSTER ROLE CPU RAM DISK\n"
	    "  scheduler_snapshot CLUSTER\n"
	    "  scheduler_backup_now CLUSTER\n"
	    "  scheduler_list_backups CLUSTER\n"
	    "  prune_tasks [--states=S,..] [--role=R] [--env=E] [--limit=N] "
	    "CLUSTER\n"
	    "  reconcile_tasks [--type=explicit|implicit] [--batch_size=N] "
	    "CLUSTER\n"
	    "  get_scheduler CLUSTER\n"
	    "RAM and DISK: a number with an optional unit (B, K, M, G, T; "
	    "M if none).\n");
}

static int
exactly(const char *cmd, int argc, int want)
{
	if (argc == want)
		return 0;
	fprintf(stderr, "Incorrect parameters for %s\n", cmd);
	admin_usage();
	return ADMIN_FAIL;
}

int
client_admin_main(struct client_ctx *ctx, int argc, char **argv)
{
	SnapshotArgs snap = SNAPSHOT_ARGS__INIT;
	PerformBackupArgs backup = PERFORM_BACKUP_ARGS__INIT;
	const char *cmd;
	int code;

	if (argc < 1 || strcmp(argv[0], "help") == 0 ||
	    strcmp(argv[0], "--help") == 0) {
		admin_usage();
		return argc < 1 ? ADMIN_FAIL : 0;
	}
	cmd = argv[0];
	argc--;
	argv++;
	if (strcmp(cmd, "set_quota") == 0 || strcmp(cmd, "increase_quota") ==
	    0) {
		if ((code = exactly(cmd, argc, 5)) != 0)
			return code;
		return set_quota(ctx, argv, cmd[0] == 'i');
	}
	if (strcmp(cmd, "scheduler_snapshot") == 0)
		return exactly(cmd, argc, 1) ? ADMIN_FAIL :
		    simple(ctx, argv[0], "snapshot", &snap.base, NULL);
	if (strcmp(cmd, "scheduler_backup_now") == 0)
		return exactly(cmd, argc, 1) ? ADMIN_FAIL :
		    simple(ctx, argv[0], "performBackup", &backup.base, NULL);
	if (strcmp(cmd, "scheduler_list_backups") == 0)
		return exactly(cmd, argc, 1) ? ADMIN_FAIL :
		    list_backups(ctx, argv[0]);
	if (strcmp(cmd, "prune_tasks") == 0)
		return prune_tasks(ctx, argc, argv);
	if (strcmp(cmd, "reconcile_tasks") == 0)
		return reconcile(ctx, argc, argv);
	if (strcmp(cmd, "get_scheduler") == 0) {
		if (exactly(cmd, argc, 1) != 0 || known(ctx, argv[0]) != 0)
			return ADMIN_FAIL;
		if ((code = client_connect(ctx, argv[0])) != 0)
			return code;
		printf("Found leading scheduler at: http://%s:%d\n", ctx->host,
		    ctx->port);
		return 0;
	}
	fprintf(stderr, "Unknown command: %s\n", cmd);
	admin_usage();
	return ADMIN_FAIL;
}
