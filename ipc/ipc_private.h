/*
 * Internals shared by the ipc/ files: the completion queue that moves nng
 * completions onto the loop thread, and message helpers.
 */
#ifndef IPC_IPC_PRIVATE_H
#define IPC_IPC_PRIVATE_H

#include <nng/nng.h>

#include "ipc/ipc.h"

struct ipc_completion {
	struct ipc_completion	*next;
	int			 queued;
	void			(*fn)(void *);
	void			*arg;
};

/* Queues c to run on the loop thread; callable from any thread. */
void	ipc_loop_post(struct ipc_completion *);
/* Takes c off the queue if it is there; loop thread only. */
void	ipc_loop_cancel(struct ipc_completion *);
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

#endif
