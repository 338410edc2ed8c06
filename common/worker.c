/*
 * The common start and stop of the worker processes (see worker.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/thread.h>

#include "common/exitcodes.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/worker.h"
#include "ipc/ipc.h"

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct worker *w = arg;

	log_info("received signal %d, stopping", (int)sig);
	event_base_loopbreak(w->base);
}

static void
on_ctl(evutil_socket_t fd, short what, void *arg)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		log_warnx("master went away; exiting");
		_exit(EXIT_MASTER_GONE);
	}
}

void
worker_init(struct worker *w, const char *name, int argc, char *const argv[])
{
	char err[512];
	int help;

	memset(w, 0, sizeof(*w));
	w->name = name;
	log_init(name);
	/* argv[1] is the hidden --worker= argument; flags follow. */
	if (flags_parse(argc, argv, 2, &help, err, sizeof(err)) == -1)
		fatalx_code(EXIT_CONFIG, "%s", err);
	signal(SIGPIPE, SIG_IGN);
	/* master owns the log files; a stray SIGHUP must not kill us. */
	signal(SIGHUP, SIG_IGN);
	if (evthread_use_pthreads() == -1)
		fatalx("libevent has no thread support");
	log_route_libevent();
	if ((w->base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	w->sigterm = evsignal_new(w->base, SIGTERM, on_signal, w);
	w->sigint = evsignal_new(w->base, SIGINT, on_signal, w);
	if (w->sigterm == NULL || w->sigint == NULL ||
	    evsignal_add(w->sigterm, NULL) == -1 ||
	    evsignal_add(w->sigint, NULL) == -1)
		fatalx("cannot watch signals");
	/* Without its control fd (started by hand), a worker runs alone. */
	if (fcntl(WORKER_CTL_FD, F_GETFD) != -1) {
		evutil_make_socket_nonblocking(WORKER_CTL_FD);
		w->ctl = event_new(w->base, WORKER_CTL_FD, EV_READ | EV_PERSIST,
		    on_ctl, w);
		if (w->ctl == NULL || event_add(w->ctl, NULL) == -1)
			fatalx("cannot watch the control socket");
	}
}

void
worker_ready(struct worker *w)
{
	char c = WORKER_READY;

	if (w->ctl != NULL && write(WORKER_CTL_FD, &c, 1) != 1)
		log_warn("cannot tell master we are ready");
	log_info("ready");
}

int
worker_loop(struct worker *w)
{
	event_base_dispatch(w->base);
	log_info("stopped");
	return 0;
}

int
worker_ipc_url(char *buf, size_t len, const char *name)
{
	char root[512];
	int n;

	n = snprintf(root, sizeof(root), "%s/httpd", flag_str(F_RUN_DIR));
	if (n < 0 || (size_t)n >= sizeof(root))
		return -1;
	return ipc_url(buf, len, root, name);
}
