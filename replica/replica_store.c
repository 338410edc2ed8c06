/*
 * replica: the store driven by the log (see replica_store.h).
 *
 * Applying: whenever the local log learns a position, an event applies
 * every learned position after the store's applied one, in order, a
 * bounded number per turn so the loop stays responsive during catch-up.
 * A position that is not a readable log entry is skipped the same way on
 * every replica (Aurora skips bad frames too).
 *
 * Writing (leader): submissions wait in a queue while one log round is in
 * flight; the next round takes all of them as one TransactionBatch, so
 * many writers share one Paxos round and one fsync. Each is answered when
 * its entry is applied here, with its own outcome. A round that fails may
 * still be chosen by the next leader, so its writers hear UNKNOWN, and
 * this replica exits: it can no longer tell what the log holds.
 *
 * Snapshot rounds (replica_snapshot.c) take turns with transaction rounds.
 * A store behind the log's beginning is restored from a snapshot first.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/flags.h"
#include "common/log.h"
#include "common/monotonic.h"
#include "ipc/store.pb-c.h"
#include "replica/replica_log.h"
#include "replica/replica_snapshot.h"
#include "replica/replica_store.h"
#include "replica/store.h"
#include "replica/store_env.h"
#include "replica/store_snapshot.h"

#define APPLY_PER_TURN		256		/* positions per loop turn */
#define BATCH_MAX_TXS		1024		/* transactions per round */
#define BATCH_MAX_BYTES		(3u << 20)	/* fits an IPC event too */
#define QUERY_DEFAULT_LIMIT	500
#define QUERY_MAX_LIMIT		5000
#define QUERY_MAX_BYTES		(3u << 20)
#define APPLY_RETRY_SECS	5
#define HOLE_WAIT_MS		200	/* for learned notices in flight */
#define RESTORE_RETRY_MS	200	/* a snapshot's parts to arrive */

/* Who hears a submission's outcome: a peer over IPC, or replica itself. */
struct submitter {
	struct ipc_request	*req;
	replica_store_done_fn	 fn;
	void			*arg;
};

struct submission {
	TAILQ_ENTRY(submission)	 entry;
	struct submitter	 who;
	Transaction		*tx;
	size_t			 size;		/* packed */
	int64_t			 queued_ns;
};
TAILQ_HEAD(submission_queue, submission);

/* The round in flight: its submissions, in the batch's order. */
struct batch {
	int			 snapshot;	/* a snapshot's round, no subs */
	struct submission	**subs;
	size_t			 n;
	uint8_t			*data;
	size_t			 len;
	uint64_t		 position;	/* 0 until written */
	int64_t			 started_ns;
};

static struct {
	struct store		*store;
	struct log_storage	*log;
	struct ipc_pub		*events;
	struct event		*apply_ev;
	struct event		*retry_ev;
	struct event		*hole_ev;	/* catch up a hole, later */
	struct event		*restore_ev;	/* try restoring again */
	int			 snapshot_turn;	/* a snapshot round goes next */
	uint64_t		 max_learned;	/* highest position learned */
	struct submission_queue	 queue;
	struct store_env	*env;
	struct batch		*inflight;
	uint64_t		 gap_reported;	/* truncated past the store */
	char			 apply_error[256]; /* why the store is stuck */
	replica_store_applied_fn on_applied;
	/* Aurora's counters, and ours. An append is one entry written. */
	uint64_t		 append_events, append_nanos;
	uint64_t		 bytes_written;
	uint64_t		 entries_read, bytes_read, bad_entries;
	uint64_t		 transactions_applied, transactions_refused;
	uint64_t		 largest_batch;
	uint64_t		 publisher;	/* random, per process */
	uint64_t		 events_published;	/* the last seq */
} rs;

static void	flush(void);

static void
answer(const struct submitter *who, StoreSubmitResponse__Outcome outcome,
    uint64_t position, const char *message)
{
	StoreSubmitResponse resp = STORE_SUBMIT_RESPONSE__INIT;

	if (who->fn != NULL) {
		who->fn(who->arg, outcome, position, message);
		return;
	}
	resp.outcome = outcome;
	if (position != 0) {
		resp.has_position = 1;
		resp.position = position;
	}
	resp.message = (char *)(uintptr_t)message;
	if (ipc_reply(who->req, MSG_TYPE__STORE_SUBMIT_RESPONSE,
	    &resp.base) == -1)
		log_warnx("cannot answer a store submission");
}

