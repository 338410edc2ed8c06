/*
 * replica: the replicated log as the replica process runs it: the local
 * LMDB replica, the network of replicas, recovery, and (when this
 * scheduler leads) the coordinator that writes. Without -zk_endpoints the
 * network is this replica alone (quorum 1) and this scheduler leads as
 * soon as its replica is VOTING.
 */
#ifndef REPLICA_REPLICA_LOG_H
#define REPLICA_REPLICA_LOG_H

#include <event2/event.h>

#include "ipc/ipc_vars.h"

enum replica_log_state {
	REPLICA_LOG_RECOVERING,	/* not VOTING yet (EMPTY: never initialised) */
	REPLICA_LOG_FOLLOWING,	/* VOTING, not the writer */
	REPLICA_LOG_ELECTING,	/* leader, winning the log's writer */
	REPLICA_LOG_WRITING,	/* leader and the log's writer */
};

/* Called on every state change, from the event loop. */
typedef void (*replica_log_changed_fn)(enum replica_log_state);

/* Opens the replica's LMDB environment; -1 with err. Before the sandbox. */
int	replica_log_open(char *err, size_t errlen);
/* Starts recovery and, alone, the election; after the sandbox. */
int	replica_log_start(struct event_base *, replica_log_changed_fn,
	    char *err, size_t errlen);
enum replica_log_state replica_log_state(void);
/* Storage is READY: the replica can serve reads (it is VOTING). */
int	replica_log_ready(void);
void	replica_log_vars(struct ipc_vars *);

#endif
