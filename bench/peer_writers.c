/*
 * The store benchmark's workload against the systems it is compared
 * with: W writers each keep one write of BYTES in flight, and every write
 * stores a new record. It prints bench/store_writers' table.
 *
 *   peer_writers etcd HOST:PORT [-n WRITES] [-w W[,W...]] [-s BYTES]
 *   peer_writers zk HOSTS [-n WRITES] [-w W[,W...]] [-s BYTES]
 *
 * etcd: v3 KV Put of a new key over gRPC (HTTP/2 on one connection, W
 * streams in flight), the API etcd's own clients use. ZooKeeper: create
 * of a new znode under /bench through one session with W requests in
 * flight (libzookeeper-mt's asynchronous API).
 *
 * bench/run-store-bench.sh compiles it with cc: it needs libnghttp2,
 * which the scheduler itself does not.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <nghttp2/nghttp2.h>
#define THREADED	/* libzookeeper-mt's synchronous calls too */
#include <zookeeper/zookeeper.h>

#include "latency_table.h"

static int total = 5000, value_size = 1024, run_id;
static int started, finished, failures;
static int64_t *latencies;
static char *value;

/* Counts one finished write; the caller then starts the next one. */
static void
write_done(int64_t start, const char *error)
{
	if (error != NULL) {
		if (failures++ == 0)
			fprintf(stderr, "peer_writers: %s\n", error);
	} else
		latencies[finished - failures] = now_us() - start;
	finished++;
}

/* ---- etcd: etcdserverpb.KV/Put over gRPC ---- */

struct put {
	int64_t	 start;
	uint8_t	*body;		/* gRPC frame: flag, length, PutRequest */
	size_t	 len, off;
	char	 grpc_status[8];
	char	 grpc_message[128];
};

static int etcd_fd;
static char etcd_authority[256];

/* A varint-prefixed bytes field of PutRequest (key = 1, value = 2). */
static size_t
put_field(uint8_t *p, int field, const void *data, size_t len)
{
	size_t n = 0;

	p[n++] = (uint8_t)(field << 3 | 2);
	for (size_t v = len; ; v >>= 7) {
		p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		if (v <= 0x7f)
			break;
	}
	memcpy(p + n, data, len);
	return n + len;
}

static ssize_t
put_body(nghttp2_session *s, int32_t stream, uint8_t *buf, size_t len,
    uint32_t *flags, nghttp2_data_source *src, void *u)
{
	struct put *p = src->ptr;
	size_t n = p->len - p->off < len ? p->len - p->off : len;

	(void)s; (void)stream; (void)u;
	memcpy(buf, p->body + p->off, n);
	p->off += n;
	if (p->off == p->len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static void
etcd_start(nghttp2_session *s)
{
	char key[64];
	struct put *p;
	size_t n;
	nghttp2_data_provider data;
#define HDR(k, v) { (uint8_t *)(k), (uint8_t *)(v), sizeof(k) - 1, \
	    strlen(v), NGHTTP2_NV_FLAG_NONE }
	nghttp2_nv hdrs[] = {
		HDR(":method", "POST"), HDR(":scheme", "http"),
		HDR(":path", "/etcdserverpb.KV/Put"),
		HDR(":authority", etcd_authority),
		HDR("content-type", "application/grpc"), HDR("te", "trailers"),
	};

	if (started == total)
		return;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->body = malloc((size_t)value_size + 128)) == NULL)
		exit(2);
	snprintf(key, sizeof(key), "bench/%d-%d-%d", (int)getpid(), run_id,
	    started++);
	n = 5;
	n += put_field(p->body + n, 1, key, strlen(key));
	n += put_field(p->body + n, 2, value, (size_t)value_size);
	p->body[0] = 0;	/* not compressed */
	p->body[1] = (uint8_t)((n - 5) >> 24);
	p->body[2] = (uint8_t)((n - 5) >> 16);
	p->body[3] = (uint8_t)((n - 5) >> 8);
	p->body[4] = (uint8_t)(n - 5);
	p->len = n;
	data.source.ptr = p;
	data.read_callback = put_body;
	p->start = now_us();
	if (nghttp2_submit_request(s, NULL, hdrs, sizeof(hdrs) / sizeof(*hdrs),
	    &data, p) < 0) {
		fprintf(stderr, "peer_writers: cannot submit a request\n");
		exit(2);
	}
#undef HDR
}

