/*
 * aurora: the command-line client of the scheduler, after Apache Aurora's
 * (`aurora job create|status|list|kill|killall|restart|add`,
 * `aurora quota get`), and its admin client when run as `aurora_admin`
 * (or as `aurora admin ...`). See doc/client.md.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"

#define MAX_TIMEOUT	86400	/* seconds: a day is more than enough */

static void
usage(void)
{
	fprintf(stderr, "usage: aurora NOUN VERB ...\n"
	    "  aurora job create [--wait-until=RUNNING|FINISHED] "
	    "CLUSTER/ROLE/ENV/NAME CONFIG.json\n"
	    "  aurora job status [--write-json] cluster[/role[/env[/name]]]\n"
	    "  aurora job list cluster[/role[/env[/name]]]\n"
	    "  aurora job kill [--message=MSG] CLUSTER/ROLE/ENV/NAME/INSTANCES\n"
	    "  aurora job killall [--message=MSG] CLUSTER/ROLE/ENV/NAME\n"
	    "  aurora job restart CLUSTER/ROLE/ENV/NAME[/INSTANCES]\n"
	    "  aurora job add CLUSTER/ROLE/ENV/NAME/INSTANCE COUNT\n"
	    "  aurora quota get CLUSTER/ROLE\n"
	    "  aurora admin COMMAND ... (aurora_admin; `aurora admin help`)\n"
	    "Clusters come from $AURORA_CONFIG_ROOT/clusters.json (default "
	    "/etc/aurora) and ~/.aurora/clusters.json.\n");
}

/* AURORA_CLIENT_TIMEOUT: whole seconds, clamped so the ms fit an int. */
static int
client_timeout(int *ms)
{
	const char *t = getenv("AURORA_CLIENT_TIMEOUT");
	char *end;
	long v;

	*ms = 30000;
	if (t == NULL || *t == '\0')
		return 0;
	errno = 0;
	v = strtol(t, &end, 10);
	if (end == t || *end != '\0' || v <= 0) {
		fprintf(stderr, "AURORA_CLIENT_TIMEOUT: expected a positive "
		    "number of seconds, got '%s'\n", t);
		return -1;
	}
	*ms = (errno == ERANGE || v > MAX_TIMEOUT ? MAX_TIMEOUT : (int)v) *
	    1000;
	return 0;
}

int
main(int argc, char **argv)
{
	struct client_ctx ctx;
	char err[CLIENT_ERR_LEN], *prog;
	bool admin;
	int code;

	memset(&ctx, 0, sizeof(ctx));
	prog = basename(argv[0]);
	admin = strcmp(prog, "aurora_admin") == 0;
	ctx.prog = admin ? "aurora_admin" : "aurora";
	argc--;
	argv++;
	if (!admin && argc > 0 && strcmp(argv[0], "admin") == 0) {
		admin = true;
		argc--;
		argv++;
	}
	if (!admin && (argc < 1 || strcmp(argv[0], "help") == 0 ||
	    strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
		usage();
		return argc < 1 ? CLIENT_EXIT_INVALID_COMMAND : 0;
	}
	if (client_timeout(&ctx.timeout_ms) == -1)
		return admin ? 1 : CLIENT_EXIT_INVALID_CONFIGURATION;
	if (client_clusters_load(&ctx.clusters, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		client_clusters_free(&ctx.clusters);
		return admin ? 1 : CLIENT_EXIT_INVALID_CONFIGURATION;
	}
	if (admin)
		code = client_admin_main(&ctx, argc, argv);
	else if (strcmp(argv[0], "job") == 0)
		code = client_job_main(&ctx, argc - 1, argv + 1);
	else if (strcmp(argv[0], "quota") == 0)
		code = client_quota_main(&ctx, argc - 1, argv + 1);
	else {
		fprintf(stderr, "aurora: unknown command '%s' (choose from "
		    "job, quota, admin)\n", argv[0]);
		usage();
		code = CLIENT_EXIT_INVALID_COMMAND;
	}
	client_clusters_free(&ctx.clusters);
	return code;
}
