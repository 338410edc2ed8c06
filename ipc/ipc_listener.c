/*
 * Listeners that stay up. In nng 1.5.2 (the one Debian ships), a peer that
 * hangs up while its connection's handshake is under way (a worker that
 * crashes while dialling, or anything that connects and closes at once)
 * makes the listener stop handing connections to its socket, for good
 * (nng issue #1518, fixed in 1.6.0). Connections are still accepted and
 * negotiated underneath, so a dialler believes it is connected and its
 * requests wait forever.
 *
 * So each listener is watched from the loop: every IPC_PROBE_PERIOD_MS this
 * process dials its own listener with a socket of the peer protocol, and
 * the listening socket must see a connection from this process arrive
 * within IPC_PROBE_TIMEOUT_MS. If none does, the listener is closed (its
 * connections drop; their diallers redial) and opened again.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "ipc/ipc_private.h"

#define IPC_PROBE_PERIOD_MS	2000
#define IPC_PROBE_TIMEOUT_MS	2000
#define IPC_PROBE_POLL_MS	50

struct ipc_listener {
	nng_socket		 sock;
	nng_listener		 l;
	int			 listening;
	char			 url[256];
	ipc_open_fn		 open_peer;
	struct event		*timer;
	nng_socket		 probe;
	int			 probing;
	uint64_t		 own_before;	/* own_pipes when it began */
	int64_t			 probe_started_ms;
	uint64_t		 self_pid;
	atomic_uint_fast64_t	 own_pipes;	/* from this process (nng) */
};

static int
listen_on(struct ipc_listener *il)
{
	int rv;

	if ((rv = nng_listener_create(&il->l, il->sock, il->url)) != 0)
		return rv;
	/* The directory, not the socket, limits who can connect. */
	if ((strncmp(il->url, "ipc://", 6) == 0 &&
	    (rv = nng_listener_set_int(il->l, NNG_OPT_IPC_PERMISSIONS,
	    0666)) != 0) || (rv = nng_listener_start(il->l, 0)) != 0) {
		nng_listener_close(il->l);
		return rv;
	}
	il->listening = 1;
	return 0;
}

/* nng thread: a connection reached the socket. */
static void
pipe_added(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct ipc_listener *il = arg;
	uint64_t pid;

	(void)ev;
	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_PID, &pid) == 0 &&
	    pid == il->self_pid)
		atomic_fetch_add(&il->own_pipes, 1);
}

static void
arm(struct ipc_listener *il, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(il->timer, &tv);
}

static void
probe_start(struct ipc_listener *il)
{
	if (il->open_peer(&il->probe) != 0)
		return;
	il->own_before = atomic_load(&il->own_pipes);
	if (nng_dial(il->probe, il->url, NULL, NNG_FLAG_NONBLOCK) != 0) {
		nng_close(il->probe);
		return;
	}
	il->probing = 1;
	il->probe_started_ms = ipc_now_ms();
}

static void
probe_end(struct ipc_listener *il)
{
	nng_close(il->probe);
	il->probing = 0;
}

static void
listen_again(struct ipc_listener *il)
{
	int rv;

	if (il->listening)
		nng_listener_close(il->l);
	il->listening = 0;
	ipc_stats_mut()->listener_restarts++;
	if ((rv = listen_on(il)) != 0)
		log_warnx("ipc %s: the listener stopped taking connections and "
		    "cannot listen again: %s; trying again in %d ms", il->url,
		    nng_strerror(rv), IPC_PROBE_PERIOD_MS);
	else
		log_warnx("ipc %s: the listener stopped taking connections "
		    "(a peer hung up during its handshake); listening again",
		    il->url);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct ipc_listener *il = arg;

	(void)fd;
	(void)what;
	if (!il->listening) {
		listen_again(il);
		arm(il, IPC_PROBE_PERIOD_MS);
	} else if (!il->probing) {
		probe_start(il);
		arm(il, il->probing ? IPC_PROBE_POLL_MS : IPC_PROBE_PERIOD_MS);
	} else if (atomic_load(&il->own_pipes) != il->own_before) {
		probe_end(il);
		arm(il, IPC_PROBE_PERIOD_MS);
	} else if (ipc_now_ms() - il->probe_started_ms < IPC_PROBE_TIMEOUT_MS)
		arm(il, IPC_PROBE_POLL_MS);
	else {
		probe_end(il);
		listen_again(il);
		arm(il, IPC_PROBE_PERIOD_MS);
	}
}

struct ipc_listener *
ipc_listener_start(nng_socket sock, const char *url, ipc_open_fn open_peer,
    int *rv)
{
	struct ipc_listener *il;
	struct event_base *base = ipc_loop_base();

	if ((il = calloc(1, sizeof(*il))) == NULL) {
		*rv = NNG_ENOMEM;
		return NULL;
	}
	il->sock = sock;
	il->open_peer = open_peer;
	il->self_pid = (uint64_t)getpid();
	snprintf(il->url, sizeof(il->url), "%s", url);
	atomic_init(&il->own_pipes, 0);
	if ((*rv = listen_on(il)) != 0) {
		free(il);
		return NULL;
	}
	/* Only unix sockets are watched: a probe's peer is known there. */
	if (strncmp(url, "ipc://", 6) == 0 && base != NULL) {
		if ((*rv = nng_pipe_notify(sock, NNG_PIPE_EV_ADD_POST,
		    pipe_added, il)) != 0 ||
		    (il->timer = evtimer_new(base, tick, il)) == NULL) {
			if (*rv == 0)
				*rv = NNG_ENOMEM;
			nng_listener_close(il->l);
			free(il);
			return NULL;
		}
		arm(il, IPC_PROBE_PERIOD_MS);
	}
	return il;
}

void
ipc_listener_stop(struct ipc_listener *il)
{
	if (il == NULL)
		return;
	if (il->timer != NULL) {
		nng_pipe_notify(il->sock, NNG_PIPE_EV_ADD_POST, NULL, NULL);
		event_free(il->timer);
	}
	if (il->probing)
		probe_end(il);
	if (il->listening)
		nng_listener_close(il->l);
	free(il);
}
