/*
 * Unit test: the Thrift codec (common/thrift_*.c) on messages written by
 * hand from the Thrift protocol specifications, in both protocols: what
 * thrift.js and the Python client send, what Aurora's server answers, and
 * the error paths for bad input.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/aurora_api.h"
#include "common/thrift_codec.h"
#include "common/thrift_schema.h"
#include "ipc/api.pb-c.h"
#include "ipc/api_calls.pb-c.h"
#include "tests/unit/check.h"

static char last_error[1024];

/* Decodes a call; NULL with last_error set on failure. */
static ProtobufCMessage *
decode_call(enum thrift_protocol p, const void *buf, size_t len,
    char **name)
{
	const struct aurora_api_method *m;
	struct thrift_reader r;
	enum thrift_message_type type;
	ProtobufCMessage *args = NULL;
	int32_t seqid;

	*name = NULL;
	last_error[0] = '\0';
	if (thrift_reader_init(&r, p, buf, len) == 0 &&
	    thrift_read_message_begin(&r, name, &type, &seqid) == 0) {
		if ((m = aurora_api_method(*name)) == NULL)
			thrift_fail(&r, "no method %s", *name);
		else
			args = thrift_read_args(&r, m->args);
	}
	if (args == NULL)
		snprintf(last_error, sizeof(last_error), "%s",
		    thrift_reader_error(&r));
	thrift_reader_free(&r);
	return args;
}

static char *
encode(enum thrift_protocol p, const char *name, int kind,
    const ProtobufCMessage *m, size_t *len)
{
	struct bytebuf out;
	struct thrift_writer w;

	bytebuf_init(&out);
	thrift_writer_init(&w, p, &out);
	if (kind == THRIFT_CALL)
		thrift_write_call(&w, name, 0, m);
	else
		thrift_write_reply(&w, name, 0, m);
	CHECK(thrift_writer_finish(&w) == 0);
	bytebuf_putc(&out, '\0');
	return (char *)bytebuf_take(&out, len);
}

/* Decodes a JSON call and checks it encodes back to the same text. */
static ProtobufCMessage *
json_round_trip(const char *text)
{
	ProtobufCMessage *m;
	char *name, *again;
	size_t len;

	if ((m = decode_call(THRIFT_PROTOCOL_JSON, text, strlen(text),
	    &name)) == NULL) {
		fprintf(stderr, "decode failed: %s\n", last_error);
		CHECK(m != NULL);
		free(name);
		return NULL;
	}
	again = encode(THRIFT_PROTOCOL_JSON, name, THRIFT_CALL, m, &len);
	CHECK_STR(again, text);
	free(again);
	free(name);
	return m;
}

static const char *
json_error(const char *text)
{
	ProtobufCMessage *m;
	char *name;

	m = decode_call(THRIFT_PROTOCOL_JSON, text, strlen(text), &name);
	CHECK(m == NULL);
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	free(name);
	return last_error;
}

static void
test_json_get_jobs(void)
{
	GetJobsArgs *a = (GetJobsArgs *)json_round_trip(
	    "[1,\"getJobs\",1,0,{\"1\":{\"str\":\"www-data\"}}]");

	if (a == NULL)
		return;
	CHECK_STR(a->ownerrole, "www-data");
	get_jobs_args__free_unpacked(a, NULL);
}

