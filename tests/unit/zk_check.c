/*
 * zk_client and zk_group against a real ZooKeeper, whose address is the
 * first argument (tests/integration/test_zk_client.sh starts one): the
 * session, mkdir -p, ephemeral sequential members seen by a watching
 * group, members leaving with their session, errors, and closing a
 * session with requests in flight (no callback afterwards, nothing
 * leaked).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "ipc/ipc.h"
#include "replica/zk_client.h"
#include "replica/zk_group.h"
#include "tests/unit/check.h"
#include "tests/unit/loop.h"

struct session {
	int	connected;
	int	expired;
};

static void
session_changed(enum zk_session s, void *arg)
{
	struct session *st = arg;

	st->connected = s == ZK_SESSION_CONNECTED;
	st->expired |= s == ZK_SESSION_EXPIRED;
}

struct op {
	int	done;
	int	rc;
	char	path[256];
	char	data[64];
};

static void
op_done(int rc, void *arg)
{
	struct op *o = arg;

	o->rc = rc;
	o->done = 1;
}

static void
op_created(int rc, const char *path, void *arg)
{
	struct op *o = arg;

	o->rc = rc;
	snprintf(o->path, sizeof(o->path), "%s", path != NULL ? path : "");
	o->done = 1;
}

static void
op_data(int rc, const char *data, size_t len, void *arg)
{
	struct op *o = arg;

	o->rc = rc;
	snprintf(o->data, sizeof(o->data), "%.*s", (int)len,
	    data != NULL ? data : "");
	o->done = 1;
}

/* The latest membership a group reported. */
struct view {
	int	calls;
	size_t	n;
	char	names[8][64];
	char	data[8][64];
	int	sorted;
};

static void
group_changed(const struct zk_member *m, size_t n, void *arg)
{
	struct view *v = arg;

	v->calls++;
	v->n = n;
	v->sorted = 1;
	for (size_t i = 0; i < n && i < 8; i++) {
		snprintf(v->names[i], sizeof(v->names[i]), "%s", m[i].name);
		snprintf(v->data[i], sizeof(v->data[i]), "%s", m[i].data);
		if (i > 0 && m[i].seq <= m[i - 1].seq)
			v->sorted = 0;
	}
}

static int
view_has(struct event_base *base, struct view *v, size_t n, int ms)
{
	int done = 0;

	for (int waited = 0; waited < ms && !done; waited += 20) {
		loop_for(base, 20);
		done = v->calls > 0 && v->n == n;
	}
	return done;
}

static struct zk *
open_session(struct event_base *base, const char *hosts, struct session *st)
{
	char err[256];
	struct zk *zk;

	zk = zk_open(hosts, 4000, session_changed, st, err, sizeof(err));
	if (zk == NULL)
		fprintf(stderr, "zk_open: %s\n", err);
	CHECK(zk != NULL);
	if (zk != NULL)
		CHECK(loop_until(base, &st->connected, 10000));
	return zk;
}

int
main(int argc, char **argv)
{
	struct session s1 = { 0 }, s2 = { 0 };
	struct event_base *base;
	struct zk *a, *b;
	struct zk_group *g;
	struct view v = { 0 };
	struct op o;
	uint64_t seq;

	if (argc != 2) {
		fprintf(stderr, "usage: zk_check host:port\n");
		return 2;
	}
	evthread_use_pthreads();
	base = event_base_new();
	CHECK(ipc_init(base, ROLE__REPLICA) == 0);

	CHECK(zk_member_seq("member_0000000012", &seq) == 0 && seq == 12);
	CHECK(zk_member_seq("0000000003", &seq) == 0 && seq == 3);
	CHECK(zk_member_seq("_c_1-lock-", &seq) == -1);
	CHECK(zk_member_seq("member_12", &seq) == -1);

	if ((a = open_session(base, argv[1], &s1)) == NULL ||
	    (b = open_session(base, argv[1], &s2)) == NULL)
		return check_done("zk_check");

	/* mkdir -p, twice: the second finds everything there. */
	for (int i = 0; i < 2; i++) {
		memset(&o, 0, sizeof(o));
		CHECK(zk_create_path(a, "/t/group/dir", op_done, &o) == 0);
		CHECK(loop_until(base, &o.done, 5000) && o.rc == ZOK);
	}

	/* A group sees members come, with their data, in sequence order. */
	g = zk_group_watch(base, a, "/t/group/dir", "m_", 1, group_changed,
	    &v);
	CHECK(g != NULL);
	CHECK(view_has(base, &v, 0, 5000));
	memset(&o, 0, sizeof(o));
	CHECK(zk_create(a, "/t/group/dir/m_", "one", 3,
	    ZOO_EPHEMERAL_SEQUENTIAL, op_created, &o) == 0);
	CHECK(loop_until(base, &o.done, 5000) && o.rc == ZOK);
	CHECK_CONTAINS(o.path, "/t/group/dir/m_00000000");
	memset(&o, 0, sizeof(o));
	CHECK(zk_create(b, "/t/group/dir/m_", "two", 3,
	    ZOO_EPHEMERAL_SEQUENTIAL, op_created, &o) == 0);
	CHECK(loop_until(base, &o.done, 5000) && o.rc == ZOK);
	/* Not a member: another prefix, or no sequence number. */
	memset(&o, 0, sizeof(o));
	CHECK(zk_create(b, "/t/group/dir/other_", "x", 1,
	    ZOO_EPHEMERAL_SEQUENTIAL, op_created, &o) == 0);
	CHECK(loop_until(base, &o.done, 5000) && o.rc == ZOK);
	CHECK(view_has(base, &v, 2, 5000));
	CHECK(v.sorted);
	CHECK_STR(v.data[0], "one");
	CHECK_STR(v.data[1], "two");

	/* Creating again where a node exists names the error. */
	memset(&o, 0, sizeof(o));
	CHECK(zk_create(a, "/t/group", NULL, 0, 0, op_created, &o) == 0);
	CHECK(loop_until(base, &o.done, 5000) && o.rc == ZNODEEXISTS);
	memset(&o, 0, sizeof(o));
	CHECK(zk_delete(a, "/t/nothing", op_done, &o) == 0);
	CHECK(loop_until(base, &o.done, 5000) && o.rc == ZNONODE);
	memset(&o, 0, sizeof(o));
	CHECK(zk_get(a, "/t/nothing", op_data, &o) == 0);
	CHECK(loop_until(base, &o.done, 5000) && o.rc == ZNONODE);

	/* A closed session's ephemeral members leave the group. */
	zk_close(b);
	CHECK(view_has(base, &v, 1, 10000));
	CHECK_STR(v.data[0], "one");

	/* Reading data back. */
	memset(&o, 0, sizeof(o));
	snprintf(o.path, sizeof(o.path), "/t/group/dir/%s", v.names[0]);
	CHECK(zk_get(a, o.path, op_data, &o) == 0);
	CHECK(loop_until(base, &o.done, 5000) && o.rc == ZOK);
	CHECK_STR(o.data, "one");

	/* Closing with requests in flight: they never call back. */
	memset(&o, 0, sizeof(o));
	CHECK(zk_get(a, "/t/group/dir", op_data, &o) == 0);
	CHECK(zk_create_path(a, "/t/x/y/z", op_done, &o) == 0);
	zk_close(a);
	zk_group_free(g);
	loop_for(base, 200);
	CHECK(!o.done);
	CHECK(!s1.expired && !s2.expired);

	ipc_shutdown();
	event_base_free(base);
	return check_done("zk_check");
}
