/*
 * replica: the log's TCP transport (see log_net_tcp.h). Everything runs on
 * the replica's event loop with bufferevents; nothing blocks.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "common/log.h"
#include "replica/log_net_tcp.h"
#include "replica/log_replica.h"

struct tcp_peer {
	char			 addr[64];
	struct bufferevent	*bev;		/* outgoing; NULL until needed */
	struct log_net_tcp	*t;
	struct tcp_peer		*next;
};

struct tcp_conn {				/* incoming */
	struct bufferevent	*bev;
	struct log_net_tcp	*t;
	struct tcp_conn		*prev, *next;
};

struct local_msg {
	struct log_net_tcp	*t;
	uint64_t		 handle;
	int			 is_reply;
	uint8_t			*buf;
	size_t			 len;
};

struct log_net_tcp {
	struct log_net		 net;	/* first */
	struct event_base	*base;
	struct log_storage	*local;
	struct evconnlistener	*listener;
	char			 self[64];
	struct tcp_peer		*peers;
	struct tcp_conn		*conns;
	struct log_net_pending	 pending;
};

static const struct log_net_ops tcp_ops;

/* Appends f to out, framed. */
static int
frame_write(struct evbuffer *out, const LogFrame *f)
{
	size_t len = log_frame__get_packed_size(f);
	unsigned char hdr[4];
	uint8_t *buf;
	int rc;

	if (len > LOG_NET_MAX_FRAME || (buf = malloc(len ? len : 1)) == NULL)
		return -1;
	log_frame__pack(f, buf);
	hdr[0] = (len >> 24) & 0xff;
	hdr[1] = (len >> 16) & 0xff;
	hdr[2] = (len >> 8) & 0xff;
	hdr[3] = len & 0xff;
	rc = evbuffer_add(out, hdr, 4) == 0 && evbuffer_add(out, buf, len) == 0
	    ? 0 : -1;
	free(buf);
	return rc;
}

/*
 * Takes the next whole frame out of in: 1 with *f, 0 if incomplete, -1 if
 * the stream is bad (too large, undecodable).
 */
static int
frame_read(struct evbuffer *in, LogFrame **f)
{
	unsigned char hdr[4];
	uint32_t len;
	uint8_t *buf;

	if (evbuffer_copyout(in, hdr, 4) < 4)
		return 0;
	len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	if (len > LOG_NET_MAX_FRAME)
		return -1;
	if (evbuffer_get_length(in) < 4 + (size_t)len)
		return 0;
	evbuffer_drain(in, 4);
	if ((buf = malloc(len ? len : 1)) == NULL)
		return -1;
	evbuffer_remove(in, buf, len);
	*f = log_frame__unpack(NULL, len, buf);
	free(buf);
	return *f != NULL ? 1 : -1;
}

static int
is_response(LogFrame__Kind k)
{
	return k == LOG_FRAME__KIND__PROMISE_RESPONSE ||
	    k == LOG_FRAME__KIND__WRITE_RESPONSE ||
	    k == LOG_FRAME__KIND__RECOVER_RESPONSE;
}

/* Incoming connections: requests in, replies out. */
static void
conn_free(struct tcp_conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->t->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	free(c);
}

/*
 * Sends what is queued on bev now rather than on the loop's next turn, so
 * a reply or a request is on the wire before this process goes on to
 * fsync something else. What the socket does not take now, the
 * bufferevent sends later as usual.
 */