/* A createJob as thrift.js writes it, fields in id order. */
static const char create_job_json[] =
    "[1,\"createJob\",1,0,{\"1\":{\"rec\":{"
    "\"6\":{\"rec\":{"
	"\"7\":{\"tf\":1},"
	"\"11\":{\"i32\":0},"
	"\"13\":{\"i32\":1},"
	"\"17\":{\"rec\":{\"2\":{\"str\":\"www-data\"}}},"
	"\"18\":{\"tf\":0},"
	"\"20\":{\"set\":[\"rec\",2,"
	    "{\"1\":{\"str\":\"host\"},\"2\":{\"rec\":{\"2\":{\"rec\":"
		"{\"1\":{\"i32\":1}}}}}},"
	    "{\"1\":{\"str\":\"rack\"},\"2\":{\"rec\":{\"1\":{\"rec\":"
		"{\"1\":{\"tf\":1},\"2\":{\"set\":[\"str\",2,\"r1\",\"r2\"]}"
		"}}}}}]},"
	"\"22\":{\"map\":[\"str\",\"str\",1,{\"http\":"
	    "\"http://%host%:%port:http%\"}]},"
	"\"25\":{\"rec\":{\"1\":{\"str\":\"AuroraExecutor\"},"
	    "\"2\":{\"str\":\"{\\\"name\\\": \\\"hello\\\"}\"}}},"
	"\"28\":{\"rec\":{\"1\":{\"str\":\"www-data\"},"
	    "\"2\":{\"str\":\"prod\"},\"3\":{\"str\":\"hello\"}}},"
	"\"29\":{\"rec\":{\"1\":{\"rec\":{}}}},"
	"\"30\":{\"str\":\"preferred\"},"
	"\"32\":{\"set\":[\"rec\",3,{\"1\":{\"dbl\":0.5}},"
	    "{\"2\":{\"i64\":128}},{\"3\":{\"i64\":256}}]}"
    "}},"
    "\"7\":{\"rec\":{\"2\":{\"str\":\"www-data\"}}},"
    "\"8\":{\"i32\":3},"
    "\"9\":{\"rec\":{\"1\":{\"str\":\"www-data\"},\"2\":{\"str\":\"prod\"},"
	"\"3\":{\"str\":\"hello\"}}}"
    "}}}]";

static void
test_json_create_job(void)
{
	CreateJobArgs *a = (CreateJobArgs *)json_round_trip(create_job_json);
	TaskConfig *t;

	if (a == NULL)
		return;
	CHECK(a->description != NULL);
	CHECK(a->description->has_instancecount &&
	    a->description->instancecount == 3);
	CHECK_STR(a->description->key->name, "hello");
	t = a->description->taskconfig;
	CHECK(t->has_isservice && t->isservice);
	CHECK(t->has_production && !t->production);
	CHECK_STR(t->tier, "preferred");
	CHECK(t->n_resources == 3);
	CHECK(t->resources[0]->kind_case == RESOURCE__KIND_NUM_CPUS &&
	    t->resources[0]->numcpus == 0.5);
	CHECK(t->resources[1]->kind_case == RESOURCE__KIND_RAM_MB &&
	    t->resources[1]->rammb == 128);
	CHECK(t->n_constraints == 2);
	CHECK(t->constraints[0]->constraint->kind_case ==
	    TASK_CONSTRAINT__KIND_LIMIT &&
	    t->constraints[0]->constraint->limit->limit == 1);
	CHECK(t->constraints[1]->constraint->value->negated &&
	    t->constraints[1]->constraint->value->n_values == 2);
	CHECK(t->n_tasklinks == 1);
	CHECK_STR(t->tasklinks[0]->key, "http");
	CHECK_STR(t->tasklinks[0]->value, "http://%host%:%port:http%");
	CHECK_STR(t->executorconfig->data, "{\"name\": \"hello\"}");
	CHECK(t->container->kind_case == CONTAINER__KIND_MESOS);
	create_job_args__free_unpacked(a, NULL);
}

/* Binary: bytes written out from the protocol's description. */
static const unsigned char get_jobs_binary[] = {
	0x80, 0x01, 0x00, 0x01,			/* version 1, CALL */
	0, 0, 0, 7, 'g', 'e', 't', 'J', 'o', 'b', 's',
	0, 0, 0, 42,				/* seqid */
	11, 0, 1, 0, 0, 0, 8, 'w', 'w', 'w', '-', 'd', 'a', 't', 'a',
	0,					/* stop */
};

