/*
 * replica: the log's transport between schedulers: LogFrames over TCP,
 * each after a 4-byte big-endian length. Each replica listens on the log
 * port; a proposer opens one connection to every other replica and sends
 * its requests there, and answers come back on the same connection. The
 * local replica is reached through the event loop, like a peer.
 *
 * Peers are named "ip:port" (from the ZooKeeper group). A broken
 * connection is dropped with whatever was in flight on it (the rounds
 * time out and retry) and re-opened by the next message.
 */
#ifndef REPLICA_LOG_NET_TCP_H
#define REPLICA_LOG_NET_TCP_H

#include <event2/event.h>

#include "replica/log_net.h"
#include "replica/log_storage.h"

/* Largest frame accepted; a larger one closes the connection. */
#define LOG_NET_MAX_FRAME	(64u << 20)

struct log_net_tcp;

/*
 * Listens on ip:port (port 0 picks one) and answers with local's replica.
 * NULL with err.
 */
struct log_net_tcp *log_net_tcp_new(struct event_base *, const char *ip,
	    int port, struct log_storage *local, char *err, size_t errlen);
void	log_net_tcp_free(struct log_net_tcp *);
struct log_net *log_net_tcp_net(struct log_net_tcp *);
/* This replica's address as "ip:port", as peers must dial it. */
const char *log_net_tcp_address(const struct log_net_tcp *);
/*
 * Sets the other replicas (this one's own address is skipped). Not from
 * inside a reply callback.
 */
int	log_net_tcp_set_peers(struct log_net_tcp *, const char *const *addrs,
	    size_t n);
/* Replicas known, this one included. */
size_t	log_net_tcp_size(const struct log_net_tcp *);

#endif
