/*
 * common: translates protobuf messages to and from Thrift structs, driven
 * by protobuf-c descriptors (field number = Thrift field id), over either
 * Thrift protocol. httpd decodes /api calls with it and encodes answers;
 * the aurora client does the reverse.
 *
 * Reading follows Aurora's Java server: unknown fields and fields of an
 * unexpected type are skipped, an enum number outside the enum reads as
 * unset. Unlike Thrift, a union with two members set, a string holding a
 * NUL byte, or structs nested deeper than THRIFT_MAX_DEPTH are errors.
 * Invalid UTF-8 in a string is replaced with U+FFFD, as Java's decoder does.
 *
 * Writing follows Java's generated code too: a Thrift-optional field only
 * when set, other scalars always, strings and structs when present, and
 * containers that are not optional even when empty.
 */
#ifndef COMMON_THRIFT_CODEC_H
#define COMMON_THRIFT_CODEC_H

#include <protobuf-c/protobuf-c.h>

#include "common/thrift_protocol.h"

#define THRIFT_MAX_DEPTH	64

/* Thrift's TApplicationException types. */
enum thrift_exception_type {
	THRIFT_EXC_UNKNOWN = 0,
	THRIFT_EXC_UNKNOWN_METHOD = 1,
	THRIFT_EXC_INVALID_MESSAGE_TYPE = 2,
	THRIFT_EXC_WRONG_METHOD_NAME = 3,
	THRIFT_EXC_BAD_SEQUENCE_ID = 4,
	THRIFT_EXC_MISSING_RESULT = 5,
	THRIFT_EXC_INTERNAL_ERROR = 6,
	THRIFT_EXC_PROTOCOL_ERROR = 7,
};

void	thrift_write_struct(struct thrift_writer *, const ProtobufCMessage *);
/* A new message (protobuf_c_message_free_unpacked), or NULL and an error. */
ProtobufCMessage *thrift_read_struct(struct thrift_reader *,
	    const ProtobufCMessageDescriptor *);
int	thrift_skip(struct thrift_reader *, enum thrift_type);

/* A call: the method's arguments as the struct <method>_args. */
void	thrift_write_call(struct thrift_writer *, const char *method,
	    int32_t seqid, const ProtobufCMessage *args);
/* The answer: the struct <method>_result with the response as field 0. */
void	thrift_write_reply(struct thrift_writer *, const char *method,
	    int32_t seqid, const ProtobufCMessage *response);
void	thrift_write_exception(struct thrift_writer *, const char *method,
	    int32_t seqid, enum thrift_exception_type, const char *message);

/*
 * Reading a call is two steps, as the method names the arguments' type:
 * the header (name is malloc'ed), then the arguments, which must be all
 * that is left.
 */
int	thrift_read_message_begin(struct thrift_reader *, char **name,
	    enum thrift_message_type *, int32_t *seqid);
ProtobufCMessage *thrift_read_args(struct thrift_reader *,
	    const ProtobufCMessageDescriptor *);

/*
 * A reply's result (field 0) as a new message of desc. For an exception
 * answer, returns NULL with "the server answered: <message>" as the error
 * and *exception set to its type (else -1).
 */
ProtobufCMessage *thrift_read_reply(struct thrift_reader *,
	    const ProtobufCMessageDescriptor *, int *exception);

#endif