static void
test_binary_get_jobs(void)
{
	GetJobsArgs *a;
	struct thrift_writer w;
	struct bytebuf out;
	char *name;
	unsigned char old[sizeof(get_jobs_binary) + 1];

	a = (GetJobsArgs *)decode_call(THRIFT_PROTOCOL_BINARY,
	    get_jobs_binary, sizeof(get_jobs_binary), &name);
	CHECK(a != NULL);
	if (a == NULL)
		return;
	CHECK_STR(name, "getJobs");
	CHECK_STR(a->ownerrole, "www-data");
	bytebuf_init(&out);
	thrift_binary_writer_init(&w, &out);
	thrift_write_call(&w, name, 42, &a->base);
	CHECK(out.len == sizeof(get_jobs_binary) &&
	    memcmp(out.data, get_jobs_binary, out.len) == 0);
	bytebuf_free(&out);
	get_jobs_args__free_unpacked(a, NULL);
	free(name);

	/* The old header without a version: name, then a type byte. */
	memcpy(old, get_jobs_binary + 4, 11);
	old[11] = 1;
	memcpy(old + 12, get_jobs_binary + 15, sizeof(get_jobs_binary) - 15);
	a = (GetJobsArgs *)decode_call(THRIFT_PROTOCOL_BINARY, old,
	    sizeof(get_jobs_binary) - 3, &name);
	CHECK(a != NULL && strcmp(a->ownerrole, "www-data") == 0);
	if (a != NULL)
		get_jobs_args__free_unpacked(a, NULL);
	free(name);
}

/* JSON and binary of the same call decode to the same message. */
static void
test_binary_create_job(void)
{
	CreateJobArgs *a, *b;
	char *name, *bin, *json;
	size_t blen, jlen;

	a = (CreateJobArgs *)decode_call(THRIFT_PROTOCOL_JSON, create_job_json,
	    strlen(create_job_json), &name);
	CHECK(a != NULL);
	if (a == NULL)
		return;
	bin = encode(THRIFT_PROTOCOL_BINARY, "createJob", THRIFT_CALL,
	    &a->base, &blen);
	free(name);
	b = (CreateJobArgs *)decode_call(THRIFT_PROTOCOL_BINARY, bin,
	    blen - 1, &name);
	CHECK(b != NULL);
	if (b != NULL) {
		json = encode(THRIFT_PROTOCOL_JSON, "createJob", THRIFT_CALL,
		    &b->base, &jlen);
		CHECK_STR(json, create_job_json);
		free(json);
		create_job_args__free_unpacked(b, NULL);
	}
	free(name);
	/* Every prefix of the message is an error, never a crash. */
	for (size_t n = 0; n + 1 < blen - 1; n++) {
		b = (CreateJobArgs *)decode_call(THRIFT_PROTOCOL_BINARY, bin,
		    n, &name);
		CHECK(b == NULL);
		free(name);
	}
	CHECK_CONTAINS(last_error, "the message ends early");
	free(bin);
	create_job_args__free_unpacked(a, NULL);
}

