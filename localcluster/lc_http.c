/*
 * aurora-local-cluster: the HTTP server. POST /api/v1/scheduler takes a
 * packed mesos.v1.scheduler.Call (protobuf only), checks it as a Mesos
 * master does, with Mesos's wording, and answers SUBSCRIBE with a stream
 * (lc_stream.c) and every other call with 202 Accepted, its results going
 * down the stream. GET /state.json and GET /health are for tests and
 * operators. Bodies are bounded; a bad request is answered and forgotten.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/log.h"
#include "localcluster/localcluster.h"

#define PROTOBUF	"application/x-protobuf"

static void reply(struct evhttp_request *, int, const char *, const char *,
    ...) __attribute__((format(printf, 4, 5)));

static void
reply(struct evhttp_request *req, int code, const char *reason,
    const char *fmt, ...)
{
	struct evbuffer *b;
	va_list ap;

	if ((b = evbuffer_new()) == NULL)
		fatalx("out of memory");
	va_start(ap, fmt);
	evbuffer_add_vprintf(b, fmt, ap);
	va_end(ap);
	if (code >= 400)
		log_warnx("%s %s: %d %.*s", evhttp_request_get_command(req) ==
		    EVHTTP_REQ_POST ? "POST" : "GET",
		    evhttp_request_get_uri(req), code,
		    (int)evbuffer_get_length(b),
		    (const char *)evbuffer_pullup(b, -1));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

/* The media type of a Content-Type or one Accept entry is `want`. */
static bool
media_is(const char *v, const char *want)
{
	size_t n = strlen(want);

	while (*v == ' ' || *v == '\t')
		v++;
	return strncasecmp(v, want, n) == 0 &&
	    (v[n] == '\0' || v[n] == ';' || v[n] == ' ' || v[n] == ',');
}

/* An Accept header (absent: anything) that allows protobuf. */
static bool
accepts_protobuf(const char *accept)
{
	const char *p;

	if (accept == NULL)
		return true;
	for (p = accept; p != NULL; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (media_is(p, PROTOBUF) || media_is(p, "*/*") ||
		    media_is(p, "application/*"))
			return true;
	}
	return false;
}

/* Mesos's validation of a Call (master/validation.cpp); NULL if good. */
static const char *
check_call(const Mesos__V1__Call *c, char *err, size_t errlen)
{
	const Mesos__V1__FrameworkInfo *fi;

	if (!c->has_type)
		return "Expecting 'type' to be present";
	if (c->type == MESOS__V1__CALL__TYPE__SUBSCRIBE) {
		if (c->subscribe == NULL)
			return "Expecting 'subscribe' to be present";
		fi = c->subscribe->framework_info;
		if ((fi->id == NULL) != (c->framework_id == NULL) ||
		    (fi->id != NULL && strcmp(fi->id->value,
		    c->framework_id->value) != 0))
			return "'framework_id' differs from "
			    "'subscribe.framework_info.id'";
		return NULL;
	}
	if (c->framework_id == NULL)
		return "Expecting 'framework_id' to be present";
	switch (c->type) {
	case MESOS__V1__CALL__TYPE__ACCEPT:
		return c->accept == NULL ?
		    "Expecting 'accept' to be present" : NULL;
	case MESOS__V1__CALL__TYPE__DECLINE:
		return c->decline == NULL ?
		    "Expecting 'decline' to be present" : NULL;
	case MESOS__V1__CALL__TYPE__KILL:
		return c->kill == NULL ?
		    "Expecting 'kill' to be present" : NULL;
	case MESOS__V1__CALL__TYPE__ACKNOWLEDGE:
		if (c->acknowledge == NULL)
			return "Expecting 'acknowledge' to be present";
		if (c->acknowledge->uuid.len != LC_UUID_LEN) {
			snprintf(err, errlen, "Not a valid UUID: %zu bytes, "
			    "expected %d", c->acknowledge->uuid.len,
			    LC_UUID_LEN);
			return err;
		}
		return NULL;
	case MESOS__V1__CALL__TYPE__RECONCILE:
		return c->reconcile == NULL ?
		    "Expecting 'reconcile' to be present" : NULL;
	default:
		return NULL;
	}
}

static const char *
call_name(const Mesos__V1__Call *c)
{
	const ProtobufCEnumValue *v;

	v = protobuf_c_enum_descriptor_get_value(
	    &mesos__v1__call__type__descriptor, (int)c->type);
	return v != NULL ? v->name : "UNKNOWN";
}

/* A call of a subscribed framework, on its stream; 202 unless unknown. */
static void
dispatch(struct evhttp_request *req, struct lc_framework *fw,
    const Mesos__V1__Call *c)
{
	switch (c->type) {
	case MESOS__V1__CALL__TYPE__TEARDOWN:
		lc_framework_teardown(fw);
		break;
	case MESOS__V1__CALL__TYPE__ACCEPT:
		lc_offers_accept(fw, c->accept);
		break;
	case MESOS__V1__CALL__TYPE__DECLINE:
		lc_offers_decline(fw, c->decline);
		break;
	case MESOS__V1__CALL__TYPE__REVIVE:
		lc_offers_revive(fw);
		break;
	case MESOS__V1__CALL__TYPE__SUPPRESS:
		lc_offers_suppress(fw);
		break;
	case MESOS__V1__CALL__TYPE__KILL:
		lc_tasks_kill_call(fw, c->kill);
		break;
	case MESOS__V1__CALL__TYPE__ACKNOWLEDGE:
		lc_tasks_ack(fw, c->acknowledge);
		break;
	case MESOS__V1__CALL__TYPE__RECONCILE:
		lc_tasks_reconcile(fw, c->reconcile);
		break;
	case MESOS__V1__CALL__TYPE__UNKNOWN:
		reply(req, 501, "Not Implemented", "Received an UNKNOWN call");
		return;
	default:
		log_warnx("framework %s: %s (%d) is not supported by the "
		    "local cluster; ignored", fw->id, call_name(c),
		    (int)c->type);
		break;
	}
	evhttp_send_reply(req, 202, "Accepted", NULL);
}

