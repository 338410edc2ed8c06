/*
 * log_append: acknowledged appends through the replicated log with three
 * replicas on loopback, each a process with its own LMDB environment
 * (fsync on), one writer appending entries one after another. Prints
 * appends/s and the latency percentiles; never fails on a figure.
 *
 *	bench/log_append [-n COUNT] [-s BYTES] [-d DIR]
 *
 * DIR (default /var/tmp) is where the replicas' data goes: put it on the
 * disk whose fsync you want measured.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "replica/log_coordinator.h"
#include "replica/log_net_tcp.h"
#include "replica/log_storage.h"
#include "tests/unit/loop.h"

static struct log_storage *
open_voting(const char *dir, int i, struct event_base *base,
    struct log_net_tcp **net)
{
	char path[512], err[256];
	MDB_env *env;
	struct log_storage *s;

	snprintf(path, sizeof(path), "%s/r%d", dir, i);
	if ((env = log_env_open(path, 1ull << 30, 0, err, sizeof(err))) ==
	    NULL || (s = log_storage_open(env, err, sizeof(err))) == NULL ||
	    log_storage_set_status(s, LOG_METADATA__STATUS__VOTING, err,
	    sizeof(err)) == -1 || (*net = log_net_tcp_new(base, "127.0.0.1",
	    0, s, err, sizeof(err))) == NULL) {
		fprintf(stderr, "replica %d: %s\n", i, err);
		exit(1);
	}
	return s;
}

static int
cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
main(int argc, char *argv[])
{
	int n = 2000, size = 1024, opt, pipes[2][2], ok = 1;
	char dir[600], tmpl[600], cmd[700], addr[2][64], *entry;
	const char *parent = "/var/tmp";
	pid_t kids[2];
	struct event_base *base;
	struct log_net_tcp *net;
	struct log_storage *s;
	struct log_coord *co;
	struct result r = { 0 };
	int64_t *lat, t0, t1;

	while ((opt = getopt(argc, argv, "n:s:d:")) != -1) {
		switch (opt) {
		case 'n':
			n = atoi(optarg);
			break;
		case 's':
			size = atoi(optarg);
			break;
		case 'd':
			parent = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-n COUNT] [-s BYTES] "
			    "[-d DIR]\n", argv[0]);
			return 2;
		}
	}
	if (n < 1 || size < 1)
		return 2;
	snprintf(tmpl, sizeof(tmpl), "%s/log_append.XXXXXX", parent);
	if (mkdtemp(tmpl) == NULL) {
		perror(tmpl);
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s", tmpl);
	log_init("bench");

	/* Two followers: each answers on its own port until killed. */
	for (int i = 0; i < 2; i++) {
		if (pipe(pipes[i]) == -1 || (kids[i] = fork()) == -1)
			return 1;
		if (kids[i] == 0) {
			base = event_base_new();
			s = open_voting(dir, i + 1, base, &net);
			dprintf(pipes[i][1], "%s\n", log_net_tcp_address(net));
			event_base_dispatch(base);
			_exit(0);
		}
		memset(addr[i], 0, sizeof(addr[i]));
		if (read(pipes[i][0], addr[i], sizeof(addr[i]) - 1) <= 0)
			return 1;
		addr[i][strcspn(addr[i], "\n")] = '\0';
	}

	base = event_base_new();
	s = open_voting(dir, 0, base, &net);
	{
		const char *peers[2] = { addr[0], addr[1] };

		log_net_tcp_set_peers(net, peers, 2);
	}
	co = log_coord_new(base, log_net_tcp_net(net), 2, s);
	if (log_coord_elect(co, 5000, elected, &r) == -1 ||
	    !loop_until(base, &r.done, 10000) || !r.ok) {
		fprintf(stderr, "election failed\n");
		ok = 0;
	}
	entry = malloc((size_t)size);
	lat = calloc((size_t)n, sizeof(*lat));
	memset(entry, 'e', (size_t)size);
	t0 = now_ns();
	for (int i = 0; i < n && ok; i++) {
		int64_t a = now_ns();

		memset(&r, 0, sizeof(r));
		if (log_coord_append(co, entry, (size_t)size, 3000, written,
		    &r) == -1 || !loop_until(base, &r.done, 5000) || !r.ok) {
			fprintf(stderr, "append %d failed\n", i);
			ok = 0;
			break;
		}
		lat[i] = now_ns() - a;
	}
	t1 = now_ns();
	if (ok) {
		qsort(lat, (size_t)n, sizeof(*lat), cmp);
		printf("log_append: 3 replicas (processes) on loopback, fsync "
		    "on, %d-byte entries, 1 writer, %d appends in %s\n",
		    size, n, dir);
		printf("  appends/s  %.0f\n", n / ((t1 - t0) / 1e9));
		printf("  p50        %.3f ms\n", lat[n / 2] / 1e6);
		printf("  p99        %.3f ms\n", lat[(n * 99) / 100] / 1e6);
		printf("  max        %.3f ms\n", lat[n - 1] / 1e6);
	}
	for (int i = 0; i < 2; i++) {
		kill(kids[i], SIGTERM);
		waitpid(kids[i], NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok = 0;
	return ok ? 0 : 1;
}
