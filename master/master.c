/*
 * aurora-scheduler's entry point and master, the privileged parent. See
 * master.h for what master does; the order of start-up matters:
 *   flags, checks, directories, log files (nothing started yet), then fork
 *   and exec each worker before any thread exists, then master's own IPC
 *   server (nng starts threads), then the loop.
 * Workers are the same binary started with a hidden --worker=NAME argument.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "common/exitcodes.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/worker.h"
#include "httpd/httpd.h"
#include "ipc/ipc.h"
#include "master/master.h"
#include "offerd/offerd.h"
#include "replica/replica.h"

#define STOP_GRACE_SECS	5

static const struct {
	const char	*name;
	int		(*main)(int, char *[]);
} workers[] = {
	{ "replica", replica_main },
	{ "offerd", offerd_main },
	{ "httpd", httpd_main },
	/* Not a worker: the embedded local cluster's own program, run when
	 * no Mesos master is named (master_spawn.c). Last, so it can be
	 * left out. */
	{ MASTER_LOCAL_CLUSTER, NULL },
};

#define NWORKERS ((int)(sizeof(workers) / sizeof(workers[0])))

static struct {
	struct event_base	*base;
	struct proc_entry	 procs[NWORKERS];
	int			 nprocs;	/* the ones this run starts */
	struct proc_policy	 policy;
	int			 stopping;
	int			 exit_code;
	struct event		*kill_timer;
} m;

static void	start_worker(struct proc_entry *);

static int64_t
now_ms(void)
{
	return ipc_now_ms();
}

static int
all_stopped(void)
{
	for (int i = 0; i < m.nprocs; i++) {
		if (m.procs[i].pid != 0)
			return 0;
	}
	return 1;
}

static void
kill_remaining(evutil_socket_t fd, short what, void *arg)
{
	for (int i = 0; i < m.nprocs; i++) {
		if (m.procs[i].pid != 0) {
			log_warnx("%s[%d] did not stop within %d seconds; "
			    "killing it", m.procs[i].name, (int)m.procs[i].pid,
			    STOP_GRACE_SECS);
			kill(m.procs[i].pid, SIGKILL);
		}
	}
}

/* Stops every worker (SIGTERM, then SIGKILL after the grace period). */
static void
stop_all(int code, const char *why)
{
	struct timeval grace = { STOP_GRACE_SECS, 0 };

	if (m.stopping)
		return;
	m.stopping = 1;
	m.exit_code = code;
	log_info("stopping: %s", why);
	for (int i = 0; i < m.nprocs; i++) {
		struct proc_entry *e = &m.procs[i];

		if (e->restart_ev != NULL)
			event_del(e->restart_ev);
		if (e->pid != 0)
			kill(e->pid, SIGTERM);
		else
			e->state = PROC_STOPPED;
	}
	m.kill_timer = evtimer_new(m.base, kill_remaining, NULL);
	if (m.kill_timer != NULL)
		evtimer_add(m.kill_timer, &grace);
	if (all_stopped())
		event_base_loopbreak(m.base);
}

static void
on_ctl(evutil_socket_t fd, short what, void *arg)
{
	struct proc_entry *e = arg;
	char buf[16];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0 && memchr(buf, WORKER_READY, (size_t)n) != NULL &&
	    e->state == PROC_STARTING) {
		e->state = PROC_RUNNING;
		log_info("%s[%d] is ready", e->name, (int)e->pid);
	}
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		event_free(e->ctl_ev);
		e->ctl_ev = NULL;
		close(e->ctl_fd);
		e->ctl_fd = -1;
	}
}

static void
restart_due(evutil_socket_t fd, short what, void *arg)
{
	start_worker(arg);
}

static void
start_worker(struct proc_entry *e)
{
	pid_t pid;

	if (m.stopping)
		return;
	if ((pid = master_spawn(m.base, e)) == -1) {
		log_warn("cannot start %s", e->name);
		stop_all(1, "a worker cannot be started");
		return;
	}
	proctab_started(e, pid, now_ms());
	log_info("started %s[%d]", e->name, (int)pid);
	/* The local cluster has no readiness handshake: it runs or dies. */
	if (strcmp(e->name, MASTER_LOCAL_CLUSTER) == 0)
		e->state = PROC_RUNNING;
	evutil_make_socket_nonblocking(e->ctl_fd);
	e->ctl_ev = event_new(m.base, e->ctl_fd, EV_READ | EV_PERSIST, on_ctl, e);
	if (e->ctl_ev == NULL || event_add(e->ctl_ev, NULL) == -1)
		log_warnx("cannot watch %s's control socket", e->name);
}

