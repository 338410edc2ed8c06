/*
 * The envelope codec and the receiver's checks. Pure functions: no sockets,
 * no logging, so the fuzzer and the unit tests drive them directly.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipc/ipc.h"

int64_t
ipc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
ipc_role_name(Role r)
{
	switch (r) {
	case ROLE__MASTER:
		return "master";
	case ROLE__REPLICA:
		return "replica";
	case ROLE__OFFERD:
		return "offerd";
	case ROLE__HTTPD:
		return "httpd";
	default:
		return "unknown";
	}
}

int
ipc_envelope_encode(MsgType type, uint64_t request_id, Role sender,
    int64_t deadline_ms, const ProtobufCMessage *body, uint8_t **buf,
    size_t *len)
{
	Envelope env = ENVELOPE__INIT;
	uint8_t *bodybuf = NULL;
	size_t n;

	env.type = type;
	env.request_id = request_id;
	env.sender = sender;
	if (deadline_ms > 0) {
		env.has_deadline_ms = 1;
		env.deadline_ms = deadline_ms;
	}
	if (body != NULL) {
		n = protobuf_c_message_get_packed_size(body);
		if (n > IPC_MAX_MSG) {
			errno = EMSGSIZE;
			return -1;
		}
		if ((bodybuf = malloc(n ? n : 1)) == NULL)
			return -1;
		protobuf_c_message_pack(body, bodybuf);
		env.has_body = 1;
		env.body.data = bodybuf;
		env.body.len = n;
	}
	n = envelope__get_packed_size(&env);
	if (n > IPC_MAX_MSG)
		errno = EMSGSIZE;
	if (n > IPC_MAX_MSG || (*buf = malloc(n ? n : 1)) == NULL) {
		free(bodybuf);
		return -1;
	}
	*len = envelope__pack(&env, *buf);
	free(bodybuf);
	return 0;
}

Envelope *
ipc_envelope_decode(const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	Envelope *env;

	if (len > IPC_MAX_MSG) {
		snprintf(err, errlen, "message of %zu bytes is over the "
		    "%d byte limit", len, IPC_MAX_MSG);
		return NULL;
	}
	if ((env = envelope__unpack(NULL, len, buf)) == NULL) {
		snprintf(err, errlen, "not a valid envelope (%zu bytes)", len);
		return NULL;
	}
	/* protobuf-c keeps unknown enum numbers; we do not. */
	if (protobuf_c_enum_descriptor_get_value(&msg_type__descriptor,
	    (int)env->type) == NULL || env->type == MSG_TYPE__UNKNOWN_MSG) {
		snprintf(err, errlen, "unknown message type %d", (int)env->type);
		envelope__free_unpacked(env, NULL);
		return NULL;
	}
	if (protobuf_c_enum_descriptor_get_value(&role__descriptor,
	    (int)env->sender) == NULL || env->sender == ROLE__UNKNOWN_ROLE) {
		snprintf(err, errlen, "unknown sender role %d",
		    (int)env->sender);
		envelope__free_unpacked(env, NULL);
		return NULL;
	}
	return env;
}

IpcErrorCode
ipc_envelope_check(const Envelope *env, const struct ipc_allow *allow,
    size_t nallow, int peer_trusted, int64_t now_ms, char *err,
    size_t errlen)
{
	const char *type = protobuf_c_enum_descriptor_get_value(
	    &msg_type__descriptor, (int)env->type)->name;

	if (!peer_trusted && env->sender != ROLE__HTTPD) {
		snprintf(err, errlen, "an unprivileged peer claims to be %s",
		    ipc_role_name(env->sender));
		return IPC_ERROR_CODE__NOT_ALLOWED;
	}
	if (env->has_deadline_ms && env->deadline_ms < now_ms) {
		snprintf(err, errlen, "%s from %s arrived %lld ms after its "
		    "deadline", type, ipc_role_name(env->sender),
		    (long long)(now_ms - env->deadline_ms));
		return IPC_ERROR_CODE__DEADLINE_EXCEEDED;
	}
	for (size_t i = 0; i < nallow; i++) {
		if (allow[i].sender == env->sender && allow[i].type == env->type)
			return IPC_ERROR_CODE__NO_ERROR;
	}
	snprintf(err, errlen, "%s may not send %s here",
	    ipc_role_name(env->sender), type);
	return IPC_ERROR_CODE__NOT_ALLOWED;
}

ProtobufCMessage *
ipc_body_decode(const Envelope *env, const ProtobufCMessageDescriptor *desc)
{
	return ipc_body_decode_in(env, desc, NULL);
}

ProtobufCMessage *
ipc_body_decode_in(const Envelope *env, const ProtobufCMessageDescriptor *desc,
    ProtobufCAllocator *alloc)
{
	static const uint8_t empty[1];

	if (!env->has_body)
		return protobuf_c_message_unpack(desc, alloc, 0, empty);
	return protobuf_c_message_unpack(desc, alloc, env->body.len,
	    env->body.data);
}

int
ipc_url(char *buf, size_t len, const char *root, const char *name)
{
	int n = snprintf(buf, len, "ipc://%s/ipc/%s.ipc", root, name);

	/* sun_path holds 108 bytes including the NUL. */
	if (n < 0 || (size_t)n >= len || n - 6 >= 108)
		return -1;
	return 0;
}
