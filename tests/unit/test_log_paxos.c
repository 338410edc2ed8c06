/*
 * The Mesos replicated log's scenarios against our coordinator, fills,
 * catch-up and recovery: three (or five) replicas with their own LMDB
 * environments on one in-process hub whose filter drops and delays chosen
 * messages.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "replica/log_coordinator.h"
#include "replica/log_hub.h"
#include "replica/log_paxos.h"
#include "replica/log_recover.h"
#include "replica/log_replica.h"
#include "replica/log_storage.h"
#include "tests/unit/check.h"
#include "tests/unit/loop.h"

#define MAXR	5
#define TIMEOUT	3000

static char dir[] = "/tmp/test_log_paxos.XXXXXX";
static int cluster_seq;

struct cluster {
	struct event_base	*base;
	struct log_hub		*hub;
	size_t			 n, quorum;
	char			 path[MAXR][256];
	MDB_env			*env[MAXR];
	struct log_storage	*s[MAXR];
};

/* Message rules: drop or delay what goes from/to a member (-1: any). */
struct rule {
	int	from, to;
	int	kind;		/* LogFrame kind, or -1 */
	int	drop;
	int	delay_ms;
};
static struct rule rules[8];
static size_t nrules;

static int
filter(void *arg, size_t from, size_t to, const LogFrame *f, int64_t *delay)
{
	for (size_t i = 0; i < nrules; i++) {
		struct rule *r = &rules[i];

		if ((r->from == -1 || (size_t)r->from == from) &&
		    (r->to == -1 || (size_t)r->to == to) &&
		    (r->kind == -1 || r->kind == (int)f->kind)) {
			if (r->drop)
				return 0;
			*delay = r->delay_ms;
		}
	}
	return 1;
}

static void
rule(int from, int to, int kind, int drop, int delay_ms)
{
	rules[nrules].from = from;
	rules[nrules].to = to;
	rules[nrules].kind = kind;
	rules[nrules].drop = drop;
	rules[nrules].delay_ms = delay_ms;
	nrules++;
}

