/*
 * replica: the process that owns the replicated log and the store. For now
 * it serves its status and leadership over IPC and publishes its lifecycle.
 */
#ifndef REPLICA_REPLICA_H
#define REPLICA_REPLICA_H

#include <stddef.h>

#include "ipc/envelope.pb-c.h"

int	replica_main(int argc, char *argv[]);
/* Loads replica's seccomp filter; -1 with err on failure. */
int	replica_sandbox_apply(char *err, size_t errlen);

/*
 * Whether this scheduler leads; when another does, its HTTP address (or ""
 * if unknown) goes into addr. Alone (no ZooKeeper) it leads once it
 * writes the log.
 */
LeaderStatus replica_leadership(char *addr, size_t len);

/*
 * Mesos accepted the framework (offerd said so and its id is stored):
 * LEADER_AWAITING_REGISTRATION -> ACTIVE, as Aurora's lifecycle goes.
 */
void	replica_lifecycle_registered(void);
/* offerd, which knows why PENDING tasks wait. */
struct ipc_client;
struct ipc_client *replica_offerd(void);

#endif
