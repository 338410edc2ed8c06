/*
 * replica: the acceptor side of the replicated log. Answers promise,
 * write and recover requests and records learned notices, against the
 * local log storage, with the Mesos replica's rules. It never sends
 * anything itself: the transport hands it requests and ships its replies.
 */
#ifndef REPLICA_LOG_REPLICA_H
#define REPLICA_LOG_REPLICA_H

#include "ipc/log.pb-c.h"
#include "replica/log_storage.h"

/* A reply under construction: the frame points into this struct. */
struct log_reply {
	LogFrame		frame;
	PromiseResponse		promise;
	WriteResponse		write;
	RecoverResponse		recover;
	LogAction		action;		/* a tombstone we make up */
	LogAction__Nop		nop;
	LogAction		*stored;	/* read from storage, freed */
};

/*
 * Handles one request (any kind but a response). Returns 1 with reply
 * filled when an answer must be sent, 0 when none is due (a learned
 * notice, or a storage error that was logged: the proposer times out, as
 * with the Mesos replica). Free the reply with log_reply_clear.
 */
int	log_replica_handle(struct log_storage *, const LogFrame *req,
	    struct log_reply *reply);
void	log_reply_clear(struct log_reply *);

/* The line logged for a recover request while not VOTING. */
#define LOG_RECOVER_IN_STATUS \
	"Replica in %s status received a broadcasted recover request"

#endif
