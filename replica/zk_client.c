/*
 * replica: the ZooKeeper session (see zk_client.h). Every request and
 * watch gets a zk_event when it is made; the library's threads fill it in
 * and post it to the loop, where it runs its callback and is freed. The
 * session keeps all unrun events in one list, so closing it frees those
 * whose callbacks will never come.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "ipc/ipc_loop.h"
#include "replica/zk_client.h"

#define ZK_SERVERS_MAX	4096	/* bytes of "ip:port,..." */

enum zk_event_kind {
	ZK_EV_SESSION,
	ZK_EV_WATCH,
	ZK_EV_CREATED,
	ZK_EV_DONE,
	ZK_EV_CHILDREN,
	ZK_EV_DATA,
};

struct zk_event {
	struct ipc_completion	 post;
	struct zk		*zk;
	struct zk_event		*prev, *next;	/* the session's unrun events */
	enum zk_event_kind	 kind;
	int			 rc;		/* or the session state */
	char			*str;		/* created path, or data */
	size_t			 len;
	char			**names;
	size_t			 nnames;
	struct zk_event		*watch;		/* ZK_EV_CHILDREN: its watch */
	union {
		zk_watch_fn	 watch;
		zk_created_fn	 created;
		zk_done_fn	 done;
		zk_children_fn	 children;
		zk_data_fn	 data;
	} fn;
	void			*arg;
};

struct zk {
	zhandle_t		*zh;
	pthread_mutex_t		 lock;
	struct zk_event		*live;
	zk_session_fn		 session;
	void			*session_arg;
};

static void	event_run(void *);

static struct zk_event *
event_new(struct zk *zk, enum zk_event_kind kind, void *arg)
{
	struct zk_event *ev;

	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return NULL;
	ev->zk = zk;
	ev->kind = kind;
	ev->arg = arg;
	ev->post.fn = event_run;
	ev->post.arg = ev;
	pthread_mutex_lock(&zk->lock);
	if ((ev->next = zk->live) != NULL)
		ev->next->prev = ev;
	zk->live = ev;
	pthread_mutex_unlock(&zk->lock);
	return ev;
}

/* Frees an event already off the session's list. */
static void
event_destroy(struct zk_event *ev)
{
	for (size_t i = 0; i < ev->nnames; i++)
		free(ev->names[i]);
	free(ev->names);
	free(ev->str);
	free(ev);
}

static void
event_free(struct zk_event *ev)
{
	struct zk *zk = ev->zk;

	pthread_mutex_lock(&zk->lock);
	if (ev->prev != NULL)
		ev->prev->next = ev->next;
	else
		zk->live = ev->next;
	if (ev->next != NULL)
		ev->next->prev = ev->prev;
	pthread_mutex_unlock(&zk->lock);
	event_destroy(ev);
}

/* Runs on the loop thread. */
static void
event_run(void *arg)
{
	struct zk_event *ev = arg;
	struct zk *zk = ev->zk;

	switch (ev->kind) {
	case ZK_EV_SESSION:
		zk->session(ev->rc, zk->session_arg);
		break;
	case ZK_EV_WATCH:
		ev->fn.watch(ev->arg);
		break;
	case ZK_EV_CREATED:
		ev->fn.created(ev->rc, ev->str, ev->arg);
		break;
	case ZK_EV_DONE:
		ev->fn.done(ev->rc, ev->arg);
		break;
	case ZK_EV_CHILDREN:
		/* A failed listing left no watch: its event would never run. */
		if (ev->rc != ZOK && ev->watch != NULL)
			event_free(ev->watch);
		ev->fn.children(ev->rc, ev->names, ev->nnames, ev->arg);
		break;
	case ZK_EV_DATA:
		ev->fn.data(ev->rc, ev->str, ev->len, ev->arg);
		break;
	}
	event_free(ev);
}

/* The library's threads from here on, until zk_close. */

