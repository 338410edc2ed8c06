/*
 * aurora-local-cluster: main, the event loop, and stopping. The process
 * is a Mesos master and its agents in one: lc_http.c takes the scheduler
 * API calls, lc_offers.c offers the agents (lc_agents.c), lc_tasks.c keeps
 * the tasks and their updates, lc_exec.c or lc_sim.c runs them. It stops
 * on SIGTERM or SIGINT, or when --parent_pid is gone, after stopping every
 * task process (SIGTERM, then SIGKILL after --kill_grace_ms), and exits 0.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/dirs.h"
#include "common/exitcodes.h"
#include "common/log.h"
#include "localcluster/localcluster.h"

struct lc lc;

static struct event *ev_term, *ev_int, *ev_parent, *ev_grace;
static pid_t first_ppid;

void
lc_exit_if_done(void)
{
	struct lc_task *t;

	TAILQ_FOREACH(t, &lc.active, entry)
		if (t->pid != 0)
			return;
	event_base_loopbreak(lc.base);
}

static void
grace_over(evutil_socket_t fd, short what, void *arg)
{
	size_t n = lc_exec_signal_all(SIGKILL);

	if (n > 0)
		log_info("%zu task process(es) still there: SIGKILL", n);
	event_base_loopbreak(lc.base);
}

void
lc_shutdown(const char *why)
{
	struct timeval tv;
	size_t n;

	if (lc.shutting_down)
		return;
	lc.shutting_down = true;
	n = lc_exec_signal_all(SIGTERM);
	log_info("%s: stopping; %zu task process(es) sent SIGTERM", why, n);
	if (n == 0) {
		event_base_loopbreak(lc.base);
		return;
	}
	tv.tv_sec = lc.conf.kill_grace_ms / 1000;
	tv.tv_usec = (lc.conf.kill_grace_ms % 1000) * 1000;
	if ((ev_grace = evtimer_new(lc.base, grace_over, NULL)) == NULL ||
	    evtimer_add(ev_grace, &tv) == -1)
		event_base_loopbreak(lc.base);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	lc_shutdown(sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* An orphaned local cluster must not linger. */
static void
parent_check(evutil_socket_t fd, short what, void *arg)
{
	pid_t p = lc.conf.parent_pid;

	if ((kill(p, 0) == -1 && errno == ESRCH) ||
	    (first_ppid == p && getppid() != p))
		lc_shutdown("--parent_pid is gone");
}

/* Task processes are dup2'd onto 0-2; those must be open files. */
static void
std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

static void
work_dir(void)
{
	const char *d = lc.conf.work_dir;
	char failed[1024], *probe;

	probe = xasprintf("%s/sandboxes", d);
	if (dirs_make_parents(probe, failed, sizeof(failed)) == -1)
		fatalx_code(EXIT_CONFIG, "--work_dir: cannot create %s: %s",
		    failed, strerror(errno));
	free(probe);
	if (access(d, W_OK | X_OK) == -1)
		fatalx_code(EXIT_CONFIG, "--work_dir: %s: %s", d,
		    strerror(errno));
}

static void
events(void)
{
	struct timeval second = { 1, 0 };

	if ((ev_term = evsignal_new(lc.base, SIGTERM, on_signal, NULL)) ==
	    NULL || evsignal_add(ev_term, NULL) == -1 ||
	    (ev_int = evsignal_new(lc.base, SIGINT, on_signal, NULL)) ==
	    NULL || evsignal_add(ev_int, NULL) == -1)
		fatalx("signal events");
	if (lc.conf.parent_pid == 0)
		return;
	first_ppid = getppid();
	if ((ev_parent = event_new(lc.base, -1, EV_PERSIST, parent_check,
	    NULL)) == NULL || evtimer_add(ev_parent, &second) == -1)
		fatalx("parent timer");
}

/* After the loop: what SIGKILL hit is reaped, then everything freed. */
static void
finish(void)
{
	struct lc_task *t;
	int status;

	TAILQ_FOREACH(t, &lc.active, entry)
		if (t->pid != 0) {
			(void)waitpid(t->pid, &status, 0);
			t->pid = 0;
		}
	lc_tasks_free();
	lc_frameworks_free();
	lc_http_free();
	lc_offers_free();
	lc_exec_free();
	lc_agents_free();
	if (ev_grace != NULL)
		event_free(ev_grace);
	if (ev_parent != NULL)
		event_free(ev_parent);
	event_free(ev_term);
	event_free(ev_int);
	event_base_free(lc.base);
	for (size_t i = 0; i < lc.conf.nattributes; i++) {
		free(lc.conf.attributes[i].name);
		free(lc.conf.attributes[i].value);
	}
	free(lc.conf.attributes);
}

int
main(int argc, char **argv)
{
	log_init("aurora-local-cluster");
	lc_flags_parse(&lc.conf, argc, argv);
	std_fds();
	signal(SIGPIPE, SIG_IGN);
	lc.simulate = lc.conf.simulate_agents > 0;
	if (gethostname(lc.hostname, sizeof(lc.hostname)) == -1)
		snprintf(lc.hostname, sizeof(lc.hostname), "localhost");
	lc.hostname[sizeof(lc.hostname) - 1] = '\0';
	work_dir();
	lc_uuid_str(lc.master_id);
	TAILQ_INIT(&lc.frameworks);

	log_route_libevent();
	if ((lc.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	lc_tasks_init();
	lc_agents_init();
	lc_offers_init();
	lc_exec_init();
	lc_http_init();
	events();
	log_info("Mesos v1 scheduler API on http://%s:%d/api/v1/scheduler: "
	    "%zu %s agent(s), sandboxes in %s/sandboxes", lc.conf.ip,
	    lc.conf.port, lc.nagents, lc.simulate ? "simulated" : "real",
	    lc.conf.work_dir);
	event_base_dispatch(lc.base);
	finish();
	log_info("stopped");
	return 0;
}
