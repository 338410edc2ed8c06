/*
 * replica: the replicated log as the replica process runs it: the local
 * LMDB replica, the network of replicas, recovery, and (when this
 * scheduler leads) the coordinator that writes. Without -zk_endpoints the
 * network is this replica alone (quorum 1) and this scheduler leads as
 * soon as its replica is VOTING; with it, replicas speak TCP on the log
 * port and ZooKeeper says who leads (replica_zk.h).
 */
#ifndef REPLICA_REPLICA_LOG_H
#define REPLICA_REPLICA_LOG_H

#include <event2/event.h>

#include "ipc/ipc_vars.h"
#include "replica/log_coordinator.h"
#include "replica/log_storage.h"

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
/*
 * Opens the log's network: with_peers, the TCP log port (LIBPROCESS_PORT,
 * else any) on LIBPROCESS_IP or -ip; otherwise this replica alone.
 * Before the sandbox. -1 with err.
 */
int	replica_log_listen(struct event_base *, int with_peers, char *err,
	    size_t errlen);
/* The log port's "ip:port" ("" when alone) and this replica's id. */
const char *replica_log_address(void);
uint64_t replica_log_id(void);
/* The other replicas' addresses, from the ZooKeeper group. */
void	replica_log_set_peers(const char *const *addrs, size_t n);
/* Starts recovery; after the sandbox. */
int	replica_log_start(replica_log_changed_fn, char *err, size_t errlen);
/*
 * This scheduler leads (1) or not: once VOTING, a leader elects itself the
 * log's writer; a writer that stops leading stops writing at once.
 */
void	replica_log_lead(int leading);
/* While fenced (a wrong quorum size), the leader does not write. */
void	replica_log_fence(int fenced);
enum replica_log_state replica_log_state(void);
/*
 * A follower fills the positions from..to it has not learned (they are
 * chosen: a later position is learned). One catch-up at a time.
 */
void	replica_log_catch_up(uint64_t from, uint64_t to);
/* The replica's log, for the store (after open). */
struct log_storage *replica_log_storage(void);
/* On a clean stop: writes the learned marks that wait. */
void	replica_log_close(void);
/*
 * Appends data at the log's next position (WRITING only; -1 otherwise).
 * One append runs at a time; data must stay valid until fn runs. A failed
 * append leaves this replica unable to write: the caller exits.
 */
int	replica_log_append(const void *data, size_t len, log_coord_write_fn,
	    void *arg);
/* Truncates the log below position to, as the next write (as append). */
int	replica_log_truncate(uint64_t to, log_coord_write_fn, void *arg);
/* Storage is READY: the replica can serve reads (it is VOTING). */
int	replica_log_ready(void);
void	replica_log_vars(struct ipc_vars *);

#endif
