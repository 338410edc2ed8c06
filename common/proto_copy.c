/*
 * common: deep copies of protobuf-c messages (see proto_copy.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "common/proto_copy.h"

ProtobufCMessage *
proto_copy(const ProtobufCMessage *msg)
{
	return proto_copy_in(msg, NULL);
}

ProtobufCMessage *
proto_copy_in(const ProtobufCMessage *msg, ProtobufCAllocator *alloc)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	ProtobufCMessage *c;
	uint8_t *buf;

	buf = alloc != NULL ? alloc->alloc(alloc->allocator_data,
	    len > 0 ? len : 1) : malloc(len > 0 ? len : 1);
	if (buf == NULL)
		return NULL;
	protobuf_c_message_pack(msg, buf);
	c = protobuf_c_message_unpack(msg->descriptor, alloc, len, buf);
	if (alloc != NULL)
		alloc->free(alloc->allocator_data, buf);
	else
		free(buf);
	return c;
}
