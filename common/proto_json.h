/*
 * A protobuf-c message as JSON, the way Jackson's protobuf module writes
 * one (Aurora's GET /offers): fields by their .proto names, only those
 * set, enums by name, repeated fields as arrays, bytes in base64.
 */
#ifndef COMMON_PROTO_JSON_H
#define COMMON_PROTO_JSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* A new JSON object; NULL when out of memory. */
json_t	*proto_json(const ProtobufCMessage *);
/* A numeric field's value at p; NULL for other types. */
json_t	*proto_json_number(const ProtobufCFieldDescriptor *, const void *p);

#endif
