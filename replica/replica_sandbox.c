/*
 * replica's seccomp allow-list. Loaded after its sockets are open, with
 * TSYNC (see common/sandbox.h), so nng's threads, started before the
 * filter, run under it too, and so do libzookeeper-mt's two threads,
 * started before it by zookeeper_init().
 *
 * LMDB's files are opened before the filter; afterwards it writes pages
 * with lseek + writev or pwrite, syncs with fdatasync, and reads the
 * lock file's header with pread. When a commit fails, fstatfs tells a
 * full disk from another I/O error (lmdb_util.c). On a clean stop, the
 * store removes its unsynced marker with unlinkat (store_env.c).
 */
#include "config.h"

#include <stddef.h>

#include "common/sandbox.h"
#include "replica/replica.h"

static const struct sandbox_rule lmdb_rules[] = {
	{ "lseek", SB_ALLOW, 0 },	/* listed first: the event loop's errno loses */
	{ "pwrite64", SB_ALLOW, 0 },
	{ "pwritev", SB_ALLOW, 0 },	/* the write-ahead file (log_wal.c) */
	{ "pread64", SB_ALLOW, 0 },
	{ "fdatasync", SB_ALLOW, 0 },
	{ "fsync", SB_ALLOW, 0 },
	{ "fstatfs", SB_ALLOW, 0 },
	{ "unlinkat", SB_ALLOW, 0 },
};

static const struct sandbox_group lmdb_group =
    SANDBOX_GROUP("LMDB", lmdb_rules);

/*
 * The log port and ZooKeeper: both listen or resolve names before the
 * filter; afterwards they (re)connect TCP sockets, and ZooKeeper resolves
 * its numeric server addresses again on a connection loss.
 */
static const struct sandbox_rule network_rules[] = {
	{ "socket", SB_ALLOW_UNIX_INET, 0 },
};

static const struct sandbox_group network_group =
    SANDBOX_GROUP("TCP (log port, ZooKeeper)", network_rules);

int
replica_sandbox_apply(char *err, size_t errlen)
{
	static const struct sandbox_group *const groups[] = {
		&lmdb_group,
		&network_group,
		&sandbox_group_runtime,
		&sandbox_group_event_loop,
		&sandbox_group_ipc,
		&sandbox_group_ipc_listen,
	};

	return sandbox_load(groups, sizeof(groups) / sizeof(groups[0]), err,
	    errlen);
}
