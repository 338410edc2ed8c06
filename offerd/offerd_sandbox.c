/*
 * offerd's seccomp allow-list, loaded with TSYNC after its sockets are
 * open (see common/sandbox.h). The Mesos HTTP client will add a group for
 * its TCP connections to the master.
 */
#include "config.h"

#include "common/sandbox.h"
#include "offerd/offerd.h"

int
offerd_sandbox_apply(char *err, size_t errlen)
{
	static const struct sandbox_group *const groups[] = {
		&sandbox_group_runtime,
		&sandbox_group_event_loop,
		&sandbox_group_ipc,
		&sandbox_group_ipc_listen,
	};

	return sandbox_load(groups, sizeof(groups) / sizeof(groups[0]), err,
	    errlen);
}
