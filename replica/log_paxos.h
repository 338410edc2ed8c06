/*
 * replica: the proposer's building blocks of the replicated log, as in the
 * Mesos log's consensus code.
 *   - a round broadcasts one promise or write request and decides once a
 *     quorum answered: REJECT if any of them promised a higher proposal,
 *     IGNORED if a quorum is not VOTING, else ACCEPT;
 *   - a fill makes one position learned: explicit promise, then write the
 *     value found (or a no-op), then tell every replica it is learned;
 *   - a catch-up fills every position the local replica is missing.
 * All complete through callbacks from the event loop, and can be
 * cancelled (no callback follows).
 */
#ifndef REPLICA_LOG_PAXOS_H
#define REPLICA_LOG_PAXOS_H

#include <event2/event.h>

#include "replica/log_intervals.h"
#include "replica/log_net.h"
#include "replica/log_storage.h"

struct log_round_result {
	LogReplyType	 type;
	uint64_t	 proposal;	/* REJECT: the highest promise seen */
	uint64_t	 position;	/* implicit promise: highest end seen */
	const LogAction	*action;	/* explicit promise: value to adopt */
};

typedef void (*log_round_fn)(void *arg, const struct log_round_result *);

struct log_round;

/* position NULL asks for an implicit promise (an election). */
struct log_round *log_round_promise(struct log_net *, size_t quorum,
	    uint64_t proposal, const uint64_t *position, log_round_fn,
	    void *arg);
struct log_round *log_round_write(struct log_net *, size_t quorum,
	    uint64_t proposal, const LogAction *, log_round_fn, void *arg);
void	log_round_cancel(struct log_round *);

/* Tells every replica (this one first) that action is learned. */
void	log_learn(struct log_net *, const LogAction *);

/* ok: learned is the value now chosen at the position. */
typedef void (*log_fill_fn)(void *arg, const LogAction *learned);
struct log_fill;
struct log_fill *log_fill_start(struct event_base *, struct log_net *,
	    size_t quorum, uint64_t proposal, uint64_t position,
	    log_fill_fn, void *arg);
void	log_fill_cancel(struct log_fill *);

/*
 * Done when the local replica has learned every position asked for; the
 * catch-up frees itself after fn returns (fn must not cancel it). It
 * takes the positions over, leaving the caller's set empty (on failure,
 * untouched).
 */
typedef void (*log_catchup_fn)(void *arg, uint64_t proposal);
struct log_catchup;
struct log_catchup *log_catchup_start(struct event_base *, struct log_net *,
	    size_t quorum, struct log_storage *local, uint64_t proposal,
	    struct log_intervals *positions, log_catchup_fn, void *arg);
void	log_catchup_cancel(struct log_catchup *);

/* A deep copy of an action (NULL if memory runs out). */
LogAction *log_action_dup(const LogAction *);

/* Fills a write request from an action (pointing into it). */
void	log_write_request_from(WriteRequest *, uint64_t proposal,
	    const LogAction *);

#endif
