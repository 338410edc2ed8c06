/*
 * replica: this scheduler's ZooKeeper presence (see replica_zk.h). Nodes
 * are created once the session is connected, and again if a create was
 * lost with the connection. Aurora's zk_connection_state_<STATE> gauges
 * and counters follow Curator's states: CONNECTED on the first
 * connection, SUSPENDED on a disconnection, RECONNECTED, LOST.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <jansson.h>

#include "common/flags.h"
#include "common/log.h"
#include "replica/replica_zk.h"
#include "replica/zk_client.h"
#include "replica/zk_group.h"

#define REPLICA_ZK_RETRY_SECS	1
#define ADDR_MAX		320

enum zk_conn_state { ZKS_CONNECTED, ZKS_SUSPENDED, ZKS_RECONNECTED,
	ZKS_LOST, ZKS_COUNT };

static const char *const conn_state_names[ZKS_COUNT] = {
	"CONNECTED", "SUSPENDED", "RECONNECTED", "LOST",
};

/* One ephemeral node this scheduler keeps while its session lives. */
struct own_node {
	const char	*what;		/* for log lines */
	struct zk_group	**group;	/* the group it joins */
	char		 prefix[512];	/* path up to the sequence number */
	const char	*prefix_name;	/* its last component */
	char		*data;
	size_t		 len;
	char		 name[512];	/* created node's name; "" until then */
	int		 wanted;
	int		 creating;
};

static struct {
	struct event_base	*base;
	struct zk		*zk;
	struct replica_zk_ops	 ops;
	char			 log_address[ADDR_MAX];
	char			 replica_id[17];
	char			 hostname[256];
	enum zk_conn_state	 conn_state;	/* once connected at all */
	int64_t			 conn_counts[ZKS_COUNT];
	struct event		*lost_timer;	/* leader disconnected too long */
	struct event		*retry;
	struct own_node		 replica_node, lock_node, member_node;
	struct zk_group		*replicas, *locks, *members;
	int			 leading;
	int			 contend_wanted;
	int			 replica_listed;	/* our node seen in the group */
	size_t			 distinct_replicas;
	char			 leader_http[ADDR_MAX];
	LeaderStatus		 leader_status;
} zs;

static void	ensure_nodes(void);

static int
ever_connected(void)
{
	return zs.conn_counts[ZKS_CONNECTED] > 0;
}

static int
connected(void)
{
	return ever_connected() && (zs.conn_state == ZKS_CONNECTED ||
	    zs.conn_state == ZKS_RECONNECTED);
}

static const char *
node_base(const char *path)
{
	return strcmp(path, "/") == 0 ? "" : path;
}

static void
lose(const char *why)
{
	zs.conn_state = ZKS_LOST;
	zs.conn_counts[ZKS_LOST]++;
	zs.ops.lost(why);
}

static void
lost_timer_fired(evutil_socket_t fd, short what, void *arg)
{
	lose("disconnected from ZooKeeper for longer than the session "
	    "timeout");
}

static void
session_changed(enum zk_session s, void *arg)
{
	struct timeval tv;
	int64_t ms;

	switch (s) {
	case ZK_SESSION_CONNECTED:
		evtimer_del(zs.lost_timer);
		if (ever_connected())
			log_info("Reconnected to ZooKeeper");
		else
			log_info("Connected to ZooKeeper at %s (session "
			    "timeout %d ms)", flag_str(F_ZK_ENDPOINTS),
			    zk_session_timeout_ms(zs.zk));
		zs.conn_state = ever_connected() ? ZKS_RECONNECTED :
		    ZKS_CONNECTED;
		zs.conn_counts[zs.conn_state]++;
		ensure_nodes();
		break;
	case ZK_SESSION_CONNECTING:
		if (!connected())
			break;
		zs.conn_state = ZKS_SUSPENDED;
		zs.conn_counts[ZKS_SUSPENDED]++;
		log_warnx("Disconnected from ZooKeeper; reconnecting");
		/* A leader gives up once its session may be gone. */
		if (zs.leading) {
			ms = zk_session_timeout_ms(zs.zk);
			tv.tv_sec = ms / 1000;
			tv.tv_usec = (ms % 1000) * 1000;
			evtimer_add(zs.lost_timer, &tv);
		}
		break;
	case ZK_SESSION_EXPIRED:
		lose("the ZooKeeper session expired");
		break;
	}
}

/* Creating this scheduler's nodes. */

static void
retry_fired(evutil_socket_t fd, short what, void *arg)
{
	ensure_nodes();
}

