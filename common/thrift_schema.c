/*
 * common: per-descriptor Thrift notes (see thrift_schema.h). The notes of
 * a descriptor are looked up by name once and kept in a small table keyed
 * by the descriptor's address; readers take no lock.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/thrift_schema.h"

#define SLOTS	1024	/* well above the number of message types */

static struct {
	_Atomic(const ProtobufCMessageDescriptor *) desc;
	const uint8_t *notes;
} table[SLOTS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t
slot_of(const ProtobufCMessageDescriptor *d)
{
	uintptr_t h = (uintptr_t)d;

	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ull;
	return (h >> 20) % SLOTS;
}

static uint8_t *
build(const ProtobufCMessageDescriptor *d)
{
	const struct thrift_field_note *n;
	uint8_t *notes;
	unsigned i;

	if ((notes = calloc(d->n_fields + 1, 1)) == NULL)
		return NULL;
	for (n = thrift_field_notes; n->message != NULL; n++) {
		if (strcmp(n->message, d->name) != 0)
			continue;
		for (i = 0; i < d->n_fields; i++)
			if (d->fields[i].id == n->id)
				notes[i] = n->flags;
	}
	return notes;
}

const uint8_t *
thrift_schema_notes(const ProtobufCMessageDescriptor *d)
{
	const ProtobufCMessageDescriptor *seen;
	const uint8_t *notes = NULL;
	size_t i, s = slot_of(d);

	for (i = 0; i < SLOTS; i++, s = (s + 1) % SLOTS) {
		seen = atomic_load_explicit(&table[s].desc,
		    memory_order_acquire);
		if (seen == d)
			return table[s].notes;
		if (seen == NULL)
			break;
	}
	pthread_mutex_lock(&table_lock);
	for (i = 0, s = slot_of(d); i < SLOTS; i++, s = (s + 1) % SLOTS) {
		seen = atomic_load_explicit(&table[s].desc,
		    memory_order_relaxed);
		if (seen == d) {
			notes = table[s].notes;
			break;
		}
		if (seen == NULL) {
			if ((notes = build(d)) == NULL)
				break;
			table[s].notes = notes;
			atomic_store_explicit(&table[s].desc, d,
			    memory_order_release);
			break;
		}
	}
	pthread_mutex_unlock(&table_lock);
	return notes;
}

bool
thrift_schema_is_map_entry(const ProtobufCMessageDescriptor *d)
{
	size_t n = strlen(d->name);

	return d->n_fields == 2 && n > 5 &&
	    strcmp(d->name + n - 5, "Entry") == 0 &&
	    d->fields[0].id == 1 && strcmp(d->fields[0].name, "key") == 0 &&
	    d->fields[1].id == 2 && strcmp(d->fields[1].name, "value") == 0;
}

enum thrift_type
thrift_schema_value_type(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL:
		return THRIFT_BOOL;
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_ENUM:
		return THRIFT_I32;
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return THRIFT_I64;
	case PROTOBUF_C_TYPE_FLOAT: case PROTOBUF_C_TYPE_DOUBLE:
		return THRIFT_DOUBLE;
	case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_BYTES:
		return THRIFT_STRING;
	case PROTOBUF_C_TYPE_MESSAGE:
		return THRIFT_STRUCT;
	}
	return THRIFT_STOP;
}

enum thrift_type
thrift_schema_field_type(const ProtobufCFieldDescriptor *f, uint8_t notes)
{
	if (f->label != PROTOBUF_C_LABEL_REPEATED)
		return thrift_schema_value_type(f);
	if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
	    thrift_schema_is_map_entry(f->descriptor))
		return THRIFT_MAP;
	return notes & THRIFT_NOTE_SET ? THRIFT_SET : THRIFT_LIST;
}
