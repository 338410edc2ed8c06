/*
 * tests/unit/lc_client: see lc_client.h.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/lc_client.h"

#define PARTITION_AWARE	\
	MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__PARTITION_AWARE

int lcc_port;
struct lcc_bodies *lcc_capture;

int64_t
lcc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n == 0 ? 1 : n)) == NULL) {
		perror("realloc");
		exit(2);
	}
	return p;
}

static int
dial(void)
{
	struct sockaddr_in sin;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)lcc_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t w;

	while (len > 0) {
		if ((w = send(fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Reads what is there within ms; 0 at EOF, -1 on error or timeout. */
static ssize_t
recv_wait(int fd, void *buf, size_t len, int ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	int r;

	if (ms < 0)
		ms = 0;
	while ((r = poll(&pfd, 1, ms)) == -1 && errno == EINTR)
		;
	if (r <= 0) {
		errno = r == 0 ? ETIMEDOUT : errno;
		return -1;
	}
	return recv(fd, buf, len, 0);
}

static int
send_request(int fd, const char *method, const char *path, const char *ctype,
    const char *stream_id, const void *body, size_t len, bool keep)
{
	char head[1024];
	int n;

	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n%s%s%s%s%s%s"
	    "Content-Length: %zu\r\nConnection: %s\r\n\r\n", method, path,
	    lcc_port,
	    ctype != NULL ? "Content-Type: " : "", ctype != NULL ? ctype : "",
	    ctype != NULL ? "\r\n" : "",
	    stream_id != NULL ? "Mesos-Stream-Id: " : "",
	    stream_id != NULL ? stream_id : "", stream_id != NULL ? "\r\n" : "",
	    len, keep ? "keep-alive" : "close");
	if (send_all(fd, head, (size_t)n) == -1)
		return -1;
	return len > 0 ? send_all(fd, body, len) : 0;
}


void
lcc_resp_free(struct lcc_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* One header's value from a block of them, or NULL. */
static const char *
header(const char *headers, const char *name, char *out, size_t outlen)
{
	const char *p = headers, *e;
	size_t n = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			e = strstr(p, "\r\n");
			n = e != NULL ? (size_t)(e - p) : strlen(p);
			snprintf(out, outlen, "%.*s", (int)n, p);
			return out;
		}
	}
	return NULL;
}

/* Decodes a whole chunked body in place; its new length. */
static size_t
dechunk_all(char *b, size_t len)
{
	size_t in = 0, out = 0, n;
	char *end;

	while (in < len) {
		n = strtoul(b + in, &end, 16);
		if ((end = strstr(end, "\r\n")) == NULL)
			break;
		in = (size_t)(end - b) + 2;
		if (n == 0 || in + n > len)
			break;
		memmove(b + out, b + in, n);
		out += n;
		in += n + 2;
	}
	b[out] = '\0';
	return out;
}

int
lcc_http(const char *method, const char *path, const char *ctype,
    const char *stream_id, const void *body, size_t len, struct lcc_resp *r)
{
	char *buf = NULL, *sep, te[64];
	size_t blen = 0, cap = 0;
	int64_t deadline = lcc_now_ms() + 20000;
	ssize_t n;
	int fd;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if ((fd = dial()) == -1)
		return -1;
	/* A refused large body may end in a reset: read what came anyway. */
	(void)send_request(fd, method, path, ctype, stream_id, body, len,
	    false);
	for (;;) {
		if (blen + 65536 + 1 > cap) {
			cap = (blen + 65536 + 1) * 2;
			buf = xrealloc(buf, cap);
		}
		n = recv_wait(fd, buf + blen, cap - blen - 1,
		    (int)(deadline - lcc_now_ms()));
		if (n <= 0)
			break;
		blen += (size_t)n;
	}
	close(fd);
	if (buf == NULL)
		return -1;
	buf[blen] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1 ||
	    (sep = strstr(buf, "\r\n\r\n")) == NULL) {
		free(buf);
		r->status = -1;
		return -1;
	}
	snprintf(r->headers, sizeof(r->headers), "%.*s", (int)(sep - buf), buf);
	sep += 4;
	r->len = blen - (size_t)(sep - buf);
	memmove(buf, sep, r->len + 1);
	r->body = buf;
	if (header(r->headers, "Transfer-Encoding", te, sizeof(te)) != NULL &&
	    strcasecmp(te, "chunked") == 0)
		r->len = dechunk_all(r->body, r->len);
	return r->status;
}

