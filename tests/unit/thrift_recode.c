/*
 * Test helper: reads one /api call or reply in one Thrift protocol with
 * the scheduler's codec and writes it in another, so that integration
 * tests can compare it with other Thrift implementations.
 * Usage: thrift_recode json|binary json|binary < in > out
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aurora_api.h"
#include "common/thrift_codec.h"
#include "ipc/api.pb-c.h"

static int
protocol(const char *name, enum thrift_protocol *p)
{
	if (strcmp(name, "json") == 0)
		*p = THRIFT_PROTOCOL_JSON;
	else if (strcmp(name, "binary") == 0)
		*p = THRIFT_PROTOCOL_BINARY;
	else
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static unsigned char in[4 << 20];
	const struct aurora_api_method *method;
	enum thrift_protocol from, to;
	enum thrift_message_type type;
	struct thrift_reader r;
	struct thrift_writer w;
	struct bytebuf out;
	ProtobufCMessage *m = NULL;
	int32_t seqid;
	size_t len;
	char *name;
	int exc;

	if (argc != 3 || protocol(argv[1], &from) == -1 ||
	    protocol(argv[2], &to) == -1) {
		fprintf(stderr, "usage: thrift_recode json|binary "
		    "json|binary < in > out\n");
		return 2;
	}
	len = fread(in, 1, sizeof(in), stdin);
	if (thrift_reader_init(&r, from, in, len) == -1 ||
	    thrift_read_message_begin(&r, &name, &type, &seqid) == -1)
		goto fail;
	bytebuf_init(&out);
	thrift_writer_init(&w, to, &out);
	if (type == THRIFT_CALL) {
		if ((method = aurora_api_method(name)) == NULL) {
			fprintf(stderr, "no method %s\n", name);
			return 1;
		}
		if ((m = thrift_read_args(&r, method->args)) == NULL)
			goto fail;
		thrift_write_call(&w, name, seqid, m);
	} else {
		/* Read again from the top: the reply reader takes the header. */
		thrift_reader_free(&r);
		if (thrift_reader_init(&r, from, in, len) == -1 ||
		    (m = thrift_read_reply(&r, &response__descriptor,
		    &exc)) == NULL)
			goto fail;
		thrift_write_reply(&w, name, seqid, m);
	}
	if (thrift_writer_finish(&w) == -1 ||
	    fwrite(out.data, 1, out.len, stdout) != out.len)
		return 1;
	protobuf_c_message_free_unpacked(m, NULL);
	bytebuf_free(&out);
	thrift_reader_free(&r);
	free(name);
	return 0;
fail:
	fprintf(stderr, "thrift_recode: %s\n", thrift_reader_error(&r));
	return 1;
}