static void
test_reply(void)
{
	Response resp = RESPONSE__INIT;
	ServerInfo info = SERVER_INFO__INIT;
	Result result = RESULT__INIT;
	GetJobsResult jobs = GET_JOBS_RESULT__INIT;
	ResponseDetail detail = RESPONSE_DETAIL__INIT, *details[] = { &detail };
	Response *back;
	struct thrift_reader r;
	char *json, *bin;
	size_t len, blen;
	int exc;
	char dev[] = "dev", hi[] = "hi";
	static const unsigned char want_bin[] = {
		0x80, 0x01, 0x00, 0x02, 0, 0, 0, 7,
		'g', 'e', 't', 'J', 'o', 'b', 's', 0, 0, 0, 0,
		12, 0, 0,				/* field 0: Response */
		8, 0, 1, 0, 0, 0, 1,			/* responseCode OK */
		12, 0, 3,				/* result */
		12, 0, 4,				/* getJobsResult */
		14, 0, 1, 12, 0, 0, 0, 0,		/* configs: empty set */
		0, 0,
		12, 0, 5,				/* serverInfo */
		11, 0, 1, 0, 0, 0, 3, 'd', 'e', 'v',
		0,
		15, 0, 6, 12, 0, 0, 0, 1,		/* details: 1 */
		11, 0, 1, 0, 0, 0, 2, 'h', 'i', 0,
		0, 0,
	};

	resp.has_responsecode = 1;
	resp.responsecode = RESPONSE_CODE__OK;
	info.clustername = dev;
	resp.serverinfo = &info;
	result.kind_case = RESULT__KIND_GET_JOBS_RESULT;
	result.getjobsresult = &jobs;
	resp.result = &result;
	detail.message = hi;
	resp.n_details = 1;
	resp.details = details;

	json = encode(THRIFT_PROTOCOL_JSON, "getJobs", THRIFT_REPLY,
	    &resp.base, &len);
	CHECK_STR(json, "[1,\"getJobs\",2,0,{\"0\":{\"rec\":{"
	    "\"1\":{\"i32\":1},"
	    "\"3\":{\"rec\":{\"4\":{\"rec\":{\"1\":{\"set\":[\"rec\",0]}}}}},"
	    "\"5\":{\"rec\":{\"1\":{\"str\":\"dev\"}}},"
	    "\"6\":{\"lst\":[\"rec\",1,{\"1\":{\"str\":\"hi\"}}]}}}}]");
	bin = encode(THRIFT_PROTOCOL_BINARY, "getJobs", THRIFT_REPLY,
	    &resp.base, &blen);
	CHECK(blen - 1 == sizeof(want_bin) &&
	    memcmp(bin, want_bin, sizeof(want_bin)) == 0);

	/* The client's side: read the reply back. */
	CHECK(thrift_reader_init(&r, THRIFT_PROTOCOL_JSON, json, len - 1) == 0);
	back = (Response *)thrift_read_reply(&r, &response__descriptor, &exc);
	CHECK(back != NULL);
	if (back != NULL) {
		CHECK(back->responsecode == RESPONSE_CODE__OK);
		CHECK_STR(back->serverinfo->clustername, "dev");
		CHECK(back->result->kind_case == RESULT__KIND_GET_JOBS_RESULT);
		CHECK_STR(back->details[0]->message, "hi");
		response__free_unpacked(back, NULL);
	}
	thrift_reader_free(&r);
	free(json);
	free(bin);
}

static void
test_exception(void)
{
	struct bytebuf out;
	struct thrift_writer w;
	struct thrift_reader r;
	int exc;

	bytebuf_init(&out);
	thrift_json_writer_init(&w, &out);
	thrift_write_exception(&w, "nope", 3, THRIFT_EXC_UNKNOWN_METHOD,
	    "Invalid method name: 'nope'");
	bytebuf_putc(&out, '\0');
	CHECK_STR((char *)out.data, "[1,\"nope\",3,3,{\"1\":{\"str\":"
	    "\"Invalid method name: 'nope'\"},\"2\":{\"i32\":1}}]");
	CHECK(thrift_reader_init(&r, THRIFT_PROTOCOL_JSON, out.data,
	    out.len - 1) == 0);
	CHECK(thrift_read_reply(&r, &response__descriptor, &exc) == NULL);
	CHECK(exc == THRIFT_EXC_UNKNOWN_METHOD);
	CHECK_STR(thrift_reader_error(&r),
	    "the server answered: Invalid method name: 'nope'");
	thrift_reader_free(&r);
	bytebuf_free(&out);
}

