/*
 * offerd: the Mesos v1 scheduler HTTP API, protobuf encoded. One long
 * POST carries SUBSCRIBE and brings back the event stream (RecordIO
 * records of Event); every other call is a POST on a second connection,
 * with the stream's Mesos-Stream-Id, answered 202. A 307 names the leading
 * master; a stream that ends, fails or stays silent for two heartbeats is
 * subscribed again, with backoff, as the same framework.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/bytebuf.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/recordio.h"
#include "ipc/ipc.h"
#include "offerd/offerd.h"

#define MESOS_PATH		"/api/v1/scheduler"
#define MESOS_CONTENT_TYPE	"application/x-protobuf"
#define EVENT_MAX		(64u << 20)	/* a 10,000-offer event fits */
#define BACKOFF_MIN_MS		500
#define BACKOFF_MAX_MS		30000
#define CALL_TIMEOUT_SECS	30
#define CALL_CONNS		16	/* to the master, for calls */

static struct {
	const struct mesos_events *ev;
	char		 host[256];	/* the master now (after redirects) */
	int		 port;
	char		*framework_id;
	int		 running;
	int		 registered;
	struct evhttp_connection *sub_conn;
	/*
	 * libevent sends one request at a time per connection and waits
	 * for its answer, so calls are spread over several: by agent, so
	 * that the calls about one agent (a LAUNCH, then a KILL of that
	 * task) stay in order. Calls about no agent take the first.
	 */
	struct evhttp_connection *call_conn[CALL_CONNS];
	struct evhttp_request *sub_req;
	char		 stream_id[128];
	struct recordio_reader rio;
	double		 heartbeat_secs;
	int64_t		 last_event_ms;
	int64_t		 backoff_ms;
	struct event	*watchdog, *retry;
	uint64_t	 subscribes, disconnects, events, calls, call_errors;
	uint64_t	 redirects;
} ms;

static void	subscribe(void);

static void
drop_stream(void)
{
	/* The request belongs to its connection; freeing that frees both. */
	if (ms.sub_conn != NULL)
		evhttp_connection_free(ms.sub_conn);
	ms.sub_conn = NULL;
	ms.sub_req = NULL;
	ms.stream_id[0] = '\0';
	recordio_reader_free(&ms.rio);
	for (int i = 0; i < CALL_CONNS; i++) {
		if (ms.call_conn[i] != NULL)
			evhttp_connection_free(ms.call_conn[i]);
		ms.call_conn[i] = NULL;
	}
}

static void
retry_due(evutil_socket_t fd, short what, void *arg)
{
	drop_stream();
	/* No host: ZooKeeper names no master; mesos_set_master will. */
	if (ms.running && ms.host[0] != '\0')
		subscribe();
}

/* Registered until now: not any more, and the offers are gone. */
static void
unregister(void)
{
	int was = ms.registered;

	ms.registered = 0;
	if (was) {
		ms.disconnects++;
		log_warnx("disconnected from the Mesos master at %s:%d",
		    ms.host, ms.port);
		if (ms.ev->disconnected != NULL)
			ms.ev->disconnected();
	}
}

/* Subscribes again after delay_ms (0: at once, from the loop). */
static void
resubscribe(int64_t delay_ms)
{
	struct timeval tv = { delay_ms / 1000, (delay_ms % 1000) * 1000 };

	unregister();
	if (ms.running && ms.retry != NULL)
		evtimer_add(ms.retry, &tv);
}

/* what: a sentence about the master at host:port; detail: why. */
static void
failed(const char *what, const char *detail)
{
	log_warnx("%s %s:%d: %s", what, ms.host, ms.port, detail);
	ms.backoff_ms = ms.backoff_ms == 0 ? BACKOFF_MIN_MS :
	    (ms.backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    ms.backoff_ms * 2);
	resubscribe(ms.backoff_ms);
}

