/*
 * replica: the replicated log's coordinator, the one writer that the
 * elected leader runs (the Mesos log's Coordinator). An election wins an
 * implicit promise from a quorum with a proposal number higher than any
 * seen, then fills every position the local replica is missing up to the
 * highest end a quorum reported. After that each append or truncation is
 * one write round at the next position, then a learned notice to all.
 *
 * A rejection means another proposer outbid this one: the coordinator is
 * demoted and must be elected again before it writes (this is what fences
 * an old leader). One write runs at a time; callers batch.
 */
#ifndef REPLICA_LOG_COORDINATOR_H
#define REPLICA_LOG_COORDINATOR_H

#include <event2/event.h>

#include "replica/log_net.h"
#include "replica/log_storage.h"

enum log_coord_state {
	LOG_COORD_INITIAL,
	LOG_COORD_ELECTING,
	LOG_COORD_ELECTED,
	LOG_COORD_WRITING,
};

struct log_coord;

/* elected: 1 with the last learned position, 0 to retry (outbid, or no quorum). */
typedef void (*log_coord_elect_fn)(void *arg, int elected, uint64_t last);
/* ok: 1 with the position written; 0 with why (the coordinator is demoted). */
typedef void (*log_coord_write_fn)(void *arg, int ok, uint64_t position,
	    const char *why);

struct log_coord *log_coord_new(struct event_base *, struct log_net *,
	    size_t quorum, struct log_storage *local);
void	log_coord_free(struct log_coord *);

/* -1 unless INITIAL. Gives up (elected 0) after timeout_ms. */
int	log_coord_elect(struct log_coord *, int64_t timeout_ms,
	    log_coord_elect_fn, void *arg);
/*
 * -1 unless ELECTED (or the log has reached its last position). A write
 * not done in timeout_ms fails and demotes. data must stay valid until fn
 * runs. A failed write may still have been chosen: the next leader's
 * election fills it in, so callers report its outcome as unknown.
 */
int	log_coord_append(struct log_coord *, const void *data, size_t len,
	    int64_t timeout_ms, log_coord_write_fn, void *arg);
int	log_coord_truncate(struct log_coord *, uint64_t to, int64_t timeout_ms,
	    log_coord_write_fn, void *arg);
/* Stops being the writer at once (a lost ZooKeeper session, shutdown). */
void	log_coord_demote(struct log_coord *);

enum log_coord_state log_coord_state(const struct log_coord *);
uint64_t log_coord_proposal(const struct log_coord *);
/* The position the next write will take (valid when ELECTED). */
uint64_t log_coord_next_position(const struct log_coord *);

#endif
