/*
 * Unit tests of the log's interval sets, its LMDB storage and the
 * replica's answers to promise, write, learned and recover requests.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "replica/log_intervals.h"
#include "replica/log_pending.h"
#include "replica/log_replica.h"
#include "replica/log_storage.h"
#include "tests/unit/check.h"

static char dir[] = "/tmp/test_log_storage.XXXXXX";

static void
test_intervals(void)
{
	struct log_intervals s;
	uint64_t p;

	log_intervals_init(&s);
	CHECK(log_intervals_add(&s, 5, 9) == 0);
	CHECK(log_intervals_add(&s, 1, 2) == 0);
	CHECK(log_intervals_add(&s, 3, 4) == 0);	/* merges all */
	CHECK(s.n == 1 && s.v[0].lo == 1 && s.v[0].hi == 9);
	CHECK(log_intervals_remove(&s, 4, 6) == 0);
	CHECK(s.n == 2 && s.v[0].hi == 3 && s.v[1].lo == 7);
	CHECK(log_intervals_contains(&s, 3));
	CHECK(!log_intervals_contains(&s, 5));
	CHECK(log_intervals_count(&s) == 6);
	CHECK(log_intervals_next(&s, 4, &p) == 0 && p == 7);
	CHECK(log_intervals_next(&s, 10, &p) == -1);
	{
		struct log_intervals c;

		log_intervals_init(&c);
		CHECK(log_intervals_copy(&c, &s) == 0);
		CHECK(c.n == 2 && c.v[0].lo == 1 && c.v[1].hi == 9);
		log_intervals_free(&c);
	}
	CHECK(log_intervals_remove(&s, 0, 100) == 0 && s.n == 0);

	/* The top of the range. */
	CHECK(log_intervals_add(&s, UINT64_MAX - 2, UINT64_MAX) == 0);
	CHECK(log_intervals_add(&s, 0, 0) == 0);
	CHECK(log_intervals_contains(&s, UINT64_MAX));
	CHECK(log_intervals_count(&s) == 4);
	CHECK(log_intervals_remove(&s, UINT64_MAX, UINT64_MAX) == 0);
	CHECK(!log_intervals_contains(&s, UINT64_MAX));
	CHECK(log_intervals_add(&s, 0, UINT64_MAX) == 0 && s.n == 1);
	CHECK(log_intervals_count(&s) == UINT64_MAX);
	CHECK(log_intervals_remove(&s, 1, UINT64_MAX - 1) == 0 && s.n == 2);
	log_intervals_free(&s);
}

static MDB_env *
open_env(const char *name)
{
	char path[256], err[256];
	MDB_env *env;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	env = log_env_open(path, 64 << 20, 0, err, sizeof(err));
	if (env == NULL)
		fprintf(stderr, "%s\n", err);
	return env;
}

static int
handle(struct log_storage *s, LogFrame *f, struct log_reply *r)
{
	return log_replica_handle(s, f, r);
}

static int
promise(struct log_storage *s, uint64_t proposal, const uint64_t *pos,
    struct log_reply *r)
{
	PromiseRequest p = PROMISE_REQUEST__INIT;
	LogFrame f = LOG_FRAME__INIT;

	p.proposal = proposal;
	if (pos != NULL) {
		p.has_position = 1;
		p.position = *pos;
	}
	f.kind = LOG_FRAME__KIND__PROMISE_REQUEST;
	f.promise_request = &p;
	return handle(s, &f, r);
}

static int
write_append(struct log_storage *s, uint64_t proposal, uint64_t pos,
    const char *text, int learned, struct log_reply *r)
{
	WriteRequest w = WRITE_REQUEST__INIT;
	LogAction__Append a = LOG_ACTION__APPEND__INIT;
	LogFrame f = LOG_FRAME__INIT;

	a.bytes.data = (uint8_t *)(uintptr_t)text;
	a.bytes.len = strlen(text);
	w.proposal = proposal;
	w.position = pos;
	w.type = LOG_ACTION__TYPE__APPEND;
	w.append = &a;
	w.has_learned = learned;
	w.learned = learned;
	f.kind = LOG_FRAME__KIND__WRITE_REQUEST;
	f.write_request = &w;
	return handle(s, &f, r);
}