static char *
copy_bytes(const char *p, size_t len)
{
	char *s;

	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

static void
session_watcher(zhandle_t *zh, int type, int state, const char *path,
    void *ctx)
{
	struct zk *zk = ctx;
	struct zk_event *ev;
	int s;

	if (type != ZOO_SESSION_EVENT)
		return;
	if (state == ZOO_CONNECTED_STATE)
		s = ZK_SESSION_CONNECTED;
	else if (state == ZOO_EXPIRED_SESSION_STATE ||
	    state == ZOO_AUTH_FAILED_STATE)
		s = ZK_SESSION_EXPIRED;
	else
		s = ZK_SESSION_CONNECTING;
	if ((ev = event_new(zk, ZK_EV_SESSION, NULL)) == NULL)
		abort();	/* a lost session event would leave us deaf */
	ev->rc = s;
	ipc_loop_post(&ev->post);
}

static void
node_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	struct zk_event *ev = ctx;

	/* Session events reach every watcher; the session watcher has them. */
	if (type == ZOO_SESSION_EVENT)
		return;
	ipc_loop_post(&ev->post);
}

static void
created_done(int rc, const char *value, const void *data)
{
	struct zk_event *ev = (struct zk_event *)(uintptr_t)data;

	ev->rc = rc;
	if (rc == ZOK && value != NULL &&
	    (ev->str = copy_bytes(value, strlen(value))) == NULL)
		ev->rc = ZSYSTEMERROR;
	ipc_loop_post(&ev->post);
}

static void
void_done(int rc, const void *data)
{
	struct zk_event *ev = (struct zk_event *)(uintptr_t)data;

	ev->rc = rc;
	ipc_loop_post(&ev->post);
}

static void
children_done(int rc, const struct String_vector *sv, const void *data)
{
	struct zk_event *ev = (struct zk_event *)(uintptr_t)data;

	ev->rc = rc;
	if (rc == ZOK && sv != NULL && sv->count > 0) {
		if ((ev->names = calloc((size_t)sv->count,
		    sizeof(char *))) == NULL)
			ev->rc = ZSYSTEMERROR;
		for (int i = 0; ev->names != NULL && i < sv->count; i++) {
			if ((ev->names[i] = copy_bytes(sv->data[i],
			    strlen(sv->data[i]))) == NULL) {
				ev->rc = ZSYSTEMERROR;
				break;
			}
			ev->nnames++;
		}
	}
	ipc_loop_post(&ev->post);
}

static void
data_done(int rc, const char *value, int len, const struct Stat *stat,
    const void *data)
{
	struct zk_event *ev = (struct zk_event *)(uintptr_t)data;

	ev->rc = rc;
	if (rc == ZOK) {
		ev->len = value != NULL && len > 0 ? (size_t)len : 0;
		if ((ev->str = copy_bytes(value != NULL ? value : "",
		    ev->len)) == NULL)
			ev->rc = ZSYSTEMERROR;
	}
	ipc_loop_post(&ev->post);
}

