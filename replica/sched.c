/*
 * replica: the scheduler core's rounds (see sched.h). One round is in the
 * log at a time; what queues meanwhile is decided together next, so the
 * decisions of a round always see the store with every earlier round
 * applied.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "common/log.h"
#include "common/monotonic.h"
#include "replica/replica_log.h"
#include "replica/replica_store.h"
#include "replica/sched.h"

struct decision {
	TAILQ_ENTRY(decision)	 entry;
	sched_decide_fn		 decide;
	sched_done_fn		 done;
	void			*arg;
};
TAILQ_HEAD(decision_queue, decision);

struct round {
	struct decision_queue	 kept;	/* decided and in this round */
	struct sched_tx		*tx;
	int64_t			 started_ns;
};

static struct {
	struct decision_queue	 queue;
	int			 queue_ready;
	struct round		*inflight;
	/* /vars */
	uint64_t		 rounds, decisions, refused, failed, kills;
	uint64_t		 round_nanos, largest_round;
} sc;

static void
queue_init(void)
{
	if (!sc.queue_ready) {
		TAILQ_INIT(&sc.queue);
		sc.queue_ready = 1;
	}
}

static void
finish(struct decision *d, enum sched_outcome o, const char *why)
{
	d->done(d->arg, o, why);
	free(d);
}

/* Every decision of q hears the same outcome. */
static void
finish_all(struct decision_queue *q, enum sched_outcome o, const char *why)
{
	struct decision *d;

	while ((d = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, d, entry);
		finish(d, o, why);
	}
}

static void
round_free(struct round *r)
{
	sched_tx_free(r->tx);
	free(r);
}

/* The round's transaction was applied, refused or lost. */
static void
round_done(void *arg, StoreSubmitResponse__Outcome outcome, uint64_t pos,
    const char *why)
{
	struct round *r = arg;
	enum sched_outcome o;
	size_t nkills;

	(void)pos;
	switch (outcome) {
	case STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED:
		o = SCHED_COMMITTED;
		(void)sched_tx_kills(r->tx, &nkills);
		/* offerd sends the kills to Mesos; it reads them from here. */
		sc.kills += nkills;
		break;
	case STORE_SUBMIT_RESPONSE__OUTCOME__NOT_READY:
		o = SCHED_NOT_READY;
		break;
	case STORE_SUBMIT_RESPONSE__OUTCOME__NOT_LEADING:
		o = SCHED_NOT_LEADING;
		break;
	default:
		/* Refused by the store: a decision broke its rules. */
		log_warnx("sched: a round's transaction failed: %s",
		    why != NULL ? why : "no reason given");
		o = SCHED_FAILED;
		sc.failed++;
		break;
	}
	sc.round_nanos += (uint64_t)(monotonic_ns() - r->started_ns);
	finish_all(&r->kept, o, why);
	if (sc.inflight == r)
		sc.inflight = NULL;
	round_free(r);
	sched_kick();
}

/* Runs every queued decision on one transaction and writes it. */
static void
start_round(void)
{
	struct round *r;
	struct decision *d;
	struct sched_tx_savepoint sp;
	uint8_t *data;
	size_t len, n = 0;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->tx = sched_tx_new(replica_store_handle())) == NULL) {
		free(r);
		finish_all(&sc.queue, SCHED_FAILED, "out of memory");
		return;
	}
	TAILQ_INIT(&r->kept);
	r->started_ns = monotonic_ns();
	while ((d = TAILQ_FIRST(&sc.queue)) != NULL) {
		TAILQ_REMOVE(&sc.queue, d, entry);
		sc.decisions++;
		sp = sched_tx_savepoint(r->tx);
		if (d->decide(r->tx, d->arg) == -1) {
			sched_tx_rollback(r->tx, sp);
			sc.refused++;
			finish(d, SCHED_REFUSED, NULL);
			continue;
		}
		TAILQ_INSERT_TAIL(&r->kept, d, entry);
		n++;
	}
	if (sched_tx_pack(r->tx, &data, &len) == -1) {
		finish_all(&r->kept, SCHED_FAILED, "out of memory");
		round_free(r);
		return;
	}
	if (data == NULL) {	/* nothing to write: answer at once */
		finish_all(&r->kept, SCHED_UNCHANGED, NULL);
		round_free(r);
		return;
	}
	sc.rounds++;
	if (n > sc.largest_round)
		sc.largest_round = n;
	sc.inflight = r;
	replica_store_submit_packed(data, len, round_done, r);
	free(data);
}

void
sched_kick(void)
{
	queue_init();
	if (TAILQ_EMPTY(&sc.queue) || sc.inflight != NULL)
		return;
	if (!replica_log_ready()) {
		finish_all(&sc.queue, SCHED_NOT_READY,
		    "Storage is not READY");
		return;
	}
	if (replica_log_state() != REPLICA_LOG_WRITING) {
		finish_all(&sc.queue, SCHED_NOT_LEADING,
		    "This scheduler is not the leader");
		return;
	}
	/* Decisions made in done callbacks queue for the next round. */
	while (!TAILQ_EMPTY(&sc.queue) && sc.inflight == NULL)
		start_round();
}

void
sched_submit(sched_decide_fn decide, sched_done_fn done, void *arg)
{
	struct decision *d;

	queue_init();
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		done(arg, SCHED_FAILED, "out of memory");
		return;
	}
	d->decide = decide;
	d->done = done;
	d->arg = arg;
	TAILQ_INSERT_TAIL(&sc.queue, d, entry);
	sched_kick();
}

void
sched_vars(struct ipc_vars *v)
{
	ipc_vars_int(v, "scheduler_core_rounds", (int64_t)sc.rounds);
	ipc_vars_int(v, "scheduler_core_decisions", (int64_t)sc.decisions);
	ipc_vars_int(v, "scheduler_core_decisions_refused",
	    (int64_t)sc.refused);
	ipc_vars_int(v, "scheduler_core_rounds_failed", (int64_t)sc.failed);
	ipc_vars_int(v, "scheduler_core_largest_round",
	    (int64_t)sc.largest_round);
	ipc_vars_int(v, "scheduler_core_kills_requested", (int64_t)sc.kills);
	ipc_vars_timed(v, "scheduler_core_round", sc.rounds, sc.round_nanos);
}
