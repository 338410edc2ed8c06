/*
 * replica: the store as a replicated state machine. Every replica applies
 * the log's learned entries to its store in position order; the leader
 * also takes transactions from other workers over IPC, writes many of
 * them per log round (group commit), and answers each once its entry is
 * applied here. Queries read the local store; every applied position is
 * published on the events socket.
 */
#ifndef REPLICA_REPLICA_STORE_H
#define REPLICA_REPLICA_STORE_H

#include <event2/event.h>

#include "ipc/ipc.h"
#include "ipc/ipc_vars.h"
#include "ipc/store.pb-c.h"
#include "replica/store.h"

/* Opens the store next to the log (store_env.h); -1 with err. */
int	replica_store_open(struct event_base *, struct ipc_pub *events,
	    char *err, size_t errlen);
/* On a clean stop: syncs the store, so the next start trusts it. */
void	replica_store_close(void);
/* STORE_SUBMIT_REQUEST: answered once applied, or refused at once. */
void	replica_store_submit(struct ipc_request *);
/* How replica's own writers hear a transaction's outcome. */
typedef void (*replica_store_done_fn)(void *arg,
	    StoreSubmitResponse__Outcome, uint64_t position, const char *why);
/*
 * A transaction from replica itself (the scheduler core): queued for the
 * next round like a peer's, fn called once with its outcome (perhaps at
 * once, when it cannot be queued).
 */
void	replica_store_submit_packed(const uint8_t *data, size_t len,
	    replica_store_done_fn fn, void *arg);
/* The store, for reading (NULL before replica_store_open). */
struct store *replica_store_handle(void);
/*
 * Called with every transaction the store applies (followers' too), in
 * log order, after it is applied and before its writer hears of it.
 */
typedef void (*replica_store_applied_fn)(const Transaction *);
void	replica_store_on_applied(replica_store_applied_fn);
/* STORE_QUERY_REQUEST: answered at once from the local store. */
void	replica_store_query(struct ipc_request *);
/* Starts a log round if one can go (a snapshot has a part ready). */
void	replica_store_flush(void);
/* The log stopped being writable here: fail what waits for a round. */
void	replica_store_not_writing(void);
void	replica_store_vars(struct ipc_vars *);

#endif
