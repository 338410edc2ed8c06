/*
 * replica: replicas in one process, reached through the event loop. A
 * single scheduler (quorum 1, no ZooKeeper) runs its log on a hub of one;
 * the unit tests run three or five replicas on one hub and use its filter
 * to drop, delay or reorder chosen messages, as the Mesos log tests do.
 * Every message is packed and unpacked on the way, like on a wire.
 */
#ifndef REPLICA_LOG_HUB_H
#define REPLICA_LOG_HUB_H

#include <event2/event.h>

#include "replica/log_net.h"
#include "replica/log_storage.h"

struct log_hub;

/*
 * Decides the fate of one message from member 'from' to member 'to':
 * return 0 to drop it, 1 to deliver it after *delay_ms (0 by default).
 */
typedef int (*log_hub_filter)(void *arg, size_t from, size_t to,
	    const LogFrame *, int64_t *delay_ms);

struct log_hub *log_hub_new(struct event_base *, size_t members);
void	log_hub_free(struct log_hub *);
/* Attaches (or with NULL detaches: it no longer answers) member i. */
void	log_hub_attach(struct log_hub *, size_t i, struct log_storage *);
void	log_hub_set_filter(struct log_hub *, log_hub_filter, void *arg);
/* The network as member i sees it. */
struct log_net *log_hub_net(struct log_hub *, size_t i);

#endif