json_t *
lcc_state(void)
{
	struct lcc_resp r;
	json_t *j = NULL;

	if (lcc_http("GET", "/state.json", NULL, NULL, NULL, 0, &r) == 200)
		j = json_loads(r.body, 0, NULL);
	lcc_resp_free(&r);
	return j;
}

/* The task's object in /state.json (a new reference), or NULL. */
json_t *
lcc_state_task(const char *id)
{
	json_t *st = lcc_state(), *tasks, *t, *found = NULL;
	size_t i;

	if (st == NULL)
		return NULL;
	tasks = json_object_get(st, "tasks");
	json_array_foreach(tasks, i, t)
		if (strcmp(json_string_value(json_object_get(t, "id")) ?
		    json_string_value(json_object_get(t, "id")) : "", id) == 0)
			found = t;
	if (found != NULL)
		json_incref(found);
	json_decref(st);
	return found;
}

/* The framework's object in /state.json (a new reference), or NULL. */
json_t *
lcc_state_framework(const char *id)
{
	json_t *st = lcc_state(), *f, *found = NULL;
	const char *v;
	size_t i;

	if (st == NULL)
		return NULL;
	json_array_foreach(json_object_get(st, "frameworks"), i, f)
		if ((v = json_string_value(json_object_get(f, "id"))) != NULL &&
		    strcmp(v, id) == 0)
			found = f;
	if (found != NULL)
		json_incref(found);
	json_decref(st);
	return found;
}

long
lcc_task_pid(const char *id)
{
	json_t *t = lcc_state_task(id);
	long pid = 0;

	if (t != NULL && json_is_integer(json_object_get(t, "pid")))
		pid = (long)json_integer_value(json_object_get(t, "pid"));
	json_decref(t);
	return pid;
}

/* ---- the subscription stream ---- */




void
lcc_close(struct lcc_stream *s)
{
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	free(s->raw);
	s->raw = NULL;
	recordio_reader_free(&s->rio);
	free(s->offers);
	free(s->upds);
	s->offers = NULL;
	s->upds = NULL;
}

static void
record_offer(struct lcc_stream *s, const Mesos__V1__Offer *o)
{
	struct lcc_offer *r;
	size_t i, n;

	s->offers = xrealloc(s->offers, (s->noffers + 1) * sizeof(*s->offers));
	r = &s->offers[s->noffers++];
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", o->id->value);
	snprintf(r->agent, sizeof(r->agent), "%s", o->agent_id->value);
	snprintf(r->host, sizeof(r->host), "%s", o->hostname);
	for (i = 0; i < o->n_resources; i++) {
		const Mesos__V1__Resource *res = o->resources[i];
		double v = res->scalar != NULL ? res->scalar->value : -1;

		if (strcmp(res->name, "cpus") == 0)
			r->cpus = v;
		else if (strcmp(res->name, "mem") == 0)
			r->mem = v;
		else if (strcmp(res->name, "disk") == 0)
			r->disk = v;
		else if (strcmp(res->name, "ports") == 0 &&
		    res->ranges != NULL && res->ranges->n_range > 0) {
			r->nranges = res->ranges->n_range;
			r->port_begin = res->ranges->range[0]->begin;
			r->port_end = res->ranges->range[0]->end;
		}
	}
	for (i = 0, n = 0; i < o->n_attributes; i++) {
		const Mesos__V1__Attribute *a = o->attributes[i];

		n += (size_t)snprintf(r->attrs + n, sizeof(r->attrs) - n,
		    "%s%s=%s", i > 0 ? "," : "", a->name,
		    a->text != NULL ? a->text->value : "?");
		if (n >= sizeof(r->attrs))
			break;
	}
}

