/*
 * The body of both Thrift fuzz targets: decode the input as an /api call
 * in one protocol, as httpd does; then encode what was read in both
 * protocols and check that reading that back gives the same bytes again.
 * The input is also read as a reply, as the aurora client does.
 */
#ifndef TESTS_FUZZ_FUZZ_THRIFT_H
#define TESTS_FUZZ_FUZZ_THRIFT_H

#include <stdlib.h>
#include <string.h>

#include "common/aurora_api.h"
#include "common/thrift_codec.h"
#include "ipc/api.pb-c.h"
#include "ipc/api_calls.pb-c.h"
#include "tests/fuzz/fuzz.h"

static void
encode_call(enum thrift_protocol p, const char *name,
    const ProtobufCMessage *args, struct bytebuf *out)
{
	struct thrift_writer w;

	bytebuf_init(out);
	thrift_writer_init(&w, p, out);
	thrift_write_call(&w, name, 7, args);
	if (thrift_writer_finish(&w) == -1)
		abort();
}

static void
check_round_trip(enum thrift_protocol p, const char *name,
    const ProtobufCMessage *args)
{
	struct bytebuf once, twice;
	struct thrift_reader r;
	enum thrift_message_type type;
	ProtobufCMessage *again;
	int32_t seqid;
	char *rname;

	encode_call(p, name, args, &once);
	if (thrift_reader_init(&r, p, once.data, once.len) == -1 ||
	    thrift_read_message_begin(&r, &rname, &type, &seqid) == -1)
		abort();
	free(rname);
	if ((again = thrift_read_args(&r, args->descriptor)) == NULL)
		abort();
	thrift_reader_free(&r);
	encode_call(p, name, again, &twice);
	if (once.len != twice.len || memcmp(once.data, twice.data, once.len))
		abort();
	protobuf_c_message_free_unpacked(again, NULL);
	bytebuf_free(&once);
	bytebuf_free(&twice);
}

static int
fuzz_thrift(enum thrift_protocol p, const uint8_t *data, size_t len)
{
	const struct aurora_api_method *m;
	const ProtobufCMessageDescriptor *d;
	struct thrift_reader r;
	enum thrift_message_type type;
	ProtobufCMessage *args;
	int32_t seqid;
	char *name;
	int exc;

	if (thrift_reader_init(&r, p, data, len) == 0 &&
	    thrift_read_message_begin(&r, &name, &type, &seqid) == 0) {
		m = aurora_api_method(name);
		/* Unknown names still exercise the deepest arguments. */
		d = m ? m->args : &create_job_args__descriptor;
		if ((args = thrift_read_args(&r, d)) != NULL) {
			check_round_trip(THRIFT_PROTOCOL_JSON, name, args);
			check_round_trip(THRIFT_PROTOCOL_BINARY, name, args);
			protobuf_c_message_free_unpacked(args, NULL);
		}
		free(name);
	}
	thrift_reader_free(&r);
	if (thrift_reader_init(&r, p, data, len) == 0 &&
	    (args = thrift_read_reply(&r, &response__descriptor, &exc)) != NULL)
		protobuf_c_message_free_unpacked(args, NULL);
	thrift_reader_free(&r);
	return 0;
}

#endif