static void
schedule_retry(void)
{
	struct timeval tv = { REPLICA_ZK_RETRY_SECS, 0 };

	evtimer_add(zs.retry, &tv);
}

static void
node_created(int rc, const char *path, void *arg)
{
	struct own_node *n = arg;
	const char *slash;

	n->creating = 0;
	if (rc != ZOK || path == NULL) {
		log_warnx("cannot create the %s node under %s: %s", n->what,
		    n->prefix, zerror(rc));
		schedule_retry();
		return;
	}
	slash = strrchr(path, '/');
	snprintf(n->name, sizeof(n->name), "%s", slash + 1);
	log_info("Joined ZooKeeper as %s (%s)", path, n->what);
	zk_group_refresh(*n->group);
}

static void
parent_ready(int rc, void *arg)
{
	struct own_node *n = arg;

	if (rc != ZOK) {
		n->creating = 0;
		log_warnx("cannot create the ZooKeeper path for the %s node "
		    "%s: %s", n->what, n->prefix, zerror(rc));
		schedule_retry();
		return;
	}
	if (zk_create(zs.zk, n->prefix, n->data, n->len,
	    ZOO_EPHEMERAL_SEQUENTIAL, node_created, n) == -1) {
		n->creating = 0;
		schedule_retry();
	}
}

static void
ensure_node(struct own_node *n)
{
	char parent[512];
	char *slash;

	if (!n->wanted || n->creating || n->name[0] != '\0' || !connected())
		return;
	snprintf(parent, sizeof(parent), "%s", n->prefix);
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = '\0';	/* the root */
	else
		*slash = '\0';
	n->creating = 1;
	if (zk_create_path(zs.zk, parent, parent_ready, n) == -1) {
		n->creating = 0;
		schedule_retry();
	}
}

static void
ensure_nodes(void)
{
	ensure_node(&zs.replica_node);
	ensure_node(&zs.lock_node);
	ensure_node(&zs.member_node);
}

static int
own_node_init(struct own_node *n, const char *what, struct zk_group **group,
    const char *dir, const char *name, const char *data)
{
	n->what = what;
	n->group = group;
	snprintf(n->prefix, sizeof(n->prefix), "%s/%s", node_base(dir), name);
	n->prefix_name = strrchr(n->prefix, '/') + 1;
	if ((n->data = strdup(data)) == NULL)
		return -1;
	n->len = strlen(data);
	return 0;
}

/* The log group: one address per replica, stale nodes removed. */

static void
stale_deleted(int rc, void *arg)
{
	if (rc != ZOK && rc != ZNONODE)
		log_warnx("cannot delete a stale node: %s", zerror(rc));
}

/*
 * Deletes a node this scheduler's previous process left (its session has
 * not expired yet), so that it does not hold a place meanwhile.
 */
static void
delete_stale(const char *dir, const char *name)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", node_base(dir), name);
	log_info("Deleting %s, left by this scheduler's previous process",
	    path);
	zk_delete(zs.zk, path, stale_deleted, NULL);
}

/* Whether name is a node of own's kind that this process did not make. */
static int
stale_own(const struct own_node *own, const char *name)
{
	return !own->creating && strcmp(name, own->name) != 0;
}

static void
replicas_changed(const struct zk_member *m, size_t n, void *arg)
{
	const char **addrs;
	size_t k = 0;

	if ((addrs = calloc(n + 1, sizeof(*addrs))) == NULL)
		return;
	/* Newest first: a replica's newest node is the one that counts. */
	for (size_t i = n; i-- > 0;) {
		const char *at = strchr(m[i].data, '@');
		size_t idlen;
		int stale = 0;

		if (at == NULL || at[1] == '\0')
			continue;
		idlen = (size_t)(at - m[i].data);
		for (size_t j = i + 1; j < n && !stale; j++)
			stale = strncmp(m[j].data, m[i].data, idlen + 1) == 0;
		/*
		 * This replica's previous process (same id, or same address
		 * after a wipe) left a node its expiring session still holds.
		 */
		if (stale_own(&zs.replica_node, m[i].name) &&
		    ((idlen == strlen(zs.replica_id) && strncmp(m[i].data,
		    zs.replica_id, idlen) == 0) ||
		    strcmp(at + 1, zs.log_address) == 0)) {
			delete_stale(flag_str(F_NATIVE_LOG_ZK_GROUP_PATH),
			    m[i].name);
			stale = 1;
		}
		if (!stale)
			addrs[k++] = at + 1;
	}
	zs.distinct_replicas = k;
	zs.ops.replicas(addrs, k);
	free(addrs);
	/* Contend only once the group, with us in it, was counted. */
	for (size_t i = 0; i < n && !zs.replica_listed; i++)
		zs.replica_listed = strcmp(m[i].name,
		    zs.replica_node.name) == 0;
	if (zs.replica_listed && zs.contend_wanted && !zs.lock_node.wanted) {
		zs.lock_node.wanted = 1;
		ensure_node(&zs.lock_node);
	}
}

