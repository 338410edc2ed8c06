/*
 * replica: in-process replicas (see log_hub.h). Each message in flight is
 * a packed copy and a one-shot timer; replies find their broadcast in the
 * pending table shared with the TCP transport.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "replica/log_hub.h"
#include "replica/log_replica.h"

struct hub_member {
	struct log_net		 net;	/* first: the member's view */
	struct log_hub		*hub;
	size_t			 self;
	struct log_storage	*storage;
};

struct hub_msg {
	struct log_hub	*hub;
	size_t		 from, to;
	uint64_t	 handle;	/* replies: whose broadcast */
	int		 is_reply;
	uint8_t		*buf;
	size_t		 len;
	struct event	*ev;
	struct hub_msg	*prev, *next;
};

struct log_hub {
	struct event_base	*base;
	size_t			 n;
	struct hub_member	*members;
	struct log_net_pending	 pending;
	struct hub_msg		*inflight;
	log_hub_filter		 filter;
	void			*filter_arg;
};

static const struct log_net_ops hub_ops;

struct log_hub *
log_hub_new(struct event_base *base, size_t n)
{
	struct log_hub *h;

	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->members = calloc(n, sizeof(*h->members))) == NULL) {
		free(h);
		return NULL;
	}
	h->base = base;
	h->n = n;
	for (size_t i = 0; i < n; i++) {
		h->members[i].net.ops = &hub_ops;
		h->members[i].hub = h;
		h->members[i].self = i;
	}
	return h;
}

static void
msg_free(struct hub_msg *m)
{
	if (m->prev != NULL)
		m->prev->next = m->next;
	else
		m->hub->inflight = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	event_free(m->ev);
	free(m->buf);
	free(m);
}

void
log_hub_free(struct log_hub *h)
{
	if (h == NULL)
		return;
	while (h->inflight != NULL)
		msg_free(h->inflight);
	log_net_pending_clear(&h->pending);
	free(h->members);
	free(h);
}

void
log_hub_attach(struct log_hub *h, size_t i, struct log_storage *s)
{
	if (i < h->n)
		h->members[i].storage = s;
}

void
log_hub_set_filter(struct log_hub *h, log_hub_filter f, void *arg)
{
	h->filter = f;
	h->filter_arg = arg;
}

struct log_net *
log_hub_net(struct log_hub *h, size_t i)
{
	return i < h->n ? &h->members[i].net : NULL;
}

static void	deliver(evutil_socket_t, short, void *);

/* Queues a packed copy of f from one member to another. */
static void
post(struct log_hub *h, size_t from, size_t to, const LogFrame *f,
    uint64_t handle, int is_reply)
{
	struct hub_msg *m;
	struct timeval tv = { 0, 0 };
	int64_t delay = 0;

	if (h->filter != NULL && !h->filter(h->filter_arg, from, to, f,
	    &delay))
		return;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return;	/* a lost message, as on any network */
	m->hub = h;
	m->from = from;
	m->to = to;
	m->handle = handle;
	m->is_reply = is_reply;
	m->len = log_frame__get_packed_size(f);
	if ((m->buf = malloc(m->len ? m->len : 1)) == NULL ||
	    (m->ev = evtimer_new(h->base, deliver, m)) == NULL) {
		free(m->buf);
		free(m);
		return;
	}
	log_frame__pack(f, m->buf);
	m->next = h->inflight;
	if (h->inflight != NULL)
		h->inflight->prev = m;
	h->inflight = m;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(m->ev, &tv);
}

static void
deliver(evutil_socket_t fd, short what, void *arg)
{
	struct hub_msg *m = arg;
	struct log_hub *h = m->hub;
	struct hub_member *to = &h->members[m->to];
	struct log_reply r;
	LogFrame *f;

	f = log_frame__unpack(NULL, m->len, m->buf);
	if (f == NULL) {
		msg_free(m);
		return;
	}
	if (m->is_reply) {
		uint64_t handle = m->handle;

		msg_free(m);
		log_net_pending_reply(&h->pending, handle, f);
	} else if (to->storage != NULL) {
		if (log_replica_handle(to->storage, f, &r))
			post(h, m->to, m->from, &r.frame, m->handle, 1);
		log_reply_clear(&r);
		msg_free(m);
	} else
		msg_free(m);
	log_frame__free_unpacked(f, NULL);
}

static uint64_t
hub_broadcast(struct log_net *net, LogFrame *req, log_net_reply_fn fn,
    void *arg, size_t *sent)
{
	struct hub_member *me = (struct hub_member *)net;
	struct log_hub *h = me->hub;
	uint64_t handle;

	if ((handle = log_net_pending_add(&h->pending, fn, arg)) == 0)
		return 0;
	req->id = handle;
	*sent = 0;
	for (size_t i = 0; i < h->n; i++) {
		if (h->members[i].storage == NULL)
			continue;
		post(h, me->self, i, req, handle, 0);
		(*sent)++;
	}
	return handle;
}

static void
hub_cancel(struct log_net *net, uint64_t handle)
{
	log_net_pending_remove(&((struct hub_member *)net)->hub->pending,
	    handle);
}

static void
hub_notify(struct log_net *net, LogFrame *msg)
{
	struct hub_member *me = (struct hub_member *)net;
	struct log_hub *h = me->hub;
	struct log_reply r;

	/* The local replica learns before notify returns. */
	if (me->storage != NULL) {
		(void)log_replica_handle(me->storage, msg, &r);
		log_reply_clear(&r);
	}
	for (size_t i = 0; i < h->n; i++)
		if (i != me->self && h->members[i].storage != NULL)
			post(h, me->self, i, msg, 0, 0);
}

static const struct log_net_ops hub_ops = {
	hub_broadcast, hub_cancel, hub_notify,
};
