/*
 * master's IPC server: answers httpd's status requests with the process
 * table, every flag's value and master's own counters. Started after the
 * first workers are forked, since nng starts threads.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/flags.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "common/worker.h"
#include "ipc/ipc.h"
#include "ipc/ipc_vars.h"
#include "master/master.h"

static const struct ipc_allow master_allow[] = {
	{ ROLE__HTTPD, MSG_TYPE__STATUS_REQUEST },
};

static struct {
	struct proc_entry	*procs;
	int			 nprocs;
	int64_t			 started_ms;
	char			*command_line;
} status;

static void
add_flags(struct ipc_vars *v)
{
	char name[128];

	for (int id = 0; id < F_COUNT; id++) {
		snprintf(name, sizeof(name), "flag_%s", flag_defs[id].name);
		ipc_vars_str(v, name, flag_raw(id));
	}
	ipc_vars_str(v, "command_line", status.command_line);
	ipc_vars_str(v, "libprocess_ip", getenv("LIBPROCESS_IP") != NULL ?
	    getenv("LIBPROCESS_IP") : "");
	ipc_vars_str(v, "libprocess_port", getenv("LIBPROCESS_PORT") != NULL ?
	    getenv("LIBPROCESS_PORT") : "");
}

static void
add_workers(struct ipc_vars *v, int64_t now)
{
	char name[128];

	for (int i = 0; i < status.nprocs; i++) {
		const struct proc_entry *e = &status.procs[i];
		int up = e->state == PROC_RUNNING || e->state == PROC_STARTING;

		snprintf(name, sizeof(name), "worker_%s_pid", e->name);
		ipc_vars_int(v, name, up ? e->pid : 0);
		snprintf(name, sizeof(name), "worker_%s_state", e->name);
		ipc_vars_str(v, name, proctab_state_name(e->state));
		snprintf(name, sizeof(name), "worker_%s_restarts", e->name);
		ipc_vars_int(v, name, e->restarts);
		snprintf(name, sizeof(name), "worker_%s_uptime_secs", e->name);
		ipc_vars_int(v, name, up ? (now - e->started_ms) / 1000 : 0);
	}
}

static void
dispatch(struct ipc_request *req, void *arg)
{
	struct ipc_vars v = { 0 };
	int64_t now = ipc_now_ms();

	ipc_vars_int(&v, "uptime_secs", (now - status.started_ms) / 1000);
	ipc_vars_str(&v, "build_version", PACKAGE_VERSION);
	ipc_vars_int(&v, "master_pid", getpid());
	ipc_vars_int(&v, "sandbox_enabled", sandbox_enabled());
	add_flags(&v);
	add_workers(&v, now);
	ipc_vars_ipc_stats(&v, "master");
	ipc_vars_reply(req, &v);
}

int
master_status_start(struct proc_entry *procs, int nprocs, int argc,
    char *argv[])
{
	char url[256];
	size_t len = 1;

	status.procs = procs;
	status.nprocs = nprocs;
	status.started_ms = ipc_now_ms();
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((status.command_line = calloc(1, len)) == NULL)
		return -1;
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			strcat(status.command_line, " ");
		strcat(status.command_line, argv[i]);
	}
	if (worker_ipc_url(url, sizeof(url), "master") == -1 ||
	    ipc_server_listen(url, master_allow,
	    sizeof(master_allow) / sizeof(master_allow[0]), dispatch,
	    NULL) == NULL)
		return -1;
	return 0;
}