static void
scheduler(struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	const char *ct, *sid, *why;
	struct lc_framework *fw;
	Mesos__V1__Call *c;
	char err[256];
	size_t len;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "POST");
		reply(req, 405, "Method Not Allowed", "Expecting 'POST'");
		return;
	}
	if ((ct = evhttp_find_header(in, "Content-Type")) == NULL) {
		reply(req, 400, "Bad Request",
		    "Expecting 'Content-Type' to be present");
		return;
	}
	if (!media_is(ct, PROTOBUF)) {
		reply(req, 415, "Unsupported Media Type", "Expecting "
		    "'Content-Type' of " PROTOBUF ": the local cluster speaks "
		    "only protobuf, not '%s'", ct);
		return;
	}
	if (lc.shutting_down) {
		reply(req, 503, "Service Unavailable", "Shutting down");
		return;
	}
	len = evbuffer_get_length(body);
	if (len > LC_MAX_BODY) {
		reply(req, 413, "Payload Too Large", "Body over %d bytes",
		    LC_MAX_BODY);
		return;
	}
	c = mesos__v1__call__unpack(NULL, len, len > 0 ?
	    evbuffer_pullup(body, -1) : (const uint8_t *)"");
	if (c == NULL) {
		reply(req, 400, "Bad Request", "Failed to parse body into Call "
		    "protobuf: %zu bytes that are not a "
		    "mesos.v1.scheduler.Call (bad wire format or a required "
		    "field missing)", len);
		return;
	}
	if ((why = check_call(c, err, sizeof(err))) != NULL) {
		reply(req, 400, "Bad Request",
		    "Failed to validate scheduler::Call: %s", why);
		goto done;
	}
	sid = evhttp_find_header(in, "Mesos-Stream-Id");
	if (c->type == MESOS__V1__CALL__TYPE__SUBSCRIBE) {
		if (sid != NULL)
			reply(req, 400, "Bad Request", "Subscribe calls should "
			    "not include the 'Mesos-Stream-Id' header");
		else if (!accepts_protobuf(evhttp_find_header(in, "Accept")))
			reply(req, 406, "Not Acceptable", "Expecting 'Accept' "
			    "to allow '" PROTOBUF "'");
		else
			lc_stream_subscribe(req, c);
		goto done;
	}
	if ((fw = lc_framework_find(c->framework_id->value)) == NULL)
		reply(req, 400, "Bad Request", "Framework cannot be found");
	else if (fw->stream == NULL)
		reply(req, 403, "Forbidden", "Framework is not subscribed");
	else if (sid == NULL)
		reply(req, 400, "Bad Request", "All non-subscribe calls should "
		    "include the 'Mesos-Stream-Id' header");
	else if (strcmp(sid, fw->stream->id) != 0)
		reply(req, 400, "Bad Request", "The stream ID '%s' included in "
		    "this request didn't match the stream ID currently "
		    "associated with framework ID %s", sid, fw->id);
	else {
		lc_debug("framework %s: %s", fw->id, call_name(c));
		dispatch(req, fw, c);
	}
done:
	mesos__v1__call__free_unpacked(c, NULL);
}

static void
route(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	if (path == NULL)
		path = "";
	if (strcmp(path, "/api/v1/scheduler") == 0) {
		scheduler(req);
		return;
	}
	if (strcmp(path, "/health") == 0 || strcmp(path, "/state.json") == 0) {
		if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
			evhttp_add_header(
			    evhttp_request_get_output_headers(req), "Allow",
			    "GET");
			reply(req, 405, "Method Not Allowed",
			    "Expecting 'GET'");
		} else if (path[1] == 'h')
			reply(req, 200, "OK", "OK\n");
		else
			lc_state_reply(req);
		return;
	}
	reply(req, 404, "Not Found", "No such endpoint: %s\n", path);
}

void
lc_http_init(void)
{
	if ((lc.http = evhttp_new(lc.base)) == NULL)
		fatalx("evhttp_new");
	evhttp_set_max_body_size(lc.http, LC_MAX_BODY);
	evhttp_set_max_headers_size(lc.http, 64 * 1024);
	evhttp_set_allowed_methods(lc.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	evhttp_set_gencb(lc.http, route, NULL);
	if (evhttp_bind_socket(lc.http, lc.conf.ip,
	    (ev_uint16_t)lc.conf.port) == -1)
		fatal("cannot listen on %s:%d", lc.conf.ip, lc.conf.port);
}

void
lc_http_free(void)
{
	if (lc.http != NULL)
		evhttp_free(lc.http);
	lc.http = NULL;
}
