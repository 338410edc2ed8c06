/*
 * replica: how the log's proposer reaches the replicas. The coordinator,
 * fills and recovery only broadcast and count replies; a transport (TCP
 * between schedulers, or the simulated network of the unit tests, which
 * can drop and delay chosen messages) implements these operations.
 *
 * Rules every transport keeps: reply callbacks run from the event loop,
 * never inside broadcast(); after cancel() no callback for that broadcast
 * runs; the local replica is a member like any other, except that notify()
 * delivers to it before returning.
 */
#ifndef REPLICA_LOG_NET_H
#define REPLICA_LOG_NET_H

#include <stddef.h>
#include <stdint.h>

#include "ipc/log.pb-c.h"

struct log_net;

typedef void (*log_net_reply_fn)(void *arg, const LogFrame *reply);

struct log_net_ops {
	/*
	 * Sends req (its id is set by the transport) to every replica it
	 * knows. Returns a handle for cancel (never 0) and the number of
	 * replicas sent to in *sent; 0 on failure.
	 */
	uint64_t (*broadcast)(struct log_net *, LogFrame *req,
		    log_net_reply_fn, void *arg, size_t *sent);
	void	(*cancel)(struct log_net *, uint64_t handle);
	/* One-way to every replica (learned notices). */
	void	(*notify)(struct log_net *, LogFrame *msg);
};

struct log_net {
	const struct log_net_ops *ops;
};

/*
 * The broadcasts a transport has in flight, by handle, for its replies:
 * a reply whose broadcast was cancelled finds nobody and is dropped,
 * which is what cancel() promises. Zero-initialised is empty.
 */
struct log_net_waiter;

struct log_net_pending {
	struct log_net_waiter	*head;
	uint64_t		 last_handle;
};

/* Registers a broadcast; its handle (never 0), or 0 if memory runs out. */
uint64_t log_net_pending_add(struct log_net_pending *, log_net_reply_fn,
	    void *arg);
/* Hands a reply to the broadcast that waits for it, if it still does. */
void	log_net_pending_reply(struct log_net_pending *, uint64_t handle,
	    const LogFrame *reply);
void	log_net_pending_remove(struct log_net_pending *, uint64_t handle);
void	log_net_pending_clear(struct log_net_pending *);

#endif