/* The election: the lowest lock node leads. */

static void
locks_changed(const struct zk_member *m, size_t n, void *arg)
{
	int leading = 0, first = 1;

	for (size_t i = 0; i < n; i++) {
		if (strstr(m[i].name, "-lock-") == NULL)
			continue;
		/* The uuid starts with the replica id: "_c_" + 8-4-4 digits. */
		if (strncmp(m[i].name, zs.lock_node.prefix_name, 21) == 0 &&
		    stale_own(&zs.lock_node, m[i].name)) {
			delete_stale(flag_str(F_SERVERSET_PATH), m[i].name);
			continue;
		}
		if (first)
			leading = zs.lock_node.name[0] != '\0' &&
			    strcmp(m[i].name, zs.lock_node.name) == 0;
		first = 0;
	}
	if (zs.lock_node.name[0] != '\0' && !zs.lock_node.creating) {
		int present = 0;

		for (size_t i = 0; i < n && !present; i++)
			present = strcmp(m[i].name, zs.lock_node.name) == 0;
		/* Deleted behind our back (by an operator): contend again. */
		if (!present) {
			log_warnx("Our leader election node %s is gone; "
			    "contending again", zs.lock_node.name);
			zs.lock_node.name[0] = '\0';
			ensure_node(&zs.lock_node);
		}
	}
	if (leading == zs.leading)
		return;
	zs.leading = leading;
	if (leading)
		log_info("Elected as the leading scheduler (%s)",
		    zs.lock_node.name);
	zs.ops.leading(leading);
}

/* The ServerSet: who is announced as the leader. */

static void
endpoint_address(json_t *ep, char *out, size_t len)
{
	json_t *host = json_object_get(ep, "host");
	json_t *port = json_object_get(ep, "port");

	if (json_is_string(host) && json_is_integer(port))
		snprintf(out, len, "%s:%" JSON_INTEGER_FORMAT,
		    json_string_value(host), json_integer_value(port));
}

static void
members_changed(const struct zk_member *m, size_t n, void *arg)
{
	json_t *root;
	size_t i;

	/* Our previous process's announcement goes; it is no leader. */
	for (i = 0; i < n; i++) {
		if (strcmp(m[i].data, zs.member_node.data) != 0 ||
		    !stale_own(&zs.member_node, m[i].name))
			break;
		delete_stale(flag_str(F_SERVERSET_PATH), m[i].name);
	}
	m += i;
	n -= i;
	zs.leader_http[0] = '\0';
	if (n == 0) {
		zs.leader_status = LEADER_STATUS__NO_LEADER;
		return;
	}
	/* The oldest announcement names the leader, as Aurora reads it. */
	zs.leader_status = zs.member_node.name[0] != '\0' &&
	    strcmp(m[0].name, zs.member_node.name) == 0 ?
	    LEADER_STATUS__LEADING : LEADER_STATUS__NOT_LEADING;
	if ((root = json_loadb(m[0].data, m[0].len, 0, NULL)) != NULL) {
		json_t *http = json_object_get(json_object_get(root,
		    "additionalEndpoints"), "http");

		endpoint_address(http != NULL ? http :
		    json_object_get(root, "serviceEndpoint"),
		    zs.leader_http, sizeof(zs.leader_http));
		json_decref(root);
	}
}

/* Starting. */

/*
 * A version 4 uuid for the lock node whose first 8 bytes are the replica
 * id, so that a restarted replica recognizes its predecessor's node.
 */