static void
handle(const Mesos__V1__Event *e)
{
	ms.events++;
	switch (e->type) {
	case MESOS__V1__EVENT__TYPE__SUBSCRIBED:
		if (e->subscribed == NULL)
			break;
		free(ms.framework_id);
		ms.framework_id = strdup(e->subscribed->framework_id->value);
		ms.heartbeat_secs = e->subscribed->has_heartbeat_interval_seconds ?
		    e->subscribed->heartbeat_interval_seconds : 15.0;
		ms.registered = 1;
		ms.backoff_ms = 0;
		log_info("Registered with ID value: \"%s\", master: %s:%d",
		    e->subscribed->framework_id->value, ms.host, ms.port);
		if (ms.ev->subscribed != NULL && ms.framework_id != NULL)
			ms.ev->subscribed(ms.framework_id);
		break;
	case MESOS__V1__EVENT__TYPE__OFFERS:
		if (e->offers != NULL && ms.ev->offers != NULL)
			ms.ev->offers(e->offers->offers, e->offers->n_offers);
		break;
	case MESOS__V1__EVENT__TYPE__RESCIND:
		if (e->rescind != NULL && ms.ev->rescind != NULL)
			ms.ev->rescind(e->rescind->offer_id->value);
		break;
	case MESOS__V1__EVENT__TYPE__UPDATE:
		if (e->update != NULL && ms.ev->update != NULL)
			ms.ev->update(e->update->status);
		break;
	case MESOS__V1__EVENT__TYPE__HEARTBEAT:
		break;
	case MESOS__V1__EVENT__TYPE__ERROR:
		log_error("Received error message: %s",
		    e->error != NULL ? e->error->message : "(none)");
		break;
	case MESOS__V1__EVENT__TYPE__FAILURE:
		if (e->failure != NULL && e->failure->agent_id != NULL)
			log_info("Received notification of lost agent: %s",
			    e->failure->agent_id->value);
		break;
	default:
		break;
	}
}

static void
stream_chunk(struct evhttp_request *req, void *arg)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const unsigned char *rec;
	Mesos__V1__Event *e;
	size_t len;
	int rc;

	size_t n = evbuffer_get_length(in);
	unsigned char *p = evbuffer_pullup(in, (ev_ssize_t)n);

	ms.last_event_ms = ipc_now_ms();
	if (n > 0 && (p == NULL || recordio_feed(&ms.rio, p, n) == -1)) {
		log_warnx("out of memory reading Mesos events");
		return;
	}
	evbuffer_drain(in, n);
	while ((rc = recordio_next(&ms.rio, &rec, &len)) == 1) {
		if ((e = mesos__v1__event__unpack(NULL, len, rec)) == NULL) {
			log_warnx("a Mesos event of %zu bytes does not parse; "
			    "skipping it", len);
			continue;
		}
		handle(e);
		mesos__v1__event__free_unpacked(e, NULL);
	}
	if (rc == -1) {
		log_warnx("the Mesos event stream is malformed: %s",
		    ms.rio.err);
		resubscribe(0);
	}
}

/* Location: http://host:port/path, //host:port/path or host:port. */
static int
follow_redirect(const char *loc)
{
	const char *p = loc, *colon, *end;
	char host[256];
	int port;

	if (strncmp(p, "http://", 7) == 0)
		p += 7;
	else if (strncmp(p, "//", 2) == 0)
		p += 2;
	end = p + strcspn(p, "/");
	if ((colon = memchr(p, ':', (size_t)(end - p))) == NULL ||
	    (size_t)(colon - p) >= sizeof(host))
		return -1;
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = '\0';
	port = atoi(colon + 1);
	if (port <= 0 || port > 65535)
		return -1;
	log_info("the Mesos master at %s:%d redirects to %s:%d", ms.host,
	    ms.port, host, port);
	snprintf(ms.host, sizeof(ms.host), "%s", host);
	ms.port = port;
	ms.redirects++;
	return 0;
}

static int
stream_headers(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	int code = evhttp_request_get_response_code(req);
	const char *v;
	char why[64];

	if (code == 200 && (v = evhttp_find_header(h, "Mesos-Stream-Id")) !=
	    NULL) {
		snprintf(ms.stream_id, sizeof(ms.stream_id), "%s", v);
		return 0;
	}
	if (code == 307 && (v = evhttp_find_header(h, "Location")) != NULL &&
	    follow_redirect(v) == 0) {
		resubscribe(0);
		return -1;
	}
	snprintf(why, sizeof(why), "HTTP %d", code);
	failed("subscribing was refused by the Mesos master at", why);
	return -1;
}

static void
stream_done(struct evhttp_request *req, void *arg)
{
	if (!ms.running || evtimer_pending(ms.retry, NULL))
		return;
	failed("the event stream ended from the Mesos master at",
	    req == NULL || evhttp_request_get_response_code(req) == 0 ?
	    "connection failed" : "closed by the master");
}

