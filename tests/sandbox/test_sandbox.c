/*
 * Each worker's seccomp filter, applied in a forked child: the things the
 * worker does must still work (threads, memory, time, pipes, unix sockets,
 * and TCP sockets for replica alone), files answer EACCES, and a forbidden
 * call kills the child with SIGSYS.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/sandbox.h"
#include "httpd/httpd.h"
#include "offerd/offerd.h"
#include "replica/replica.h"
#include "tests/unit/check.h"

typedef int (*apply_fn)(char *, size_t);

enum forbidden { FORBID_INET_SOCKET, FORBID_PACKET_SOCKET, FORBID_EXECVE,
	FORBID_FORK, FORBID_NONE };

static void *
thread_main(void *arg)
{
	return arg;
}

/* Exit codes below 100 name the allowed step that failed. */
static void
child(apply_fn apply, enum forbidden what)
{
	char err[256], buf[4];
	struct timespec ts;
	pthread_t th;
	void *p;
	int fds[2], s;

	/* Workers run threads (nng's) before their filter goes on. */
	if (pthread_create(&th, NULL, thread_main, NULL) != 0 ||
	    pthread_join(th, NULL) != 0)
		_exit(99);
	if (apply(err, sizeof(err)) == -1) {
		fprintf(stderr, "apply: %s\n", err);
		_exit(100);
	}
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		_exit(1);
	if ((p = malloc(8 << 20)) == NULL)
		_exit(2);
	free(p);
	if (pthread_create(&th, NULL, thread_main, NULL) != 0 ||
	    pthread_join(th, NULL) != 0)
		_exit(3);
	if (pipe2(fds, O_CLOEXEC) == -1 || write(fds[1], "ok", 2) != 2 ||
	    read(fds[0], buf, 2) != 2)
		_exit(4);
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		_exit(5);
	close(s);
	if (open("/etc/passwd", O_RDONLY) != -1 || errno != EACCES)
		_exit(6);
	switch (what) {
	case FORBID_INET_SOCKET:
		if ((s = socket(AF_INET, SOCK_STREAM, 0)) != -1)
			_exit(60);	/* allowed, and it worked */
		break;
	case FORBID_PACKET_SOCKET:
		socket(AF_PACKET, SOCK_RAW, 0);
		break;
	case FORBID_EXECVE:
		execl("/bin/true", "true", (char *)NULL);
		break;
	case FORBID_FORK:
		fork();
		break;
	case FORBID_NONE:
		_exit(0);
	}
	_exit(50);	/* the forbidden call returned */
}

static int
run(apply_fn apply, enum forbidden what)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		child(apply, what);
	if (pid == -1 || waitpid(pid, &status, 0) == -1)
		return -1;
	return status;
}

/* tcp: the worker may open TCP sockets (replica: log port, ZooKeeper;
 * offerd: the Mesos master). */
static void
check_worker(const char *name, apply_fn apply, int tcp)
{
	int st;

	st = run(apply, FORBID_NONE);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fprintf(stderr, "%s: allowed steps failed (status 0x%x)\n",
		    name, st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = run(apply, FORBID_INET_SOCKET);
	if (tcp)
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 60);
	else
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	for (int w = FORBID_PACKET_SOCKET; w < FORBID_NONE; w++) {
		st = run(apply, (enum forbidden)w);
		if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS))
			fprintf(stderr, "%s: forbidden call %d: status 0x%x\n",
			    name, w, st);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	}
}

int
main(void)
{
	if (!sandbox_enabled()) {
		printf("test_sandbox: skipped, built with --disable-sandbox\n");
		return 77;
	}
	check_worker("httpd", httpd_sandbox_apply, 0);
	check_worker("replica", replica_sandbox_apply, 1);
	check_worker("offerd", offerd_sandbox_apply, 1);
	return check_done("test_sandbox");
}