static int
etcd_header(nghttp2_session *s, const nghttp2_frame *frame,
    const uint8_t *name, size_t namelen, const uint8_t *v, size_t vlen,
    uint8_t flags, void *u)
{
	struct put *p = nghttp2_session_get_stream_user_data(s,
	    frame->hd.stream_id);

	(void)flags; (void)u;
	if (p == NULL)
		return 0;
	if (namelen == 11 && memcmp(name, "grpc-status", 11) == 0)
		snprintf(p->grpc_status, sizeof(p->grpc_status), "%.*s",
		    (int)vlen, v);
	else if (namelen == 12 && memcmp(name, "grpc-message", 12) == 0)
		snprintf(p->grpc_message, sizeof(p->grpc_message), "%.*s",
		    (int)vlen, v);
	return 0;
}

static int
etcd_closed(nghttp2_session *s, int32_t stream, uint32_t error, void *u)
{
	struct put *p = nghttp2_session_get_stream_user_data(s, stream);
	char why[200];

	(void)u;
	if (p == NULL)
		return 0;
	if (error != 0 || strcmp(p->grpc_status, "0") != 0) {
		snprintf(why, sizeof(why), "etcd Put: stream error %u, "
		    "grpc-status '%s' %s", error, p->grpc_status,
		    p->grpc_message);
		write_done(p->start, why);
	} else
		write_done(p->start, NULL);
	free(p->body);
	free(p);
	etcd_start(s);
	return 0;
}

static ssize_t
etcd_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags,
    void *u)
{
	ssize_t n = send(etcd_fd, data, len, MSG_NOSIGNAL);

	(void)s; (void)flags; (void)u;
	if (n == -1)
		return errno == EAGAIN ? NGHTTP2_ERR_WOULDBLOCK :
		    NGHTTP2_ERR_CALLBACK_FAILURE;
	return n;
}

static ssize_t
etcd_recv(nghttp2_session *s, uint8_t *buf, size_t len, int flags, void *u)
{
	ssize_t n = recv(etcd_fd, buf, len, 0);

	(void)s; (void)flags; (void)u;
	if (n == -1)
		return errno == EAGAIN ? NGHTTP2_ERR_WOULDBLOCK :
		    NGHTTP2_ERR_CALLBACK_FAILURE;
	return n == 0 ? NGHTTP2_ERR_EOF : n;
}

static int
tcp_connect(const char *hostport)
{
	char host[200], *port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd, one = 1;

	snprintf(host, sizeof(host), "%s", hostport);
	if ((port = strrchr(host, ':')) == NULL)
		return -1;
	*port++ = '\0';
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd != -1 && connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd != -1)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int
etcd_run(const char *endpoint, int writers)
{
	nghttp2_session_callbacks *cb;
	nghttp2_session *s;
	struct pollfd pfd;

	if ((etcd_fd = tcp_connect(endpoint)) == -1) {
		fprintf(stderr, "peer_writers: cannot connect to %s\n",
		    endpoint);
		return -1;
	}
	snprintf(etcd_authority, sizeof(etcd_authority), "%s", endpoint);
	nghttp2_session_callbacks_new(&cb);
	nghttp2_session_callbacks_set_send_callback(cb, etcd_send);
	nghttp2_session_callbacks_set_recv_callback(cb, etcd_recv);
	nghttp2_session_callbacks_set_on_header_callback(cb, etcd_header);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb,
	    etcd_closed);
	nghttp2_session_client_new(&s, cb, NULL);
	nghttp2_session_callbacks_del(cb);
	nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, NULL, 0);
	for (int i = 0; i < writers; i++)
		etcd_start(s);
	while (finished < total) {
		pfd.fd = etcd_fd;
		pfd.events = POLLIN |
		    (nghttp2_session_want_write(s) ? POLLOUT : 0);
		if (poll(&pfd, 1, 30000) <= 0 ||
		    nghttp2_session_recv(s) != 0 ||
		    nghttp2_session_send(s) != 0) {
			fprintf(stderr, "peer_writers: etcd connection "
			    "failed after %d writes\n", finished);
			break;
		}
	}
	nghttp2_session_del(s);
	close(etcd_fd);
	return finished < total ? -1 : 0;
}

/* ---- ZooKeeper: create /bench/<n> ---- */

static pthread_mutex_t zk_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t zk_cond = PTHREAD_COND_INITIALIZER;
static zhandle_t *zh;
static int zk_connected;

struct create {
	int64_t	start;
	char	path[64];
};

static void	zk_start(void);

static void
zk_created(int rc, const char *name, const void *data)
{
	struct create *c = (struct create *)(uintptr_t)data;
	char why[200];

	(void)name;
	pthread_mutex_lock(&zk_lock);
	if (rc != ZOK) {
		snprintf(why, sizeof(why), "ZooKeeper create %s: %s", c->path,
		    zerror(rc));
		write_done(c->start, why);
	} else
		write_done(c->start, NULL);
	free(c);
	zk_start();
	pthread_cond_broadcast(&zk_cond);
	pthread_mutex_unlock(&zk_lock);
}

