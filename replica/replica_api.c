/*
 * replica: Aurora's Thrift API, the trusted side (see replica_api.h): a
 * call's life. Reads are answered at once from the store (api_read.c);
 * changes are decided in the scheduler core's next round and answered
 * once it is in the log (api_write.c). The methods this scheduler does
 * not implement yet answer INVALID_REQUEST naming the method; doc/api.md
 * lists them.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aurora_api.h"
#include "common/log.h"
#include "common/monotonic.h"
#include "ipc/api_calls.pb-c.h"
#include "ipc/api_ipc.pb-c.h"
#include "ipc/ipc_vars.h"
#include "replica/replica.h"
#include "replica/replica_api.h"
#include "replica/replica_log.h"
#include "replica/replica_snapshot.h"
#include "replica/api_call.h"
#include "replica/sched.h"

/* Aurora's ResponseCode names, for scheduler_thrift_response_<CODE>. */
static const char *const code_names[] = {
	[RESPONSE_CODE__INVALID_REQUEST] = "INVALID_REQUEST",
	[RESPONSE_CODE__OK] = "OK",
	[RESPONSE_CODE__RESPONSE_CODE_ERROR] = "ERROR",
	[RESPONSE_CODE__WARNING] = "WARNING",
	[RESPONSE_CODE__AUTH_FAILED] = "AUTH_FAILED",
	[RESPONSE_CODE__JOB_UPDATING_ERROR] = "JOB_UPDATING_ERROR",
	[RESPONSE_CODE__ERROR_TRANSIENT] = "ERROR_TRANSIENT",
};
#define NCODES	(sizeof(code_names) / sizeof(code_names[0]))

#define NMETHODS	64	/* more than api.thrift's 45 */

static struct {
	uint64_t	responses[NCODES];
	uint64_t	events[NMETHODS];
	uint64_t	nanos[NMETHODS];
} stats;

void *
api_alloc(struct api_call *c, size_t len)
{
	void *p;

	if (c->nblocks == c->capblocks) {
		size_t cap = c->capblocks ? c->capblocks * 2 : 16;
		void **b = realloc(c->blocks, cap * sizeof(*b));

		if (b == NULL) {
			c->oom = 1;
			return NULL;
		}
		c->blocks = b;
		c->capblocks = cap;
	}
	if ((p = calloc(1, len > 0 ? len : 1)) == NULL) {
		c->oom = 1;
		return NULL;
	}
	c->blocks[c->nblocks++] = p;
	return p;
}

char *
api_strdup(struct api_call *c, const char *s)
{
	char *p = api_alloc(c, strlen(s) + 1);

	if (p != NULL)
		memcpy(p, s, strlen(s) + 1);
	return p;
}

void
api_keep(struct api_call *c, ProtobufCMessage *msg)
{
	if (msg == NULL)
		return;
	if (c->nmsgs == c->capmsgs) {
		size_t cap = c->capmsgs ? c->capmsgs * 2 : 16;
		ProtobufCMessage **m = realloc(c->msgs, cap * sizeof(*m));

		if (m == NULL) {
			protobuf_c_message_free_unpacked(msg, NULL);
			c->oom = 1;
			return;
		}
		c->msgs = m;
		c->capmsgs = cap;
	}
	c->msgs[c->nmsgs++] = msg;
}

void
api_keep_arena(struct api_call *c, struct arena *a)
{
	struct arena **grown;

	if (a == NULL)
		return;
	if ((grown = realloc(c->arenas, (c->narenas + 1) * sizeof(*grown))) ==
	    NULL) {
		arena_free(a);
		c->oom = 1;
		return;
	}
	c->arenas = grown;
	c->arenas[c->narenas++] = a;
}

void
api_ok_result(struct api_call *c, Result__KindCase kind, void *result)
{
	aurora_api_answer_init(&c->a, RESPONSE_CODE__OK);
	c->a.result.kind_case = kind;
	/* Every member of the union is a pointer to its result struct. */
	c->a.result.populatejobresult = result;
	c->a.resp.result = &c->a.result;
}

