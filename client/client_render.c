/*
 * client: printing API structs. client_message_json renders any message as
 * Thrift's TSimpleJSONProtocol does (field names as keys, sets and lists
 * as arrays, maps as objects, unions as an object of their one member),
 * plus Aurora's touches for `--write-json`: ScheduleStatus values by name,
 * isService and production as true/false.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "common/proto_json.h"

static json_t *value(const ProtobufCFieldDescriptor *, const void *);

static bool
is_map_entry(const ProtobufCMessageDescriptor *d)
{
	return d->n_fields == 2 && strcmp(d->fields[0].name, "key") == 0 &&
	    strcmp(d->fields[1].name, "value") == 0 &&
	    strlen(d->name) > 5 &&
	    strcmp(d->name + strlen(d->name) - 5, "Entry") == 0;
}

static json_t *
scalar(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL:
		if (strcmp(f->name, "isService") == 0 ||
		    strcmp(f->name, "production") == 0)
			return json_boolean(*(const protobuf_c_boolean *)p);
		return json_integer(*(const protobuf_c_boolean *)p ? 1 : 0);
	case PROTOBUF_C_TYPE_ENUM:
		if (f->descriptor == &schedule_status__descriptor)
			return json_string(client_status_name(
			    *(const int *)p));
		return json_integer(*(const int *)p);
	case PROTOBUF_C_TYPE_STRING:
		return json_string(*(char *const *)p != NULL ?
		    *(char *const *)p : "");
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = p;

		return json_stringn((const char *)b->data, b->len);
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(ProtobufCMessage *const *)p != NULL ?
		    client_message_json(*(ProtobufCMessage *const *)p) :
		    json_object();
	default:
		return proto_json_number(f, p);
	}
}

static size_t
elem_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	default:
		return 4;
	}
}

static json_t *
value(const ProtobufCFieldDescriptor *f, const void *p)
{
	return scalar(f, p);
}

json_t *
client_message_json(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;
	json_t *o = json_object();
	unsigned i;

	for (i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const void *member = base + f->offset;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			const char *arr = *(char *const *)member;
			size_t j, es = elem_size(f);
			json_t *out;

			if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
			    is_map_entry(f->descriptor)) {
				const ProtobufCMessageDescriptor *ed =
				    f->descriptor;

				out = json_object();
				for (j = 0; j < n; j++) {
					const char *e = ((char *const *)
					    (const void *)arr)[j];
					const char *key = *(char *const *)(e +
					    ed->fields[0].offset);
					json_t *k = scalar(&ed->fields[0],
					    e + ed->fields[0].offset);
					char kb[64];

					/* Map keys are strings in JSON. */
					if (!json_is_string(k)) {
						snprintf(kb, sizeof(kb), "%lld",
						    (long long)
						    json_integer_value(k));
						key = kb;
					}
					json_object_set_new(out, key ? key : "",
					    value(&ed->fields[1],
					    e + ed->fields[1].offset));
					json_decref(k);
				}
			} else {
				out = json_array();
				for (j = 0; j < n; j++)
					json_array_append_new(out, value(f,
					    arr + j * es));
			}
			json_object_set_new(o, f->name, out);
			continue;
		}
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			if (*(const uint32_t *)(base + f->quantifier_offset) !=
			    f->id)
				continue;
		} else if (f->type == PROTOBUF_C_TYPE_STRING ||
		    f->type == PROTOBUF_C_TYPE_MESSAGE) {
			if (*(void *const *)member == NULL)
				continue;
		} else if (f->quantifier_offset != 0 &&
		    !*(const protobuf_c_boolean *)(base +
		    f->quantifier_offset)) {
			continue;
		}
		json_object_set_new(o, f->name, value(f, member));
	}
	return o;
}

void
client_resources_str(Resource *const *rs, size_t n, const char *sep,
    const char *indent, char *buf, size_t len)
{
	size_t off = 0, i;
	int kind;
	char num[64];

	buf[0] = '\0';
	/* Aurora's display order: CPU, RAM, Disk, Port, GPU. */
	for (kind = RESOURCE__KIND_NUM_CPUS; kind <= RESOURCE__KIND_NUM_GPUS;
	    kind++)
		for (i = 0; i < n && off < len; i++) {
			const Resource *r = rs[i];

			if ((int)r->kind_case != kind)
				continue;
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
			    off > 0 ? sep : "", indent);
			if (off >= len)
				break;
			switch (r->kind_case) {
			case RESOURCE__KIND_NUM_CPUS:
				client_fmt_double(num, sizeof(num), r->numcpus);
				off += (size_t)snprintf(buf + off, len - off,
				    "CPU: %s core(s)", num);
				break;
			case RESOURCE__KIND_RAM_MB:
				off += (size_t)snprintf(buf + off, len - off,
				    "RAM: %lld MB", (long long)r->rammb);
				break;
			case RESOURCE__KIND_DISK_MB:
				off += (size_t)snprintf(buf + off, len - off,
				    "Disk: %lld MB", (long long)r->diskmb);
				break;
			case RESOURCE__KIND_NAMED_PORT:
				off += (size_t)snprintf(buf + off, len - off,
				    "Port: %s", r->namedport ? r->namedport :
				    "");
				break;
			case RESOURCE__KIND_NUM_GPUS:
				off += (size_t)snprintf(buf + off, len - off,
				    "GPU: %lld GPU(s)", (long long)r->numgpus);
				break;
			default:
				break;
			}
		}
}
