/*
 * offerd: finding the leading Mesos master through ZooKeeper, the way
 * Mesos's own detector finds it. Each master joins a group under the path
 * of -mesos_master_address=zk://servers/path with an ephemeral sequential
 * node named json.info_<10 digits>, whose data is its MasterInfo as JSON;
 * the lowest sequence is the leader. We watch that directory through
 * replica's ZooKeeper client and group watcher (replica/zk_client.h,
 * replica/zk_group.h), and tell offerd.c whenever the leading node changes.
 *
 * The session is opened before the sandbox, with the servers' names
 * resolved then (the client's threads start there too); afterwards it
 * only reconnects to those addresses. The masters' addresses are used only
 * when numeric: offerd never resolves a name under its sandbox. When the
 * session expires, its watches are gone: offerd exits and its master
 * starts it again with a new session, as replica does.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/log.h"
#include "offerd/offerd_detect.h"
#include "replica/zk_client.h"
#include "replica/zk_group.h"

/* The label Mesos gives its masters' JSON nodes: json.info_<sequence>. */
#define DETECT_PREFIX		"json.info_"
/* Mesos's detector asks for a 10 s session; so do we. */
#define DETECT_SESSION_MS	10000
#define DETECT_PATH_MAX		1024
#define DETECT_SERVERS_MAX	1024
#define MASTER_DEFAULT_PORT	5050	/* MasterInfo.port's default */

enum detect_state {
	DETECT_UNKNOWN,		/* nothing listed yet */
	DETECT_NONE,		/* no master node, or the leader's is unusable */
	DETECT_MASTER,
};

static struct {
	struct zk	*zk;
	struct zk_group	*group;
	char		 path[DETECT_PATH_MAX];
	char		 servers[DETECT_SERVERS_MAX];
	enum detect_state state;
	char		*node;		/* the leading node, usable or not */
	char		 ip[DETECT_ADDR_MAX];
	int		 port;
	int		 connected, ever_connected;
	offerd_detect_fn fn;
	void		*arg;
} dt;

int
offerd_detect_parse(const char *url, char *servers, size_t serverslen,
    char *path, size_t pathlen, char *err, size_t errlen)
{
	const char *s, *slash;
	size_t n;

	if (strncmp(url, "zk://", 5) != 0) {
		snprintf(err, errlen, "'%s' does not start with zk://", url);
		return -1;
	}
	s = url + 5;
	slash = strchr(s, '/');
	n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (memchr(s, '@', n) != NULL) {
		snprintf(err, errlen, "ZooKeeper credentials (user:password@) "
		    "are not supported");
		return -1;
	}
	if (n == 0) {
		snprintf(err, errlen, "'%s' names no ZooKeeper server", url);
		return -1;
	}
	if (n >= serverslen) {
		snprintf(err, errlen, "too many ZooKeeper servers");
		return -1;
	}
	memcpy(servers, s, n);
	servers[n] = '\0';
	if (slash == NULL)
		slash = "/";
	n = strlen(slash);
	while (n > 1 && slash[n - 1] == '/')
		n--;
	if (n >= pathlen) {
		snprintf(err, errlen, "the ZooKeeper path is too long");
		return -1;
	}
	memcpy(path, slash, n);
	path[n] = '\0';
	return 0;
}

/* A numeric IPv4 or IPv6 address, which libevent connects to unresolved. */
static int
numeric(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return s != NULL && (inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1);
}

static int
port_of(json_t *v, int *port)
{
	if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
	    json_integer_value(v) > 65535)
		return -1;
	*port = (int)json_integer_value(v);
	return 0;
}

/* ip:port into the caller's buffers; -1 with err. */
static int
found(const char *s, int p, char *ip, size_t iplen, int *port, char *err,
    size_t errlen)
{
	if (strlen(s) >= iplen) {
		snprintf(err, errlen, "the address is too long");
		return -1;
	}
	memcpy(ip, s, strlen(s) + 1);
	*port = p;
	return 0;
}

int
offerd_detect_master_info(const char *json, size_t len, char *ip,
    size_t iplen, int *port, char *err, size_t errlen)
{
	char legacy_ip[INET_ADDRSTRLEN];
	json_error_t jerr;
	json_t *doc, *addr, *legacy;
	const char *s;
	int p = MASTER_DEFAULT_PORT, rc = -1;

	if ((doc = json_loadb(json, len, 0, &jerr)) == NULL) {
		snprintf(err, errlen, "not JSON: %s", jerr.text);
		return -1;
	}
	if (!json_is_object(doc)) {
		snprintf(err, errlen, "not a JSON object");
		goto out;
	}
	/* Since Mesos 0.24: address {hostname, ip, port}. */
	addr = json_object_get(doc, "address");
	if (json_is_object(addr) &&
	    (numeric(s = json_string_value(json_object_get(addr, "ip"))) ||
	    numeric(s = json_string_value(json_object_get(addr,
	    "hostname"))))) {
		if (port_of(json_object_get(addr, "port"), &p) == -1)
			snprintf(err, errlen, "address.port is not a port");
		else
			rc = found(s, p, ip, iplen, port, err, errlen);
		goto out;
	}
	/* Older masters: hostname or ip, with port. */
	if (json_object_get(doc, "port") != NULL &&
	    port_of(json_object_get(doc, "port"), &p) == -1) {
		snprintf(err, errlen, "port is not a port");
		goto out;
	}
	if (numeric(s = json_string_value(json_object_get(doc, "hostname")))) {
		rc = found(s, p, ip, iplen, port, err, errlen);
		goto out;
	}
	legacy = json_object_get(doc, "ip");
	if (json_is_integer(legacy) && json_integer_value(legacy) > 0 &&
	    json_integer_value(legacy) <= 0xffffffffLL) {
		struct in_addr in;

		/* The number's bytes in memory are the address's, in order. */
		in.s_addr = (in_addr_t)json_integer_value(legacy);
		if (inet_ntop(AF_INET, &in, legacy_ip,
		    sizeof(legacy_ip)) != NULL) {
			rc = found(legacy_ip, p, ip, iplen, port, err, errlen);
			goto out;
		}
	}
	snprintf(err, errlen, "no numeric address (address.ip, hostname or "
	    "ip); host names are not resolved");
out:
	json_decref(doc);
	return rc;
}