void
api_add_message(struct api_call *c, const char *fmt, ...)
{
	ResponseDetail **details, *d;
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	details = api_alloc(c, (c->a.resp.n_details + 1) * sizeof(*details));
	d = api_alloc(c, sizeof(*d));
	if (details == NULL || d == NULL)
		return;
	response_detail__init(d);
	if ((d->message = api_strdup(c, buf)) == NULL)
		return;
	if (c->a.resp.n_details > 0)
		memcpy(details, c->a.resp.details, c->a.resp.n_details *
		    sizeof(*details));
	details[c->a.resp.n_details++] = d;
	c->a.resp.details = details;
}

void
api_error_bare(struct api_call *c)
{
	ResponseDetail **details = api_alloc(c, sizeof(*details));
	ResponseDetail *d = api_alloc(c, sizeof(*d));

	aurora_api_answer_init(&c->a, RESPONSE_CODE__RESPONSE_CODE_ERROR);
	if (details == NULL || d == NULL)
		return;
	response_detail__init(d);
	details[0] = d;
	c->a.resp.details = details;
	c->a.resp.n_details = 1;
}

static void
call_free(struct api_call *c)
{
	for (size_t i = 0; i < c->nblocks; i++)
		free(c->blocks[i]);
	free(c->blocks);
	for (size_t i = 0; i < c->nmsgs; i++)
		protobuf_c_message_free_unpacked(c->msgs[i], NULL);
	free(c->msgs);
	for (size_t i = 0; i < c->narenas; i++)
		arena_free(c->arenas[i]);
	free(c->arenas);
	if (c->args != NULL)
		protobuf_c_message_free_unpacked(c->args, NULL);
	free(c);
}

static void
reply_outcome(struct ipc_request *req, ApiCallResponse__Outcome outcome,
    Response *resp, char *leader)
{
	ApiCallResponse r = API_CALL_RESPONSE__INIT;

	r.outcome = outcome;
	r.response = resp;
	r.leader_http_address = leader;
	ipc_reply(req, MSG_TYPE__API_CALL_RESPONSE, &r.base);
}

/* Sends the answer, counts it, and ends the call. */
void
api_answer(struct api_call *c)
{
	size_t idx;

	if (c->oom)
		aurora_api_answer_message(&c->a, RESPONSE_CODE__RESPONSE_CODE_ERROR,
		    "out of memory");
	reply_outcome(c->req, API_CALL_RESPONSE__OUTCOME__ANSWERED, &c->a.resp,
	    NULL);
	if ((size_t)c->a.resp.responsecode < NCODES)
		stats.responses[c->a.resp.responsecode]++;
	idx = (size_t)(c->m - aurora_api_methods);
	if (idx < NMETHODS) {
		stats.events[idx]++;
		stats.nanos[idx] += (uint64_t)(monotonic_ns() - c->start_ns);
	}
	call_free(c);
}

static int
decide(struct sched_tx *tx, void *arg)
{
	struct api_call *c = arg;

	return api_write_method(c->m->name)(tx, c);
}

/* A change's round (or a snapshot) is over: its answer goes, or why not. */
static void
decided(void *arg, enum sched_outcome o, const char *why)
{
	struct api_call *c = arg;

	switch (o) {
	case SCHED_COMMITTED:
	case SCHED_UNCHANGED:
	case SCHED_REFUSED:
		break;	/* the decision's own answer */
	case SCHED_NOT_READY:
	case SCHED_NOT_LEADING:
		aurora_api_answer_message(&c->a,
		    RESPONSE_CODE__ERROR_TRANSIENT, "%s", why);
		break;
	default:
		aurora_api_answer_message(&c->a,
		    RESPONSE_CODE__RESPONSE_CODE_ERROR, "%s",
		    why != NULL ? why : "the change could not be stored");
		break;
	}
	api_answer(c);
}

/* snapshot(): answered once a snapshot begun after the call is done. */
static void
snapshot_done(void *arg, StoreSubmitResponse__Outcome o, const char *why)
{
	switch (o) {
	case STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED:
		decided(arg, SCHED_COMMITTED, NULL);
		break;
	case STORE_SUBMIT_RESPONSE__OUTCOME__NOT_READY:
		decided(arg, SCHED_NOT_READY, why);
		break;
	case STORE_SUBMIT_RESPONSE__OUTCOME__NOT_LEADING:
		decided(arg, SCHED_NOT_LEADING, why);
		break;
	default:
		decided(arg, SCHED_FAILED, why != NULL ? why :
		    "the snapshot failed");
		break;
	}
}

