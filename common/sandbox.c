/*
 * seccomp filter construction from per-worker tables (see sandbox.h).
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <seccomp.h>

#include "common/sandbox.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct sandbox_rule runtime_rules[] = {
	/* memory: malloc and thread stacks */
	{ "brk", SB_ALLOW, 0 },
	{ "mmap", SB_ALLOW, 0 },
	{ "munmap", SB_ALLOW, 0 },
	{ "mprotect", SB_ALLOW, 0 },
	{ "madvise", SB_ALLOW, 0 },
	{ "mremap", SB_ALLOW, 0 },
	/* threads: nng's and libzookeeper-mt's; glibc falls back from clone3 */
	{ "clone", SB_ALLOW_THREAD, 0 },
	{ "clone3", SB_ERRNO, ENOSYS },
	{ "futex", SB_ALLOW, 0 },
	{ "set_robust_list", SB_ALLOW, 0 },
	{ "rseq", SB_ALLOW, 0 },
	{ "sched_yield", SB_ALLOW, 0 },
	{ "sched_getaffinity", SB_ALLOW, 0 },
	{ "gettid", SB_ALLOW, 0 },
	{ "getpid", SB_ALLOW, 0 },
	{ "getuid", SB_ALLOW, 0 },
	{ "geteuid", SB_ALLOW, 0 },
	{ "getppid", SB_ALLOW, 0 },
	/* nng names its threads */
	{ "prctl", SB_ALLOW_ARG0, PR_SET_NAME },
	/* time */
	{ "clock_gettime", SB_ALLOW, 0 },
	{ "clock_nanosleep", SB_ALLOW, 0 },
	{ "nanosleep", SB_ALLOW, 0 },
	{ "gettimeofday", SB_ALLOW, 0 },
	{ "getrandom", SB_ALLOW, 0 },
	{ "sysinfo", SB_ALLOW, 0 },	/* glibc qsort sizes its buffer by it */
	/* signals and exit */
	{ "rt_sigprocmask", SB_ALLOW, 0 },
	{ "rt_sigreturn", SB_ALLOW, 0 },
	{ "sigaltstack", SB_ALLOW, 0 },
	{ "tgkill", SB_ALLOW, 0 },	/* abort() and pthread_kill */
	{ "exit", SB_ALLOW, 0 },
	{ "exit_group", SB_ALLOW, 0 },
	/* Files are out of reach on purpose; say so instead of dying. */
	{ "open", SB_ERRNO, EACCES },
	{ "openat", SB_ERRNO, EACCES },
	{ "newfstatat", SB_ERRNO, EACCES },
};

static const struct sandbox_rule event_loop_rules[] = {
	{ "epoll_wait", SB_ALLOW, 0 },
	{ "epoll_pwait", SB_ALLOW, 0 },
	{ "epoll_ctl", SB_ALLOW, 0 },
	{ "poll", SB_ALLOW, 0 },
	{ "ppoll", SB_ALLOW, 0 },
	{ "read", SB_ALLOW, 0 },
	{ "readv", SB_ALLOW, 0 },
	{ "write", SB_ALLOW, 0 },
	{ "writev", SB_ALLOW, 0 },
	{ "close", SB_ALLOW, 0 },
	{ "fcntl", SB_ALLOW, 0 },
	{ "fstat", SB_ALLOW, 0 },
	{ "ioctl", SB_ALLOW_ARG1, FIONREAD },	/* bufferevents size reads */
	{ "restart_syscall", SB_ALLOW, 0 },
	{ "lseek", SB_ERRNO, ESPIPE },
};

static const struct sandbox_rule ipc_rules[] = {
	{ "socket", SB_ALLOW_UNIX, 0 },	/* nng redials its unix sockets */
	{ "connect", SB_ALLOW, 0 },
	{ "accept", SB_ALLOW, 0 },
	{ "accept4", SB_ALLOW, 0 },
	{ "sendmsg", SB_ALLOW, 0 },
	{ "recvmsg", SB_ALLOW, 0 },
	{ "sendto", SB_ALLOW, 0 },
	{ "recvfrom", SB_ALLOW, 0 },
	{ "getsockopt", SB_ALLOW, 0 },
	{ "setsockopt", SB_ALLOW, 0 },
	{ "getsockname", SB_ALLOW, 0 },
	{ "getpeername", SB_ALLOW, 0 },
	{ "shutdown", SB_ALLOW, 0 },
	{ "pipe2", SB_ALLOW, 0 },
	{ "eventfd2", SB_ALLOW, 0 },
};

/* ipc_listener.c closes and opens a listener that stopped taking peers. */
static const struct sandbox_rule ipc_listen_rules[] = {
	{ "bind", SB_ALLOW, 0 },
	{ "listen", SB_ALLOW, 0 },
	{ "unlink", SB_ALLOW, 0 },	/* the socket's path */
	{ "chmod", SB_ALLOW, 0 },	/* its permissions */
};