static void
submission_free(struct submission *s)
{
	transaction__free_unpacked(s->tx, NULL);
	free(s);
}

static void
batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		submission_free(b->subs[i]);
	free(b->subs);
	free(b->data);
	free(b);
}

/* Applying. */

/* The transactions of a log action; *entry to free. n 0: nothing to apply. */
static Transaction **
entry_transactions(const LogAction *a, uint64_t pos, LogEntry **entry,
    size_t *n)
{
	*entry = NULL;
	*n = 0;
	if (!a->has_type || a->type != LOG_ACTION__TYPE__APPEND ||
	    a->append == NULL)
		return NULL;	/* a no-op or a truncation */
	rs.bytes_read += a->append->bytes.len;
	/* The store holds a part's records already (or restores them). */
	if (snapshot_part_peek(a->append->bytes.data, a->append->bytes.len))
		return NULL;
	*entry = log_entry__unpack(NULL, a->append->bytes.len,
	    a->append->bytes.data);
	if (*entry == NULL) {
		rs.bad_entries++;
		log_error("log position %llu is not a log entry this scheduler "
		    "can read (%zu bytes); skipped", (unsigned long long)pos,
		    a->append->bytes.len);
		return NULL;
	}
	switch ((*entry)->kind_case) {
	case LOG_ENTRY__KIND_TRANSACTION:
		*n = 1;
		return &(*entry)->transaction;
	case LOG_ENTRY__KIND_BATCH:
		*n = (*entry)->batch->n_transactions;
		return (*entry)->batch->transactions;
	default:
		return NULL;
	}
}

/* What one event may weigh: well below IPC_MAX_MSG, the envelope aside. */
#define EVENT_MAX_BYTES	(IPC_MAX_MSG / 2)

/* A position's changes as a subscriber sees them, cut to fit. */
struct event_part {
	uint64_t	 pos;
	Op		**ops;		/* lent by the transactions, or slices */
	size_t		 nops, capops, bytes;
	int		 failed;
};

/* Publishes one store event, numbered; -1 with errno. */
static int
publish_event(StoreApplied *ev)
{
	ev->has_seq = ev->has_publisher = 1;
	ev->seq = rs.events_published + 1;
	ev->publisher = rs.publisher;
	if (ipc_publish(rs.events, MSG_TYPE__STORE_APPLIED, &ev->base) == -1)
		return -1;
	rs.events_published++;
	return 0;
}

static void
part_flush(struct event_part *p)
{
	StoreApplied ev = STORE_APPLIED__INIT;
	Transaction tx = TRANSACTION__INIT, *txs[1] = { &tx };

	if (p->nops == 0)
		return;
	tx.ops = p->ops;
	tx.n_ops = p->nops;
	ev.position = p->pos;
	ev.n_transactions = 1;
	ev.transactions = txs;
	if (publish_event(&ev) == -1)
		p->failed = 1;
	p->nops = p->bytes = 0;
}

static void
part_add(struct event_part *p, Op *op, size_t bytes)
{
	if (p->bytes + bytes > EVENT_MAX_BYTES)
		part_flush(p);
	if (p->nops == p->capops) {
		size_t cap = p->capops ? p->capops * 2 : 16;
		Op **v = realloc(p->ops, cap * sizeof(*v));

		if (v == NULL) {
			p->failed = 1;
			return;
		}
		p->ops = v;
		p->capops = cap;
	}
	p->ops[p->nops++] = op;
	p->bytes += bytes;
}

/*
 * A saveTasks too big for one event goes as several, each a slice of its
 * tasks; the slices' Ops and SaveTasks live in sl until all is sent.
 */
struct slices {
	Op		*ops;
	SaveTasks	*saves;
	size_t		 n;
};

static void
add_save_tasks(struct event_part *p, const SaveTasks *st,
    struct slices *sl)
{
	size_t first = 0, bytes = 0, cap = 16, k = 0;