/* A numeric IPv4 or IPv6 address: nothing to resolve. */
static int
numeric(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

/*
 * Appends "ip:port" to out, IPv6 without brackets (the client takes the
 * port after the last colon); -1 when it does not fit.
 */
static int
append(char *out, size_t outlen, const char *ip, const char *port)
{
	size_t off = strlen(out);
	int n;

	n = snprintf(out + off, outlen - off, "%s%s:%s", off > 0 ? "," : "",
	    ip, port);
	return n < 0 || (size_t)n >= outlen - off ? -1 : 0;
}

/*
 * The servers with their names resolved now, before the sandbox. The
 * client resolves its list again after every lost connection; a name
 * would then need the files and the DNS the sandbox keeps from a worker
 * (it would die of a forbidden call), a numeric address needs neither.
 */
static int
resolve_servers(const char *in, char *out, size_t outlen, char *err,
    size_t errlen)
{
	char host[256], port[8], ip[INET6_ADDRSTRLEN];
	const char *p = in, *comma, *colon;
	struct addrinfo hints, *res, *ai;
	size_t n, hl;
	int rc;

	out[0] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	for (; *p != '\0'; p = *comma != '\0' ? comma + 1 : comma) {
		comma = p + strcspn(p, ",");
		n = (size_t)(comma - p);
		if ((colon = memrchr(p, ':', n)) == NULL ||
		    (size_t)(comma - colon - 1) >= sizeof(port)) {
			snprintf(err, errlen, "'%.*s' is not host:port",
			    (int)n, p);
			return -1;
		}
		hl = (size_t)(colon - p);
		if (hl >= 2 && p[0] == '[' && colon[-1] == ']') {
			p++;
			hl -= 2;
		}
		if (hl == 0 || hl >= sizeof(host)) {
			snprintf(err, errlen, "'%.*s' is not host:port",
			    (int)n, p);
			return -1;
		}
		memcpy(host, p, hl);
		host[hl] = '\0';
		memcpy(port, colon + 1, (size_t)(comma - colon - 1));
		port[comma - colon - 1] = '\0';
		if (numeric(host)) {
			if (append(out, outlen, host, port) == -1)
				goto long_list;
			continue;
		}
		if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
			snprintf(err, errlen, "cannot resolve the ZooKeeper "
			    "server %s: %s", host, gai_strerror(rc));
			return -1;
		}
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			const void *a = ai->ai_family == AF_INET ?
			    (const void *)&((struct sockaddr_in *)
			    (void *)ai->ai_addr)->sin_addr :
			    (const void *)&((struct sockaddr_in6 *)
			    (void *)ai->ai_addr)->sin6_addr;

			if ((ai->ai_family != AF_INET &&
			    ai->ai_family != AF_INET6) ||
			    inet_ntop(ai->ai_family, a, ip, sizeof(ip)) == NULL)
				continue;
			if (append(out, outlen, ip, port) == -1) {
				freeaddrinfo(res);
				goto long_list;
			}
		}
		freeaddrinfo(res);
	}
	return 0;
long_list:
	snprintf(err, errlen, "too many ZooKeeper server addresses");
	return -1;
}

/* Back on the loop thread. */

