/*
 * replica: offerd's requests to the scheduler core (ipc/offers.proto):
 * placements, Mesos status updates and the framework's registration. Each
 * is answered once what it changes is in the log.
 */
#ifndef REPLICA_REPLICA_OFFERS_H
#define REPLICA_REPLICA_OFFERS_H

#include "ipc/ipc.h"
#include "ipc/ipc_vars.h"

/* TASK_ASSIGN_REQUEST: PENDING -> ASSIGNED; answers what to launch. */
void	replica_offers_assign(struct ipc_request *);
/* TASK_STATUS_REQUEST: the state machine; answers what to kill. */
void	replica_offers_status(struct ipc_request *);
/* FRAMEWORK_REGISTERED: saveFrameworkId when new, then ACTIVE. */
void	replica_offers_registered(struct ipc_request *);
void	replica_offers_vars(struct ipc_vars *);

#endif
