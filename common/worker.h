/*
 * What every worker (replica, offerd, httpd) does the same way: name itself
 * for the log, parse the flags master passed on, run one libevent loop,
 * stop on SIGTERM/SIGINT, and exit when master goes away.
 *
 * master starts a worker with WORKER_CTL_FD connected to it: the worker
 * writes one byte there once it is sandboxed and serving (READY), and reads
 * end-of-file there when master has died.
 */
#ifndef COMMON_WORKER_H
#define COMMON_WORKER_H

#include <stddef.h>

#include <event2/event.h>

#define WORKER_CTL_FD	3
#define WORKER_ARG	"--worker="
#define WORKER_READY	'R'

struct worker {
	const char		*name;
	struct event_base	*base;
	struct event		*sigterm, *sigint, *ctl;
};

/* Sets up logging, flags (exit 2 if bad), the loop and its signals. */
void	worker_init(struct worker *, const char *name, int argc,
	    char *const argv[]);
/* Tells master this worker is ready. */
void	worker_ready(struct worker *);
/*
 * The URL of the IPC socket called name, under -run_dir. Outside httpd's
 * chroot only: httpd dials from inside it (see ipc.h).
 */
int	worker_ipc_url(char *buf, size_t len, const char *name);
/* Runs the loop until a stop signal; returns the exit code. */
int	worker_loop(struct worker *);

#endif