/* Following the group. */

static void
set_none(const char *why)
{
	int had = dt.state == DETECT_MASTER;

	if (dt.state != DETECT_NONE)
		log_warnx("no leading Mesos master under zk://%s%s: %s; "
		    "waiting for one", dt.servers, dt.path, why);
	dt.state = DETECT_NONE;
	dt.ip[0] = '\0';
	dt.port = 0;
	if (had && dt.fn != NULL)
		dt.fn(NULL, 0, dt.arg);
}

static void
members_changed(const struct zk_member *m, size_t n, void *arg)
{
	char err[256] = "", ip[DETECT_ADDR_MAX];
	int port;

	if (n == 0) {
		free(dt.node);
		dt.node = NULL;
		set_none("no " DETECT_PREFIX " node");
		return;
	}
	/* Contenders came or went: the leader is the same. */
	if (dt.node != NULL && strcmp(dt.node, m[0].name) == 0)
		return;
	free(dt.node);
	dt.node = strdup(m[0].name);
	if (offerd_detect_master_info(m[0].data, m[0].len, ip, sizeof(ip),
	    &port, err, sizeof(err)) == -1) {
		log_warnx("the leading Mesos master's node %s/%s is unusable: "
		    "%s", dt.path, m[0].name, err);
		set_none("its node names no address");
		return;
	}
	dt.state = DETECT_MASTER;
	memcpy(dt.ip, ip, sizeof(dt.ip));
	dt.port = port;
	log_info("the leading Mesos master is %s:%d (%s/%s in ZooKeeper)",
	    dt.ip, dt.port, dt.path, m[0].name);
	if (dt.fn != NULL)
		dt.fn(dt.ip, dt.port, dt.arg);
}

/*
 * The group watcher retries a directory that does not exist without a
 * word; once per session, say that there is no master there.
 */
static void
probed(int rc, char *const *names, size_t n, void *arg)
{
	if (rc == ZNONODE && dt.state == DETECT_UNKNOWN)
		set_none("the path does not exist");
}

static void
session_changed(enum zk_session s, void *arg)
{
	switch (s) {
	case ZK_SESSION_CONNECTED:
		if (!dt.connected && dt.ever_connected)
			log_info("reconnected to ZooKeeper at %s", dt.servers);
		dt.connected = dt.ever_connected = 1;
		if (dt.state == DETECT_UNKNOWN &&
		    zk_children(dt.zk, dt.path, NULL, NULL, probed, NULL) == -1)
			log_warnx("cannot list %s in ZooKeeper", dt.path);
		break;
	case ZK_SESSION_CONNECTING:
		if (dt.connected)
			log_warnx("lost the connection to ZooKeeper at %s; "
			    "keeping the last leading Mesos master", dt.servers);
		dt.connected = 0;
		break;
	case ZK_SESSION_EXPIRED:
		/* Its watches died with it: start again with a new one. */
		fatalx("the ZooKeeper session that finds the Mesos master "
		    "expired; restarting to open a new one");
	}
}

int
offerd_detect_start(struct event_base *base, const char *url,
    offerd_detect_fn fn, void *arg, char *err, size_t errlen)
{
	if (offerd_detect_parse(url, dt.servers, sizeof(dt.servers), dt.path,
	    sizeof(dt.path), err, errlen) == -1)
		return -1;
	dt.fn = fn;
	dt.arg = arg;
	dt.state = DETECT_UNKNOWN;
	if ((dt.zk = zk_open(dt.servers, DETECT_SESSION_MS, session_changed,
	    NULL, err, errlen)) == NULL)
		return -1;
	if ((dt.group = zk_group_watch(base, dt.zk, dt.path, DETECT_PREFIX, 1,
	    members_changed, NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	log_info("finding the leading Mesos master in ZooKeeper at zk://%s%s",
	    dt.servers, dt.path);
	return 0;
}

int
offerd_detect_leader(char *ip, size_t iplen, int *port)
{
	if (dt.state != DETECT_MASTER || strlen(dt.ip) >= iplen)
		return -1;
	memcpy(ip, dt.ip, strlen(dt.ip) + 1);
	*port = dt.port;
	return 0;
}