static void
record_update(struct lcc_stream *s, const Mesos__V1__TaskStatus *st)
{
	struct lcc_upd *u;

	s->upds = xrealloc(s->upds, (s->nupds + 1) * sizeof(*s->upds));
	u = &s->upds[s->nupds++];
	memset(u, 0, sizeof(*u));
	snprintf(u->task, sizeof(u->task), "%s", st->task_id->value);
	if (st->agent_id != NULL)
		snprintf(u->agent, sizeof(u->agent), "%s", st->agent_id->value);
	u->state = (int)st->state;
	snprintf(u->msg, sizeof(u->msg), "%s",
	    st->message != NULL ? st->message : "");
	u->has_uuid = st->has_uuid && st->uuid.len == 16;
	if (u->has_uuid)
		memcpy(u->uuid, st->uuid.data, 16);
	u->reason = st->has_reason ? (int)st->reason : -1;
	u->source = st->has_source ? (int)st->source : -1;
	u->has_timestamp = st->has_timestamp && st->timestamp > 1e9;
}

static void
record(struct lcc_stream *s, const Mesos__V1__Event *ev)
{
	size_t i;

	if (s->first_type == 0)
		s->first_type = ev->has_type ? (int)ev->type : -1;
	switch (ev->type) {
	case MESOS__V1__EVENT__TYPE__SUBSCRIBED:
		s->subscribed = true;
		snprintf(s->fw_id, sizeof(s->fw_id), "%s",
		    ev->subscribed->framework_id->value);
		s->heartbeat_s = ev->subscribed->heartbeat_interval_seconds;
		if (ev->subscribed->master_info != NULL)
			s->master_port = ev->subscribed->master_info->port;
		break;
	case MESOS__V1__EVENT__TYPE__HEARTBEAT:
		s->heartbeats++;
		break;
	case MESOS__V1__EVENT__TYPE__OFFERS:
		s->offer_events++;
		if (ev->offers->n_offers > s->max_offers_per_event)
			s->max_offers_per_event = ev->offers->n_offers;
		for (i = 0; i < ev->offers->n_offers; i++)
			record_offer(s, ev->offers->offers[i]);
		break;
	case MESOS__V1__EVENT__TYPE__UPDATE:
		record_update(s, ev->update->status);
		break;
	default:
		break;
	}
}

/* Moves whole chunks' bytes from raw into the RecordIO reader. */
static void
dechunk(struct lcc_stream *s)
{
	size_t off = 0, n;
	char *nl, *end;

	for (;;) {
		if (s->in_chunk) {
			n = s->rlen - off < s->chunk_left ? s->rlen - off :
			    s->chunk_left;
			recordio_feed(&s->rio, s->raw + off, n);
			off += n;
			s->chunk_left -= n;
			if (s->chunk_left > 0)
				break;
			if (s->rlen - off < 2)
				break;
			off += 2;	/* the chunk's CRLF */
			s->in_chunk = false;
			continue;
		}
		nl = memchr(s->raw + off, '\n', s->rlen - off);
		if (nl == NULL)
			break;
		n = strtoul(s->raw + off, &end, 16);
		off = (size_t)(nl - s->raw) + 1;
		if (n == 0) {
			s->eof = true;
			break;
		}
		s->chunk_left = n;
		s->in_chunk = true;
	}
	memmove(s->raw, s->raw + off, s->rlen - off);
	s->rlen -= off;
}

/* Reads and records one event; 1, or 0 on timeout, -1 at the end. */
int
lcc_pump(struct lcc_stream *s, int ms)
{
	int64_t deadline = lcc_now_ms() + ms;
	const unsigned char *data;
	Mesos__V1__Event *ev;
	size_t len;
	ssize_t n;
	int r;

	for (;;) {
		r = recordio_next(&s->rio, &data, &len);
		if (r == 1) {
			ev = mesos__v1__event__unpack(NULL, len, data);
			if (ev == NULL) {
				check(false, "an event that does not unpack");
				return -1;
			}
			record(s, ev);
			mesos__v1__event__free_unpacked(ev, NULL);
			return 1;
		}
		if (r == -1) {
			check(false, "RecordIO: %s", s->rio.err);
			return -1;
		}
		if (s->eof || s->fd == -1)
			return -1;
		if (s->rlen + 65536 > s->rcap) {
			s->rcap = (s->rlen + 65536) * 2;
			s->raw = xrealloc(s->raw, s->rcap);
		}
		n = recv_wait(s->fd, s->raw + s->rlen, s->rcap - s->rlen,
		    (int)(deadline - lcc_now_ms()));
		if (n == 0 || (n == -1 && errno != ETIMEDOUT)) {
			s->eof = true;
			return -1;
		}
		if (n == -1)
			return 0;
		s->rlen += (size_t)n;
		dechunk(s);
	}
}

