/*
 * replica: this scheduler in ZooKeeper, laid out as Aurora and the Mesos
 * log lay it out, so existing clients and tools find the leader:
 *
 * - the log's replica group, -native_log_zk_group_path: one ephemeral
 *   sequential node per replica ("0000000007"), holding
 *   "<replica id>@<ip>:<log port>";
 * - leader election, -serverset_path: Curator's lock recipe, ephemeral
 *   sequential "_c_<uuid>-lock-<seq>" nodes holding the host name; the
 *   lowest sequence leads;
 * - the leader's ServerSet announcement, -serverset_path/member_<seq>:
 *   {"serviceEndpoint":{"host":..,"port":..},"additionalEndpoints":
 *   {"http":{..}},"status":"ALIVE"}, as Aurora's clients read it.
 *
 * The session is lost when it expires, or when a leader stays
 * disconnected for the session timeout (as Curator's LOST state); then
 * lost() is called and this replica must stop at once.
 */
#ifndef REPLICA_REPLICA_ZK_H
#define REPLICA_REPLICA_ZK_H

#include <stdint.h>

#include <event2/event.h>

#include "ipc/envelope.pb-c.h"
#include "ipc/ipc_vars.h"

struct replica_zk_ops {
	/* The log group changed: peers' addresses, one per replica. */
	void	(*replicas)(const char *const *addrs, size_t n);
	/* This scheduler won (1) or lost (0) the election. */
	void	(*leading)(int);
	/* The session is gone (why says how); stop writing now. */
	void	(*lost)(const char *why);
};

/*
 * Connects to -zk_endpoints and joins the log group as log_address
 * ("ip:port") with replica id. Before the sandbox. -1 with err.
 */
int	replica_zk_start(struct event_base *, const char *log_address,
	    uint64_t replica_id, const struct replica_zk_ops *,
	    char *err, size_t errlen);
/* Enters the leader election (once storage is prepared). */
void	replica_zk_contend(void);
/* On a clean stop, once the loop has ended: closes the session. */
void	replica_zk_stop(void);
/* Announces this scheduler as the leader (member_ node). */
void	replica_zk_advertise(void);
/* Whether this scheduler holds the lowest election node. */
int	replica_zk_leading(void);
/*
 * Who leads, as the ServerSet shows it; the leader's HTTP "host:port" in
 * addr ("" when unknown).
 */
LeaderStatus replica_zk_leader(char *addr, size_t len);
void	replica_zk_vars(struct ipc_vars *);

#endif
