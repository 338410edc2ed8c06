/*
 * common: a deep copy of a protobuf-c message, made through its wire
 * form, so the copy is allocated as unpacked messages are (free it with
 * protobuf_c_message_free_unpacked) and can be changed freely.
 */
#ifndef COMMON_PROTO_COPY_H
#define COMMON_PROTO_COPY_H

#include <protobuf-c/protobuf-c.h>

/* NULL when memory runs out. */
ProtobufCMessage *proto_copy(const ProtobufCMessage *);
/* The same in alloc's memory (an arena's, say); NULL alloc is malloc. */
ProtobufCMessage *proto_copy_in(const ProtobufCMessage *,
	    ProtobufCAllocator *alloc);

#endif
