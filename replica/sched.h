/*
 * replica: the scheduler core's rounds. Every change the scheduler decides
 * (an API call's, later a status update's) is a decision function run on
 * the leader against a transaction (sched_tx.h). Decisions queue; when no
 * round is in the log, all queued decisions run in order on one
 * transaction, each seeing the ones before it, and the transaction goes
 * to the log as one write (group commit). Each decision then hears the
 * round's outcome. A decision that fails is undone alone.
 */
#ifndef REPLICA_SCHED_H
#define REPLICA_SCHED_H

#include "ipc/ipc_vars.h"
#include "replica/sched_tx.h"

enum sched_outcome {
	SCHED_COMMITTED,	/* in the log and applied */
	SCHED_UNCHANGED,	/* decided, nothing to write */
	SCHED_REFUSED,		/* the decision failed: undone */
	SCHED_NOT_READY,	/* "Storage is not READY" */
	SCHED_NOT_LEADING,	/* this scheduler does not write the log */
	SCHED_FAILED,		/* the write failed; it may yet be applied */
};

/* Decides on tx; 0 keeps what it did, -1 undoes it. */
typedef int (*sched_decide_fn)(struct sched_tx *, void *arg);
/* Hears the outcome; why says more for the failures. */
typedef void (*sched_done_fn)(void *arg, enum sched_outcome,
	    const char *why);

/*
 * Queues a decision. done is called exactly once, perhaps before this
 * returns (not leading, storage not ready).
 */
void	 sched_submit(sched_decide_fn, sched_done_fn, void *arg);
/* The log became writable here, or stopped being: run or fail the queue. */
void	 sched_kick(void);
void	 sched_vars(struct ipc_vars *);

#endif
