/*
 * httpd: POST /api, Aurora's Thrift API, as Aurora's TContentAwareServlet
 * serves it. The request's Content-Type picks the protocol it is read in
 * (none, application/json, application/x-thrift and
 * application/vnd.apache.thrift.json: TJSON; .binary: TBinary; anything
 * else: 415), its Accept header the protocol of the answer (binary only
 * when asked for exactly). httpd only decodes: the call goes to replica
 * packed, where it is checked again and decided, and replica's Response
 * comes back to be encoded. A scheduler that does not lead redirects the
 * client to the one that does (307), or answers 503 when none does,
 * unless the request carries Bypass-Leader-Redirect.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/aurora_api.h"
#include "common/log.h"
#include "common/thrift_codec.h"
#include "httpd/httpd.h"
#include "ipc/api_ipc.pb-c.h"

#define CT_JSON		"application/vnd.apache.thrift.json"
#define CT_BINARY	"application/vnd.apache.thrift.binary"

static struct ipc_client *replica;

/* A call waiting for replica's answer. */
struct call {
	struct evhttp_request	*req;
	struct evhttp_connection *evcon;
	struct timespec		 start;
	int			 gone;		/* the client hung up */
	enum thrift_protocol	 out;
	char			*method;
	int32_t			 seqid;
};

void
httpd_api_init(struct ipc_client *r)
{
	replica = r;
}

/*
 * A media type as Guava's MediaType compares them: without blanks, with
 * the type, subtype and parameter names lowercased, and the value of a
 * charset parameter too ("; Charset=UTF-8" is ";charset=utf-8").
 */
static void
normalize_type(const char *in, char *out, size_t len)
{
	size_t o = 0;
	int lower = 1;	/* in a part compared without case */

	for (; *in != '\0' && o + 1 < len; in++) {
		if (*in == ' ' || *in == '\t')
			continue;
		if (*in == ';')
			lower = 1;
		else if (*in == '=')
			lower = o >= 8 && strncmp(out + o - 8, ";charset", 8) == 0;
		out[o++] = lower ? (char)tolower((unsigned char)*in) : *in;
	}
	out[o] = '\0';
}

/* The protocol a request's Content-Type names; -1 if none of them. */
static int
request_protocol(const char *ctype, enum thrift_protocol *p)
{
	char t[128];

	if (ctype == NULL) {
		*p = THRIFT_PROTOCOL_JSON;	/* as application/x-thrift */
		return 0;
	}
	if (strlen(ctype) >= sizeof(t))
		return -1;
	normalize_type(ctype, t, sizeof(t));
	if (strcmp(t, "application/json") == 0 ||
	    strcmp(t, "application/x-thrift") == 0 ||
	    strcmp(t, CT_JSON) == 0 ||
	    strcmp(t, CT_JSON ";charset=utf-8") == 0)
		*p = THRIFT_PROTOCOL_JSON;
	else if (strcmp(t, CT_BINARY) == 0)
		*p = THRIFT_PROTOCOL_BINARY;
	else
		return -1;
	return 0;
}

static enum thrift_protocol
answer_protocol(const char *accept)
{
	char t[128];

	if (accept == NULL || strlen(accept) >= sizeof(t))
		return THRIFT_PROTOCOL_JSON;
	normalize_type(accept, t, sizeof(t));
	return strcmp(t, CT_BINARY) == 0 ? THRIFT_PROTOCOL_BINARY :
	    THRIFT_PROTOCOL_JSON;
}

static void
send_thrift(struct evhttp_request *req, const struct timespec *start,
    enum thrift_protocol p, struct bytebuf *msg)
{
	struct evbuffer *body = evbuffer_new();

	if (body == NULL || msg->failed) {
		if (body != NULL)
			evbuffer_free(body);
		httpd_reply_text(req, start, 500, NULL,
		    "Out of memory encoding the answer\n");
		return;
	}
	evbuffer_add(body, msg->data, msg->len);
	httpd_reply(req, start, 200, "OK",
	    p == THRIFT_PROTOCOL_JSON ? CT_JSON : CT_BINARY, body);
	evbuffer_free(body);
}

/* Thrift's answer to a call it cannot make: a TApplicationException. */
static void
send_exception(struct evhttp_request *req, const struct timespec *start,
    enum thrift_protocol p, const char *method, int32_t seqid,
    enum thrift_exception_type type, const char *message)
{
	struct thrift_writer w;
	struct bytebuf out;

	bytebuf_init(&out);
	thrift_writer_init(&w, p, &out);
	thrift_write_exception(&w, method, seqid, type, message);
	send_thrift(req, start, p, &out);
	bytebuf_free(&out);
}

static void
send_response(struct call *c, const Response *resp)
{
	struct thrift_writer w;
	struct bytebuf out;

	bytebuf_init(&out);
	thrift_writer_init(&w, c->out, &out);
	thrift_write_reply(&w, c->method, c->seqid, &resp->base);
	if (thrift_writer_finish(&w) == -1)
		out.failed = true;
	send_thrift(c->req, &c->start, c->out, &out);
	bytebuf_free(&out);
}

/* Without replica there is no answer; ERROR_TRANSIENT asks for a retry. */
static void
send_transient(struct call *c, const char *why)
{
	struct aurora_api_answer a;

	aurora_api_answer_message(&a, RESPONSE_CODE__ERROR_TRANSIENT,
	    "The scheduler could not answer: %s", why);
	send_response(c, &a.resp);
}

static const char no_leader_page[] =
    "<!doctype html>\n<html lang='en'>\n<head><meta charset='utf-8'>"
    "<title>Aurora</title></head>\n<body>\n<h2>No Leader Found</h2>\n"
    "<p>No scheduler leads at the moment; this happens while schedulers "
    "fail over and should pass within minutes.</p>\n</body>\n</html>\n";

