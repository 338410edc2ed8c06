/*
 * A protobuf-c message as JSON (proto_json.h), walking its descriptor.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/proto_json.h"

static json_t *
base64(const ProtobufCBinaryData *b)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = (b->len + 2) / 3 * 4, k = 0;
	char *out = malloc(n + 1);
	json_t *j;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < b->len; i += 3) {
		uint32_t v = (uint32_t)b->data[i] << 16;

		if (i + 1 < b->len)
			v |= (uint32_t)b->data[i + 1] << 8;
		if (i + 2 < b->len)
			v |= b->data[i + 2];
		out[k++] = abc[(v >> 18) & 63];
		out[k++] = abc[(v >> 12) & 63];
		out[k++] = i + 1 < b->len ? abc[(v >> 6) & 63] : '=';
		out[k++] = i + 2 < b->len ? abc[v & 63] : '=';
	}
	out[k] = '\0';
	j = json_string(out);
	free(out);
	return j;
}

static json_t *
enum_name(const ProtobufCEnumDescriptor *d, int value)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d,
	    value);

	return v != NULL ? json_string(v->name) : json_integer(value);
}

json_t *
proto_json_number(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_integer(*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return json_integer(*(const int64_t *)p);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return json_integer((json_int_t)*(const uint64_t *)p);
	case PROTOBUF_C_TYPE_FLOAT:
		return json_real(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return json_real(*(const double *)p);
	default:
		return NULL;
	}
}

/* One value of field f at p. */
static json_t *
value(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM:
		return enum_name(f->descriptor, *(const int *)p);
	case PROTOBUF_C_TYPE_STRING:
		return json_string(*(char *const *)p != NULL ?
		    *(char *const *)p : "");
	case PROTOBUF_C_TYPE_BYTES:
		return base64(p);
	case PROTOBUF_C_TYPE_MESSAGE:
		return proto_json(*(ProtobufCMessage *const *)p);
	default:
		return proto_json_number(f, p);
	}
}

static size_t
value_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return sizeof(int64_t);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return sizeof(int32_t);
	}
}

/* Whether an optional or oneof field is set. */
static int
is_set(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
    const char *p)
{
	const char *base = (const char *)m;

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)(const void *)(base +
		    f->quantifier_offset) == f->id;
	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return 1;
	if (f->type == PROTOBUF_C_TYPE_STRING ||
	    f->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(const void *const *)(const void *)p != NULL;
	return *(const protobuf_c_boolean *)(const void *)(base +
	    f->quantifier_offset);
}

json_t *
proto_json(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	json_t *o = json_object(), *v, *a;

	if (o == NULL)
		return NULL;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *p = (const char *)m + f->offset;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(const void *)
			    ((const char *)m + f->quantifier_offset);
			const char *items = *(char *const *)(const void *)p;

			if (n == 0)
				continue;
			if ((a = json_array()) == NULL)
				goto fail;
			for (size_t k = 0; k < n; k++)
				if ((v = value(f, items + k *
				    value_size(f))) == NULL ||
				    json_array_append_new(a, v) == -1) {
					json_decref(a);
					goto fail;
				}
			v = a;
		} else if (!is_set(m, f, p))
			continue;
		else if ((v = value(f, p)) == NULL)
			goto fail;
		if (json_object_set_new(o, f->name, v) == -1)
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}