static void
reaped(struct proc_entry *e, int status)
{
	char how[64], why[256];
	int64_t delay_ms = 0;
	struct timeval tv;

	proctab_describe_exit(status, how, sizeof(how));
	if (m.stopping) {
		log_info("%s[%d] %s", e->name, (int)e->pid, how);
		e->pid = 0;
		e->state = PROC_STOPPED;
		return;
	}
	log_warnx("%s[%d] %s", e->name, (int)e->pid, how);
	switch (proctab_exited(e, &m.policy, now_ms(), status, &delay_ms, why,
	    sizeof(why))) {
	case PROC_RESPAWN:
		log_info("%s", why);
		tv.tv_sec = delay_ms / 1000;
		tv.tv_usec = (delay_ms % 1000) * 1000;
		if (e->restart_ev == NULL)
			e->restart_ev = evtimer_new(m.base, restart_due, e);
		if (e->restart_ev == NULL || evtimer_add(e->restart_ev, &tv) == -1)
			stop_all(1, "cannot schedule a restart");
		break;
	case PROC_NO_RESPAWN:
		log_error("%s", why);
		/* The local cluster refusing its flags or its port (another
		 * scheduler of this machine may serve it) leaves offerd to
		 * find no master, which it reports. */
		if (strcmp(e->name, MASTER_LOCAL_CLUSTER) != 0)
			stop_all(EXIT_CONFIG, why);
		break;
	case PROC_GIVE_UP:
		log_error("%s", why);
		stop_all(1, why);
		break;
	}
}

static void
on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < m.nprocs; i++) {
			if (m.procs[i].pid == pid) {
				reaped(&m.procs[i], status);
				break;
			}
		}
	}
	if (m.stopping && all_stopped())
		event_base_loopbreak(m.base);
}

static void
on_sigterm(evutil_socket_t sig, short what, void *arg)
{
	char why[64];

	snprintf(why, sizeof(why), "received signal %d", (int)sig);
	stop_all(0, why);
}

static void
on_sighup(evutil_socket_t sig, short what, void *arg)
{
	master_reopen_logs(m.procs, m.nprocs);
}

static int
run_worker(const char *arg, int argc, char *argv[])
{
	const char *name = arg + strlen(WORKER_ARG);

	for (int i = 0; i < NWORKERS; i++) {
		if (strcmp(workers[i].name, name) == 0 &&
		    workers[i].main != NULL)
			return workers[i].main(argc, argv);
	}
	fprintf(stderr, "aurora-scheduler: unknown worker '%s'\n", name);
	return EXIT_CONFIG;
}

static void
watch_signal(int sig, event_callback_fn fn)
{
	struct event *ev = evsignal_new(m.base, sig, fn, NULL);

	if (ev == NULL || evsignal_add(ev, NULL) == -1)
		fatalx("cannot watch signal %d", sig);
}

int
main(int argc, char *argv[])
{
	char err[512];
	int help;

	if (argc > 1 && strncmp(argv[1], WORKER_ARG, strlen(WORKER_ARG)) == 0)
		return run_worker(argv[1], argc, argv);

	log_init("master");
	if (flags_parse(argc, argv, 1, &help, err, sizeof(err)) == -1) {
		fprintf(stderr, "aurora-scheduler: %s\n", err);
		return EXIT_CONFIG;
	}
	if (help) {
		flags_print_help(stdout, "aurora-scheduler");
		return 0;
	}
	if (master_check_config(err, sizeof(err)) == -1 ||
	    master_prepare_dirs(err, sizeof(err)) == -1) {
		fprintf(stderr, "aurora-scheduler: %s\n", err);
		return EXIT_CONFIG;
	}
	m.nprocs = flag_str(F_MESOS_MASTER_ADDRESS)[0] == '\0' ? NWORKERS :
	    NWORKERS - 1;
	for (int i = 0; i < m.nprocs; i++) {
		m.procs[i].name = workers[i].name;
		m.procs[i].ctl_fd = -1;
	}
	if (master_open_logs(m.procs, m.nprocs, err, sizeof(err)) == -1) {
		fprintf(stderr, "aurora-scheduler: %s\n", err);
		return EXIT_CONFIG;
	}
	m.policy.backoff_initial_ms = flag_duration_ms(F_WORKER_RESTART_BACKOFF);
	m.policy.backoff_max_ms = flag_duration_ms(F_WORKER_RESTART_MAX_BACKOFF);
	m.policy.crash_limit = (int)flag_int(F_WORKER_CRASH_LIMIT);
	m.policy.crash_window_ms = flag_duration_ms(F_WORKER_CRASH_WINDOW);

	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() == -1)
		fatalx("libevent has no thread support");
	log_route_libevent();
	if ((m.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	watch_signal(SIGCHLD, on_sigchld);
	watch_signal(SIGTERM, on_sigterm);
	watch_signal(SIGINT, on_sigterm);
	watch_signal(SIGHUP, on_sighup);
	if (master_spawn_prepare(argc, argv) == -1)
		fatal("cannot find our own binary");

	log_info("aurora-scheduler %s starting (pid %d)", PACKAGE_VERSION,
	    (int)getpid());
	/* Workers first: no thread may exist in master when it forks them. */
	for (int i = 0; i < m.nprocs; i++)
		start_worker(&m.procs[i]);
	if (ipc_init(m.base, ROLE__MASTER) == -1 ||
	    master_status_start(m.procs, m.nprocs, argc, argv) == -1)
		fatalx("cannot start master's IPC server");

	event_base_dispatch(m.base);
	log_info("stopped (exit code %d)", m.exit_code);
	return m.exit_code;
}
