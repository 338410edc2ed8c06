/*
 * nng message helpers shared by the server, client and pub/sub code.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"
#include "ipc/ipc_private.h"

nng_msg *
ipc_msg_new(MsgType type, uint64_t request_id, int64_t deadline_ms,
    const ProtobufCMessage *body)
{
	uint8_t *buf;
	size_t len;
	nng_msg *m;

	if (ipc_envelope_encode(type, request_id, ipc_self_role(), deadline_ms,
	    body, &buf, &len) == -1)
		return NULL;
	if (nng_msg_alloc(&m, 0) != 0) {
		free(buf);
		return NULL;
	}
	if (nng_msg_append(m, buf, len) != 0) {
		nng_msg_free(m);
		m = NULL;
	}
	free(buf);
	return m;
}

Envelope *
ipc_msg_decode(nng_msg *m, const char *what)
{
	char err[256];
	Envelope *env;

	env = ipc_envelope_decode(nng_msg_body(m), nng_msg_len(m), err,
	    sizeof(err));
	if (env == NULL) {
		log_warnx("ipc %s: dropped malformed message: %s", what, err);
		ipc_stats_mut()->malformed_messages++;
	}
	return env;
}

int
ipc_msg_peer_trusted(nng_msg *m)
{
	nng_pipe p = nng_msg_get_pipe(m);
	uint64_t uid;

	if (nng_pipe_id(p) < 0 ||
	    nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &uid) != 0)
		return 0;
	return uid == (uint64_t)geteuid();
}

int
ipc_socket_setup(nng_socket s)
{
	if (nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, IPC_MAX_MSG) != 0 ||
	    nng_socket_set_ms(s, NNG_OPT_RECONNMINT, 50) != 0 ||
	    nng_socket_set_ms(s, NNG_OPT_RECONNMAXT, 1000) != 0)
		return -1;
	return 0;
}