	sl->ops = calloc(cap, sizeof(*sl->ops));
	sl->saves = calloc(cap, sizeof(*sl->saves));
	if (sl->ops == NULL || sl->saves == NULL) {
		p->failed = 1;
		return;
	}
	for (size_t i = 0; i <= st->n_tasks; i++) {
		size_t b = i < st->n_tasks ?
		    scheduled_task__get_packed_size(st->tasks[i]) + 8 : 0;

		if (i < st->n_tasks && (bytes + b <= EVENT_MAX_BYTES / 2 ||
		    i == first)) {
			bytes += b;
			continue;
		}
		if (k == cap) {
			/* Slices are at least EVENT_MAX_BYTES / 4 each. */
			p->failed = 1;
			return;
		}
		save_tasks__init(&sl->saves[k]);
		sl->saves[k].tasks = st->tasks + first;
		sl->saves[k].n_tasks = i - first;
		op__init(&sl->ops[k]);
		sl->ops[k].kind_case = OP__KIND_SAVE_TASKS;
		sl->ops[k].savetasks = &sl->saves[k];
		part_add(p, &sl->ops[k], bytes);
		k++;
		first = i;
		bytes = b;
	}
	sl->n = k;
}

/*
 * Publishes what a position applied (refused transactions left out). A
 * position too big for one message goes as several events of the same
 * position, each one transaction cut between operations and, for a big
 * saveTasks, between its tasks: subscribers apply operations one by one.
 */
static void
publish_applied(uint64_t pos, Transaction **txs, size_t n,
    const struct store_outcome *out)
{
	struct event_part part = { pos, NULL, 0, 0, 0, 0 };
	StoreApplied ev = STORE_APPLIED__INIT;
	Transaction **applied;
	struct slices *sl;
	size_t nsl = 0;
	int rc;		/* the whole event's: 0 or errno */

	/* Mostly one event with the transactions as they are. */
	if ((applied = calloc(n ? n : 1, sizeof(*applied))) == NULL) {
		log_warnx("cannot publish position %llu: out of memory",
		    (unsigned long long)pos);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!out[i].refused)
			applied[ev.n_transactions++] = txs[i];
	ev.position = pos;
	ev.transactions = applied;
	rc = publish_event(&ev) == 0 ? 0 : errno;
	free(applied);
	if (rc == 0)
		return;
	if (rc != EMSGSIZE) {
		log_warnx("cannot publish position %llu",
		    (unsigned long long)pos);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!out[i].refused)
			nsl += txs[i]->n_ops;
	if ((sl = calloc(nsl ? nsl : 1, sizeof(*sl))) == NULL) {
		log_warnx("cannot publish position %llu: out of memory",
		    (unsigned long long)pos);
		return;
	}
	nsl = 0;
	for (size_t i = 0; i < n; i++) {
		if (out[i].refused)
			continue;
		for (size_t j = 0; j < txs[i]->n_ops; j++) {
			Op *op = txs[i]->ops[j];
			size_t b = op__get_packed_size(op) + 8;

			if (b > EVENT_MAX_BYTES &&
			    op->kind_case == OP__KIND_SAVE_TASKS)
				add_save_tasks(&part, op->savetasks,
				    &sl[nsl++]);
			else
				part_add(&part, op, b);
		}
	}
	part_flush(&part);
	if (part.failed)
		log_warnx("cannot publish position %llu",
		    (unsigned long long)pos);
	for (size_t i = 0; i < nsl; i++) {
		free(sl[i].ops);
		free(sl[i].saves);
	}
	free(sl);
	free(part.ops);
}

/* The round in flight was applied: each writer hears its own outcome. */
static void
answer_batch(uint64_t pos, const struct store_outcome *out, size_t n)
{
	struct batch *b = rs.inflight;

	if (b == NULL || b->position != pos)
		return;
	for (size_t i = 0; i < b->n; i++) {
		if (i < n && out[i].refused)
			answer(&b->subs[i]->who,
			    STORE_SUBMIT_RESPONSE__OUTCOME__REFUSED, pos,
			    out[i].why);
		else
			answer(&b->subs[i]->who,
			    STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED, pos, NULL);
	}
	rs.inflight = NULL;
	batch_free(b);
	flush();
}

