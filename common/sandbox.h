/*
 * seccomp allow-lists. Each worker keeps its own table of groups in
 * <proc>/<proc>_sandbox.c; the groups every worker needs are here. The
 * filter checks the architecture first (libseccomp does), allows the
 * listed calls, answers a few harmless ones with an errno, and kills the
 * process on anything else: it traps, logs "sandbox violation: system call
 * N" to the worker's log, and dies of SIGSYS.
 *
 * Filters are loaded with TSYNC, so they also cover the threads nng and the
 * ZooKeeper client started before the filter: every thread of the worker
 * runs under the same list.
 */
#ifndef COMMON_SANDBOX_H
#define COMMON_SANDBOX_H

#include <stddef.h>

enum sandbox_action {
	SB_ALLOW,
	SB_ERRNO,		/* fail with the rule's errno */
	SB_ALLOW_THREAD,	/* clone(2) for threads only, never fork */
	SB_ALLOW_UNIX,		/* socket(2) for AF_UNIX only */
	SB_ALLOW_UNIX_INET,	/* socket(2) for AF_UNIX, AF_INET, AF_INET6;
				   AF_NETLINK fails (getaddrinfo copes) */
	SB_ALLOW_ARG0,		/* allowed only when arg0 == the rule's arg */
	SB_ALLOW_ARG1,		/* allowed only when arg1 == the rule's arg */
};

struct sandbox_rule {
	const char		*syscall;	/* name, as libseccomp knows it */
	enum sandbox_action	 action;
	long			 arg;		/* errno for SB_ERRNO, arg0 for SB_ALLOW_ARG0 */
};

struct sandbox_group {
	const char			*purpose;
	const struct sandbox_rule	*rules;
	size_t				 nrules;
};

#define SANDBOX_GROUP(purpose, rules) \
	{ purpose, rules, sizeof(rules) / sizeof((rules)[0]) }

/* Groups every worker needs. */
extern const struct sandbox_group sandbox_group_runtime;	/* memory, threads, time, exit */
extern const struct sandbox_group sandbox_group_event_loop;	/* libevent on epoll */
extern const struct sandbox_group sandbox_group_ipc;		/* nng over unix sockets */
/* Workers that listen on unix sockets (ipc/ipc_listener.c). */
extern const struct sandbox_group sandbox_group_ipc_listen;

/*
 * Loads a filter made of the groups; when two groups name one call, the
 * first one's rule counts. -1 with err filled on failure.
 */
int	sandbox_load(const struct sandbox_group *const *groups, size_t ngroups,
	    char *err, size_t errlen);
/* Whether workers load their filters (not in sanitizer/valgrind builds). */
int	sandbox_enabled(void);

#endif