/* Events until the deadline or the end of the stream. */
void
lcc_drain(struct lcc_stream *s, int ms)
{
	int64_t deadline = lcc_now_ms() + ms;

	while (lcc_now_ms() < deadline &&
	    lcc_pump(s, (int)(deadline - lcc_now_ms())) >= 0)
		;
}

int
lcc_subscribe(struct lcc_stream *s, const char *fw_id, bool partition_aware)
{
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;
	Mesos__V1__Call__Subscribe sub = MESOS__V1__CALL__SUBSCRIBE__INIT;
	Mesos__V1__FrameworkInfo fi = MESOS__V1__FRAMEWORK_INFO__INIT;
	Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
	Mesos__V1__FrameworkInfo__Capability cap =
	    MESOS__V1__FRAMEWORK_INFO__CAPABILITY__INIT;
	Mesos__V1__FrameworkInfo__Capability *caps[1] = { &cap };
	int64_t deadline = lcc_now_ms() + 10000;
	char *sep, v[256];
	uint8_t *body;
	size_t len;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	recordio_reader_init(&s->rio, 64 * 1024 * 1024);
	fi.user = UNCONST("root");
	fi.name = UNCONST("lc_check");
	if (fw_id != NULL) {
		fid.value = UNCONST(fw_id);
		fi.id = &fid;
		c.framework_id = &fid;
	}
	if (partition_aware) {
		cap.has_type = 1;
		cap.type = PARTITION_AWARE;
		fi.n_capabilities = 1;
		fi.capabilities = caps;
	}
	sub.framework_info = &fi;
	c.has_type = 1;
	c.type = MESOS__V1__CALL__TYPE__SUBSCRIBE;
	c.subscribe = &sub;
	len = mesos__v1__call__get_packed_size(&c);
	body = xrealloc(NULL, len);
	mesos__v1__call__pack(&c, body);
	s->fd = dial();
	if (s->fd == -1 || send_request(s->fd, "POST", "/api/v1/scheduler",
	    "application/x-protobuf", NULL, body, len, true) == -1) {
		free(body);
		return -1;
	}
	free(body);
	/* The response's head, then whatever of the body came with it. */
	for (;;) {
		if (s->rlen + 4096 > s->rcap) {
			s->rcap = (s->rlen + 4096) * 2;
			s->raw = xrealloc(s->raw, s->rcap + 1);
		}
		n = recv_wait(s->fd, s->raw + s->rlen, s->rcap - s->rlen,
		    (int)(deadline - lcc_now_ms()));
		if (n <= 0)
			return -1;
		s->rlen += (size_t)n;
		s->raw[s->rlen] = '\0';
		if ((sep = strstr(s->raw, "\r\n\r\n")) != NULL)
			break;
	}
	*sep = '\0';
	if (sscanf(s->raw, "HTTP/1.%*d %d", &s->status) != 1)
		return -1;
	if (header(s->raw, "Mesos-Stream-Id", v, sizeof(v)) != NULL)
		snprintf(s->id, sizeof(s->id), "%s", v);
	if (header(s->raw, "Content-Type", v, sizeof(v)) != NULL)
		snprintf(s->ctype, sizeof(s->ctype), "%.100s", v);
	s->chunked = header(s->raw, "Transfer-Encoding", v, sizeof(v)) !=
	    NULL && strcasecmp(v, "chunked") == 0;
	len = (size_t)(sep + 4 - s->raw);
	memmove(s->raw, s->raw + len, s->rlen - len);
	s->rlen -= len;
	if (s->status != 200 || !s->chunked)
		return -1;
	dechunk(s);
	/* SUBSCRIBED comes first. */
	while (!s->subscribed && lcc_now_ms() < deadline)
		if (lcc_pump(s, (int)(deadline - lcc_now_ms())) == -1)
			return -1;
	return s->subscribed ? 0 : -1;
}

