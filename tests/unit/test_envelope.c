/*
 * The IPC envelope: round trips, malformed bytes, unknown enums, and the
 * receiver's checks (allowed table, peer credentials, deadlines).
 */
#include "config.h"

#include "ipc/ipc.h"
#include "tests/unit/check.h"

static const struct ipc_allow allow[] = {
	{ ROLE__HTTPD, MSG_TYPE__STATUS_REQUEST },
	{ ROLE__OFFERD, MSG_TYPE__LEADER_REQUEST },
};

static Envelope *
roundtrip(MsgType type, Role sender, int64_t deadline,
    const ProtobufCMessage *body)
{
	uint8_t *buf;
	size_t len;
	char err[256];
	Envelope *env;

	if (ipc_envelope_encode(type, 42, sender, deadline, body, &buf,
	    &len) == -1)
		return NULL;
	env = ipc_envelope_decode(buf, len, err, sizeof(err));
	free(buf);
	return env;
}

static void
test_roundtrip(void)
{
	LifecycleEvent ev = LIFECYCLE_EVENT__INIT;
	LifecycleEvent *back;
	char state[] = "IDLE";
	Envelope *env;

	ev.state = state;
	ev.timestamp_ms = 1234;
	env = roundtrip(MSG_TYPE__LIFECYCLE_EVENT, ROLE__REPLICA, 99, &ev.base);
	CHECK(env != NULL);
	if (env == NULL)
		return;
	CHECK(env->type == MSG_TYPE__LIFECYCLE_EVENT);
	CHECK(env->sender == ROLE__REPLICA);
	CHECK(env->request_id == 42);
	CHECK(env->has_deadline_ms && env->deadline_ms == 99);
	back = (LifecycleEvent *)ipc_body_decode(env,
	    &lifecycle_event__descriptor);
	CHECK(back != NULL);
	if (back != NULL) {
		CHECK_STR(back->state, "IDLE");
		CHECK(back->timestamp_ms == 1234);
		lifecycle_event__free_unpacked(back, NULL);
	}
	/* A body of the wrong type does not decode as a message it is not. */
	CHECK(ipc_body_decode(env, &leader_response__descriptor) == NULL);
	envelope__free_unpacked(env, NULL);

	/* No body: an empty message. */
	env = roundtrip(MSG_TYPE__STATUS_REQUEST, ROLE__HTTPD, 0, NULL);
	CHECK(env != NULL && !env->has_body && !env->has_deadline_ms);
	if (env != NULL)
		envelope__free_unpacked(env, NULL);
}

static void
test_malformed(void)
{
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0x0f };
	Envelope bad = ENVELOPE__INIT;
	uint8_t buf[64], *good;
	size_t len, goodlen;
	char err[256];

	CHECK(ipc_envelope_decode(garbage, sizeof(garbage), err,
	    sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "not a valid envelope");
	CHECK(ipc_envelope_decode(garbage, 0, err, sizeof(err)) == NULL);

	/* Truncations of a good envelope never decode as something else. */
	CHECK(ipc_envelope_encode(MSG_TYPE__STATUS_REQUEST, 7, ROLE__HTTPD,
	    5, NULL, &good, &goodlen) == 0);
	for (size_t n = 0; n < goodlen; n++) {
		Envelope *e = ipc_envelope_decode(good, n, err, sizeof(err));

		CHECK(e == NULL || e->request_id != 7 || !e->has_deadline_ms);
		if (e != NULL)
			envelope__free_unpacked(e, NULL);
	}
	free(good);

	/* Enum numbers we do not know are refused. */
	bad.type = (MsgType)99;
	bad.sender = ROLE__HTTPD;
	len = envelope__pack(&bad, buf);
	CHECK(ipc_envelope_decode(buf, len, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "unknown message type 99");
	bad.type = MSG_TYPE__STATUS_REQUEST;
	bad.sender = (Role)17;
	len = envelope__pack(&bad, buf);
	CHECK(ipc_envelope_decode(buf, len, err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "unknown sender role 17");
	bad.sender = ROLE__UNKNOWN_ROLE;
	len = envelope__pack(&bad, buf);
	CHECK(ipc_envelope_decode(buf, len, err, sizeof(err)) == NULL);

	/* Over the size limit. */
	CHECK(ipc_envelope_decode(buf, IPC_MAX_MSG + 1, err,
	    sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "limit");
}

static void
test_checks(void)
{
	Envelope env = ENVELOPE__INIT;
	char err[256];
	size_t n = sizeof(allow) / sizeof(allow[0]);

	env.type = MSG_TYPE__STATUS_REQUEST;
	env.sender = ROLE__HTTPD;
	CHECK(ipc_envelope_check(&env, allow, n, 0, 1000, err, sizeof(err)) ==
	    IPC_ERROR_CODE__NO_ERROR);
	/* httpd may not ask for what only offerd may. */
	env.type = MSG_TYPE__LEADER_REQUEST;
	CHECK(ipc_envelope_check(&env, allow, n, 0, 1000, err, sizeof(err)) ==
	    IPC_ERROR_CODE__NOT_ALLOWED);
	CHECK_CONTAINS(err, "httpd may not send LEADER_REQUEST");
	/* An unprivileged peer claiming to be offerd is refused. */
	env.sender = ROLE__OFFERD;
	CHECK(ipc_envelope_check(&env, allow, n, 0, 1000, err, sizeof(err)) ==
	    IPC_ERROR_CODE__NOT_ALLOWED);
	CHECK_CONTAINS(err, "unprivileged peer claims to be offerd");
	CHECK(ipc_envelope_check(&env, allow, n, 1, 1000, err, sizeof(err)) ==
	    IPC_ERROR_CODE__NO_ERROR);
	/* Past its deadline. */
	env.has_deadline_ms = 1;
	env.deadline_ms = 900;
	CHECK(ipc_envelope_check(&env, allow, n, 1, 1000, err, sizeof(err)) ==
	    IPC_ERROR_CODE__DEADLINE_EXCEEDED);
	CHECK_CONTAINS(err, "100 ms after its deadline");
	env.deadline_ms = 1000;
	CHECK(ipc_envelope_check(&env, allow, n, 1, 1000, err, sizeof(err)) ==
	    IPC_ERROR_CODE__NO_ERROR);
}

static void
test_urls(void)
{
	char url[256], root[200];

	CHECK(ipc_url(url, sizeof(url), "/run/aurora-scheduler/httpd",
	    "replica") == 0);
	CHECK_STR(url, "ipc:///run/aurora-scheduler/httpd/ipc/replica.ipc");
	CHECK(ipc_url(url, sizeof(url), "", "master") == 0);
	CHECK_STR(url, "ipc:///ipc/master.ipc");
	memset(root, 'x', sizeof(root) - 1);
	root[sizeof(root) - 1] = '\0';
	root[0] = '/';
	CHECK(ipc_url(url, sizeof(url), root, "replica") == -1);
	CHECK_STR(ipc_role_name(ROLE__HTTPD), "httpd");
}

int
main(void)
{
	test_roundtrip();
	test_malformed();
	test_checks();
	test_urls();
	return check_done("test_envelope");
}
