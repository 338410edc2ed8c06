/*
 * The log over its TCP transport: three replicas on loopback in one
 * process, a coordinator writing through them, a replica going away and
 * coming back on another port, and garbage on the log port.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "replica/log_coordinator.h"
#include "replica/log_net_tcp.h"
#include "replica/log_recover.h"
#include "replica/log_storage.h"
#include "tests/unit/check.h"
#include "tests/unit/loop.h"

static char dir[] = "/tmp/test_log_tcp.XXXXXX";
static struct event_base *base;
static MDB_env *env[3];
static struct log_storage *st[3];
static struct log_net_tcp *net[3];

static void
open_replica(int i, int voting)
{
	char path[256], err[256];

	snprintf(path, sizeof(path), "%s/r%d", dir, i);
	env[i] = log_env_open(path, 64 << 20, 0, err, sizeof(err));
	st[i] = env[i] ? log_storage_open(env[i], err, sizeof(err)) : NULL;
	if (st[i] == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	if (voting)
		log_storage_set_status(st[i], LOG_METADATA__STATUS__VOTING,
		    err, sizeof(err));
	net[i] = log_net_tcp_new(base, "127.0.0.1", 0, st[i], err,
	    sizeof(err));
	if (net[i] == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
}

static void
close_replica(int i)
{
	log_net_tcp_free(net[i]);
	log_storage_close(st[i]);
	mdb_env_close(env[i]);
	net[i] = NULL;
}

/* Tells every live replica about every live one. */
static void
introduce(void)
{
	const char *addrs[3];
	size_t n = 0;

	for (int i = 0; i < 3; i++)
		if (net[i] != NULL)
			addrs[n++] = log_net_tcp_address(net[i]);
	for (int i = 0; i < 3; i++)
		if (net[i] != NULL)
			log_net_tcp_set_peers(net[i], addrs, n);
}

static int
append(struct log_coord *co, const char *text)
{
	struct result r = { 0 };

	if (log_coord_append(co, text, strlen(text), 2000, written, &r) == -1)
		return 0;
	return loop_until(base, &r.done, 5000) && r.ok;
}

static int
learned(int i, uint64_t pos)
{
	return !log_storage_missing(st[i], pos);
}

static void
recovered(void *arg)
{
	*(int *)arg = 1;
}

/* Sends bytes to replica i's log port and says whether it hung up. */
static int
hangs_up_on(int i, const void *bytes, size_t len)
{
	struct sockaddr_in sin;
	int fd, port, closed = 0;
	char buf[16];
	const char *colon = strrchr(log_net_tcp_address(net[i]), ':');

	port = atoi(colon + 1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return 0;
	connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	loop_for(base, 50);
	(void)!write(fd, bytes, len);
	for (int t = 0; t < 50 && !closed; t++) {
		loop_for(base, 10);
		if (read(fd, buf, sizeof(buf)) == 0)
			closed = 1;
	}
	close(fd);
	return closed;
}

int
main(void)
{
	struct log_coord *co;
	struct result e = { 0 };
	char text[32], cmd[300];
	int ok = 1, rec = 0;

	log_init("test");
	if (mkdtemp(dir) == NULL)
		return 1;
	base = event_base_new();
	for (int i = 0; i < 3; i++)
		open_replica(i, 1);
	introduce();
	CHECK(log_net_tcp_size(net[0]) == 3);

	co = log_coord_new(base, log_net_tcp_net(net[0]), 2, st[0]);
	CHECK(log_coord_elect(co, 3000, elected, &e) == 0);
	CHECK(loop_until(base, &e.done, 5000) && e.ok);
	for (int i = 1; i <= 100 && ok; i++) {
		snprintf(text, sizeof(text), "entry %d", i);
		ok = append(co, text);
	}
	CHECK(ok);
	loop_for(base, 100);
	for (int i = 0; i < 3; i++)
		CHECK(learned(i, 100) && log_storage_end(st[i]) == 100);

	/* Replica 2 goes away: a quorum of two carries on. */
	close_replica(2);
	CHECK(append(co, "without 2"));
	/* Its data is lost; it comes back empty on another port. */
	snprintf(cmd, sizeof(cmd), "rm -rf %s/r2", dir);
	CHECK(system(cmd) == 0);
	open_replica(2, 0);
	introduce();
	{
		struct log_recover *r = log_recover_start(base,
		    log_net_tcp_net(net[2]), 2, st[2], recovered, &rec);

		CHECK(loop_until(base, &rec, 20000));
		log_recover_cancel(r);
	}
	CHECK(log_storage_status(st[2]) == LOG_METADATA__STATUS__VOTING);
	CHECK(learned(2, 50) && learned(2, 101));
	/* Recovery fills may fence the writer: elect again if so. */
	if (!append(co, "after recovery")) {
		struct result e2 = { 0 };

		CHECK(log_coord_elect(co, 3000, elected, &e2) == 0);
		CHECK(loop_until(base, &e2.done, 5000) && e2.ok);
		CHECK(append(co, "after recovery"));
	}

	/* Garbage and oversized frames close the connection, nothing more. */
	CHECK(hangs_up_on(1, "\x00\x00\x00\x05hello", 9));
	CHECK(hangs_up_on(1, "\xff\xff\xff\xff", 4));
	CHECK(append(co, "still serving"));

	log_coord_free(co);
	for (int i = 0; i < 3; i++)
		close_replica(i);
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done("test_log_tcp");
}