/* POSTs a call on the stream's behalf; the HTTP status. */
int
lcc_post(struct lcc_stream *s, Mesos__V1__Call *c, struct lcc_resp *r)
{
	Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
	uint8_t *body;
	size_t len;
	int status;

	fid.value = s->fw_id;
	if (c->framework_id == NULL)
		c->framework_id = &fid;
	len = mesos__v1__call__get_packed_size(c);
	body = xrealloc(NULL, len);
	mesos__v1__call__pack(c, body);
	if (lcc_capture != NULL) {
		struct lcc_bodies *k = lcc_capture;

		k->v = xrealloc(k->v, (k->n + 1) * sizeof(*k->v));
		k->len = xrealloc(k->len, (k->n + 1) * sizeof(*k->len));
		k->v[k->n] = xrealloc(NULL, len);
		memcpy(k->v[k->n], body, len);
		k->len[k->n++] = len;
	}
	status = lcc_post_raw(s, body, len, r);
	free(body);
	if (c->framework_id == &fid)
		c->framework_id = NULL;
	return status;
}

int
lcc_post_raw(struct lcc_stream *s, const void *body, size_t len,
    struct lcc_resp *r)
{
	return lcc_http("POST", "/api/v1/scheduler", "application/x-protobuf",
	    s->id[0] != '\0' ? s->id : NULL, body, len, r);
}

int
lcc_call(struct lcc_stream *s, Mesos__V1__Call *c)
{
	struct lcc_resp r;
	int status = lcc_post(s, c, &r);

	if (status != 202)
		check(false, "call %d answered %d: %s", (int)c->type, status,
		    r.body != NULL ? r.body : "");
	lcc_resp_free(&r);
	return status;
}

const struct lcc_offer *
lcc_wait_offer(struct lcc_stream *s, size_t from, int ms)
{
	int64_t deadline = lcc_now_ms() + ms;

	while (s->noffers <= from && lcc_now_ms() < deadline)
		if (lcc_pump(s, (int)(deadline - lcc_now_ms())) == -1)
			break;
	return s->noffers > from ? &s->offers[from] : NULL;
}

const struct lcc_upd *
lcc_find_upd(const struct lcc_stream *s, size_t from, const char *task,
    int state)
{
	size_t i;

	for (i = from; i < s->nupds; i++)
		if (strcmp(s->upds[i].task, task) == 0 &&
		    (state < 0 || s->upds[i].state == state))
			return &s->upds[i];
	return NULL;
}

/* Waits for task's update in state (any state if -1) from index from. */
const struct lcc_upd *
lcc_wait_upd(struct lcc_stream *s, size_t from, const char *task,
    int state, int ms)
{
	int64_t deadline = lcc_now_ms() + ms;
	const struct lcc_upd *u;

	while ((u = lcc_find_upd(s, from, task, state)) == NULL &&
	    lcc_now_ms() < deadline)
		if (lcc_pump(s, (int)(deadline - lcc_now_ms())) == -1)
			break;
	/* The array may have moved since; find it again. */
	return lcc_find_upd(s, from, task, state);
}

void
lcc_ack(struct lcc_stream *s, const struct lcc_upd *u)
{
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;
	Mesos__V1__Call__Acknowledge a = MESOS__V1__CALL__ACKNOWLEDGE__INIT;
	Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
	Mesos__V1__TaskID tid = MESOS__V1__TASK_ID__INIT;
	uint8_t uuid[16];

	if (!u->has_uuid)
		return;
	memcpy(uuid, u->uuid, 16);
	aid.value = UNCONST(u->agent);
	tid.value = UNCONST(u->task);
	a.agent_id = &aid;
	a.task_id = &tid;
	a.uuid.data = uuid;
	a.uuid.len = 16;
	c.has_type = 1;
	c.type = MESOS__V1__CALL__TYPE__ACKNOWLEDGE;
	c.acknowledge = &a;
	lcc_call(s, &c);
}

void
lcc_ack_all(struct lcc_stream *s, size_t from)
{
	size_t i, n = s->nupds;

	for (i = from; i < n; i++)
		lcc_ack(s, &s->upds[i]);
}


static Mesos__V1__Resource *
scalar(Mesos__V1__Resource *r, Mesos__V1__Value__Scalar *v, const char *name,
    double value)
{
	mesos__v1__resource__init(r);
	mesos__v1__value__scalar__init(v);
	v->value = value;
	r->name = UNCONST(name);
	r->type = MESOS__V1__VALUE__TYPE__SCALAR;
	r->scalar = v;
	return r;
}

