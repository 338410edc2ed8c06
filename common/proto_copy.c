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
	size_t len = protobuf_c_message_get_packed_size(msg);
	ProtobufCMessage *c;
	uint8_t *buf;

	if ((buf = malloc(len > 0 ? len : 1)) == NULL)
		return NULL;
	protobuf_c_message_pack(msg, buf);
	c = protobuf_c_message_unpack(msg->descriptor, NULL, len, buf);
	free(buf);
	return c;
}