/*
 * The store cannot take position pos (its disk is full, say). Its writers
 * hear why now rather than at their deadline: their write is in the log
 * and is applied once the store can be written, so the outcome is
 * UNKNOWN. New writes are refused until then (flush).
 */
static void
apply_failed(uint64_t pos, const char *why)
{
	struct batch *b = rs.inflight;
	char msg[512];

	snprintf(rs.apply_error, sizeof(rs.apply_error), "%.200s", why);
	if (b == NULL || b->position != pos)
		return;
	snprintf(msg, sizeof(msg), "written to the log at position %llu but "
	    "not applied yet: %.200s", (unsigned long long)pos, why);
	for (size_t i = 0; i < b->n; i++)
		answer(&b->subs[i]->who, STORE_SUBMIT_RESPONSE__OUTCOME__UNKNOWN,
		    pos, msg);
	rs.inflight = NULL;
	batch_free(b);
	flush();	/* refuses what queued behind it, rather than hold it */
}

/* While the store cannot apply, queued writes are refused, not appended. */
static void
refuse_queued(void)
{
	struct submission *s;
	char msg[320];

	snprintf(msg, sizeof(msg), "Storage is not READY: %s", rs.apply_error);
	while ((s = TAILQ_FIRST(&rs.queue)) != NULL) {
		TAILQ_REMOVE(&rs.queue, s, entry);
		answer(&s->who, STORE_SUBMIT_RESPONSE__OUTCOME__NOT_READY, 0,
		    msg);
		submission_free(s);
	}
}

/* Applies position pos; 0 done, -1 stop (the store failed, retry later). */
static int
apply_position(uint64_t pos)
{
	struct store_outcome *out = NULL;
	LogAction *a = NULL;
	LogEntry *entry;
	Transaction **txs;
	size_t n;
	char err[512];
	int rc;

	if ((rc = log_storage_read(rs.log, pos, &a, err, sizeof(err))) != 1) {
		log_error("cannot read log position %llu: %s",
		    (unsigned long long)pos, rc == 0 ? "nothing stored" : err);
		return -1;
	}
	txs = entry_transactions(a, pos, &entry, &n);
	if (n > 0 && (out = calloc(n, sizeof(*out))) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		rc = -1;
	} else
		rc = store_apply_entry(rs.store, txs, n, pos, out, err,
		    sizeof(err));
	if (rc == -1) {
		log_error("cannot apply log position %llu to the store: %s; "
		    "retrying in %d s", (unsigned long long)pos, err,
		    APPLY_RETRY_SECS);
		apply_failed(pos, err);
	} else {
		rs.apply_error[0] = '\0';
		rs.entries_read++;
		for (size_t i = 0; i < n; i++) {
			if (out[i].refused) {
				rs.transactions_refused++;
				log_warnx("log position %llu: transaction %zu "
				    "refused: %s", (unsigned long long)pos, i,
				    out[i].why);
			} else
				rs.transactions_applied++;
		}
		publish_applied(pos, txs, n, out);
		for (size_t i = 0; i < n && rs.on_applied != NULL; i++)
			if (!out[i].refused)
				rs.on_applied(txs[i]);
		answer_batch(pos, out, n);
	}
	free(out);
	if (entry != NULL)
		log_entry__free_unpacked(entry, NULL);
	log_action__free_unpacked(a, NULL);
	return rc;
}

/* A position stayed missing below a learned one: fetch it. */
static void
fill_hole(evutil_socket_t fd, short what, void *arg)
{
	uint64_t pos = store_applied(rs.store) + 1;

	if (pos < rs.max_learned && log_storage_missing(rs.log, pos))
		replica_log_catch_up(pos, rs.max_learned - 1);
}

/*
 * The store is behind the log's beginning: only a snapshot can bring it
 * forward. 1 when restored; otherwise tried again a little later.
 */