struct zk *
zk_open(const char *hosts, int session_timeout_ms, zk_session_fn session,
    void *arg, char *err, size_t errlen)
{
	char addrs[ZK_SERVERS_MAX];
	struct zk *zk;

	if (resolve_servers(hosts, addrs, sizeof(addrs), err, errlen) == -1)
		return NULL;
	if ((zk = calloc(1, sizeof(*zk))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&zk->lock, NULL);
	zk->session = session;
	zk->session_arg = arg;
	/* The client's own log lines go to the worker's log, warnings up. */
	zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
	if ((zk->zh = zookeeper_init(addrs, session_watcher,
	    session_timeout_ms, NULL, zk, 0)) == NULL) {
		snprintf(err, errlen, "cannot start a ZooKeeper session with "
		    "%s: %s", hosts, strerror(errno));
		pthread_mutex_destroy(&zk->lock);
		free(zk);
		return NULL;
	}
	/*
	 * By default the client resolves the server names again on every
	 * poll; under the sandbox it could not, so only on connection loss.
	 */
	zoo_set_servers_resolution_delay(zk->zh, -1);
	return zk;
}

void
zk_close(struct zk *zk)
{
	struct zk_event *ev, *next;

	if (zk == NULL)
		return;
	/* Joins the library's threads: nothing is posted after this. */
	zookeeper_close(zk->zh);
	for (ev = zk->live; ev != NULL; ev = next) {
		next = ev->next;
		ipc_loop_cancel(&ev->post);
		event_destroy(ev);
	}
	pthread_mutex_destroy(&zk->lock);
	free(zk);
}

int
zk_session_timeout_ms(const struct zk *zk)
{
	return zoo_recv_timeout(zk->zh);
}

/* Drops an event whose request the library refused. */
static int
refused(struct zk_event *ev, int rc)
{
	log_warnx("ZooKeeper request refused: %s", zerror(rc));
	event_free(ev);
	return -1;
}

int
zk_create(struct zk *zk, const char *path, const void *data, size_t len,
    int flags, zk_created_fn fn, void *arg)
{
	struct zk_event *ev;
	int rc;

	if ((ev = event_new(zk, ZK_EV_CREATED, arg)) == NULL)
		return -1;
	ev->fn.created = fn;
	if ((rc = zoo_acreate(zk->zh, path, data, data != NULL ? (int)len : -1,
	    &ZOO_OPEN_ACL_UNSAFE, flags, created_done, ev)) != ZOK)
		return refused(ev, rc);
	return 0;
}

int
zk_delete(struct zk *zk, const char *path, zk_done_fn fn, void *arg)
{
	struct zk_event *ev;
	int rc;

	if ((ev = event_new(zk, ZK_EV_DONE, arg)) == NULL)
		return -1;
	ev->fn.done = fn;
	if ((rc = zoo_adelete(zk->zh, path, -1, void_done, ev)) != ZOK)
		return refused(ev, rc);
	return 0;
}

int
zk_get(struct zk *zk, const char *path, zk_data_fn fn, void *arg)
{
	struct zk_event *ev;
	int rc;

	if ((ev = event_new(zk, ZK_EV_DATA, arg)) == NULL)
		return -1;
	ev->fn.data = fn;
	if ((rc = zoo_aget(zk->zh, path, 0, data_done, ev)) != ZOK)
		return refused(ev, rc);
	return 0;
}

int
zk_children(struct zk *zk, const char *path, zk_watch_fn watch,
    void *watch_arg, zk_children_fn fn, void *arg)
{
	struct zk_event *ev, *wev = NULL;
	int rc;

	if (watch != NULL) {
		if ((wev = event_new(zk, ZK_EV_WATCH, watch_arg)) == NULL)
			return -1;
		wev->fn.watch = watch;
	}
	if ((ev = event_new(zk, ZK_EV_CHILDREN, arg)) == NULL) {
		if (wev != NULL)
			event_free(wev);
		return -1;
	}
	ev->fn.children = fn;
	ev->watch = wev;
	if ((rc = zoo_awget_children(zk->zh, path,
	    wev != NULL ? node_watcher : NULL, wev, children_done,
	    ev)) != ZOK) {
		if (wev != NULL)
			event_free(wev);
		return refused(ev, rc);
	}
	return 0;
}

/* mkdir -p: one create per missing component, in order. */
struct create_path {
	struct zk	*zk;
	char		*path;
	size_t		 done_len;	/* prefix known to exist */
	zk_done_fn	 fn;
	void		*arg;
};

static void	create_path_next(struct create_path *);

static void
create_path_step(int rc, const char *created, void *arg)
{
	struct create_path *cp = arg;

	if (rc != ZOK && rc != ZNODEEXISTS) {
		cp->fn(rc, cp->arg);
		free(cp->path);
		free(cp);
		return;
	}
	create_path_next(cp);
}

static void
create_path_next(struct create_path *cp)
{
	char *slash;
	int rc;

	if (cp->path[cp->done_len] == '\0') {
		cp->fn(ZOK, cp->arg);
		free(cp->path);
		free(cp);
		return;
	}
	slash = strchr(cp->path + cp->done_len + 1, '/');
	cp->done_len = slash != NULL ? (size_t)(slash - cp->path) :
	    strlen(cp->path);
	if (slash != NULL)
		*slash = '\0';
	rc = zk_create(cp->zk, cp->path, NULL, 0, 0, create_path_step, cp);
	if (slash != NULL)
		*slash = '/';
	if (rc == -1) {
		cp->fn(ZSYSTEMERROR, cp->arg);
		free(cp->path);
		free(cp);
	}
}

int
zk_create_path(struct zk *zk, const char *path, zk_done_fn fn, void *arg)
{
	struct create_path *cp;

	if (path[0] != '/' || (cp = calloc(1, sizeof(*cp))) == NULL)
		return -1;
	if ((cp->path = strdup(path)) == NULL) {
		free(cp);
		return -1;
	}
	cp->zk = zk;
	cp->fn = fn;
	cp->arg = arg;
	/* "/" itself always exists. */
	if (strcmp(cp->path, "/") == 0)
		cp->done_len = 1;
	create_path_next(cp);
	return 0;
}