static void
stream_error(enum evhttp_request_error err, void *arg)
{
	if (!ms.running || evtimer_pending(ms.retry, NULL))
		return;
	failed("the event stream failed from the Mesos master at",
	    err == EVREQ_HTTP_TIMEOUT ? "timeout" : err == EVREQ_HTTP_EOF ?
	    "connection closed" : "connection failed");
}

/* Packs a call into an evbuffer; -1 on ENOMEM. */
static int
pack_call(Mesos__V1__Call *c, struct evbuffer *out)
{
	size_t len = mesos__v1__call__get_packed_size(c);
	uint8_t *buf = malloc(len ? len : 1);
	int rc;

	if (buf == NULL)
		return -1;
	mesos__v1__call__pack(c, buf);
	rc = evbuffer_add(out, buf, len);
	free(buf);
	return rc;
}

static void
set_headers(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char host[300];

	snprintf(host, sizeof(host), "%s:%d", ms.host, ms.port);
	evhttp_add_header(h, "Host", host);
	evhttp_add_header(h, "Content-Type", MESOS_CONTENT_TYPE);
	evhttp_add_header(h, "Accept", MESOS_CONTENT_TYPE);
	if (ms.stream_id[0] != '\0')
		evhttp_add_header(h, "Mesos-Stream-Id", ms.stream_id);
}

static void
subscribe(void)
{
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;
	Mesos__V1__Call__Subscribe sub = MESOS__V1__CALL__SUBSCRIBE__INIT;
	Mesos__V1__FrameworkInfo fi = MESOS__V1__FRAMEWORK_INFO__INIT;
	Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
	Mesos__V1__FrameworkInfo__Capability partition =
	    MESOS__V1__FRAMEWORK_INFO__CAPABILITY__INIT;
	Mesos__V1__FrameworkInfo__Capability *caps[1] = { &partition };
	struct timeval forever = { 86400, 0 };
	char hostname[256], webui[320];

	if (gethostname(hostname, sizeof(hostname)) == -1)
		snprintf(hostname, sizeof(hostname), "localhost");
	hostname[sizeof(hostname) - 1] = '\0';
	if (flag_str(F_HOSTNAME)[0] != '\0')
		snprintf(hostname, sizeof(hostname), "%s", flag_str(F_HOSTNAME));
	snprintf(webui, sizeof(webui), "http://%s:%lld", hostname,
	    (long long)flag_int(F_HTTP_PORT));
	fi.user = (char *)(uintptr_t)flag_str(F_EXECUTOR_USER);
	fi.name = (char *)(uintptr_t)flag_str(F_FRAMEWORK_NAME);
	fi.has_failover_timeout = 1;
	fi.failover_timeout =
	    (double)flag_duration_ms(F_FRAMEWORK_FAILOVER_TIMEOUT) / 1000.0;
	fi.has_checkpoint = 1;
	fi.checkpoint = 1;
	fi.hostname = hostname;
	fi.webui_url = webui;
	if (flag_str(F_MESOS_ROLE)[0] != '\0')
		fi.role = (char *)(uintptr_t)flag_str(F_MESOS_ROLE);
	if (flag_bool(F_PARTITION_AWARE)) {
		partition.has_type = 1;
		partition.type =
		    MESOS__V1__FRAMEWORK_INFO__CAPABILITY__TYPE__PARTITION_AWARE;
		fi.n_capabilities = 1;
		fi.capabilities = caps;
	}
	if (ms.framework_id != NULL) {
		fid.value = ms.framework_id;
		fi.id = &fid;
		c.framework_id = &fid;
	}
	sub.framework_info = &fi;
	c.has_type = 1;
	c.type = MESOS__V1__CALL__TYPE__SUBSCRIBE;
	c.subscribe = &sub;

	recordio_reader_init(&ms.rio, EVENT_MAX);
	ms.stream_id[0] = '\0';
	ms.sub_conn = evhttp_connection_base_new(offerd_base(), NULL, ms.host,
	    (unsigned short)ms.port);
	if (ms.sub_conn == NULL ||
	    (ms.sub_req = evhttp_request_new(stream_done, NULL)) == NULL) {
		failed("cannot connect to the Mesos master at",
		    "out of memory");
		return;
	}
	/* The stream is long and quiet between heartbeats: the watchdog,
	 * not a read timeout, decides that it died. */
	evhttp_connection_set_timeout_tv(ms.sub_conn, &forever);
	evhttp_request_set_chunked_cb(ms.sub_req, stream_chunk);
	evhttp_request_set_header_cb(ms.sub_req, stream_headers);
	evhttp_request_set_error_cb(ms.sub_req, stream_error);
	set_headers(ms.sub_req);
	if (pack_call(&c, evhttp_request_get_output_buffer(ms.sub_req)) ==
	    -1 || evhttp_make_request(ms.sub_conn, ms.sub_req,
	    EVHTTP_REQ_POST, MESOS_PATH) == -1) {
		ms.sub_req = NULL;	/* freed by a failed make_request */
		failed("cannot subscribe to the Mesos master at",
		    "the request could not be sent");
		return;
	}
	ms.subscribes++;
	ms.last_event_ms = ipc_now_ms();
	log_info("subscribing to the Mesos master at %s:%d%s%s", ms.host,
	    ms.port, ms.framework_id != NULL ? " as framework " : "",
	    ms.framework_id != NULL ? ms.framework_id : "");
}