/* What Java's generated code writes, and what it leaves out. */
static void
test_presence(void)
{
	ScheduledTask st = SCHEDULED_TASK__INIT;
	AssignedTask at = ASSIGNED_TASK__INIT;
	TaskConfig tc = TASK_CONFIG__INIT;
	TaskEvent ev = TASK_EVENT__INIT, *evs[] = { &ev };
	char *json;
	size_t len;
	struct bytebuf out;
	struct thrift_writer w;
	char t1[] = "t1";

	at.taskid = t1;
	at.task = &tc;
	st.assignedtask = &at;
	st.has_status = 1;
	st.status = SCHEDULE_STATUS__RUNNING;
	ev.has_timestamp = 1;
	ev.timestamp = 1700000000000;
	ev.has_status = 1;
	ev.status = SCHEDULE_STATUS__RUNNING;
	st.n_taskevents = 1;
	st.taskevents = evs;

	bytebuf_init(&out);
	thrift_json_writer_init(&w, &out);
	thrift_write_struct(&w, &st.base);
	bytebuf_putc(&out, '\0');
	json = (char *)bytebuf_take(&out, &len);
	/*
	 * Scalars always (instanceId, failureCount); strings only when set
	 * (no slaveId, no ancestorId); non-optional containers even empty
	 * (resources, constraints, assignedPorts); optional ones not
	 * (metadata, mesosFetcherUris); TaskEvent's optional message not.
	 */
	CHECK_STR(json, "{\"1\":{\"rec\":{\"1\":{\"str\":\"t1\"},"
	    "\"4\":{\"rec\":{\"7\":{\"tf\":0},\"11\":{\"i32\":0},"
	    "\"13\":{\"i32\":0},\"20\":{\"set\":[\"rec\",0]},"
	    "\"32\":{\"set\":[\"rec\",0]}}},"
	    "\"5\":{\"map\":[\"str\",\"i32\",0,{}]},\"6\":{\"i32\":0}}},"
	    "\"2\":{\"i32\":2},\"3\":{\"i32\":0},"
	    "\"4\":{\"lst\":[\"rec\",1,{\"1\":{\"i64\":1700000000000},"
	    "\"2\":{\"i32\":2}}]},\"6\":{\"i32\":0}}");
	free(json);
}

static void
test_lenient_reads(void)
{
	GetTasksStatusArgs *a;
	char *name;
	const char *text =
	    "[1,\"getTasksStatus\",1,0,{\"1\":{\"rec\":{"
	    "\"5\":{\"lst\":[\"i32\",3,2,99,0]},"	/* list for a set */
	    "\"14\":{\"i32\":7},"			/* role: wrong type */
	    "\"77\":{\"rec\":{\"1\":{\"str\":\"?\"}}},"	/* unknown field */
	    "\"9\":{\"str\":\"prod\"}}}}]";

	a = (GetTasksStatusArgs *)decode_call(THRIFT_PROTOCOL_JSON, text,
	    strlen(text), &name);
	CHECK(a != NULL);
	if (a != NULL) {
		/* 99 is no ScheduleStatus: dropped, as Java reads it null. */
		CHECK(a->query->n_statuses == 2);
		CHECK(a->query->statuses[0] == SCHEDULE_STATUS__RUNNING);
		CHECK(a->query->statuses[1] == SCHEDULE_STATUS__PENDING);
		CHECK(a->query->role == NULL);
		CHECK_STR(a->query->environment, "prod");
		get_tasks_status_args__free_unpacked(a, NULL);
	}
	free(name);
}