/* Called with zk_lock held. */
static void
zk_start(void)
{
	struct create *c;
	int rc;

	if (started == total)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		exit(2);
	snprintf(c->path, sizeof(c->path), "/bench/%d-%d-%d", (int)getpid(),
	    run_id, started++);
	c->start = now_us();
	rc = zoo_acreate(zh, c->path, value, value_size, &ZOO_OPEN_ACL_UNSAFE,
	    0, zk_created, c);
	if (rc != ZOK) {
		fprintf(stderr, "peer_writers: zoo_acreate: %s\n", zerror(rc));
		exit(2);
	}
}

static void
zk_watch(zhandle_t *z, int type, int state, const char *path, void *ctx)
{
	(void)z; (void)path; (void)ctx;
	if (type != ZOO_SESSION_EVENT)
		return;
	pthread_mutex_lock(&zk_lock);
	zk_connected = state == ZOO_CONNECTED_STATE;
	pthread_cond_broadcast(&zk_cond);
	pthread_mutex_unlock(&zk_lock);
}

static int
zk_open(const char *hosts)
{
	struct timespec deadline;
	int rc;

	zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
	if ((zh = zookeeper_init(hosts, zk_watch, 30000, NULL, NULL, 0)) ==
	    NULL)
		return -1;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 30;
	pthread_mutex_lock(&zk_lock);
	while (!zk_connected &&
	    pthread_cond_timedwait(&zk_cond, &zk_lock, &deadline) == 0)
		;
	rc = zk_connected ? 0 : -1;
	pthread_mutex_unlock(&zk_lock);
	if (rc == -1) {
		fprintf(stderr, "peer_writers: no ZooKeeper session with %s\n",
		    hosts);
		return -1;
	}
	rc = zoo_create(zh, "/bench", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL,
	    0);
	if (rc != ZOK && rc != ZNODEEXISTS) {
		fprintf(stderr, "peer_writers: create /bench: %s\n",
		    zerror(rc));
		return -1;
	}
	return 0;
}

static int
zk_run(int writers)
{
	struct timespec deadline;

	pthread_mutex_lock(&zk_lock);
	for (int i = 0; i < writers; i++)
		zk_start();
	while (finished < total) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += 30;
		if (pthread_cond_timedwait(&zk_cond, &zk_lock, &deadline) != 0)
			break;
	}
	pthread_mutex_unlock(&zk_lock);
	if (finished < total)
		fprintf(stderr, "peer_writers: ZooKeeper stalled after %d "
		    "writes\n", finished);
	return finished < total ? -1 : 0;
}

int
main(int argc, char *argv[])
{
	char *list = strdup("1,16,64,256"), *tok, *kind, *endpoint;
	int c, rc = 0;
	int64_t t0;

	while ((c = getopt(argc, argv, "n:s:w:")) != -1) {
		switch (c) {
		case 'n':
			total = atoi(optarg);
			break;
		case 's':
			value_size = atoi(optarg);
			break;
		case 'w':
			free(list);
			list = strdup(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 2 || list == NULL || total <= 0 ||
	    value_size <= 0)
		goto usage;
	kind = argv[optind];
	endpoint = argv[optind + 1];
	if (strcmp(kind, "etcd") != 0 && strcmp(kind, "zk") != 0)
		goto usage;
	if ((latencies = calloc((size_t)total, sizeof(*latencies))) == NULL ||
	    (value = malloc((size_t)value_size)) == NULL)
		return 2;
	memset(value, 'x', (size_t)value_size);
	if (strcmp(kind, "zk") == 0 && zk_open(endpoint) == -1)
		return 2;
	latency_table_header();
	for (tok = strtok(list, ","); tok != NULL && rc == 0;
	    tok = strtok(NULL, ",")) {
		started = finished = failures = 0;
		run_id++;
		t0 = now_us();
		rc = strcmp(kind, "zk") == 0 ? zk_run(atoi(tok)) :
		    etcd_run(endpoint, atoi(tok));
		latency_table_row(atoi(tok), latencies, finished - failures,
		    failures + (total - finished), now_us() - t0);
	}
	if (zh != NULL)
		zookeeper_close(zh);
	free(list);
	free(latencies);
	free(value);
	return rc == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: peer_writers etcd|zk ENDPOINT [-n WRITES] "
	    "[-w WRITERS,...] [-s BYTES]\n");
	return 2;
}