static void
lock_uuid(uint64_t replica_id, char *out, size_t len)
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)random();
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(replica_id >> (56 - 8 * i));
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* The ServerSet entry for this scheduler: its HTTP endpoint. */
static char *
serverset_json(void)
{
	json_t *ep, *root;
	char *s;

	ep = json_pack("{s:s, s:I}", "host", zs.hostname, "port",
	    (json_int_t)flag_int(F_HTTP_PORT));
	root = json_pack("{s:O, s:{s:O}, s:s}", "serviceEndpoint", ep,
	    "additionalEndpoints", "http", ep, "status", "ALIVE");
	s = root != NULL ? json_dumps(root, JSON_COMPACT |
	    JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	json_decref(ep);
	return s;
}

int
replica_zk_start(struct event_base *base, const char *log_address,
    uint64_t replica_id, const struct replica_zk_ops *ops, char *err,
    size_t errlen)
{
	char data[ADDR_MAX + 32], name[96], uuid[40], *json;

	zs.base = base;
	zs.ops = *ops;
	zs.leader_status = LEADER_STATUS__NO_LEADER;
	snprintf(zs.log_address, sizeof(zs.log_address), "%s", log_address);
	snprintf(zs.replica_id, sizeof(zs.replica_id), "%016" PRIx64,
	    replica_id);
	if (flag_str(F_HOSTNAME)[0] != '\0')
		snprintf(zs.hostname, sizeof(zs.hostname), "%s",
		    flag_str(F_HOSTNAME));
	else if (gethostname(zs.hostname, sizeof(zs.hostname)) == -1)
		snprintf(zs.hostname, sizeof(zs.hostname), "localhost");

	snprintf(data, sizeof(data), "%s@%s", zs.replica_id, log_address);
	lock_uuid(replica_id, uuid, sizeof(uuid));
	snprintf(name, sizeof(name), "_c_%s-lock-", uuid);
	if ((json = serverset_json()) == NULL ||
	    own_node_init(&zs.replica_node, "log replica", &zs.replicas,
	    flag_str(F_NATIVE_LOG_ZK_GROUP_PATH), "", data) == -1 ||
	    own_node_init(&zs.lock_node, "leader election", &zs.locks,
	    flag_str(F_SERVERSET_PATH), name, zs.hostname) == -1 ||
	    own_node_init(&zs.member_node, "leader announcement", &zs.members,
	    flag_str(F_SERVERSET_PATH), "member_", json) == -1) {
		free(json);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(json);
	zs.replica_node.wanted = 1;
	if ((zs.lost_timer = evtimer_new(base, lost_timer_fired,
	    NULL)) == NULL ||
	    (zs.retry = evtimer_new(base, retry_fired, NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((zs.zk = zk_open(flag_str(F_ZK_ENDPOINTS),
	    (int)flag_duration_ms(F_ZK_SESSION_TIMEOUT), session_changed,
	    NULL, err, errlen)) == NULL)
		return -1;
	if ((zs.replicas = zk_group_watch(base, zs.zk,
	    flag_str(F_NATIVE_LOG_ZK_GROUP_PATH), NULL, 1, replicas_changed,
	    NULL)) == NULL ||
	    (zs.locks = zk_group_watch(base, zs.zk, flag_str(F_SERVERSET_PATH),
	    "_c_", 0, locks_changed, NULL)) == NULL ||
	    (zs.members = zk_group_watch(base, zs.zk,
	    flag_str(F_SERVERSET_PATH), "member_", 1, members_changed,
	    NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void
replica_zk_stop(void)
{
	/*
	 * Ends the session cleanly: ZooKeeper deletes our ephemeral nodes
	 * now, rather than listing this replica (and perhaps its leadership)
	 * until the session timeout passes.
	 */
	zk_close(zs.zk);
	zs.zk = NULL;
}

void
replica_zk_contend(void)
{
	zs.contend_wanted = 1;
	if (zs.replica_listed) {
		zs.lock_node.wanted = 1;
		ensure_node(&zs.lock_node);
	}
}

void
replica_zk_advertise(void)
{
	zs.member_node.wanted = 1;
	ensure_node(&zs.member_node);
}

int
replica_zk_leading(void)
{
	return zs.leading;
}

LeaderStatus
replica_zk_leader(char *addr, size_t len)
{
	snprintf(addr, len, "%s", zs.leader_http);
	return zs.leader_status;
}

void
replica_zk_vars(struct ipc_vars *v)
{
	char name[96];

	if (zs.zk == NULL)
		return;
	for (int s = 0; s < ZKS_COUNT; s++) {
		snprintf(name, sizeof(name), "zk_connection_state_%s",
		    conn_state_names[s]);
		ipc_vars_int(v, name, ever_connected() &&
		    zs.conn_state == (enum zk_conn_state)s);
		snprintf(name, sizeof(name), "zk_connection_state_%s_counter",
		    conn_state_names[s]);
		ipc_vars_int(v, name, zs.conn_counts[s]);
	}
	ipc_vars_int(v, "native_log_zk_replicas",
	    (int64_t)zs.distinct_replicas);
	ipc_vars_int(v, "scheduler_leading", zs.leading);
}