static void
test_errors(void)
{
	char deep[4096];
	int i, n = 0;

	CHECK_CONTAINS(json_error("[1,\"getJobs\",1,0,{}"), "not JSON");
	CHECK_CONTAINS(json_error("[2,\"getJobs\",1,0,{}]"),
	    "message version 2, only 1 is known");
	CHECK_CONTAINS(json_error("{\"1\":2}"), "a message is a JSON array");
	CHECK_CONTAINS(json_error("[1,\"getJobs\",9,0,{}]"),
	    "unknown message type 9");
	CHECK_CONTAINS(json_error("[1,\"getJobs\",1,0,{},5]"),
	    "values after the message's arguments");
	CHECK_CONTAINS(json_error("[1,\"getJobs\",1,0,{\"x\":{\"str\":\"a\"}}]"),
	    "field id \"x\" is not a number");
	CHECK_CONTAINS(json_error("[1,\"getJobs\",1,0,{\"1\":{\"zz\":1}}]"),
	    "unknown type name \"zz\"");
	CHECK_STR(json_error("[1,\"createJob\",1,0,{\"1\":{\"rec\":{\"6\":"
	    "{\"rec\":{\"32\":{\"set\":[\"rec\",2,{\"1\":{\"dbl\":1}},"
	    "{\"1\":{\"dbl\":\"lots\"}}]}}}}}}]"),
	    "description.taskConfig.resources[1].numCpus: \"lots\" is not a "
	    "number");
	CHECK_STR(json_error("[1,\"createJob\",1,0,{\"1\":{\"rec\":{\"6\":"
	    "{\"rec\":{\"32\":{\"set\":[\"rec\",1,{\"1\":{\"dbl\":1},"
	    "\"2\":{\"i64\":5}}]}}}}}}]"),
	    "description.taskConfig.resources[0].ramMb: a Resource is a "
	    "union: it holds numCpus already");
	CHECK_CONTAINS(json_error("[1,\"getJobs\",1,0,{\"1\":{\"lst\":"
	    "[\"str\",3,\"a\"]}}]"), "a list says 3 elements but holds 1");
	CHECK_CONTAINS(json_error("[1,\"addInstances\",1,0,{\"4\":"
	    "{\"i32\":4294967296}}]"), "4294967296 is out of range for i32");
	CHECK_CONTAINS(json_error("[1,\"getJobs\",1,0,{\"1\":{\"str\":\"a\\u0000b\"}}]"),
	    "not JSON");

	/* Unknown fields nested deeper than anything real. */
	n += snprintf(deep + n, sizeof(deep) - n, "[1,\"getJobs\",1,0,");
	for (i = 0; i < 80; i++)
		n += snprintf(deep + n, sizeof(deep) - n, "{\"9\":{\"rec\":");
	n += snprintf(deep + n, sizeof(deep) - n, "{}");
	for (i = 0; i < 80; i++)
		n += snprintf(deep + n, sizeof(deep) - n, "}}");
	snprintf(deep + n, sizeof(deep) - n, "]");
	CHECK_CONTAINS(json_error(deep), "nested more than 64 deep");
}

static void
test_binary_errors(void)
{
	static const unsigned char huge_list[] = {
		0x80, 0x01, 0x00, 0x01, 0, 0, 0, 13,
		'r', 'e', 's', 't', 'a', 'r', 't', 'S', 'h', 'a', 'r', 'd', 's',
		0, 0, 0, 0,
		14, 0, 3, 8, 0x7f, 0xff, 0xff, 0xff, 0,
	};
	static const unsigned char bad_utf8[] = {
		0x80, 0x01, 0x00, 0x01, 0, 0, 0, 7,
		'g', 'e', 't', 'J', 'o', 'b', 's', 0, 0, 0, 0,
		11, 0, 1, 0, 0, 0, 3, 'a', 0xff, 'b', 0,
	};
	static const unsigned char nul_byte[] = {
		0x80, 0x01, 0x00, 0x01, 0, 0, 0, 7,
		'g', 'e', 't', 'J', 'o', 'b', 's', 0, 0, 0, 0,
		11, 0, 1, 0, 0, 0, 3, 'a', 0, 'b', 0,
	};
	static const unsigned char bad_version[] = {
		0x80, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	GetJobsArgs *a;
	char *name;

	CHECK(decode_call(THRIFT_PROTOCOL_BINARY, huge_list,
	    sizeof(huge_list), &name) == NULL);
	CHECK_STR(last_error, "shardIds: a set of 2147483647 elements in 1 "
	    "bytes");
	free(name);
	a = (GetJobsArgs *)decode_call(THRIFT_PROTOCOL_BINARY, bad_utf8,
	    sizeof(bad_utf8), &name);
	CHECK(a != NULL && strcmp(a->ownerrole, "a\xef\xbf\xbd" "b") == 0);
	if (a != NULL)
		get_jobs_args__free_unpacked(a, NULL);
	free(name);
	CHECK(decode_call(THRIFT_PROTOCOL_BINARY, nul_byte, sizeof(nul_byte),
	    &name) == NULL);
	CHECK_STR(last_error, "ownerRole: a string holds a NUL byte");
	free(name);
	CHECK(decode_call(THRIFT_PROTOCOL_BINARY, bad_version,
	    sizeof(bad_version), &name) == NULL);
	CHECK_CONTAINS(last_error, "bad version in the message header");
	free(name);
}

/* Binary values in JSON are base64 (without padding, as Java writes). */
static void
test_base64(void)
{
	const char *samples[] = { "", "f", "fo", "foo", "foob", "fooba",
	    "foobar" };
	const char *want[] = { "1,\"\"]", "1,\"Zg\"]", "1,\"Zm8\"]",
	    "1,\"Zm9v\"]", "1,\"Zm9vYg\"]", "1,\"Zm9vYmE\"]",
	    "1,\"Zm9vYmFy\"]" };
	struct bytebuf out;
	struct thrift_writer w;
	struct thrift_reader r;
	enum thrift_type k, v;
	uint32_t n;
	char *back;
	size_t i, len;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		bytebuf_init(&out);
		thrift_json_writer_init(&w, &out);
		w.ops->container_begin(&w, THRIFT_LIST, THRIFT_STRING, 0, 1);
		w.ops->write_string(&w, samples[i], strlen(samples[i]), true);
		w.ops->container_end(&w, THRIFT_LIST);
		bytebuf_putc(&out, '\0');
		CHECK_CONTAINS((char *)out.data, want[i]);
		CHECK(thrift_json_reader_init(&r, out.data, out.len - 1) == 0);
		CHECK(r.ops->container_begin(&r, THRIFT_LIST, &k, &v, &n) == 0);
		CHECK(r.ops->read_string(&r, &back, &len, true) == 0);
		CHECK(len == strlen(samples[i]) &&
		    memcmp(back, samples[i], len) == 0);
		free(back);
		thrift_reader_free(&r);
		bytebuf_free(&out);
	}
}

