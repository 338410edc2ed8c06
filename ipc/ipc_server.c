/*
 * Request servers: an nng rep socket served through IPC_SERVER_CONTEXTS
 * contexts. Each context receives one request at a time; its handler runs on
 * the loop thread and may answer at once or later, while the other contexts
 * keep serving. Servers are closed only when their process exits.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "common/log.h"
#include "ipc/ipc_private.h"

enum ctx_state { CTX_RECV, CTX_BUSY, CTX_SEND };

struct ipc_request {
	struct ipc_server	*srv;
	nng_ctx			 ctx;
	nng_aio			*aio;
	enum ctx_state		 state;
	struct ipc_completion	 done;
	Envelope		*env;
};

struct ipc_server {
	nng_socket		 sock;
	const struct ipc_allow	*allow;
	size_t			 nallow;
	ipc_handler_fn		 handler;
	void			*arg;
	char			 url[256];
	struct ipc_listener	*listener;
	struct ipc_request	 reqs[IPC_SERVER_CONTEXTS];
};

/* nng thread: only moves the context along or queues it for the loop. */
static void
ctx_aio_done(void *arg)
{
	struct ipc_request *r = arg;
	int rv = nng_aio_result(r->aio);

	if (r->state == CTX_SEND) {
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(r->aio));
			nng_aio_set_msg(r->aio, NULL);
		}
		if (rv == NNG_ECLOSED)
			return;
		r->state = CTX_RECV;
		nng_ctx_recv(r->ctx, r->aio);
		return;
	}
	if (rv == NNG_ECLOSED)
		return;
	if (rv != 0) {
		nng_ctx_recv(r->ctx, r->aio);
		return;
	}
	r->state = CTX_BUSY;
	ipc_loop_post(&r->done);
}

/* Loop thread: decode, check, then hand the request to the handler. */
static void
ctx_ready(void *arg)
{
	struct ipc_request *r = arg;
	struct ipc_server *srv = r->srv;
	nng_msg *m = nng_aio_get_msg(r->aio);
	IpcErrorCode code;
	char err[256];
	int trusted;

	nng_aio_set_msg(r->aio, NULL);
	r->env = ipc_msg_decode(m, srv->url);
	trusted = ipc_msg_peer_trusted(m);
	nng_msg_free(m);
	if (r->env == NULL) {
		ipc_reply_error(r, IPC_ERROR_CODE__MALFORMED,
		    "malformed envelope");
		return;
	}
	code = ipc_envelope_check(r->env, srv->allow, srv->nallow, trusted,
	    ipc_now_ms(), err, sizeof(err));
	if (code != IPC_ERROR_CODE__NO_ERROR) {
		log_warnx("ipc %s: refused request %llu: %s", srv->url,
		    (unsigned long long)r->env->request_id, err);
		if (code == IPC_ERROR_CODE__DEADLINE_EXCEEDED)
			ipc_stats_mut()->expired_messages++;
		else
			ipc_stats_mut()->unexpected_messages++;
		ipc_reply_error(r, code, err);
		return;
	}
	ipc_stats_mut()->requests_served++;
	srv->handler(r, srv->arg);
}

const Envelope *
ipc_request_envelope(const struct ipc_request *r)
{
	return r->env;
}

int
ipc_reply(struct ipc_request *r, MsgType type, const ProtobufCMessage *body)
{
	uint64_t id = r->env != NULL ? r->env->request_id : 0;
	nng_msg *m;

	if (r->state != CTX_BUSY) {
		log_warnx("ipc %s: reply to a request that is not open",
		    r->srv->url);
		return -1;
	}
	if (r->env != NULL)
		envelope__free_unpacked(r->env, NULL);
	r->env = NULL;
	if ((m = ipc_msg_new(type, id, 0, body)) == NULL) {
		/* The caller times out; the context serves the next request. */
		log_warnx("ipc %s: could not encode reply", r->srv->url);
		r->state = CTX_RECV;
		nng_ctx_recv(r->ctx, r->aio);
		return -1;
	}
	r->state = CTX_SEND;
	nng_aio_set_msg(r->aio, m);
	nng_ctx_send(r->ctx, r->aio);
	return 0;
}

int
ipc_reply_error(struct ipc_request *r, IpcErrorCode code, const char *msg)
{
	IpcError e = IPC_ERROR__INIT;
	char text[512];

	snprintf(text, sizeof(text), "%s", msg);
	e.code = code;
	e.message = text;
	return ipc_reply(r, MSG_TYPE__ERROR, &e.base);
}

struct ipc_server *
ipc_server_listen(const char *url, const struct ipc_allow *allow,
    size_t nallow, ipc_handler_fn handler, void *arg)
{
	struct ipc_server *srv;
	int rv, i;

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	snprintf(srv->url, sizeof(srv->url), "%s", url);
	srv->allow = allow;
	srv->nallow = nallow;
	srv->handler = handler;
	srv->arg = arg;
	if ((rv = nng_rep0_open(&srv->sock)) != 0 ||
	    (rv = ipc_socket_setup(srv->sock)) != 0 ||
	    (srv->listener = ipc_listener_start(srv->sock, url, &rv)) == NULL)
		goto fail;
	for (i = 0; i < IPC_SERVER_CONTEXTS; i++) {
		struct ipc_request *r = &srv->reqs[i];

		r->srv = srv;
		r->done.fn = ctx_ready;
		r->done.arg = r;
		if ((rv = nng_aio_alloc(&r->aio, ctx_aio_done, r)) != 0 ||
		    (rv = nng_ctx_open(&r->ctx, srv->sock)) != 0)
			goto fail;
		r->state = CTX_RECV;
		nng_ctx_recv(r->ctx, r->aio);
	}
	return srv;
fail:
	log_warnx("ipc: cannot listen on %s: %s", url, nng_strerror(rv));
	ipc_server_close(srv);
	return NULL;
}

void
ipc_server_close(struct ipc_server *srv)
{
	if (srv == NULL)
		return;
	ipc_listener_stop(srv->listener);
	nng_close(srv->sock);
	for (int i = 0; i < IPC_SERVER_CONTEXTS; i++) {
		struct ipc_request *r = &srv->reqs[i];

		if (r->aio != NULL) {
			nng_aio_stop(r->aio);
			if (nng_aio_get_msg(r->aio) != NULL)
				nng_msg_free(nng_aio_get_msg(r->aio));
			nng_aio_free(r->aio);
		}
		ipc_loop_cancel(&r->done);
		if (r->env != NULL)
			envelope__free_unpacked(r->env, NULL);
	}
	free(srv);
}