static int
restore(void)
{
	struct timeval wait = { 0, RESTORE_RETRY_MS * 1000 };
	uint64_t pos = store_applied(rs.store) + 1, missing;
	char err[512];
	int rc;

	if (evtimer_pending(rs.restore_ev, NULL))
		return 0;
	if ((rc = replica_snapshot_restore(&missing, err, sizeof(err))) == 1)
		return 1;
	if (rc == -1)
		log_error("cannot restore the store from a snapshot: %s", err);
	else if (missing != 0 && missing < rs.max_learned)
		replica_log_catch_up(missing, rs.max_learned - 1);
	else if (rs.gap_reported != pos)
		log_warnx("the log begins at %llu, past the store's next "
		    "position %llu, and holds no complete snapshot yet",
		    (unsigned long long)log_storage_begin(rs.log),
		    (unsigned long long)pos);
	rs.gap_reported = pos;
	evtimer_add(rs.restore_ev, &wait);
	return 0;
}

static void
apply_learned(evutil_socket_t fd, short what, void *arg)
{
	struct timeval retry = { APPLY_RETRY_SECS, 0 };
	struct timeval hole_wait = { 0, HOLE_WAIT_MS * 1000 };

	for (int i = 0; i < APPLY_PER_TURN; i++) {
		uint64_t pos = store_applied(rs.store) + 1;

		if (pos > log_storage_end(rs.log))
			return;		/* nothing more yet */
		if (log_storage_missing(rs.log, pos)) {
			/* A later position is learned: this one is chosen. */
			if (pos < rs.max_learned &&
			    !evtimer_pending(rs.hole_ev, NULL))
				evtimer_add(rs.hole_ev, &hole_wait);
			return;
		}
		if (pos < log_storage_begin(rs.log)) {
			if (restore() == 1)
				continue;
			return;
		}
		if (apply_position(pos) == -1) {
			evtimer_add(rs.retry_ev, &retry);
			return;
		}
	}
	event_active(rs.apply_ev, 0, 0);	/* more next turn */
}

/* Called from inside the log's storage: apply from the loop, later. */
static void
learned(void *arg, uint64_t position)
{
	if (position > rs.max_learned)
		rs.max_learned = position;
	event_active(rs.apply_ev, 0, 0);
}

/* Writing. */

static void __attribute__((noreturn))
write_failed(struct batch *b, const char *why)
{
	for (size_t i = 0; i < b->n; i++)
		answer(&b->subs[i]->who, STORE_SUBMIT_RESPONSE__OUTCOME__UNKNOWN,
		    0, why);
	log_error("Failed to write the log: %s; exiting so that a scheduler "
	    "that can write takes over", why);
	exit(EXIT_FAILURE);
}

static void
written(void *arg, int ok, uint64_t position, const char *why)
{
	struct batch *b = arg;
	char what[256];
	int64_t took = monotonic_ns() - b->started_ns;

	if (!ok) {
		snprintf(what, sizeof(what), "the write's outcome is unknown: "
		    "%s", why);
		write_failed(b, what);
	}
	rs.append_events++;
	rs.append_nanos += (uint64_t)(took > 0 ? took : 0);
	rs.bytes_written += b->len;
	if (b->snapshot) {
		/* Nobody waits for its apply: the next round can go. */
		rs.inflight = NULL;
		batch_free(b);
		replica_snapshot_round_written(position);
		flush();
		return;
	}
	replica_snapshot_transactions_written(b->n);
	b->position = position;
	/* The local replica learned it: apply_learned answers the batch. */
	event_active(rs.apply_ev, 0, 0);
}

/* A snapshot's round: a part, or the truncation after the last. */
static int
flush_snapshot(void)
{
	struct snapshot_round r;
	struct batch *b;
	int rc;

	if (!replica_snapshot_next_round(&r))
		return 0;
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		log_warnx("cannot start a log round: out of memory");
		return 0;
	}
	b->snapshot = 1;
	b->len = r.len;
	b->started_ns = monotonic_ns();
	rs.inflight = b;
	if (r.truncate)
		rc = replica_log_truncate(r.to, written, b);
	else
		rc = replica_log_append(r.data, r.len, written, b);
	if (rc == -1)
		write_failed(b, "the log cannot take a write now");
	return 1;
}

/*
 * Starts the next round, if none is in flight: a snapshot's and one with
 * everything queued take turns, so neither waits for two of the other.
 */
