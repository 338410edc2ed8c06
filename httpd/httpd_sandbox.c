/*
 * httpd's seccomp allow-list, loaded with TSYNC after the chroot and the
 * uid drop (see common/sandbox.h). httpd needs nothing beyond the common
 * groups: accepting and serving TCP connections uses the same calls as
 * nng's unix sockets, and new sockets may only be AF_UNIX (nng redialling
 * master and the workers); it can open no file and start no program.
 */
#include "config.h"

#include "common/sandbox.h"
#include "httpd/httpd.h"

int
httpd_sandbox_apply(char *err, size_t errlen)
{
	static const struct sandbox_group *const groups[] = {
		&sandbox_group_runtime,
		&sandbox_group_event_loop,
		&sandbox_group_ipc,
	};

	return sandbox_load(groups, sizeof(groups) / sizeof(groups[0]), err,
	    errlen);
}
