/*
 * replica: Aurora's Thrift API, the trusted side. httpd decodes each call
 * and forwards it here packed; this checks it again, decides whether this
 * scheduler should answer (leading, storage READY), and answers with a
 * Thrift Response.
 */
#ifndef REPLICA_REPLICA_API_H
#define REPLICA_REPLICA_API_H

#include "ipc/ipc.h"

/* Answers API_CALL_REQUEST. */
void	replica_api_call(struct ipc_request *);
void	replica_api_vars(struct ipc_vars *);

#endif