static void
flush(void)
{
	TransactionBatch tb = TRANSACTION_BATCH__INIT;
	LogEntry entry = LOG_ENTRY__INIT;
	struct submission *s;
	struct batch *b;
	size_t n = 0, bytes = 0;
	int64_t now;

	if (rs.inflight != NULL || replica_log_state() != REPLICA_LOG_WRITING)
		return;
	if (rs.apply_error[0] != '\0') {
		refuse_queued();
		return;
	}
	if ((rs.snapshot_turn || TAILQ_EMPTY(&rs.queue)) && flush_snapshot()) {
		rs.snapshot_turn = 0;
		return;
	}
	rs.snapshot_turn = 1;
	if (TAILQ_EMPTY(&rs.queue))
		return;
	TAILQ_FOREACH(s, &rs.queue, entry) {
		if (n == BATCH_MAX_TXS ||
		    (n > 0 && bytes + s->size > BATCH_MAX_BYTES))
			break;
		n++;
		bytes += s->size;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->subs = calloc(n, sizeof(*b->subs))) == NULL ||
	    (tb.transactions = calloc(n, sizeof(*tb.transactions))) == NULL) {
		if (b != NULL)
			free(b->subs);
		free(b);
		log_warnx("cannot start a log round: out of memory");
		return;
	}
	now = monotonic_ns();
	for (size_t i = 0; i < n; i++) {
		s = TAILQ_FIRST(&rs.queue);
		TAILQ_REMOVE(&rs.queue, s, entry);
		if (replica_snapshot_writing_parts())
			replica_snapshot_write_waited(now - s->queued_ns);
		b->subs[i] = s;
		tb.transactions[i] = s->tx;
	}
	b->n = tb.n_transactions = n;
	entry.kind_case = LOG_ENTRY__KIND_BATCH;
	entry.batch = &tb;
	b->len = log_entry__get_packed_size(&entry);
	if ((b->data = malloc(b->len)) != NULL)
		log_entry__pack(&entry, b->data);
	free(tb.transactions);
	if (n > rs.largest_batch)
		rs.largest_batch = n;
	b->started_ns = monotonic_ns();
	rs.inflight = b;
	if (b->data == NULL)
		write_failed(b, "out of memory");
	if (replica_log_append(b->data, b->len, written, b) == -1)
		write_failed(b, "the log cannot take a write now");
}

void
replica_store_flush(void)
{
	flush();
}

/* Queues a transaction for the next round; tx is the queue's on success. */
static int
enqueue(const struct submitter *who, Transaction *tx)
{
	struct submission *s;
	char why[512];

	if (!replica_log_ready()) {
		answer(who, STORE_SUBMIT_RESPONSE__OUTCOME__NOT_READY, 0,
		    "Storage is not READY");
		return -1;
	}
	if (replica_log_state() != REPLICA_LOG_WRITING) {
		answer(who, STORE_SUBMIT_RESPONSE__OUTCOME__NOT_LEADING, 0,
		    "This scheduler is not the leader");
		return -1;
	}
	if (store_validate(tx, why, sizeof(why)) == -1) {
		answer(who, STORE_SUBMIT_RESPONSE__OUTCOME__REFUSED, 0, why);
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		answer(who, STORE_SUBMIT_RESPONSE__OUTCOME__REFUSED, 0,
		    "out of memory");
		return -1;
	}
	s->who = *who;
	s->tx = tx;
	s->size = transaction__get_packed_size(tx);
	s->queued_ns = monotonic_ns();
	TAILQ_INSERT_TAIL(&rs.queue, s, entry);
	flush();
	return 0;
}

void
replica_store_submit(struct ipc_request *req)
{
	struct submitter who = { .req = req };
	Transaction *tx;

	tx = (Transaction *)ipc_body_decode(ipc_request_envelope(req),
	    &transaction__descriptor);
	if (tx == NULL) {
		answer(&who, STORE_SUBMIT_RESPONSE__OUTCOME__REFUSED, 0,
		    "not a transaction");
		return;
	}
	if (enqueue(&who, tx) == -1)
		transaction__free_unpacked(tx, NULL);
}

