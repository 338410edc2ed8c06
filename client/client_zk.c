/*
 * client: the leading scheduler from the ZooKeeper serverset, as Aurora's
 * client finds it: the children of scheduler_zk_path named member_*, the
 * lowest sequence leads; its JSON names additionalEndpoints.http (else
 * serviceEndpoint) {host, port}.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The synchronous calls exist in the multi-threaded library only. */
#ifndef THREADED
#define THREADED
#endif
#include <zookeeper/zookeeper.h>

#include "client/client.h"

static void
watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* "a,b:2182" with zk_port 2181 -> "a:2181,b:2182" */
static void
ensemble(const struct client_cluster *c, char *out, size_t len)
{
	const char *p = c->zk, *comma;
	size_t off = 0, n;

	out[0] = '\0';
	for (;;) {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (n > 0 && off < len)
			off += (size_t)snprintf(out + off, len - off,
			    memchr(p, ':', n) != NULL ? "%s%.*s" : "%s%.*s:%d",
			    off > 0 ? "," : "", (int)n, p, c->zk_port);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
}

static int
endpoint(json_t *ep, char *host, size_t hostlen, int *port)
{
	const char *h = json_string_value(json_object_get(ep, "host"));
	json_t *p = json_object_get(ep, "port");

	if (h == NULL || !json_is_integer(p) || json_integer_value(p) <= 0 ||
	    json_integer_value(p) > 65535 || strlen(h) >= hostlen)
		return -1;
	strcpy(host, h);
	*port = (int)json_integer_value(p);
	return 0;
}

int
client_zk_leader(const struct client_cluster *c, int timeout_ms, char *host,
    size_t hostlen, int *port, char *err, size_t errlen)
{
	struct String_vector kids = { 0, NULL };
	char hosts[1024], path[1024], data[8192];
	const char *best = NULL;
	zhandle_t *zh;
	json_error_t jerr;
	json_t *doc = NULL;
	int waited, rc, len, i, r = -1;

	ensemble(c, hosts, sizeof(hosts));
	zoo_set_debug_level((ZooLogLevel)0);
	if ((zh = zookeeper_init(hosts, watcher, 10000, NULL, NULL, 0)) == NULL)
		return client_fail(err, errlen, "ZooKeeper %s: %s", hosts,
		    strerror(errno));
	for (waited = 0; zoo_state(zh) != ZOO_CONNECTED_STATE; waited += 50) {
		if (waited >= timeout_ms) {
			client_fail(err, errlen, "Failed to connect to "
			    "Zookeeper (%s) within %d seconds.", hosts,
			    timeout_ms / 1000);
			goto out;
		}
		sleep_ms(50);
	}
	if ((rc = zoo_get_children(zh, c->scheduler_zk_path, 0, &kids)) !=
	    ZOK) {
		client_fail(err, errlen, "ZooKeeper %s: %s: %s", hosts,
		    c->scheduler_zk_path, zerror(rc));
		goto out;
	}
	/* The sequence is the name's last 10 digits: compare those. */
	for (i = 0; i < kids.count; i++) {
		const char *k = kids.data[i];
		size_t kl = strlen(k);

		if (strncmp(k, "member_", 7) != 0 || kl < 17)
			continue;
		if (best == NULL || strcmp(k + kl - 10,
		    best + strlen(best) - 10) < 0)
			best = k;
	}
	if (best == NULL) {
		client_fail(err, errlen, "No schedulers detected in %s!",
		    c->name);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", c->scheduler_zk_path, best);
	len = (int)sizeof(data) - 1;
	if ((rc = zoo_get(zh, path, 0, data, &len, NULL)) != ZOK || len < 0) {
		client_fail(err, errlen, "ZooKeeper %s: %s: %s", hosts, path,
		    rc != ZOK ? zerror(rc) : "no data");
		goto out;
	}
	data[len] = '\0';
	if ((doc = json_loads(data, 0, &jerr)) == NULL ||
	    (endpoint(json_object_get(json_object_get(doc,
	    "additionalEndpoints"), "http"), host, hostlen, port) == -1 &&
	    endpoint(json_object_get(doc, "serviceEndpoint"), host, hostlen,
	    port) == -1)) {
		client_fail(err, errlen, "ZooKeeper %s: %s: not a serverset "
		    "member with an endpoint: %.200s", hosts, path, data);
		goto out;
	}
	r = 0;
out:
	json_decref(doc);
	deallocate_String_vector(&kids);
	zookeeper_close(zh);
	return r;
}