static void
send_no_leader(struct evhttp_request *req, const struct timespec *start)
{
	struct evbuffer *body = evbuffer_new();

	if (body == NULL) {
		evhttp_send_error(req, 503, NULL);
		return;
	}
	evbuffer_add(body, no_leader_page, sizeof(no_leader_page) - 1);
	httpd_reply(req, start, 503, "Service Unavailable", "text/html", body);
	evbuffer_free(body);
}

static void
send_redirect(struct evhttp_request *req, const struct timespec *start,
    const char *leader)
{
	char location[1024];

	snprintf(location, sizeof(location), "http://%s%s", leader,
	    evhttp_request_get_uri(req));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location",
	    location);
	httpd_reply_text(req, start, 307, "Temporary Redirect", "");
}

static void
on_close(struct evhttp_connection *evcon, void *arg)
{
	struct call *c = arg;

	(void)evcon;
	c->gone = 1;
}

static void
call_free(struct call *c)
{
	free(c->method);
	free(c);
}

static void
on_answer(const Envelope *env, const char *error, void *arg)
{
	struct call *c = arg;
	ApiCallResponse *r = NULL;

	if (c->gone) {
		call_free(c);
		return;
	}
	evhttp_connection_set_closecb(c->evcon, NULL, NULL);
	if (env != NULL && env->type == MSG_TYPE__API_CALL_RESPONSE)
		r = (ApiCallResponse *)ipc_body_decode(env,
		    &api_call_response__descriptor);
	if (r == NULL) {
		send_transient(c, error ? error : "replica answered "
		    "something else");
	} else if (r->outcome == API_CALL_RESPONSE__OUTCOME__NOT_LEADING &&
	    r->leader_http_address != NULL) {
		send_redirect(c->req, &c->start, r->leader_http_address);
	} else if (r->outcome == API_CALL_RESPONSE__OUTCOME__ANSWERED &&
	    r->response != NULL) {
		send_response(c, r->response);
	} else {
		send_no_leader(c->req, &c->start);
	}
	if (r != NULL)
		api_call_response__free_unpacked(r, NULL);
	call_free(c);
}

/* Sends the decoded call to replica; 0, or -1 having answered. */
static int
forward(struct call *c, const ProtobufCMessage *args, int bypass)
{
	ApiCallRequest call = API_CALL_REQUEST__INIT;
	uint8_t *packed;
	size_t len = protobuf_c_message_get_packed_size(args);

	if ((packed = malloc(len ? len : 1)) == NULL) {
		send_transient(c, "out of memory");
		return -1;
	}
	protobuf_c_message_pack(args, packed);
	call.method = c->method;
	call.has_args = 1;
	call.args.data = packed;
	call.args.len = len;
	call.has_bypass_leader_redirect = 1;
	call.bypass_leader_redirect = bypass;
	c->evcon = evhttp_request_get_connection(c->req);
	evhttp_connection_set_closecb(c->evcon, on_close, c);
	if (ipc_call(replica, MSG_TYPE__API_CALL_REQUEST, &call.base,
	    HTTPD_API_TIMEOUT_MS, on_answer, c) == -1) {
		free(packed);
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		send_transient(c, "cannot reach replica");
		return -1;
	}
	free(packed);
	return 0;
}

void
httpd_api(struct evhttp_request *req, const struct timespec *start)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const struct aurora_api_method *m;
	const char *ctype = evhttp_find_header(h, "Content-Type");
	enum thrift_protocol p, out;
	enum thrift_message_type type;
	struct thrift_reader r;
	ProtobufCMessage *args = NULL;
	struct call *c = NULL;
	char text[THRIFT_ERR_LEN * 3], *name = NULL;
	size_t len = evbuffer_get_length(in);
	int32_t seqid;

	if (request_protocol(ctype, &p) == -1) {
		snprintf(text, sizeof(text), "Unsupported Content-Type: %.200s",
		    ctype);
		httpd_reply_text(req, start, 415, "Unsupported Media Type",
		    text);
		return;
	}
	out = answer_protocol(evhttp_find_header(h, "Accept"));
	if (len == 0) {
		httpd_reply_text(req, start, 400, "Bad Request",
		    "Not a Thrift call: the request has no body\n");
		return;
	}
	if (thrift_reader_init(&r, p, evbuffer_pullup(in, -1), len) == -1 ||
	    thrift_read_message_begin(&r, &name, &type, &seqid) == -1) {
		snprintf(text, sizeof(text), "Not a Thrift call: %s\n",
		    thrift_reader_error(&r));
		httpd_reply_text(req, start, 400, "Bad Request", text);
		goto out;
	}
	if ((m = aurora_api_method(name)) == NULL) {
		snprintf(text, sizeof(text), "Invalid method name: '%.200s'",
		    name);
		send_exception(req, start, out, name, seqid,
		    THRIFT_EXC_UNKNOWN_METHOD, text);
		goto out;
	}
	if ((args = thrift_read_args(&r, m->args)) == NULL) {
		snprintf(text, sizeof(text), "%s", thrift_reader_error(&r));
		send_exception(req, start, out, name, seqid,
		    THRIFT_EXC_PROTOCOL_ERROR, text);
		goto out;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		httpd_reply_text(req, start, 500, NULL, "Out of memory\n");
		goto out;
	}
	c->req = req;
	c->start = *start;
	c->out = out;
	c->method = name;
	c->seqid = seqid;
	name = NULL;
	if (forward(c, args, evhttp_find_header(h,
	    "Bypass-Leader-Redirect") != NULL) == -1)
		call_free(c);
out:
	if (args != NULL)
		protobuf_c_message_free_unpacked(args, NULL);
	thrift_reader_free(&r);
	free(name);
}
