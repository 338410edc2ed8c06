/*
 * Publish/subscribe: replica publishes applied changes and lifecycle events;
 * other workers subscribe. A subscriber checks each event like a request.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>

#include "common/log.h"
#include "ipc/ipc_private.h"

struct ipc_pub {
	nng_socket		 sock;
	struct ipc_listener	*listener;
	uint64_t		 seq;
};

struct ipc_sub {
	nng_socket		 sock;
	nng_aio			*aio;
	const struct ipc_allow	*allow;
	size_t			 nallow;
	ipc_event_fn		 fn;
	void			*arg;
	struct ipc_completion	 done;
	char			 url[256];
};

struct ipc_pub *
ipc_pub_listen(const char *url)
{
	struct ipc_pub *p;
	int rv;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((rv = nng_pub0_open(&p->sock)) != 0 ||
	    (rv = ipc_socket_setup(p->sock)) != 0 ||
	    (p->listener = ipc_listener_start(p->sock, url, &rv)) == NULL) {
		log_warnx("ipc: cannot publish on %s: %s", url,
		    nng_strerror(rv));
		nng_close(p->sock);
		free(p);
		return NULL;
	}
	return p;
}

int
ipc_publish(struct ipc_pub *p, MsgType type, const ProtobufCMessage *body)
{
	nng_msg *m;

	if ((m = ipc_msg_new(type, ++p->seq, 0, body)) == NULL)
		return -1;
	/* pub never blocks: a slow subscriber loses events, not the loop. */
	if (nng_sendmsg(p->sock, m, NNG_FLAG_NONBLOCK) != 0) {
		nng_msg_free(m);
		errno = EAGAIN;
		return -1;
	}
	ipc_stats_mut()->events_published++;
	return 0;
}

void
ipc_pub_close(struct ipc_pub *p)
{
	if (p == NULL)
		return;
	ipc_listener_stop(p->listener);
	nng_close(p->sock);
	free(p);
}

/* nng thread. */
static void
sub_aio_done(void *arg)
{
	struct ipc_sub *s = arg;

	if (nng_aio_result(s->aio) == NNG_ECLOSED)
		return;
	ipc_loop_post(&s->done);
}

/*
 * An event from a publisher this subscriber listens to, of a type it does
 * not take: not an intrusion, just not for it (replica publishes applied
 * transactions and lifecycle changes on one socket).
 */
static int
not_subscribed(const struct ipc_sub *s, const Envelope *env)
{
	int sender_known = 0;

	for (size_t i = 0; i < s->nallow; i++) {
		if (s->allow[i].sender != env->sender)
			continue;
		if (s->allow[i].type == env->type)
			return 0;
		sender_known = 1;
	}
	return sender_known;
}

/* Loop thread. */
static void
sub_deliver(void *arg)
{
	struct ipc_sub *s = arg;
	nng_msg *m;
	Envelope *env;
	char err[256];

	if (nng_aio_result(s->aio) == 0) {
		m = nng_aio_get_msg(s->aio);
		nng_aio_set_msg(s->aio, NULL);
		env = ipc_msg_decode(m, s->url);
		if (env != NULL && ipc_msg_peer_trusted(m) &&
		    not_subscribed(s, env))
			ipc_stats_mut()->events_ignored++;
		else if (env != NULL && ipc_envelope_check(env, s->allow, s->nallow,
		    ipc_msg_peer_trusted(m), ipc_now_ms(), err,
		    sizeof(err)) != IPC_ERROR_CODE__NO_ERROR) {
			log_warnx("ipc %s: dropped event: %s", s->url, err);
			ipc_stats_mut()->unexpected_messages++;
		} else if (env != NULL) {
			ipc_stats_mut()->events_received++;
			s->fn(env, s->arg);
		}
		if (env != NULL)
			envelope__free_unpacked(env, NULL);
		nng_msg_free(m);
	}
	nng_recv_aio(s->sock, s->aio);
}

struct ipc_sub *
ipc_sub_dial(const char *url, const struct ipc_allow *allow, size_t nallow,
    ipc_event_fn fn, void *arg)
{
	struct ipc_sub *s;
	int rv;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	snprintf(s->url, sizeof(s->url), "%s", url);
	s->allow = allow;
	s->nallow = nallow;
	s->fn = fn;
	s->arg = arg;
	s->done.fn = sub_deliver;
	s->done.arg = s;
	if ((rv = nng_sub0_open(&s->sock)) != 0 ||
	    (rv = ipc_socket_setup(s->sock)) != 0 ||
	    (rv = nng_socket_set(s->sock, NNG_OPT_SUB_SUBSCRIBE, "", 0)) != 0 ||
	    (rv = nng_aio_alloc(&s->aio, sub_aio_done, s)) != 0 ||
	    (rv = nng_dial(s->sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		log_warnx("ipc: cannot subscribe to %s: %s", url,
		    nng_strerror(rv));
		ipc_sub_close(s);
		return NULL;
	}
	nng_recv_aio(s->sock, s->aio);
	return s;
}

void
ipc_sub_close(struct ipc_sub *s)
{
	if (s == NULL)
		return;
	nng_close(s->sock);
	if (s->aio != NULL)
		nng_aio_free(s->aio);
	ipc_loop_cancel(&s->done);
	free(s);
}