void
replica_store_submit_packed(const uint8_t *data, size_t len,
    replica_store_done_fn fn, void *arg)
{
	struct submitter who = { .fn = fn, .arg = arg };
	Transaction *tx;

	if ((tx = transaction__unpack(NULL, len, data)) == NULL) {
		answer(&who, STORE_SUBMIT_RESPONSE__OUTCOME__REFUSED, 0,
		    "not a transaction");
		return;
	}
	if (enqueue(&who, tx) == -1)
		transaction__free_unpacked(tx, NULL);
}

struct store *
replica_store_handle(void)
{
	return rs.store;
}

void
replica_store_not_writing(void)
{
	struct submission *s;

	while ((s = TAILQ_FIRST(&rs.queue)) != NULL) {
		TAILQ_REMOVE(&rs.queue, s, entry);
		answer(&s->who, STORE_SUBMIT_RESPONSE__OUTCOME__NOT_LEADING, 0,
		    "This scheduler is not the leader");
		submission_free(s);
	}
	if (rs.inflight != NULL)
		write_failed(rs.inflight, "this scheduler stopped writing the "
		    "log with a write in flight");
}

/* Queries. */

struct page {
	StoreRecord	**records;
	size_t		  n, cap, bytes;
	int		  full;
};

static int
add_record(void *arg, const char *key, size_t keylen, const void *value,
    size_t len)
{
	struct page *p = arg;
	StoreRecord *r, **grown;

	if (p->n > 0 && p->bytes + keylen + len > QUERY_MAX_BYTES) {
		p->full = 1;
		return -1;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;

		if ((grown = realloc(p->records, cap * sizeof(*grown))) == NULL)
			return -1;
		p->records = grown;
		p->cap = cap;
	}
	if ((r = malloc(sizeof(*r))) == NULL)
		return -1;
	store_record__init(r);
	if ((r->key = strndup(key, keylen)) == NULL ||
	    (r->value.data = malloc(len ? len : 1)) == NULL) {
		free(r->key);
		free(r);
		return -1;
	}
	memcpy(r->value.data, value, len);
	r->value.len = len;
	p->records[p->n++] = r;
	p->bytes += keylen + len;
	return 0;
}

void
replica_store_query(struct ipc_request *req)
{
	StoreQueryResponse resp = STORE_QUERY_RESPONSE__INIT;
	StoreQueryRequest *q;
	struct page p = { 0 };
	size_t limit;
	char err[512], *fw = NULL;
	int more = 0;

	q = (StoreQueryRequest *)ipc_body_decode(ipc_request_envelope(req),
	    &store_query_request__descriptor);
	if (q == NULL || (int)q->table < 0 || (int)q->table >= (int)STORE_TABLES) {
		ipc_reply_error(req, IPC_ERROR_CODE__MALFORMED,
		    q == NULL ? "not a store query" : "no such table");
		goto out;
	}
	limit = q->has_limit && q->limit > 0 ? q->limit : QUERY_DEFAULT_LIMIT;
	if (limit > QUERY_MAX_LIMIT)
		limit = QUERY_MAX_LIMIT;
	if (store_scan(rs.store, (enum store_table)q->table,
	    q->prefix != NULL ? q->prefix : "",
	    q->after != NULL ? q->after : "", limit, add_record, &p, &more,
	    err, sizeof(err)) == -1) {
		ipc_reply_error(req, IPC_ERROR_CODE__INTERNAL, err);
		goto out;
	}
	resp.applied = store_applied(rs.store);
	resp.n_records = p.n;
	resp.records = p.records;
	resp.has_more = 1;
	resp.more = more || p.full;
	fw = store_framework_id(rs.store);
	resp.framework_id = fw;
	if (ipc_reply(req, MSG_TYPE__STORE_QUERY_RESPONSE, &resp.base) == -1)
		log_warnx("cannot answer a store query");
out:
	for (size_t i = 0; i < p.n; i++)
		store_record__free_unpacked(p.records[i], NULL);
	free(p.records);
	free(fw);
	if (q != NULL)
		store_query_request__free_unpacked(q, NULL);
}

