/*
 * offerd's seccomp allow-list, loaded with TSYNC after its sockets are
 * open (see common/sandbox.h). With -mesos_master_address=zk://, the
 * ZooKeeper client's two threads start before the filter
 * (offerd_detect_start), and TSYNC puts them under it too.
 */
#include "config.h"

#include <stddef.h>

#include "common/sandbox.h"
#include "offerd/offerd.h"

/*
 * The Mesos master: TCP connections opened (and opened again after a
 * redirect, a lost stream or a new leader) to the v1 scheduler API, and
 * the machine's name for the FrameworkInfo. Name resolution reads no file
 * here: masters are named by address (a 307's Location carries one, and
 * offerd_detect.c takes only numeric addresses from ZooKeeper).
 * ZooKeeper: its I/O thread reconnects over TCP with the calls of the
 * event loop and ipc groups (poll, connect, sendto, recvfrom, sockopts),
 * resolving its servers' numeric addresses again without a file.
 */
static const struct sandbox_rule mesos_rules[] = {
	{ "socket", SB_ALLOW_UNIX_INET, 0 },
	{ "uname", SB_ALLOW, 0 },
};

static const struct sandbox_group mesos_group =
    SANDBOX_GROUP("Mesos master and ZooKeeper (TCP)", mesos_rules);

int
offerd_sandbox_apply(char *err, size_t errlen)
{
	static const struct sandbox_group *const groups[] = {
		&mesos_group,
		&sandbox_group_runtime,
		&sandbox_group_event_loop,
		&sandbox_group_ipc,
		&sandbox_group_ipc_listen,
	};

	return sandbox_load(groups, sizeof(groups) / sizeof(groups[0]), err,
	    errlen);
}
