/*
 * Starting a worker: fork, then exec of our own binary as
 * "aurora-scheduler: <name> --worker=<name> <the flags master got>", so each
 * worker starts with a fresh address space and ps shows its role.
 *
 * master may already run nng's threads when it restarts a worker, so the
 * child does only async-signal-safe calls between fork and exec. Everything
 * it needs (argv, paths) is built before fork.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "common/flags.h"
#include "common/log.h"
#include "common/worker.h"
#include "master/master.h"

static char	 self_exe[4096];
static char	 local_cluster_exe[4096 + 32];
static int	 nflags;
static char	**flags;
static pid_t	 master_pid;

int
master_spawn_prepare(int argc, char *argv[])
{
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);

	if (n <= 0)
		return -1;
	self_exe[n] = '\0';
	/* Installed next to aurora-scheduler (bindir, or the build tree). */
	snprintf(local_cluster_exe, sizeof(local_cluster_exe), "%s", self_exe);
	if (strrchr(local_cluster_exe, '/') != NULL)
		strrchr(local_cluster_exe, '/')[1] = '\0';
	strcat(local_cluster_exe, MASTER_LOCAL_CLUSTER_BIN);
	master_pid = getpid();
	nflags = argc - 1;
	flags = argv + 1;
	return 0;
}

/* Copies a worker's output to its log, line by line. */
static void
log_read(struct bufferevent *bev, void *arg)
{
	struct proc_entry *e = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		line[len] = '\n';	/* readln leaves room for the NUL */
		(void)!write(e->log_fd, line, len + 1);
		free(line);
	}
}

static void
log_event(struct bufferevent *bev, short what, void *arg)
{
	struct proc_entry *e = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;

	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	log_read(bev, arg);
	/* A last line without its newline. */
	if ((len = evbuffer_get_length(in)) > 0) {
		unsigned char *p = evbuffer_pullup(in, -1);

		(void)!write(e->log_fd, p, len);
		(void)!write(e->log_fd, "\n", 1);
	}
	bufferevent_free(bev);
	if (e->log_bev == bev)
		e->log_bev = NULL;
}

/* Frees what local_cluster_argv made, or nothing for a worker's argv. */
static void
spawn_argv_free(char **argv, char **lc_argv)
{
	if (lc_argv == NULL) {
		free(argv);
		return;
	}
	for (size_t i = 0; lc_argv[i] != NULL; i++)
		free(lc_argv[i]);
	free(lc_argv);
}

/* Adds a copy of s to argv at *k; -1 on ENOMEM (argv stays terminated). */
static int	argv_add(char **, size_t *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int
argv_add(char **argv, size_t *k, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&argv[*k], fmt, ap);
	va_end(ap);
	if (rc == -1) {
		argv[*k] = NULL;
		return -1;
	}
	(*k)++;
	return 0;
}

/*
 * The local cluster's command line: loopback, -local_cluster_port and
 * _work_dir, master's pid (it stops when master is gone), then the words
 * of -local_cluster_flags. NULL on ENOMEM.
 */
static char **
local_cluster_argv(void)
{
	const char *extra = flag_str(F_LOCAL_CLUSTER_FLAGS);
	char **argv, *words, *w, *save = NULL;
	size_t n = 6, k = 0;
	int rc;

	for (const char *p = extra; *p != '\0'; p++)
		n += *p == ' ';
	if ((argv = calloc(n + 2, sizeof(*argv))) == NULL)
		return NULL;
	if ((words = strdup(extra)) == NULL) {
		free(argv);
		return NULL;
	}
	rc = argv_add(argv, &k, "%s", MASTER_LOCAL_CLUSTER_BIN) |
	    argv_add(argv, &k, "--port=%lld",
	    (long long)flag_int(F_LOCAL_CLUSTER_PORT)) |
	    argv_add(argv, &k, "--ip=127.0.0.1") |
	    argv_add(argv, &k, "--work_dir=%s",
	    flag_str(F_LOCAL_CLUSTER_WORK_DIR)) |
	    argv_add(argv, &k, "--parent_pid=%d", (int)master_pid);
	for (w = strtok_r(words, " ", &save); w != NULL && rc == 0;
	    w = strtok_r(NULL, " ", &save))
		rc = argv_add(argv, &k, "%s", w);
	free(words);
	if (rc != 0) {
		spawn_argv_free(NULL, argv);
		return NULL;
	}
	return argv;
}

static void
exec_child(const char *exe, char *const argv[], int ctl, int logw)
{
	sigset_t none;

	/* Only async-signal-safe calls from here to execv. */
	if (dup2(ctl, WORKER_CTL_FD) == -1 || dup2(logw, STDOUT_FILENO) == -1 ||
	    dup2(logw, STDERR_FILENO) == -1)
		_exit(127);
	close_range(WORKER_CTL_FD + 1, ~0U, 0);
	/* A worker must not outlive master. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != master_pid)
		_exit(1);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execv(exe, argv);
	_exit(127);
}

pid_t
master_spawn(struct event_base *base, struct proc_entry *e)
{
	char arg0[64], arg1[64];
	char **argv, **lc_argv = NULL;
	const char *exe = self_exe;
	int sv[2], logp[2];
	pid_t pid;

	snprintf(arg0, sizeof(arg0), "aurora-scheduler: %s", e->name);
	snprintf(arg1, sizeof(arg1), "%s%s", WORKER_ARG, e->name);
	if (strcmp(e->name, MASTER_LOCAL_CLUSTER) == 0) {
		if ((lc_argv = local_cluster_argv()) == NULL)
			return -1;
		exe = local_cluster_exe;
		argv = lc_argv;
	} else if ((argv = calloc((size_t)nflags + 3, sizeof(*argv))) ==
	    NULL)
		return -1;
	else {
		argv[0] = arg0;
		argv[1] = arg1;
		for (int i = 0; i < nflags; i++)
			argv[2 + i] = flags[i];
	}

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		spawn_argv_free(argv, lc_argv);
		return -1;
	}
	if (pipe2(logp, O_CLOEXEC) == -1) {
		close(sv[0]);
		close(sv[1]);
		spawn_argv_free(argv, lc_argv);
		return -1;
	}
	if ((pid = fork()) == 0)
		exec_child(exe, argv, sv[1], logp[1]);
	spawn_argv_free(argv, lc_argv);
	if (pid == -1) {
		close(sv[0]);
		close(sv[1]);
		close(logp[0]);
		close(logp[1]);
		return -1;
	}
	close(sv[1]);
	close(logp[1]);
	e->ctl_fd = sv[0];
	evutil_make_socket_nonblocking(logp[0]);
	e->log_bev = bufferevent_socket_new(base, logp[0], BEV_OPT_CLOSE_ON_FREE);
	if (e->log_bev == NULL) {
		close(logp[0]);
		log_warnx("cannot read %s's output", e->name);
	} else {
		bufferevent_setcb(e->log_bev, log_read, NULL, log_event, e);
		bufferevent_enable(e->log_bev, EV_READ);
	}
	return pid;
}
