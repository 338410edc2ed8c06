/*
 * replica: a live view of one ZooKeeper directory's sequential members:
 * the log's replica group, the leader election's lock nodes, and the
 * ServerSet's member_ nodes. Children are listed with a watch, the data
 * of new ones read, and the callback gets the whole membership in
 * sequence order after every change. A listing that fails (connection
 * loss) is retried every second.
 *
 * Free a group only after its session is closed (zk_close), or never.
 */
#ifndef REPLICA_ZK_GROUP_H
#define REPLICA_ZK_GROUP_H

#include <stdint.h>

#include <event2/event.h>

#include "replica/zk_client.h"

struct zk_member {
	const char	*name;		/* the node's name, without the directory */
	uint64_t	 seq;		/* its sequence number */
	const char	*data;		/* NUL-terminated; "" when not read */
	size_t		 len;
};

typedef void (*zk_group_fn)(const struct zk_member *, size_t n, void *arg);

/*
 * Watches dir's children whose name starts with prefix (NULL: all) and
 * ends with a sequence number; reads their data when read_data is set.
 * NULL on allocation failure.
 */
struct zk_group *zk_group_watch(struct event_base *, struct zk *,
	    const char *dir, const char *prefix, int read_data, zk_group_fn,
	    void *arg);
void	zk_group_free(struct zk_group *);
/* Lists again now (say, after joining the group), not on the next change. */
void	zk_group_refresh(struct zk_group *);

/* The sequence number ZooKeeper appended to name; -1 if there is none. */
int	zk_member_seq(const char *name, uint64_t *seq);

#endif
