/*
 * replica's seccomp allow-list. Loaded after its sockets are open, with
 * TSYNC (see common/sandbox.h), so nng's threads, started before the
 * filter, run under it too; the ZooKeeper client threads of the replicated
 * log will do the same.
 */
#include "config.h"

#include <stddef.h>

#include "common/sandbox.h"
#include "replica/replica.h"

int
replica_sandbox_apply(char *err, size_t errlen)
{
	static const struct sandbox_group *const groups[] = {
		&sandbox_group_runtime,
		&sandbox_group_event_loop,
		&sandbox_group_ipc,
	};

	return sandbox_load(groups, sizeof(groups) / sizeof(groups[0]), err,
	    errlen);
}