static void
run(struct api_call *c)
{
	api_read_fn read;

	if (!replica_log_ready()) {
		aurora_api_answer_message(&c->a, RESPONSE_CODE__ERROR_TRANSIENT,
		    "Storage is not READY");
		api_answer(c);
		return;
	}
	if ((read = api_read_method(c->m->name)) != NULL) {
		read(c);
		if (!c->deferred)
			api_answer(c);
		return;
	}
	if (api_write_method(c->m->name) != NULL) {
		sched_submit(decide, decided, c);
		return;
	}
	if (strcmp(c->m->name, "snapshot") == 0) {
		if (replica_snapshot_request_cb(snapshot_done, c) == -1) {
			c->oom = 1;
			api_answer(c);
		}
		return;
	}
	aurora_api_answer_message(&c->a, RESPONSE_CODE__INVALID_REQUEST,
	    "%s is not supported by this scheduler yet", c->m->name);
	api_answer(c);
}

void
replica_api_call(struct ipc_request *req)
{
	const struct aurora_api_method *m;
	ProtobufCMessage *args = NULL;
	ApiCallRequest *call;
	struct api_call *c;
	char leader[320];

	call = (ApiCallRequest *)ipc_body_decode(ipc_request_envelope(req),
	    &api_call_request__descriptor);
	if (call == NULL) {
		ipc_reply_error(req, IPC_ERROR_CODE__MALFORMED,
		    "not an API call");
		return;
	}
	/* httpd checked both; a peer that did not is not trusted. */
	if ((m = aurora_api_method(call->method)) == NULL ||
	    (args = protobuf_c_message_unpack(m->args, NULL,
	    call->has_args ? call->args.len : 0,
	    call->has_args ? call->args.data : NULL)) == NULL) {
		log_warnx("api: a malformed call to %.64s from httpd",
		    call->method);
		ipc_reply_error(req, IPC_ERROR_CODE__MALFORMED,
		    "unknown method or malformed arguments");
		goto out;
	}
	if (!call->bypass_leader_redirect) {
		switch (replica_leadership(leader, sizeof(leader))) {
		case LEADER_STATUS__LEADING:
			break;
		case LEADER_STATUS__NOT_LEADING:
			if (leader[0] != '\0') {
				reply_outcome(req,
				    API_CALL_RESPONSE__OUTCOME__NOT_LEADING,
				    NULL, leader);
				goto out;
			}
			/* FALLTHROUGH */
		default:
			reply_outcome(req, API_CALL_RESPONSE__OUTCOME__NO_LEADER,
			    NULL, NULL);
			goto out;
		}
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		ipc_reply_error(req, IPC_ERROR_CODE__INTERNAL, "out of memory");
		goto out;
	}
	c->req = req;
	c->m = m;
	c->args = args;
	c->start_ns = monotonic_ns();
	args = NULL;	/* the call's now */
	aurora_api_answer_init(&c->a, RESPONSE_CODE__OK);
	run(c);
out:
	if (args != NULL)
		protobuf_c_message_free_unpacked(args, NULL);
	api_call_request__free_unpacked(call, NULL);
}

void
replica_api_vars(struct ipc_vars *v)
{
	char name[128];
	size_t i;

	for (i = 0; i < NCODES; i++) {
		if (code_names[i] == NULL)
			continue;
		snprintf(name, sizeof(name), "scheduler_thrift_response_%s",
		    code_names[i]);
		ipc_vars_int(v, name, (int64_t)stats.responses[i]);
	}
	for (i = 0; aurora_api_methods[i].name != NULL && i < NMETHODS; i++) {
		snprintf(name, sizeof(name), "scheduler_thrift_%s",
		    aurora_api_methods[i].name);
		ipc_vars_timed(v, name, stats.events[i], stats.nanos[i]);
	}
}
