/*
 * common: what the Thrift codec knows of each protobuf message beyond its
 * descriptor. Field numbers, names and protobuf types say most of it; two
 * Thrift facts protobuf cannot say come from notes on the .proto fields
 * ("// thrift: optional set"), gathered at build time by
 * ipc/thrift-notes.awk into thrift_field_notes.
 */
#ifndef COMMON_THRIFT_SCHEMA_H
#define COMMON_THRIFT_SCHEMA_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/thrift_protocol.h"

#define THRIFT_NOTE_OPTIONAL	0x01	/* declared optional in Thrift */
#define THRIFT_NOTE_SET		0x02	/* a set<>, not a list<> */

struct thrift_field_note {
	const char	*message;	/* full protobuf name */
	unsigned	 id;
	unsigned	 flags;
};

/* Generated; ends with a NULL message. */
extern const struct thrift_field_note thrift_field_notes[];

/*
 * The notes of desc's fields, indexed like desc->fields, built once per
 * descriptor (safe from any thread). NULL only if memory ran out.
 */
const uint8_t	*thrift_schema_notes(const ProtobufCMessageDescriptor *);

/* A protobuf map field's entry type (key = 1, value = 2). */
bool	thrift_schema_is_map_entry(const ProtobufCMessageDescriptor *);

/* The Thrift type of one value of the field (an element, if repeated). */
enum thrift_type thrift_schema_value_type(const ProtobufCFieldDescriptor *);

/* The Thrift type of the whole field: LIST, SET or MAP when repeated. */
enum thrift_type thrift_schema_field_type(const ProtobufCFieldDescriptor *,
	    uint8_t notes);

#endif