/* No event for two heartbeats (and a little): the stream is dead. */
static void
watchdog(evutil_socket_t fd, short what, void *arg)
{
	int64_t quiet = ipc_now_ms() - ms.last_event_ms;

	if (!ms.running || ms.sub_conn == NULL || !ms.registered)
		return;
	if (quiet > (int64_t)(ms.heartbeat_secs * 2000.0) + 5000) {
		log_warnx("no event from the Mesos master at %s:%d for %lld "
		    "ms: subscribing again", ms.host, ms.port,
		    (long long)quiet);
		resubscribe(0);
	}
}

int
mesos_start(const char *host, int port, const char *framework_id,
    const struct mesos_events *ev)
{
	struct timeval second = { 1, 0 };

	if (ms.running)
		return 0;
	ms.ev = ev;
	snprintf(ms.host, sizeof(ms.host), "%s", host != NULL ? host : "");
	ms.port = host != NULL ? port : 0;
	free(ms.framework_id);
	ms.framework_id = framework_id != NULL && framework_id[0] != '\0' ?
	    strdup(framework_id) : NULL;
	ms.heartbeat_secs = 15.0;
	ms.backoff_ms = 0;
	if (ms.retry == NULL &&
	    (ms.retry = evtimer_new(offerd_base(), retry_due, NULL)) == NULL)
		return -1;
	if (ms.watchdog == NULL && (ms.watchdog = event_new(offerd_base(), -1,
	    EV_PERSIST, watchdog, NULL)) == NULL)
		return -1;
	evtimer_add(ms.watchdog, &second);
	ms.running = 1;
	if (host != NULL)
		subscribe();
	else
		log_info("no leading Mesos master known yet: subscribing "
		    "once ZooKeeper names one");
	return 0;
}

void
mesos_set_master(const char *host, int port)
{
	if (!ms.running)
		return;
	if (ms.host[0] != '\0')
		log_info("leaving the Mesos master at %s:%d", ms.host,
		    ms.port);
	unregister();
	evtimer_del(ms.retry);
	drop_stream();
	ms.backoff_ms = 0;
	snprintf(ms.host, sizeof(ms.host), "%s", host != NULL ? host : "");
	ms.port = host != NULL ? port : 0;
	if (host != NULL)
		subscribe();
}

void
mesos_stop(void)
{
	if (!ms.running)
		return;
	ms.running = 0;
	ms.registered = 0;
	if (ms.retry != NULL)
		evtimer_del(ms.retry);
	if (ms.watchdog != NULL)
		evtimer_del(ms.watchdog);
	drop_stream();
	log_info("stopped talking to the Mesos master");
}

int
mesos_registered(void)
{
	return ms.registered;
}

const char *
mesos_framework_id(void)
{
	return ms.framework_id;
}