/*
 * ACCEPT of one offer with these tasks; refuse < 0 leaves the filter out.
 * offer_id and agent_id may name what is not offered.
 */
int
lcc_accept(struct lcc_stream *s, const char *offer_id, const char *agent_id,
    const struct lcc_task *ts, size_t n, double refuse)
{
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;
	Mesos__V1__Call__Accept acc = MESOS__V1__CALL__ACCEPT__INIT;
	Mesos__V1__OfferID oid = MESOS__V1__OFFER_ID__INIT;
	Mesos__V1__OfferID *oids[1] = { &oid };
	Mesos__V1__Offer__Operation op = MESOS__V1__OFFER__OPERATION__INIT;
	Mesos__V1__Offer__Operation *ops[1] = { &op };
	Mesos__V1__Offer__Operation__Launch launch =
	    MESOS__V1__OFFER__OPERATION__LAUNCH__INIT;
	Mesos__V1__Filters filters = MESOS__V1__FILTERS__INIT;
	Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
	struct one {
		Mesos__V1__TaskInfo ti;
		Mesos__V1__TaskID tid;
		Mesos__V1__Resource r[2], *rp[2];
		Mesos__V1__Value__Scalar v[2];
		Mesos__V1__CommandInfo cmd;
		Mesos__V1__Environment env;
		Mesos__V1__Environment__Variable var, *varp[1];
		Mesos__V1__KillPolicy kp;
		Mesos__V1__DurationInfo grace;
		Mesos__V1__ContainerInfo ci;
		Mesos__V1__ContainerInfo__DockerInfo di;
		Mesos__V1__Volume vol[2], *volp[2];
	} *o;
	Mesos__V1__TaskInfo **tis;
	size_t i;
	int status;

	o = calloc(n, sizeof(*o));
	tis = calloc(n, sizeof(*tis));
	if (o == NULL || tis == NULL)
		exit(2);
	aid.value = UNCONST(agent_id);
	for (i = 0; i < n; i++) {
		struct one *x = &o[i];

		mesos__v1__task_info__init(&x->ti);
		mesos__v1__task_id__init(&x->tid);
		mesos__v1__command_info__init(&x->cmd);
		x->tid.value = UNCONST(ts[i].id);
		x->ti.name = UNCONST(ts[i].id);
		x->ti.task_id = &x->tid;
		x->ti.agent_id = &aid;
		x->rp[0] = scalar(&x->r[0], &x->v[0], "cpus", ts[i].cpus);
		x->rp[1] = scalar(&x->r[1], &x->v[1], "mem", ts[i].mem);
		x->ti.resources = x->rp;
		x->ti.n_resources = 2;
		x->cmd.value = UNCONST(ts[i].cmd);
		if (ts[i].no_shell) {
			x->cmd.has_shell = 1;
			x->cmd.shell = 0;
		}
		if (ts[i].env_name != NULL) {
			mesos__v1__environment__init(&x->env);
			mesos__v1__environment__variable__init(&x->var);
			x->var.name = UNCONST(ts[i].env_name);
			x->var.value = UNCONST(ts[i].env_value);
			x->varp[0] = &x->var;
			x->env.variables = x->varp;
			x->env.n_variables = 1;
			x->cmd.environment = &x->env;
		}
		x->ti.command = &x->cmd;
		if (ts[i].grace_ms >= 0) {
			mesos__v1__kill_policy__init(&x->kp);
			mesos__v1__duration_info__init(&x->grace);
			x->grace.nanoseconds = ts[i].grace_ms * 1000000;
			x->kp.grace_period = &x->grace;
			x->ti.kill_policy = &x->kp;
		}
		if (ts[i].docker) {
			mesos__v1__container_info__init(&x->ci);
			mesos__v1__container_info__docker_info__init(&x->di);
			x->di.image = UNCONST("debian:bookworm");
			x->ci.type = MESOS__V1__CONTAINER_INFO__TYPE__DOCKER;
			x->ci.docker = &x->di;
			mesos__v1__volume__init(&x->vol[0]);
			mesos__v1__volume__init(&x->vol[1]);
			x->vol[0].container_path = UNCONST("/etc/cfg");
			x->vol[0].host_path = UNCONST("/srv/cfg");
			x->vol[0].mode = MESOS__V1__VOLUME__MODE__RO;
			x->vol[1].container_path = UNCONST("/data");
			x->vol[1].host_path = UNCONST("/var/data");
			x->vol[1].mode = MESOS__V1__VOLUME__MODE__RW;
			x->volp[0] = &x->vol[0];
			x->volp[1] = &x->vol[1];
			x->ci.volumes = x->volp;
			x->ci.n_volumes = 2;
			x->ti.container = &x->ci;
		}
		tis[i] = &x->ti;
	}
	launch.task_infos = tis;
	launch.n_task_infos = n;
	op.has_type = 1;
	op.type = MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH;
	op.launch = &launch;
	oid.value = UNCONST(offer_id);
	acc.offer_ids = oids;
	acc.n_offer_ids = 1;
	acc.operations = ops;
	acc.n_operations = 1;
	if (refuse >= 0) {
		filters.has_refuse_seconds = 1;
		filters.refuse_seconds = refuse;
		acc.filters = &filters;
	}
	c.has_type = 1;
	c.type = MESOS__V1__CALL__TYPE__ACCEPT;
	c.accept = &acc;
	status = lcc_call(s, &c);
	free(o);
	free(tis);
	return status;
}

