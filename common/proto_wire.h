/*
 * common: reading one field of a packed protobuf message without
 * unpacking it (a task's status in the store, an event's sequence number
 * before deciding to decode it).
 */
#ifndef COMMON_PROTO_WIRE_H
#define COMMON_PROTO_WIRE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The last value of varint field number field at the top level of a
 * packed message: 1 found (*v set), 0 absent, -1 the bytes do not parse.
 */
int	proto_wire_varint(const void *data, size_t len, uint32_t field,
	    uint64_t *v);

#endif
