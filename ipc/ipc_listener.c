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
 * process connects to its own listener and goes through the connection's
 * handshake, and the listening socket must see a connection from this
 * process arrive within IPC_PROBE_TIMEOUT_MS. If none does, the listener
 * is closed (its connections drop; their diallers redial) and opened
 * again. The probe is a plain unix socket speaking the 8-byte SP header
 * itself: closing an nng socket this often risks nng 1.5.2's deadlocks
 * in nng_close, and the probe hangs up only once the handshake is done.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "ipc/ipc_private.h"

#define IPC_PROBE_PERIOD_MS	2000
#define IPC_PROBE_TIMEOUT_MS	2000
#define IPC_PROBE_POLL_MS	50
#define SP_HEADER		8	/* 0 'S' 'P' 0, protocol (16 BE), 0 0 */

struct ipc_listener {
	nng_socket		 sock;
	nng_listener		 l;
	int			 listening;
	char			 url[256];
	struct sockaddr_un	 addr;
	int			 peer_proto;	/* what a peer says it speaks */
	struct event		*timer;
	int			 probe;		/* fd; -1 when none */
	size_t			 probe_read;	/* of the listener's header */
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
probe_end(struct ipc_listener *il)
{
	close(il->probe);
	il->probe = -1;
}

/* Connects and sends our half of the handshake; no waiting. */
static void
probe_start(struct ipc_listener *il)
{
	unsigned char h[SP_HEADER] = { 0, 'S', 'P', 0,
	    (unsigned char)(il->peer_proto >> 8),
	    (unsigned char)il->peer_proto, 0, 0 };

	il->own_before = atomic_load(&il->own_pipes);
	il->probe_started_ms = ipc_now_ms();
	il->probe_read = 0;
	il->probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (il->probe == -1)
		return;
	/* A refused or failed connection counts as no answer. */
	if (connect(il->probe, (struct sockaddr *)&il->addr,
	    sizeof(il->addr)) == -1 ||
	    write(il->probe, h, sizeof(h)) != (ssize_t)sizeof(h))
		il->probe_read = SIZE_MAX;
}

/* Whether the socket saw the probe arrive; reads the listener's header. */
static int
probe_arrived(struct ipc_listener *il)
{
	unsigned char h[SP_HEADER];
	ssize_t n;

	while (il->probe_read < SP_HEADER &&
	    (n = read(il->probe, h, SP_HEADER - il->probe_read)) > 0)
		il->probe_read += (size_t)n;
	/* Hang up only after the whole header came: never mid-handshake. */
	return il->probe_read == SP_HEADER &&
	    atomic_load(&il->own_pipes) != il->own_before;
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
	} else if (il->probe == -1) {
		probe_start(il);
		arm(il, il->probe != -1 ? IPC_PROBE_POLL_MS :
		    IPC_PROBE_PERIOD_MS);
	} else if (probe_arrived(il)) {
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
ipc_listener_start(nng_socket sock, const char *url, int *rv)
{
	struct ipc_listener *il;
	struct event_base *base = ipc_loop_base();

	if ((il = calloc(1, sizeof(*il))) == NULL) {
		*rv = NNG_ENOMEM;
		return NULL;
	}
	il->sock = sock;
	il->probe = -1;
	il->self_pid = (uint64_t)getpid();
	snprintf(il->url, sizeof(il->url), "%s", url);
	atomic_init(&il->own_pipes, 0);
	if ((*rv = listen_on(il)) != 0) {
		free(il);
		return NULL;
	}
	/* Only unix sockets are watched: a probe's peer is known there. */
	il->addr.sun_family = AF_UNIX;
	if (strncmp(url, "ipc://", 6) == 0 && base != NULL &&
	    strlen(url + 6) < sizeof(il->addr.sun_path)) {
		memcpy(il->addr.sun_path, url + 6, strlen(url + 6) + 1);
		if ((*rv = nng_socket_get_int(sock, NNG_OPT_PEER,
		    &il->peer_proto)) != 0 ||
		    (*rv = nng_pipe_notify(sock, NNG_PIPE_EV_ADD_POST,
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
	if (il->probe != -1)
		probe_end(il);
	if (il->listening)
		nng_listener_close(il->l);
	free(il);
}