static int
open_env(char *err, size_t errlen)
{
	const char *path = flag_str(F_NATIVE_LOG_FILE_PATH);
	char boot_id[64], why[512];
	int has_boot_id, discarded;

	has_boot_id = store_env_boot_id(boot_id, sizeof(boot_id)) == 0;
	if ((rs.env = store_env_open(path, (size_t)flag_bytes(
	    F_NATIVE_LOG_MAP_SIZE), has_boot_id ? boot_id : NULL, &discarded,
	    why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "-native_log_file_path=%s: %s", path,
		    why);
		return -1;
	}
	if (!has_boot_id)
		log_warnx("cannot read this machine's boot id (%s): the store "
		    "syncs every write", STORE_ENV_BOOT_ID_PATH);
	if (discarded)
		log_warnx("the machine restarted while the store had unsynced "
		    "writes: rebuilding the store from the log");
	return 0;
}

void
replica_store_close(void)
{
	char err[512];

	if (rs.env == NULL)
		return;
	store_close(rs.store);
	rs.store = NULL;
	if (store_env_close(rs.env, err, sizeof(err)) == -1)
		log_warnx("%s; the next start after a machine restart "
		    "rebuilds the store from the log", err);
	rs.env = NULL;
}

int
replica_store_open(struct event_base *base, struct ipc_pub *events,
    char *err, size_t errlen)
{
	TAILQ_INIT(&rs.queue);
	rs.events = events;
	if (getrandom(&rs.publisher, sizeof(rs.publisher), 0) !=
	    (ssize_t)sizeof(rs.publisher))
		rs.publisher = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	rs.log = replica_log_storage();
	if (open_env(err, errlen) == -1 ||
	    (rs.store = store_open(store_env_lmdb(rs.env), err,
	    errlen)) == NULL)
		return -1;
	if ((rs.apply_ev = event_new(base, -1, 0, apply_learned,
	    NULL)) == NULL ||
	    (rs.retry_ev = evtimer_new(base, apply_learned, NULL)) == NULL ||
	    (rs.hole_ev = evtimer_new(base, fill_hole, NULL)) == NULL ||
	    (rs.restore_ev = evtimer_new(base, apply_learned, NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (replica_snapshot_init(base, rs.store, rs.log, err, errlen) == -1)
		return -1;
	log_storage_on_learned(rs.log, learned, NULL);
	if (!log_storage_missing(rs.log, log_storage_end(rs.log)))
		rs.max_learned = log_storage_end(rs.log);
	log_info("Store at log position %llu",
	    (unsigned long long)store_applied(rs.store));
	/* What was learned while this process was down. */
	event_active(rs.apply_ev, 0, 0);
	return 0;
}

void
replica_store_on_applied(replica_store_applied_fn fn)
{
	rs.on_applied = fn;
}

void
replica_store_vars(struct ipc_vars *v)
{
	if (rs.store == NULL)
		return;
	ipc_vars_timed(v, "scheduler_log_native_append", rs.append_events,
	    rs.append_nanos);
	ipc_vars_int(v, "scheduler_log_entries_written",
	    (int64_t)rs.append_events);
	ipc_vars_int(v, "scheduler_log_bytes_written",
	    (int64_t)rs.bytes_written);
	ipc_vars_int(v, "scheduler_log_entries_read",
	    (int64_t)rs.entries_read);
	ipc_vars_int(v, "scheduler_log_bytes_read", (int64_t)rs.bytes_read);
	ipc_vars_int(v, "scheduler_log_bad_frames_read",
	    (int64_t)rs.bad_entries);
	ipc_vars_int(v, "store_applied_position",
	    (int64_t)store_applied(rs.store));
	ipc_vars_int(v, "store_transactions_applied",
	    (int64_t)rs.transactions_applied);
	ipc_vars_int(v, "store_transactions_refused",
	    (int64_t)rs.transactions_refused);
	ipc_vars_int(v, "store_largest_batch", (int64_t)rs.largest_batch);
	ipc_vars_int(v, "store_events_published",
	    (int64_t)rs.events_published);
	ipc_vars_int(v, "store_tasks", (int64_t)store_count(rs.store,
	    STORE_TASKS));
}