static void
send_now(struct bufferevent *bev)
{
	evutil_socket_t fd = bufferevent_getfd(bev);

	if (fd != -1)
		(void)evbuffer_write(bufferevent_get_output(bev), fd);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;
	struct log_reply r;
	LogFrame *f, **notices = NULL, **grown;
	size_t n_notices = 0;
	int rc;

	while ((rc = frame_read(bufferevent_get_input(bev), &f)) == 1) {
		if (is_response(f->kind)) {
			log_frame__free_unpacked(f, NULL);
			rc = -1;
			break;
		}
		/*
		 * Learned notices need no reply: they wait until the replies
		 * to this read's requests are sent, so a coordinator's write
		 * round does not wait for this replica to store them.
		 */
		if (f->kind == LOG_FRAME__KIND__LEARNED &&
		    (grown = realloc(notices, (n_notices + 1) *
		    sizeof(*notices))) != NULL) {
			notices = grown;
			notices[n_notices++] = f;
			continue;
		}
		if (log_replica_handle(c->t->local, f, &r) &&
		    frame_write(bufferevent_get_output(bev), &r.frame) == -1)
			log_warnx("log transport: cannot queue a reply");
		log_reply_clear(&r);
		log_frame__free_unpacked(f, NULL);
	}
	send_now(bev);
	for (size_t i = 0; i < n_notices; i++) {
		(void)log_replica_handle(c->t->local, notices[i], &r);
		log_reply_clear(&r);
		log_frame__free_unpacked(notices[i], NULL);
	}
	free(notices);
	if (rc == -1) {
		log_warnx("log transport: dropping a connection that sent a "
		    "malformed or oversized frame");
		conn_free(c);
	}
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

static void
accepted(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct log_net_tcp *t = arg;
	struct tcp_conn *c;
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->bev = bufferevent_socket_new(t->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		evutil_closesocket(fd);
		return;
	}
	c->t = t;
	c->next = t->conns;
	if (t->conns != NULL)
		t->conns->prev = c;
	t->conns = c;
	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* Outgoing connections: requests out, replies in. */
static void
peer_close(struct tcp_peer *p)
{
	if (p->bev != NULL)
		bufferevent_free(p->bev);
	p->bev = NULL;
}

static void
peer_read(struct bufferevent *bev, void *arg)
{
	struct tcp_peer *p = arg;
	LogFrame *f;
	int rc;

	while ((rc = frame_read(bufferevent_get_input(bev), &f)) == 1) {
		if (!is_response(f->kind)) {
			log_frame__free_unpacked(f, NULL);
			rc = -1;
			break;
		}
		/* Callbacks may broadcast again, never change the peers. */
		log_net_pending_reply(&p->t->pending, f->id, f);
		log_frame__free_unpacked(f, NULL);
	}
	if (rc == -1) {
		log_warnx("log transport: %s sent a malformed frame", p->addr);
		peer_close(p);
	}
}

static void
peer_event(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_peer *p = arg;

	if (what & BEV_EVENT_CONNECTED) {
		int one = 1;

		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY,
		    &one, sizeof(one));
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		log_info("log transport: connection to %s closed", p->addr);
		peer_close(p);
	}
}

static struct bufferevent *
peer_bev(struct tcp_peer *p)
{
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);

	if (p->bev != NULL)
		return p->bev;
	if (evutil_parse_sockaddr_port(p->addr, (struct sockaddr *)&ss,
	    &sslen) == -1)
		return NULL;
	if ((p->bev = bufferevent_socket_new(p->t->base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL;
	bufferevent_setcb(p->bev, peer_read, NULL, peer_event, p);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(p->bev, (struct sockaddr *)&ss,
	    sslen) == -1) {
		peer_close(p);
		return NULL;
	}
	return p->bev;
}

/* The local replica, through the loop: requests to it, its replies back. */
static void	local_deliver(evutil_socket_t, short, void *);

static void
local_post(struct log_net_tcp *t, const LogFrame *f, uint64_t handle,
    int is_reply)
{
	struct local_msg *m;
	struct timeval now = { 0, 0 };

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return;
	m->t = t;
	m->handle = handle;
	m->is_reply = is_reply;
	m->len = log_frame__get_packed_size(f);
	if ((m->buf = malloc(m->len ? m->len : 1)) == NULL) {
		free(m);
		return;
	}
	log_frame__pack(f, m->buf);
	if (event_base_once(t->base, -1, EV_TIMEOUT, local_deliver, m,
	    &now) == -1) {
		free(m->buf);
		free(m);
	}
}

static void
local_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct local_msg *m = arg;
	struct log_net_tcp *t = m->t;
	struct log_reply r;
	LogFrame *f = log_frame__unpack(NULL, m->len, m->buf);

	free(m->buf);
	if (f == NULL) {
		free(m);
		return;
	}
	if (m->is_reply)
		log_net_pending_reply(&t->pending, m->handle, f);
	else {
		if (log_replica_handle(t->local, f, &r))
			local_post(t, &r.frame, m->handle, 1);
		log_reply_clear(&r);
	}
	log_frame__free_unpacked(f, NULL);
	free(m);
}

static uint64_t
tcp_broadcast(struct log_net *net, LogFrame *req, log_net_reply_fn fn,
    void *arg, size_t *sent)
{
	struct log_net_tcp *t = (struct log_net_tcp *)net;
	struct bufferevent *bev;
	uint64_t handle;

	if ((handle = log_net_pending_add(&t->pending, fn, arg)) == 0)
		return 0;
	req->id = handle;
	*sent = 1;
	/* Peers first: their round trip overlaps the local fsync. */
	for (struct tcp_peer *p = t->peers; p != NULL; p = p->next) {
		(*sent)++;
		if ((bev = peer_bev(p)) == NULL ||
		    frame_write(bufferevent_get_output(bev), req) == -1)
			continue;	/* lost, as on any network */
		send_now(bev);
	}
	local_post(t, req, handle, 0);
	return handle;
}

static void
tcp_cancel(struct log_net *net, uint64_t handle)
{
	log_net_pending_remove(&((struct log_net_tcp *)net)->pending, handle);
}

static void
tcp_notify(struct log_net *net, LogFrame *msg)
{
	struct log_net_tcp *t = (struct log_net_tcp *)net;
	struct log_reply r;
	struct bufferevent *bev;

	/* Peers first, as in a broadcast: they need not wait for our fsync. */
	for (struct tcp_peer *p = t->peers; p != NULL; p = p->next)
		if ((bev = peer_bev(p)) != NULL &&
		    frame_write(bufferevent_get_output(bev), msg) == 0)
			send_now(bev);
	(void)log_replica_handle(t->local, msg, &r);
	log_reply_clear(&r);
}

static const struct log_net_ops tcp_ops = {
	tcp_broadcast, tcp_cancel, tcp_notify,
};

struct log_net_tcp *
log_net_tcp_new(struct event_base *base, const char *ip, int port,
    struct log_storage *local, char *err, size_t errlen)
{
	struct log_net_tcp *t;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1) {
		snprintf(err, errlen, "log address '%s' is not an IPv4 "
		    "address", ip);
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->net.ops = &tcp_ops;
	t->base = base;
	t->local = local;
	if ((t->listener = evconnlistener_new_bind(base, accepted, t,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64,
	    (struct sockaddr *)&sin, sizeof(sin))) == NULL) {
		snprintf(err, errlen, "cannot listen on %s:%d for the log: %s",
		    ip, port, strerror(errno));
		free(t);
		return NULL;
	}
	getsockname(evconnlistener_get_fd(t->listener),
	    (struct sockaddr *)&sin, &len);
	snprintf(t->self, sizeof(t->self), "%s:%d", ip, ntohs(sin.sin_port));
	return t;
}

void
log_net_tcp_free(struct log_net_tcp *t)
{
	struct tcp_peer *p;

	if (t == NULL)
		return;
	evconnlistener_free(t->listener);
	while (t->conns != NULL)
		conn_free(t->conns);
	while ((p = t->peers) != NULL) {
		t->peers = p->next;
		peer_close(p);
		free(p);
	}
	log_net_pending_clear(&t->pending);
	free(t);
}

struct log_net *
log_net_tcp_net(struct log_net_tcp *t)
{
	return &t->net;
}

const char *
log_net_tcp_address(const struct log_net_tcp *t)
{
	return t->self;
}

size_t
log_net_tcp_size(const struct log_net_tcp *t)
{
	size_t n = 1;

	for (struct tcp_peer *p = t->peers; p != NULL; p = p->next)
		n++;
	return n;
}

int
log_net_tcp_set_peers(struct log_net_tcp *t, const char *const *addrs,
    size_t n)
{
	struct tcp_peer *keep = NULL, *p, **pp;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(addrs[i], t->self) == 0 ||
		    strlen(addrs[i]) >= sizeof(p->addr))
			continue;
		/* Already connected (or a duplicate): keep it. */
		for (pp = &t->peers; (p = *pp) != NULL; pp = &p->next)
			if (strcmp(p->addr, addrs[i]) == 0)
				break;
		if (p != NULL)
			*pp = p->next;
		else {
			for (p = keep; p != NULL; p = p->next)
				if (strcmp(p->addr, addrs[i]) == 0)
					break;
			if (p != NULL)
				continue;
			if ((p = calloc(1, sizeof(*p))) == NULL)
				return -1;
			p->t = t;
			snprintf(p->addr, sizeof(p->addr), "%s", addrs[i]);
		}
		p->next = keep;
		keep = p;
	}
	while ((p = t->peers) != NULL) {
		t->peers = p->next;
		peer_close(p);
		free(p);
	}
	t->peers = keep;
	return 0;
}