int
lcc_decline(struct lcc_stream *s, const char *offer_id, double refuse)
{
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;
	Mesos__V1__Call__Decline d = MESOS__V1__CALL__DECLINE__INIT;
	Mesos__V1__OfferID oid = MESOS__V1__OFFER_ID__INIT;
	Mesos__V1__OfferID *oids[1] = { &oid };
	Mesos__V1__Filters f = MESOS__V1__FILTERS__INIT;

	oid.value = UNCONST(offer_id);
	d.offer_ids = oids;
	d.n_offer_ids = 1;
	f.has_refuse_seconds = 1;
	f.refuse_seconds = refuse;
	d.filters = &f;
	c.has_type = 1;
	c.type = MESOS__V1__CALL__TYPE__DECLINE;
	c.decline = &d;
	return lcc_call(s, &c);
}

int
lcc_simple(struct lcc_stream *s, Mesos__V1__Call__Type type)
{
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;

	c.has_type = 1;
	c.type = type;
	return lcc_call(s, &c);
}

int
lcc_kill(struct lcc_stream *s, const char *id)
{
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;
	Mesos__V1__Call__Kill k = MESOS__V1__CALL__KILL__INIT;
	Mesos__V1__TaskID tid = MESOS__V1__TASK_ID__INIT;

	tid.value = UNCONST(id);
	k.task_id = &tid;
	c.has_type = 1;
	c.type = MESOS__V1__CALL__TYPE__KILL;
	c.kill = &k;
	return lcc_call(s, &c);
}

int
lcc_reconcile(struct lcc_stream *s, const char *const *ids, size_t n)
{
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;
	Mesos__V1__Call__Reconcile r = MESOS__V1__CALL__RECONCILE__INIT;
	Mesos__V1__Call__Reconcile__Task rt[8], *rtp[8];
	Mesos__V1__TaskID tid[8];
	size_t i;

	for (i = 0; i < n && i < 8; i++) {
		mesos__v1__call__reconcile__task__init(&rt[i]);
		mesos__v1__task_id__init(&tid[i]);
		tid[i].value = UNCONST(ids[i]);
		rt[i].task_id = &tid[i];
		rtp[i] = &rt[i];
	}
	r.tasks = rtp;
	r.n_tasks = i;
	c.has_type = 1;
	c.type = MESOS__V1__CALL__TYPE__RECONCILE;
	c.reconcile = &r;
	return lcc_call(s, &c);
}

const char *
lcc_state_name(int s)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
	    &mesos__v1__task_state__descriptor, s);

	return v != NULL ? v->name : "?";
}

bool
lcc_gone(long pid)
{
	return pid > 0 && kill((pid_t)pid, 0) == -1 && errno == ESRCH;
}

bool
lcc_wait_gone(long pid, int ms)
{
	int64_t deadline = lcc_now_ms() + ms;

	while (!lcc_gone(pid) && lcc_now_ms() < deadline)
		usleep(20000);
	return lcc_gone(pid);
}

char *
lcc_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = calloc(1, 65536);
	if (buf == NULL)
		exit(2);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