static void
open_member(struct cluster *c, size_t i)
{
	char err[256];

	c->env[i] = log_env_open(c->path[i], 64 << 20, 0, err, sizeof(err));
	if (c->env[i] == NULL ||
	    (c->s[i] = log_storage_open(c->env[i], err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	log_hub_attach(c->hub, i, c->s[i]);
}

static void
close_member(struct cluster *c, size_t i)
{
	log_hub_attach(c->hub, i, NULL);
	log_storage_close(c->s[i]);
	mdb_env_close(c->env[i]);
	c->s[i] = NULL;
	c->env[i] = NULL;
}

/* n replicas, the first 'voting' of them initialised. */
static void
cluster_open(struct cluster *c, size_t n, size_t voting)
{
	char err[256];

	memset(c, 0, sizeof(*c));
	nrules = 0;
	c->base = event_base_new();
	c->n = n;
	c->quorum = n / 2 + 1;
	c->hub = log_hub_new(c->base, n);
	log_hub_set_filter(c->hub, filter, NULL);
	cluster_seq++;
	for (size_t i = 0; i < n; i++) {
		snprintf(c->path[i], sizeof(c->path[i]), "%s/c%d-r%zu", dir,
		    cluster_seq, i);
		open_member(c, i);
		if (i < voting)
			log_storage_set_status(c->s[i],
			    LOG_METADATA__STATUS__VOTING, err, sizeof(err));
	}
}

static void
cluster_close(struct cluster *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->s[i] != NULL)
			close_member(c, i);
	log_hub_free(c->hub);
	event_base_free(c->base);
}

/* Replaces member i's data with an empty replica. */
static void
wipe(struct cluster *c, size_t i)
{
	char cmd[300];

	close_member(c, i);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", c->path[i]);
	if (system(cmd) != 0)
		exit(1);
	open_member(c, i);
}

static int
run_until(struct cluster *c, int *flag, int ms)
{
	return loop_until(c->base, flag, ms);
}

static void
settle(struct cluster *c, int ms)
{
	loop_for(c->base, ms);
}

static int
elect(struct cluster *c, struct log_coord *co, uint64_t *last)
{
	struct result r = { 0 };

	if (log_coord_elect(co, TIMEOUT, elected, &r) == -1)
		return 0;
	run_until(c, &r.done, TIMEOUT + 1000);
	if (last != NULL)
		*last = r.pos;
	return r.done && r.ok;
}

/* Elects, retrying when outbid, as the replica's writer does. */
static int
elect_retrying(struct cluster *c, struct log_coord *co, uint64_t *last)
{
	for (int i = 0; i < 5; i++)
		if (elect(c, co, last))
			return 1;
	return 0;
}

static int
append(struct cluster *c, struct log_coord *co, const char *text,
    uint64_t *pos)
{
	struct result r = { 0 };

	if (log_coord_append(co, text, strlen(text), 1000, written, &r) == -1)
		return 0;
	run_until(c, &r.done, 3000);
	if (pos != NULL)
		*pos = r.pos;
	return r.done && r.ok;
}

/* Whether member i has learned text at pos. */
static int
has(struct cluster *c, size_t i, uint64_t pos, const char *text)
{
	char err[256];
	LogAction *a;
	int ok;

	if (log_storage_read(c->s[i], pos, &a, err, sizeof(err)) != 1)
		return 0;
	ok = a->has_learned && a->learned && a->append != NULL &&
	    a->append->bytes.len == strlen(text) &&
	    memcmp(a->append->bytes.data, text, strlen(text)) == 0;
	log_action__free_unpacked(a, NULL);
	return ok;
}

static struct log_coord *
coord(struct cluster *c, size_t i)
{
	return log_coord_new(c->base, log_hub_net(c->hub, i), c->quorum,
	    c->s[i]);
}

static void
test_promise_append_restore(void)
{
	struct cluster c;
	struct log_coord *co;
	uint64_t last = 99, pos;
	char text[32];

	cluster_open(&c, 3, 3);
	co = coord(&c, 0);
	CHECK(elect(&c, co, &last));
	CHECK(last == 0);	/* position 0 filled with a no-op */
	for (int i = 1; i <= 10; i++) {
		snprintf(text, sizeof(text), "entry %d", i);
		CHECK(append(&c, co, text, &pos) && pos == (uint64_t)i);
	}
	settle(&c, 50);
	for (size_t r = 0; r < 3; r++) {
		CHECK(has(&c, r, 1, "entry 1") && has(&c, r, 10, "entry 10"));
		CHECK(log_storage_end(c.s[r]) == 10);
		CHECK(log_storage_unlearned(c.s[r])->n == 0);
	}
	/* Restart every replica: the log is still there. */
	log_coord_free(co);
	for (size_t r = 0; r < 3; r++) {
		close_member(&c, r);
		open_member(&c, r);
		CHECK(log_storage_status(c.s[r]) ==
		    LOG_METADATA__STATUS__VOTING);
		CHECK(has(&c, r, 7, "entry 7"));
	}
	co = coord(&c, 1);
	CHECK(elect(&c, co, &last) && last == 10);
	CHECK(append(&c, co, "after restart", &pos) && pos == 11);
	log_coord_free(co);
	cluster_close(&c);
}

static void
test_non_voting(void)
{
	struct cluster c;
	struct log_coord *co;

	/* Two of three replicas EMPTY: they answer IGNORED, no quorum. */
	cluster_open(&c, 3, 1);
	co = coord(&c, 0);
	CHECK(!elect(&c, co, NULL));
	CHECK(log_coord_state(co) == LOG_COORD_INITIAL);
	log_coord_free(co);
	cluster_close(&c);
}

static void
test_no_quorum(void)
{
	struct cluster c;
	struct log_coord *co;
	struct result r = { 0 };

	cluster_open(&c, 3, 3);
	co = coord(&c, 0);
	CHECK(elect(&c, co, NULL));
	/* Two replicas go away: the write times out and demotes. */
	rule(0, 1, -1, 1, 0);
	rule(0, 2, -1, 1, 0);
	CHECK(log_coord_append(co, "lost", 4, 300, written, &r) == 0);
	run_until(&c, &r.done, 2000);
	CHECK(r.done && !r.ok);
	CHECK(log_coord_state(co) == LOG_COORD_INITIAL);
	/* Nor can it be elected again. */
	{
		struct result e = { 0 };

		CHECK(log_coord_elect(co, 300, elected, &e) == 0);
		run_until(&c, &e.done, 2000);
		CHECK(e.done && !e.ok);
	}
	log_coord_free(co);
	cluster_close(&c);
}

static void
test_racing_and_demoted_coordinators(void)
{
	struct cluster c;
	struct log_coord *a, *b;
	uint64_t pos, last;

	cluster_open(&c, 3, 3);
	a = coord(&c, 0);
	b = coord(&c, 1);
	CHECK(elect(&c, a, NULL));
	CHECK(append(&c, a, "from a", &pos) && pos == 1);
	/* b is elected after a: a's next write is rejected (fenced). */
	CHECK(elect_retrying(&c, b, &last));
	CHECK(last == 1);
	CHECK(!append(&c, a, "stale a", NULL));
	CHECK(log_coord_state(a) == LOG_COORD_INITIAL);
	CHECK(append(&c, b, "from b", &pos) && pos == 2);
	/* The demoted a is elected again and sees everything. */
	CHECK(elect_retrying(&c, a, &last));
	CHECK(last == 2);
	CHECK(append(&c, a, "a again", &pos) && pos == 3);
	settle(&c, 50);
	for (size_t r = 0; r < 3; r++)
		CHECK(has(&c, r, 1, "from a") && has(&c, r, 2, "from b") &&
		    has(&c, r, 3, "a again"));
	CHECK(!has(&c, 0, 2, "stale a"));
	log_coord_free(a);
	log_coord_free(b);
	cluster_close(&c);
}

static void
test_elect_with_stale_replica(void)
{
	struct cluster c;
	struct log_coord *a, *b;
	uint64_t last;

	cluster_open(&c, 3, 3);
	a = coord(&c, 0);
	CHECK(elect(&c, a, NULL));
	/* Replica 2 misses everything a writes. */
	rule(0, 2, -1, 1, 0);
	CHECK(append(&c, a, "one", NULL) && append(&c, a, "two", NULL));
	nrules = 0;
	CHECK(log_storage_end(c.s[2]) == 0);
	/* Coordinator on the stale replica fills it on election. */
	b = coord(&c, 2);
	CHECK(elect_retrying(&c, b, &last));
	CHECK(last == 2);
	CHECK(has(&c, 2, 1, "one") && has(&c, 2, 2, "two"));
	log_coord_free(a);
	log_coord_free(b);
	cluster_close(&c);
}

static void
test_learned_on_one_replica(void)
{
	struct cluster c;
	struct log_coord *a, *b;
	uint64_t last;

	cluster_open(&c, 3, 3);
	a = coord(&c, 0);
	CHECK(elect(&c, a, NULL));
	/* Writes reach all; learned notices reach only replica 0 itself. */
	rule(0, -1, LOG_FRAME__KIND__LEARNED, 1, 0);
	CHECK(append(&c, a, "chosen", NULL));
	settle(&c, 30);
	nrules = 0;
	CHECK(has(&c, 0, 1, "chosen") && !has(&c, 1, 1, "chosen"));
	/* A new coordinator on replica 1 learns the same value. */
	b = coord(&c, 1);
	CHECK(elect_retrying(&c, b, &last) && last == 1);
	settle(&c, 30);
	for (size_t r = 0; r < 3; r++)
		CHECK(has(&c, r, 1, "chosen"));
	log_coord_free(a);
	log_coord_free(b);
	cluster_close(&c);
}

/* Sends one request straight to member i's acceptor. */
static void
direct(struct cluster *c, size_t i, uint64_t proposal, const char *text)
{
	PromiseRequest p = PROMISE_REQUEST__INIT;
	WriteRequest w = WRITE_REQUEST__INIT;
	LogAction__Append a = LOG_ACTION__APPEND__INIT;
	LogFrame f = LOG_FRAME__INIT;
	struct log_reply r;

	p.proposal = proposal;
	f.kind = LOG_FRAME__KIND__PROMISE_REQUEST;
	f.promise_request = &p;
	log_replica_handle(c->s[i], &f, &r);
	log_reply_clear(&r);
	if (text == NULL)
		return;
	a.bytes.data = (uint8_t *)(uintptr_t)text;
	a.bytes.len = strlen(text);
	w.proposal = proposal;
	w.position = 1;
	w.type = LOG_ACTION__TYPE__APPEND;
	w.append = &a;
	log_frame__init(&f);
	f.kind = LOG_FRAME__KIND__WRITE_REQUEST;
	f.write_request = &w;
	log_replica_handle(c->s[i], &f, &r);
	log_reply_clear(&r);
}

static void
test_fill_inconsistent(void)
{
	struct cluster c;
	struct log_coord *d;
	uint64_t last;

	/*
	 * Position 1 holds "x" (proposal 5) on replica 1 and "y" (proposal
	 * 7) on replica 2, learned nowhere. A coordinator hearing from both
	 * must adopt the value of the highest proposal, "y", everywhere.
	 */
	cluster_open(&c, 3, 3);
	direct(&c, 0, 7, NULL);
	direct(&c, 1, 5, "x");
	direct(&c, 1, 7, NULL);
	direct(&c, 2, 7, "y");
	/* Replica 0 makes no promises: the quorum is {1, 2}. */
	rule(-1, 0, LOG_FRAME__KIND__PROMISE_REQUEST, 1, 0);
	d = coord(&c, 0);
	CHECK(elect_retrying(&c, d, &last));
	CHECK(last == 1);
	settle(&c, 30);
	for (size_t r = 0; r < 3; r++)
		CHECK(has(&c, r, 1, "y"));
	log_coord_free(d);
	cluster_close(&c);
}

static void
test_truncate_and_catchup(void)
{
	struct cluster c;
	struct log_coord *a;
	struct result t = { 0 };
	char text[32];
	uint64_t pos;

	cluster_open(&c, 3, 3);
	a = coord(&c, 0);
	CHECK(elect(&c, a, NULL));
	/* Replica 2 misses positions 3..5 entirely: holes there. */
	for (int i = 1; i <= 8; i++) {
		if (i == 3)
			rule(0, 2, -1, 1, 0);
		if (i == 6)
			nrules = 0;
		snprintf(text, sizeof(text), "e%d", i);
		CHECK(append(&c, a, text, NULL));
	}
	settle(&c, 30);
	CHECK(log_storage_missing(c.s[2], 4));
	CHECK(log_coord_truncate(a, 6, 1000, written, &t) == 0);
	run_until(&c, &t.done, 2000);
	CHECK(t.ok && t.pos == 9);
	settle(&c, 30);
	for (size_t r = 0; r < 3; r++) {
		CHECK(log_storage_begin(c.s[r]) == 6);
		CHECK(!log_storage_missing(c.s[r], 4));
	}
	CHECK(append(&c, a, "after", &pos) && pos == 10);

	log_coord_free(a);
	cluster_close(&c);
}

static void
recovered_cb(void *arg)
{
	*(int *)arg = 1;
}

static void
test_recover_wiped_replica(void)
{
	struct cluster c;
	struct log_coord *a;
	struct log_recover *rec;
	int done = 0;
	char text[32];

	cluster_open(&c, 3, 3);
	a = coord(&c, 0);
	CHECK(elect(&c, a, NULL));
	for (int i = 1; i <= 5; i++) {
		snprintf(text, sizeof(text), "e%d", i);
		CHECK(append(&c, a, text, NULL));
	}
	{
		struct result t = { 0 };

		CHECK(log_coord_truncate(a, 3, 1000, written, &t) == 0);
		run_until(&c, &t.done, 2000);
		CHECK(t.ok);
	}
	CHECK(append(&c, a, "e7", NULL));
	settle(&c, 30);
	wipe(&c, 2);
	/* While it catches up it does not vote. */
	rec = log_recover_start(c.base, log_hub_net(c.hub, 2), c.quorum,
	    c.s[2], recovered_cb, &done);
	CHECK(run_until(&c, &done, 10000));
	CHECK(log_storage_status(c.s[2]) == LOG_METADATA__STATUS__VOTING);
	CHECK(has(&c, 2, 4, "e4") && has(&c, 2, 7, "e7"));
	CHECK(!log_storage_missing(c.s[2], 1));	/* truncated: learned */
	log_recover_cancel(rec);
	/* The fills of recovery may have fenced a: it re-elects and writes. */
	if (!append(&c, a, "e8", NULL)) {
		CHECK(elect_retrying(&c, a, NULL));
		CHECK(append(&c, a, "e8", NULL));
	}
	settle(&c, 30);
	CHECK(has(&c, 2, 8, "e8") || has(&c, 2, 9, "e8"));
	log_coord_free(a);
	cluster_close(&c);
}

static void
test_recovery_needs_voting_quorum(void)
{
	struct cluster c;
	struct log_recover *r1, *r2;
	int d1 = 0, d2 = 0;

	/* One VOTING, two EMPTY: neither EMPTY one may start voting. */
	cluster_open(&c, 3, 1);
	r1 = log_recover_start(c.base, log_hub_net(c.hub, 1), c.quorum,
	    c.s[1], recovered_cb, &d1);
	r2 = log_recover_start(c.base, log_hub_net(c.hub, 2), c.quorum,
	    c.s[2], recovered_cb, &d2);
	settle(&c, 1500);
	CHECK(!d1 && !d2);
	CHECK(log_storage_status(c.s[1]) == LOG_METADATA__STATUS__EMPTY);
	log_recover_cancel(r1);
	log_recover_cancel(r2);
	cluster_close(&c);
}

static void
test_delayed_messages(void)
{
	struct cluster c;
	struct log_coord *a;
	uint64_t pos;

	/* Replies from one replica are slow: the quorum of two carries on. */
	cluster_open(&c, 3, 3);
	rule(2, 0, -1, 0, 400);
	a = coord(&c, 0);
	CHECK(elect(&c, a, NULL));
	for (int i = 1; i <= 5; i++)
		CHECK(append(&c, a, "quick", &pos) && pos == (uint64_t)i);
	settle(&c, 500);
	CHECK(has(&c, 2, 5, "quick"));
	log_coord_free(a);
	cluster_close(&c);
}

int
main(void)
{
	char cmd[300];

	log_init("test");
	if (mkdtemp(dir) == NULL)
		return 1;
	test_promise_append_restore();
	test_non_voting();
	test_no_quorum();
	test_racing_and_demoted_coordinators();
	test_elect_with_stale_replica();
	test_learned_on_one_replica();
	test_fill_inconsistent();
	test_truncate_and_catchup();
	test_recover_wiped_replica();
	test_recovery_needs_voting_quorum();
	test_delayed_messages();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done("test_log_paxos");
}