static void
test_doubles(void)
{
	double samples[] = { 0.1, -0.0, 1e300, 2, NAN, INFINITY, -INFINITY };
	struct bytebuf out;
	struct thrift_writer w;
	struct thrift_reader r;
	enum thrift_type k, v;
	uint32_t n;
	double back;
	size_t i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		bytebuf_init(&out);
		thrift_json_writer_init(&w, &out);
		w.ops->container_begin(&w, THRIFT_LIST, THRIFT_DOUBLE, 0, 1);
		w.ops->write_double(&w, samples[i]);
		w.ops->container_end(&w, THRIFT_LIST);
		CHECK(thrift_json_reader_init(&r, out.data, out.len) == 0);
		CHECK(r.ops->container_begin(&r, THRIFT_LIST, &k, &v, &n) == 0);
		CHECK(r.ops->read_double(&r, &back) == 0);
		CHECK(isnan(samples[i]) ? isnan(back) :
		    back == samples[i] && !signbit(back) == !signbit(samples[i]));
		thrift_reader_free(&r);
		bytebuf_free(&out);
	}
}

static void
test_method_table(void)
{
	const struct aurora_api_method *m;
	int n = 0;

	for (m = aurora_api_methods; m->name != NULL; m++)
		n++;
	CHECK(n == 45);
	CHECK(aurora_api_method("createJob")->args ==
	    &create_job_args__descriptor);
	CHECK(aurora_api_method("pruneTasks")->service == AURORA_API_ADMIN);
	CHECK(aurora_api_method("getJobs")->service == AURORA_API_READ_ONLY);
	CHECK(aurora_api_method("nope") == NULL);
	/* The notes reached the codec: TaskConfig.constraints is a set. */
	CHECK(thrift_schema_notes(&task_config__descriptor) != NULL);
}

int
main(void)
{
	test_json_get_jobs();
	test_json_create_job();
	test_binary_get_jobs();
	test_binary_create_job();
	test_reply();
	test_exception();
	test_presence();
	test_lenient_reads();
	test_errors();
	test_binary_errors();
	test_base64();
	test_doubles();
	test_method_table();
	return check_done("test_thrift");
}
