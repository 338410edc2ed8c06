/*
 * Internals shared by the ipc/ files: statistics and message helpers.
 */
#ifndef IPC_IPC_PRIVATE_H
#define IPC_IPC_PRIVATE_H

#include <nng/nng.h>

#include "ipc/ipc.h"
#include "ipc/ipc_loop.h"

struct ipc_stats *ipc_stats_mut(void);
struct event_base *ipc_loop_base(void);

/* Builds an nng message holding an encoded envelope. */
nng_msg	*ipc_msg_new(MsgType, uint64_t request_id, int64_t deadline_ms,
	    const ProtobufCMessage *body);
/* Decodes an nng message; logs and counts a malformed one. */
Envelope *ipc_msg_decode(nng_msg *, const char *what);
/* Whether the peer that sent msg runs under our own uid. */
int	ipc_msg_peer_trusted(nng_msg *);
/* Applies the options every socket gets (size limit, reconnect times). */
int	ipc_socket_setup(nng_socket);

/*
 * Listens on url with sock and keeps the listener taking connections
 * (ipc_listener.c). NULL with *rv set on failure.
 */
struct ipc_listener *ipc_listener_start(nng_socket, const char *url,
	    int *rv);
void	ipc_listener_stop(struct ipc_listener *);

#endif