static void
test_storage_and_replica(void)
{
	char err[256];
	MDB_env *env = open_env("r1");
	struct log_storage *s;
	struct log_reply r;
	LogAction *a;
	uint64_t pos;

	CHECK(env != NULL);
	if (env == NULL)
		return;
	s = log_storage_open(env, err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return;
	/* A new replica is EMPTY and ignores promises. */
	CHECK(log_storage_status(s) == LOG_METADATA__STATUS__EMPTY);
	CHECK(log_storage_missing(s, 0));
	CHECK(promise(s, 1, NULL, &r) == 1);
	CHECK(r.promise.type == LOG_REPLY_TYPE__IGNORED && !r.promise.okay);
	log_reply_clear(&r);

	CHECK(log_storage_set_status(s, LOG_METADATA__STATUS__VOTING, err,
	    sizeof(err)) == 0);
	/* Implicit promise: once per proposal, upwards only. */
	CHECK(promise(s, 2, NULL, &r) == 1);
	CHECK(r.promise.type == LOG_REPLY_TYPE__ACCEPT);
	CHECK(r.promise.has_position && r.promise.position == 0);
	log_reply_clear(&r);
	CHECK(promise(s, 2, NULL, &r) == 1);
	CHECK(r.promise.type == LOG_REPLY_TYPE__REJECT &&
	    r.promise.proposal == 2);
	log_reply_clear(&r);

	/* Writes below the promise are rejected, at or above accepted. */
	CHECK(write_append(s, 1, 1, "old", 0, &r) == 1);
	CHECK(r.write.type == LOG_REPLY_TYPE__REJECT && r.write.proposal == 2);
	log_reply_clear(&r);
	CHECK(write_append(s, 2, 1, "one", 0, &r) == 1);
	CHECK(r.write.type == LOG_REPLY_TYPE__ACCEPT && r.write.position == 1);
	log_reply_clear(&r);
	CHECK(log_storage_end(s) == 1);
	CHECK(log_storage_missing(s, 0));	/* a hole */
	CHECK(log_storage_missing(s, 1));	/* not learned */

	/* An explicit promise returns what was there. */
	pos = 1;
	CHECK(promise(s, 3, &pos, &r) == 1);
	CHECK(r.promise.type == LOG_REPLY_TYPE__ACCEPT);
	CHECK(r.promise.action != NULL && r.promise.action->performed == 2 &&
	    r.promise.action->promised == 2);
	log_reply_clear(&r);
	/* ...and fences proposal 2 from that position only. */
	CHECK(write_append(s, 2, 1, "two", 0, &r) == 1);
	CHECK(r.write.type == LOG_REPLY_TYPE__REJECT && r.write.proposal == 3);
	log_reply_clear(&r);
	CHECK(write_append(s, 2, 2, "three", 0, &r) == 1);
	CHECK(r.write.type == LOG_REPLY_TYPE__ACCEPT);
	log_reply_clear(&r);
	/* An empty position checks the implicit promise. */
	pos = 7;
	CHECK(promise(s, 2, &pos, &r) == 1);
	CHECK(r.promise.type == LOG_REPLY_TYPE__REJECT);
	log_reply_clear(&r);

	/* Learned values are never replaced by a write. */
	CHECK(write_append(s, 3, 1, "learned", 1, &r) == 1);
	log_reply_clear(&r);
	CHECK(!log_storage_missing(s, 1));
	CHECK(write_append(s, 4, 1, "other", 0, &r) == 0);
	log_reply_clear(&r);
	CHECK(log_storage_read(s, 1, &a, err, sizeof(err)) == 1);
	CHECK(a != NULL && a->append != NULL && a->append->bytes.len == 7 &&
	    memcmp(a->append->bytes.data, "learned", 7) == 0);
	if (a != NULL)
		log_action__free_unpacked(a, NULL);

	/* State survives a reopen. */
	log_storage_close(s);
	s = log_storage_open(env, err, sizeof(err));
	CHECK(s != NULL);
	CHECK(log_storage_status(s) == LOG_METADATA__STATUS__VOTING);
	CHECK(log_storage_promised(s) == 2);
	CHECK(log_storage_end(s) == 2);
	CHECK(log_storage_missing(s, 0) && !log_storage_missing(s, 1) &&
	    log_storage_missing(s, 2) && log_storage_missing(s, 3));

	/* A recover request reports status and positions. */
	{
		RecoverRequest rq = RECOVER_REQUEST__INIT;
		LogFrame f = LOG_FRAME__INIT;

		f.kind = LOG_FRAME__KIND__RECOVER_REQUEST;
		f.recover_request = &rq;
		CHECK(handle(s, &f, &r) == 1);
		CHECK(r.recover.status == LOG_METADATA__STATUS__VOTING &&
		    r.recover.has_end && r.recover.end == 2);
		log_reply_clear(&r);
	}
	/* A request without its body is dropped, not trusted. */
	{
		LogFrame f = LOG_FRAME__INIT;

		f.kind = LOG_FRAME__KIND__WRITE_REQUEST;
		CHECK(handle(s, &f, &r) == 0);
		log_reply_clear(&r);
	}
	log_storage_close(s);
	mdb_env_close(env);
}

/* A storage in env marked VOTING, or NULL. */
static struct log_storage *
open_voting(MDB_env *env)
{
	char err[256];
	struct log_storage *s;

	if (env == NULL || (s = log_storage_open(env, err,
	    sizeof(err))) == NULL)
		return NULL;
	if (log_storage_set_status(s, LOG_METADATA__STATUS__VOTING, err,
	    sizeof(err)) == -1) {
		log_storage_close(s);
		return NULL;
	}
	return s;
}

static void
persist_learned(struct log_storage *s, uint64_t pos, LogAction__Type type,
    uint64_t to)
{
	LogAction a = LOG_ACTION__INIT;
	LogAction__Nop nop = LOG_ACTION__NOP__INIT;
	LogAction__Truncate t = LOG_ACTION__TRUNCATE__INIT;
	char err[256];

	a.position = pos;
	a.promised = 1;
	a.has_performed = a.has_learned = a.has_type = 1;
	a.performed = 1;
	a.learned = 1;
	a.type = type;
	if (type == LOG_ACTION__TYPE__TRUNCATE) {
		t.to = to;
		a.truncate = &t;
	} else
		a.nop = &nop;
	if (log_storage_persist(s, &a, err, sizeof(err)) == -1)
		fprintf(stderr, "%s\n", err);
}

static void
test_truncation(void)
{
	char err[256];
	MDB_env *env = open_env("r2");
	struct log_storage *s;
	struct log_reply r;
	uint64_t pos;
	LogAction *a;

	if ((s = open_voting(env)) == NULL) {
		CHECK(0);
		return;
	}
	/* 0..9999 learned, with holes at 100..199; then truncate to 9000. */
	for (pos = 0; pos < 10000; pos++)
		if (pos < 100 || pos >= 200)
			persist_learned(s, pos, LOG_ACTION__TYPE__NOP, 0);
	CHECK(log_storage_missing(s, 150));
	persist_learned(s, 10000, LOG_ACTION__TYPE__TRUNCATE, 9000);
	CHECK(log_storage_begin(s) == 9000);
	CHECK(!log_storage_missing(s, 150));
	CHECK(log_storage_unlearned(s)->n == 0);
	/* Below the beginning: a learned tombstone. */
	pos = 5;
	CHECK(promise(s, 9, &pos, &r) == 1);
	CHECK(r.promise.type == LOG_REPLY_TYPE__ACCEPT &&
	    r.promise.action != NULL && r.promise.action->learned &&
	    r.promise.action->nop != NULL && r.promise.action->nop->tombstone);
	log_reply_clear(&r);
	/* Old records go a batch at a time, and restarts keep begin. */
	for (pos = 10001; pos < 10010; pos++)
		persist_learned(s, pos, LOG_ACTION__TYPE__NOP, 0);
	CHECK(log_storage_read(s, 5, &a, err, sizeof(err)) == 0);
	log_storage_close(s);
	s = log_storage_open(env, err, sizeof(err));
	CHECK(s != NULL && log_storage_begin(s) == 9000 &&
	    log_storage_end(s) == 10009);
	CHECK(log_storage_unlearned(s)->n == 0);

	/* Positions at the very top of the range. */
	persist_learned(s, UINT64_MAX - 1, LOG_ACTION__TYPE__NOP, 0);
	persist_learned(s, UINT64_MAX, LOG_ACTION__TYPE__NOP, 0);
	CHECK(log_storage_end(s) == UINT64_MAX);
	CHECK(log_storage_missing(s, UINT64_MAX - 2));
	CHECK(!log_storage_missing(s, UINT64_MAX));
	log_storage_close(s);
	s = log_storage_open(env, err, sizeof(err));
	CHECK(s != NULL && log_storage_end(s) == UINT64_MAX &&
	    !log_storage_missing(s, UINT64_MAX) &&
	    log_storage_missing(s, 20000));
	log_storage_close(s);
	mdb_env_close(env);
}

static void
test_full_map(void)
{
	char path[256], err[256];
	MDB_env *env;
	struct log_storage *s;
	struct log_reply r;
	static char big[64 * 1024];
	uint64_t pos;
	int failed = 0;

	/* A 1 MiB map fills up: a clear error, nothing lost before it. */
	snprintf(path, sizeof(path), "%s/full", dir);
	if ((env = log_env_open(path, 1 << 20, 0, err, sizeof(err))) == NULL ||
	    (s = log_storage_open(env, err, sizeof(err))) == NULL) {
		CHECK(0);
		return;
	}
	log_storage_set_status(s, LOG_METADATA__STATUS__VOTING, err,
	    sizeof(err));
	memset(big, 'x', sizeof(big) - 1);
	for (pos = 1; pos < 40 && !failed; pos++) {
		if (write_append(s, 1, pos, big, 1, &r) == 0)
			failed = 1;
		log_reply_clear(&r);
	}
	CHECK(failed);
	CHECK(log_storage_end(s) == pos - 2);
	{
		LogAction a = LOG_ACTION__INIT;
		LogAction__Append ap = LOG_ACTION__APPEND__INIT;

		a.position = pos;
		a.has_type = 1;
		a.type = LOG_ACTION__TYPE__APPEND;
		ap.bytes.data = (uint8_t *)big;
		ap.bytes.len = sizeof(big);
		a.append = &ap;
		CHECK(log_storage_persist(s, &a, err, sizeof(err)) == -1);
		CHECK_CONTAINS(err, "map is full");
	}
	log_storage_close(s);
	mdb_env_close(env);
}

static int deferred_calls;

static void
count_deferred(void *arg)
{
	deferred_calls++;
}

/* Whether a fresh look at the disk (a second storage) has pos learned. */
static int
learned_on_disk(MDB_env *env, uint64_t pos)
{
	char err[256];
	struct log_storage *d = log_storage_open(env, err, sizeof(err));
	int on_disk = d != NULL && !log_storage_missing(d, pos);

	log_storage_close(d);
	return on_disk;
}

static void
test_deferred_learned(void)
{
	char err[256];
	MDB_env *env = open_env("deferred");
	struct log_storage *s;
	struct log_reply r;
	LogAction *a;
	uint64_t pos;

	if ((s = open_voting(env)) == NULL) {
		CHECK(0);
		return;
	}
	log_storage_on_deferred(s, count_deferred, NULL);

	/* Accepted (synced at once), then learned: the mark waits. */
	CHECK(write_append(s, 1, 1, "one", 0, &r) == 1);
	log_reply_clear(&r);
	persist_learned(s, 1, LOG_ACTION__TYPE__NOP, 0);
	CHECK(deferred_calls == 1);
	CHECK(!log_storage_missing(s, 1));
	CHECK(log_storage_read(s, 1, &a, err, sizeof(err)) == 1 &&
	    a->learned && a->type == LOG_ACTION__TYPE__NOP);
	log_action__free_unpacked(a, NULL);
	CHECK(!learned_on_disk(env, 1));
	/* A learned value is never replaced by a later write. */
	CHECK(write_append(s, 2, 1, "other", 0, &r) == 0);
	log_reply_clear(&r);

	/* The next accept carries it. */
	CHECK(write_append(s, 1, 2, "two", 0, &r) == 1);
	log_reply_clear(&r);
	CHECK(learned_on_disk(env, 1));
	CHECK(!learned_on_disk(env, 2));

	/* Or the owner writes them, as the timer does. */
	persist_learned(s, 2, LOG_ACTION__TYPE__NOP, 0);
	CHECK(deferred_calls == 2);
	CHECK(log_storage_write_learned(s, err, sizeof(err)) == 0);
	CHECK(learned_on_disk(env, 2));

	/* Too many waiting: the next one is written with them at once. */
	for (pos = 3; pos < 3 + LOG_PENDING_MAX + 2; pos++)
		persist_learned(s, pos, LOG_ACTION__TYPE__NOP, 0);
	CHECK(learned_on_disk(env, 3 + LOG_PENDING_MAX));
	CHECK(!learned_on_disk(env, 3 + LOG_PENDING_MAX + 1));

	/* A truncation is never deferred, and carries those that wait. */
	persist_learned(s, pos, LOG_ACTION__TYPE__TRUNCATE, 5);
	CHECK(learned_on_disk(env, pos - 1) && learned_on_disk(env, pos));
	CHECK(log_storage_begin(s) == 5);

	/* Closing writes what waits. */
	persist_learned(s, pos + 1, LOG_ACTION__TYPE__NOP, 0);
	log_storage_close(s);
	CHECK(learned_on_disk(env, pos + 1));
	mdb_env_close(env);
}

int
main(void)
{
	char cmd[300];

	log_init("test");
	if (mkdtemp(dir) == NULL)
		return 1;
	test_intervals();
	test_storage_and_replica();
	test_truncation();
	test_full_map();
	test_deferred_learned();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done("test_log_storage");
}