static void
call_done(struct evhttp_request *req, void *arg)
{
	int code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	const char *what = arg;

	if (code == 202 || code == 200)
		return;
	ms.call_errors++;
	if (code == 0) {
		log_warnx("a %s call to the Mesos master failed: no answer",
		    what);
		return;
	}
	{
		struct evbuffer *b = evhttp_request_get_input_buffer(req);
		size_t n = evbuffer_get_length(b);
		char body[256];

		if (n >= sizeof(body))
			n = sizeof(body) - 1;
		evbuffer_copyout(b, body, n);
		body[n] = '\0';
		log_warnx("the Mesos master answered a %s call with HTTP "
		    "%d: %s", what, code, body);
	}
}

static const char *
call_name(Mesos__V1__Call__Type t)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
	    &mesos__v1__call__type__descriptor, (int)t);

	return v != NULL ? v->name : "UNKNOWN";
}

/* What a call is about, to keep one agent's calls in order; or NULL. */
static const char *
call_route(const Mesos__V1__Call *c)
{
	switch (c->type) {
	case MESOS__V1__CALL__TYPE__ACCEPT:
		for (size_t i = 0; i < c->accept->n_operations; i++) {
			const Mesos__V1__Offer__Operation *op =
			    c->accept->operations[i];

			if (op->launch != NULL && op->launch->n_task_infos > 0 &&
			    op->launch->task_infos[0]->agent_id != NULL)
				return op->launch->task_infos[0]->agent_id->
				    value;
		}
		return c->accept->n_offer_ids > 0 ?
		    c->accept->offer_ids[0]->value : NULL;
	case MESOS__V1__CALL__TYPE__DECLINE:
		return c->decline->n_offer_ids > 0 ?
		    c->decline->offer_ids[0]->value : NULL;
	case MESOS__V1__CALL__TYPE__KILL:
		return c->kill->agent_id != NULL ? c->kill->agent_id->value :
		    c->kill->task_id->value;
	case MESOS__V1__CALL__TYPE__ACKNOWLEDGE:
		return c->acknowledge->agent_id->value;
	default:
		return NULL;
	}
}

/* FNV-1a: which connection a route takes. */
static unsigned
call_conn_of(const char *route)
{
	uint32_t h = 2166136261u;

	if (route == NULL)
		return 0;
	for (const unsigned char *p = (const unsigned char *)route; *p != '\0';
	    p++)
		h = (h ^ *p) * 16777619u;
	return h % CALL_CONNS;
}

int
mesos_call(Mesos__V1__Call *c)
{
	Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
	struct evhttp_request *req;
	struct evhttp_connection **conn;
	struct timeval tv = { CALL_TIMEOUT_SECS, 0 };

	if (!ms.registered || ms.framework_id == NULL)
		return -1;
	fid.value = ms.framework_id;
	c->framework_id = &fid;
	conn = &ms.call_conn[call_conn_of(call_route(c))];
	if (*conn == NULL) {
		*conn = evhttp_connection_base_new(offerd_base(), NULL,
		    ms.host, (unsigned short)ms.port);
		if (*conn == NULL)
			return -1;
		evhttp_connection_set_timeout_tv(*conn, &tv);
	}
	if ((req = evhttp_request_new(call_done,
	    (void *)(uintptr_t)call_name(c->type))) == NULL)
		return -1;
	set_headers(req);
	if (pack_call(c, evhttp_request_get_output_buffer(req)) == -1) {
		evhttp_request_free(req);
		return -1;
	}
	if (evhttp_make_request(*conn, req, EVHTTP_REQ_POST,
	    MESOS_PATH) == -1)
		return -1;
	ms.calls++;
	return 0;
}

void
mesos_vars(struct ipc_vars *v)
{
	ipc_vars_int(v, "framework_registered", ms.registered);
	ipc_vars_int(v, "scheduler_framework_disconnects",
	    (int64_t)ms.disconnects);
	ipc_vars_int(v, "mesos_subscribe_attempts", (int64_t)ms.subscribes);
	ipc_vars_int(v, "mesos_redirects", (int64_t)ms.redirects);
	ipc_vars_int(v, "mesos_events_received", (int64_t)ms.events);
	ipc_vars_int(v, "mesos_calls_sent", (int64_t)ms.calls);
	ipc_vars_int(v, "mesos_call_errors", (int64_t)ms.call_errors);
	if (ms.running && ms.host[0] != '\0') {
		char master[300];

		snprintf(master, sizeof(master), "%s:%d", ms.host, ms.port);
		ipc_vars_str(v, "mesos_master", master);
	}
}
