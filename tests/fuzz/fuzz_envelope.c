/*
 * Fuzz target: IPC envelope decoding and the receiver's checks, as every
 * worker runs them on each message from a peer.
 */
#include "config.h"

#include <stdlib.h>

#include "ipc/ipc.h"
#include "tests/fuzz/fuzz.h"

static const struct ipc_allow allow[] = {
	{ ROLE__HTTPD, MSG_TYPE__STATUS_REQUEST },
	{ ROLE__REPLICA, MSG_TYPE__LIFECYCLE_EVENT },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char err[256];
	Envelope *env;
	ProtobufCMessage *body;
	uint8_t *out;
	size_t outlen;

	if ((env = ipc_envelope_decode(data, len, err, sizeof(err))) == NULL)
		return 0;
	for (int trusted = 0; trusted < 2; trusted++)
		(void)ipc_envelope_check(env, allow, 2, trusted, 1000, err,
		    sizeof(err));
	/* Every body type a receiver might decode. */
	if ((body = ipc_body_decode(env, &status_response__descriptor)) != NULL)
		protobuf_c_message_free_unpacked(body, NULL);
	if ((body = ipc_body_decode(env, &lifecycle_event__descriptor)) != NULL)
		protobuf_c_message_free_unpacked(body, NULL);
	if ((body = ipc_body_decode(env, &ipc_error__descriptor)) != NULL)
		protobuf_c_message_free_unpacked(body, NULL);
	if ((body = ipc_body_decode(env, &leader_response__descriptor)) != NULL)
		protobuf_c_message_free_unpacked(body, NULL);
	if (ipc_envelope_encode(env->type, env->request_id, env->sender,
	    env->deadline_ms, NULL, &out, &outlen) == 0)
		free(out);
	envelope__free_unpacked(env, NULL);
	return 0;
}
