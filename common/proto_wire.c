/*
 * common: one field out of protobuf's wire format (see proto_wire.h).
 */
#include "config.h"

#include "common/proto_wire.h"

/* A varint at *p (before end); -1 when truncated or too long. */
static int
read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;

		*v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			return 0;
	}
	return -1;
}

int
proto_wire_varint(const void *data, size_t len, uint32_t field, uint64_t *out)
{
	const uint8_t *p = data, *end = p + len;
	uint64_t key, v;
	int found = 0;

	while (p < end) {
		if (read_varint(&p, end, &key) == -1)
			return -1;
		switch (key & 7) {
		case 0:		/* varint */
			if (read_varint(&p, end, &v) == -1)
				return -1;
			if (key >> 3 == field) {
				*out = v;	/* the last one wins */
				found = 1;
			}
			break;
		case 1:		/* 64-bit */
			if ((size_t)(end - p) < 8)
				return -1;
			p += 8;
			break;
		case 2:		/* length-delimited */
			if (read_varint(&p, end, &v) == -1 ||
			    v > (uint64_t)(end - p))
				return -1;
			p += v;
			break;
		case 5:		/* 32-bit */
			if ((size_t)(end - p) < 4)
				return -1;
			p += 4;
			break;
		default:
			return -1;
		}
	}
	return found;
}