const struct sandbox_group sandbox_group_runtime =
    SANDBOX_GROUP("memory, threads, time, exit", runtime_rules);
const struct sandbox_group sandbox_group_event_loop =
    SANDBOX_GROUP("event loop", event_loop_rules);
const struct sandbox_group sandbox_group_ipc =
    SANDBOX_GROUP("ipc (nng over unix sockets)", ipc_rules);
const struct sandbox_group sandbox_group_ipc_listen =
    SANDBOX_GROUP("ipc listeners opened again", ipc_listen_rules);

static int
add_rule(scmp_filter_ctx ctx, const struct sandbox_rule *r, char *err,
    size_t errlen)
{
	int nr = seccomp_syscall_resolve_name(r->syscall);
	struct scmp_arg_cmp cmp = { .arg = 0, .op = SCMP_CMP_EQ, .datum_a = 0,
	    .datum_b = 0 };
	int rc = 0;

	if (nr == __NR_SCMP_ERROR) {
		snprintf(err, errlen, "unknown system call %s", r->syscall);
		return -1;
	}
	/* Written out rather than with SCMP_A0(): clang warns on the macro. */
	switch (r->action) {
	case SB_ALLOW:
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		break;
	case SB_ERRNO:
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO((int)r->arg), nr, 0);
		break;
	case SB_ALLOW_THREAD:
		cmp.op = SCMP_CMP_MASKED_EQ;
		cmp.datum_a = CLONE_THREAD;
		cmp.datum_b = CLONE_THREAD;
		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &cmp);
		break;
	case SB_ALLOW_UNIX:
		cmp.datum_a = AF_UNIX;
		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &cmp);
		break;
	case SB_ALLOW_UNIX_INET: {
		static const int families[] = { AF_UNIX, AF_INET, AF_INET6 };

		for (size_t i = 0; rc >= 0 && i < NELEM(families); i++) {
			cmp.datum_a = (scmp_datum_t)families[i];
			rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1,
			    &cmp);
		}
		cmp.datum_a = AF_NETLINK;
		if (rc >= 0)
			rc = seccomp_rule_add_array(ctx,
			    SCMP_ACT_ERRNO(EAFNOSUPPORT), nr, 1, &cmp);
		break;
	}
	case SB_ALLOW_ARG0:
	case SB_ALLOW_ARG1:
		cmp.arg = r->action == SB_ALLOW_ARG1 ? 1 : 0;
		cmp.datum_a = (scmp_datum_t)r->arg;
		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &cmp);
		break;
	}
	if (rc < 0) {
		snprintf(err, errlen, "seccomp rule for %s: %s", r->syscall,
		    strerror(-rc));
		return -1;
	}
	return 0;
}

/*
 * A forbidden call traps here: say which call it was (only async-signal-
 * safe calls, all allowed by every filter), then die of SIGSYS.
 */
static void
on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	char msg[] = "sandbox violation: system call 0000\n";
	char *p = msg + sizeof(msg) - 2;
	int nr = si->si_syscall;

	for (int i = 0; i < 4; i++, nr /= 10)
		*--p = (char)('0' + nr % 10);
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	raise(SIGSYS);	/* SA_RESETHAND: the default action, death */
}

/*
 * Whether an earlier group already has a rule for the call: the first
 * listing wins, so a worker's own group (listed first) can allow what a
 * common group only answers with an errno (replica's LMDB seeks).
 */
static int
listed_before(const struct sandbox_group *const *groups, size_t g,
    const char *syscall)
{
	for (size_t e = 0; e < g; e++)
		for (size_t i = 0; i < groups[e]->nrules; i++)
			if (strcmp(groups[e]->rules[i].syscall, syscall) == 0)
				return 1;
	return 0;
}

int
sandbox_load(const struct sandbox_group *const *groups, size_t ngroups,
    char *err, size_t errlen)
{
	struct sigaction sa;
	scmp_filter_ctx ctx;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1) {
		snprintf(err, errlen, "sigaction SIGSYS: %s", strerror(errno));
		return -1;
	}
	if ((ctx = seccomp_init(SCMP_ACT_TRAP)) == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) < 0) {
		snprintf(err, errlen, "seccomp: thread sync is not supported");
		goto fail;
	}
	for (size_t g = 0; g < ngroups; g++) {
		for (size_t i = 0; i < groups[g]->nrules; i++) {
			if (listed_before(groups, g,
			    groups[g]->rules[i].syscall))
				continue;
			if (add_rule(ctx, &groups[g]->rules[i], err,
			    errlen) == -1)
				goto fail;
		}
	}
	if ((rc = seccomp_load(ctx)) < 0) {
		snprintf(err, errlen, "seccomp_load: %s", strerror(-rc));
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}

int
sandbox_enabled(void)
{
#ifdef ENABLE_SANDBOX
	return 1;
#else
	return 0;
#endif
}
