/*
 * Request clients: an nng req socket dialled in the background (nng redials
 * by itself after the peer restarts) and one context per call, so calls run
 * side by side. The reply callback always runs on the loop thread, once.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>

#include "common/log.h"
#include "ipc/ipc_private.h"

struct ipc_client {
	nng_socket	 sock;
	uint64_t	 next_id;
	atomic_int	 pipes;		/* connections now open (nng threads) */
	int64_t		 dialled_ms;
	char		 url[256];
};

/* How long closing waits for a dial under way (see ipc_client_close). */
#define CLOSE_WAIT_MS	100

enum call_state { CALL_SEND, CALL_RECV };

struct ipc_call {
	struct ipc_client	*client;
	nng_ctx			 ctx;
	nng_aio			*aio;
	enum call_state		 state;
	int			 rv;
	uint64_t		 id;
	int64_t			 deadline_ms;
	ipc_reply_fn		 fn;
	void			*arg;
	struct ipc_completion	 done;
};

/* nng thread: count connections as they come and go. */
static void
pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct ipc_client *c = arg;

	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST)
		atomic_fetch_add(&c->pipes, 1);
	else if (ev == NNG_PIPE_EV_REM_POST)
		atomic_fetch_sub(&c->pipes, 1);
}

static struct ipc_client *
dial(const char *url, nng_duration resend)
{
	struct ipc_client *c;
	int rv;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	snprintf(c->url, sizeof(c->url), "%s", url);
	c->next_id = 1;
	c->dialled_ms = ipc_now_ms();
	if ((rv = nng_req0_open(&c->sock)) != 0 ||
	    (rv = ipc_socket_setup(c->sock)) != 0 ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME,
	    resend)) != 0 ||
	    (rv = nng_pipe_notify(c->sock, NNG_PIPE_EV_ADD_POST, pipe_event,
	    c)) != 0 ||
	    (rv = nng_pipe_notify(c->sock, NNG_PIPE_EV_REM_POST, pipe_event,
	    c)) != 0 ||
	    (rv = nng_dial(c->sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		log_warnx("ipc: cannot dial %s: %s", url, nng_strerror(rv));
		nng_close(c->sock);
		free(c);
		return NULL;
	}
	return c;
}

struct ipc_client *
ipc_client_dial(const char *url)
{
	/* A request lost with a restarting peer is sent again. */
	return dial(url, 1000);
}

struct ipc_client *
ipc_client_dial_once(const char *url)
{
	return dial(url, NNG_DURATION_INFINITE);
}

int
ipc_client_connected(const struct ipc_client *c)
{
	return atomic_load(&c->pipes) > 0;
}

void
ipc_client_close(struct ipc_client *c)
{
	if (c == NULL)
		return;
	/*
	 * Hanging up while the handshake is under way can stop the peer's
	 * listener (ipc_listener.c): a client closed right after its dial
	 * gives the connection a moment to come up first.
	 */
	while (atomic_load(&c->pipes) == 0 &&
	    ipc_now_ms() - c->dialled_ms < CLOSE_WAIT_MS)
		nng_msleep(5);
	nng_close(c->sock);
	free(c);
}

/* nng thread. */
static void
call_aio_done(void *arg)
{
	struct ipc_call *call = arg;
	int rv = nng_aio_result(call->aio);

	if (call->state == CALL_SEND && rv == 0) {
		int64_t left = call->deadline_ms - ipc_now_ms();

		call->state = CALL_RECV;
		nng_aio_set_timeout(call->aio, left > 0 ? (nng_duration)left : 1);
		nng_ctx_recv(call->ctx, call->aio);
		return;
	}
	if (call->state == CALL_SEND && rv != 0) {
		nng_msg_free(nng_aio_get_msg(call->aio));
		nng_aio_set_msg(call->aio, NULL);
	}
	call->rv = rv;
	ipc_loop_post(&call->done);
}

static void
call_free(struct ipc_call *call)
{
	nng_ctx_close(call->ctx);
	nng_aio_free(call->aio);
	free(call);
}

/* Loop thread: decode the reply and hand it to the caller. */
static void
call_finish(void *arg)
{
	struct ipc_call *call = arg;
	const char *error = NULL;
	Envelope *env = NULL;
	IpcError *ie = NULL;
	char why[300];
	nng_msg *m;

	if (call->rv != 0) {
		snprintf(why, sizeof(why), "%s: %s", call->client->url,
		    call->rv == NNG_ETIMEDOUT ? "no answer before the deadline" :
		    nng_strerror(call->rv));
		error = why;
	} else {
		m = nng_aio_get_msg(call->aio);
		nng_aio_set_msg(call->aio, NULL);
		env = ipc_msg_decode(m, call->client->url);
		nng_msg_free(m);
		if (env == NULL)
			error = "malformed reply";
		else if (env->request_id != call->id)
			error = "reply to another request";
		else if (env->type == MSG_TYPE__ERROR) {
			ie = (IpcError *)ipc_body_decode(env,
			    &ipc_error__descriptor);
			snprintf(why, sizeof(why), "%s refused: %s",
			    ipc_role_name(env->sender),
			    ie != NULL ? ie->message : "malformed error");
			error = why;
		}
	}
	if (error != NULL)
		ipc_stats_mut()->call_failures++;
	call->fn(error == NULL ? env : NULL, error, call->arg);
	if (ie != NULL)
		ipc_error__free_unpacked(ie, NULL);
	if (env != NULL)
		envelope__free_unpacked(env, NULL);
	call_free(call);
}

int
ipc_call(struct ipc_client *c, MsgType type, const ProtobufCMessage *body,
    int timeout_ms, ipc_reply_fn fn, void *arg)
{
	struct ipc_call *call;
	nng_msg *m;

	if ((call = calloc(1, sizeof(*call))) == NULL)
		return -1;
	call->client = c;
	call->id = c->next_id++;
	call->deadline_ms = ipc_now_ms() + timeout_ms;
	call->fn = fn;
	call->arg = arg;
	call->done.fn = call_finish;
	call->done.arg = call;
	if (nng_aio_alloc(&call->aio, call_aio_done, call) != 0) {
		free(call);
		return -1;
	}
	if (nng_ctx_open(&call->ctx, c->sock) != 0 ||
	    (m = ipc_msg_new(type, call->id, call->deadline_ms, body)) == NULL) {
		nng_aio_free(call->aio);
		free(call);
		return -1;
	}
	ipc_stats_mut()->calls_sent++;
	call->state = CALL_SEND;
	nng_aio_set_timeout(call->aio, timeout_ms);
	nng_aio_set_msg(call->aio, m);
	nng_ctx_send(call->ctx, call->aio);
	return 0;
}
