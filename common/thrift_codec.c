/*
 * common: the generic walker between protobuf-c messages and Thrift
 * structs (see thrift_codec.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/thrift_codec.h"
#include "common/thrift_schema.h"

#define AT(m, off)	((void *)((char *)(m) + (off)))
#define CAT(m, off)	((const void *)((const char *)(m) + (off)))

static bool
is_oneof(const ProtobufCFieldDescriptor *f)
{
	return (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0;
}

/* Optional scalars and bytes carry a has_ flag; strings and messages not. */
static bool
has_flag(const ProtobufCFieldDescriptor *f)
{
	return f->label == PROTOBUF_C_LABEL_OPTIONAL && !is_oneof(f) &&
	    f->type != PROTOBUF_C_TYPE_STRING &&
	    f->type != PROTOBUF_C_TYPE_MESSAGE;
}

static size_t
value_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

/* ---- writing ---- */

static void	write_struct(struct thrift_writer *, const ProtobufCMessage *,
		    int depth);

static void
write_value(struct thrift_writer *w, const ProtobufCFieldDescriptor *f,
    const void *v, int depth)
{
	const struct thrift_writer_ops *o = w->ops;
	const ProtobufCBinaryData *bd;
	const ProtobufCMessage *sub;
	const char *s;

	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL:
		o->write_bool(w, *(const protobuf_c_boolean *)v != 0);
		break;
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		o->write_int(w, THRIFT_I32, *(const int32_t *)v);
		break;
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
		o->write_int(w, THRIFT_I32, (int32_t)*(const uint32_t *)v);
		break;
	case PROTOBUF_C_TYPE_ENUM:
		o->write_int(w, THRIFT_I32, *(const int *)v);
		break;
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		o->write_int(w, THRIFT_I64, *(const int64_t *)v);
		break;
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
		o->write_int(w, THRIFT_I64, (int64_t)*(const uint64_t *)v);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		o->write_double(w, *(const float *)v);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		o->write_double(w, *(const double *)v);
		break;
	case PROTOBUF_C_TYPE_STRING:
		s = *(char *const *)v;
		if (s == NULL)
			s = "";
		o->write_string(w, s, strlen(s), false);
		break;
	case PROTOBUF_C_TYPE_BYTES:
		bd = v;
		o->write_string(w, bd->data ? bd->data : (const uint8_t *)"",
		    bd->len, true);
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		sub = *(ProtobufCMessage *const *)v;
		if (sub != NULL) {
			write_struct(w, sub, depth + 1);
		} else {
			/* A NULL element of a list: an empty struct. */
			o->struct_begin(w);
			o->field_stop(w);
			o->struct_end(w);
		}
		break;
	}
}

static void
write_container(struct thrift_writer *w, const ProtobufCMessage *m,
    const ProtobufCFieldDescriptor *f, enum thrift_type kind, int depth)
{
	const struct thrift_writer_ops *o = w->ops;
	size_t i, n = *(const size_t *)CAT(m, f->quantifier_offset);
	const char *arr = *(char *const *)CAT(m, f->offset);
	const ProtobufCMessageDescriptor *ed = f->descriptor;
	const ProtobufCMessage *e;
	size_t sz = value_size(f->type);

	if (n > INT32_MAX) {
		w->overflow = true;
		return;
	}
	if (kind == THRIFT_MAP) {
		o->container_begin(w, kind,
		    thrift_schema_value_type(&ed->fields[0]),
		    thrift_schema_value_type(&ed->fields[1]), n);
		for (i = 0; i < n; i++) {
			e = ((ProtobufCMessage *const *)(const void *)arr)[i];
			write_value(w, &ed->fields[0],
			    CAT(e, ed->fields[0].offset), depth);
			write_value(w, &ed->fields[1],
			    CAT(e, ed->fields[1].offset), depth);
		}
	} else {
		o->container_begin(w, kind, thrift_schema_value_type(f),
		    THRIFT_STOP, n);
		for (i = 0; i < n; i++)
			write_value(w, f, arr + i * sz, depth);
	}
	o->container_end(w, kind);
}

static bool
to_write(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
    uint8_t notes)
{
	if (is_oneof(f))
		return *(const uint32_t *)CAT(m, f->quantifier_offset) == f->id;
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)CAT(m, f->quantifier_offset) > 0 ||
		    !(notes & THRIFT_NOTE_OPTIONAL);
	if (f->type == PROTOBUF_C_TYPE_STRING ||
	    f->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(void *const *)CAT(m, f->offset) != NULL;
	if (!has_flag(f))
		return true;
	/* Java holds an enum as a reference: written only when set. */
	return *(const protobuf_c_boolean *)CAT(m, f->quantifier_offset) ||
	    (!(notes & THRIFT_NOTE_OPTIONAL) &&
	    f->type != PROTOBUF_C_TYPE_ENUM);
}

static void
write_struct(struct thrift_writer *w, const ProtobufCMessage *m, int depth)
{
	const struct thrift_writer_ops *o = w->ops;
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const ProtobufCFieldDescriptor *f;
	const uint8_t *notes = thrift_schema_notes(d);
	enum thrift_type t;
	unsigned i;

	if (notes == NULL || depth > THRIFT_MAX_DEPTH) {
		w->overflow = true;
		return;
	}
	o->struct_begin(w);
	for (i = 0; i < d->n_fields; i++) {
		f = &d->fields[i];
		if (!to_write(m, f, notes[i]))
			continue;
		t = thrift_schema_field_type(f, notes[i]);
		o->field_begin(w, t, (int16_t)f->id);
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			write_container(w, m, f, t, depth);
		else
			write_value(w, f, CAT(m, f->offset), depth);
		o->field_end(w);
	}
	o->field_stop(w);
	o->struct_end(w);
}

void
thrift_write_struct(struct thrift_writer *w, const ProtobufCMessage *m)
{
	write_struct(w, m, 0);
}

/* ---- reading ---- */

static ProtobufCMessage *read_struct(struct thrift_reader *,
		    const ProtobufCMessageDescriptor *, int depth);

static int
skip(struct thrift_reader *r, enum thrift_type t, int depth)
{
	const struct thrift_reader_ops *o = r->ops;
	enum thrift_type k, v;
	uint32_t i, n;
	int16_t id;
	int64_t iv;
	double dv;
	bool bv;
	char *s;
	size_t len;

	if (depth > THRIFT_MAX_DEPTH)
		return thrift_fail(r, "values nested more than %d deep",
		    THRIFT_MAX_DEPTH);
	switch (t) {
	case THRIFT_BOOL:
		return o->read_bool(r, &bv);
	case THRIFT_BYTE: case THRIFT_I16: case THRIFT_I32: case THRIFT_I64:
		return o->read_int(r, t, &iv);
	case THRIFT_DOUBLE:
		return o->read_double(r, &dv);
	case THRIFT_STRING:
		if (o->read_string(r, &s, &len, false) == -1)
			return -1;
		free(s);
		return 0;
	case THRIFT_STRUCT:
		if (o->struct_begin(r) == -1)
			return -1;
		for (;;) {
			if (o->field_begin(r, &k, &id) == -1)
				return -1;
			if (k == THRIFT_STOP)
				break;
			if (skip(r, k, depth + 1) == -1 || o->field_end(r) == -1)
				return -1;
		}
		return o->struct_end(r);
	case THRIFT_MAP: case THRIFT_SET: case THRIFT_LIST:
		if (o->container_begin(r, t, &k, &v, &n) == -1)
			return -1;
		for (i = 0; i < n; i++) {
			if (skip(r, k, depth + 1) == -1)
				return -1;
			if (t == THRIFT_MAP && skip(r, v, depth + 1) == -1)
				return -1;
		}
		return o->container_end(r);
	default:
		return thrift_fail(r, "cannot skip a value of type %s",
		    thrift_type_name(t));
	}
}

int
thrift_skip(struct thrift_reader *r, enum thrift_type t)
{
	return skip(r, t, 0);
}

static void
free_value(const ProtobufCFieldDescriptor *f, void *v)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		if (*(char **)v != f->default_value)
			free(*(char **)v);
		break;
	case PROTOBUF_C_TYPE_BYTES:
		free(((ProtobufCBinaryData *)v)->data);
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		if (*(ProtobufCMessage **)v != NULL)
			protobuf_c_message_free_unpacked(
			    *(ProtobufCMessage **)v, NULL);
		break;
	default:
		break;
	}
	memset(v, 0, value_size(f->type));
}

/* Empties a field before it is read again (Thrift: the last one wins). */
static void
clear_field(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	uint32_t *which;
	size_t i, *n, sz = value_size(f->type);
	char **arr;

	if (is_oneof(f)) {
		which = AT(m, f->quantifier_offset);
		if (*which == f->id)
			free_value(f, AT(m, f->offset));
		*which = 0;
	} else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		n = AT(m, f->quantifier_offset);
		arr = AT(m, f->offset);
		for (i = 0; i < *n; i++)
			free_value(f, *arr + i * sz);
		free(*arr);
		*arr = NULL;
		*n = 0;
	} else {
		free_value(f, AT(m, f->offset));
		if (has_flag(f))
			*(protobuf_c_boolean *)AT(m, f->quantifier_offset) = 0;
	}
}

/* Java decodes strings with replacement: so do we, for valid output. */
static size_t
utf8_char(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return len;
}

static char *
utf8_repair(char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, k, o = 0;
	char *out;

	for (i = 0; i < n; i += k)
		if ((k = utf8_char(p + i, n - i)) == 0)
			break;
	if (i >= n)
		return s;
	if ((out = malloc(n * 3 + 1)) == NULL) {
		free(s);
		return NULL;
	}
	for (i = 0; i < n; i += k) {
		if ((k = utf8_char(p + i, n - i)) == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			k = 1;
		} else {
			memcpy(out + o, p + i, k);
			o += k;
		}
	}
	out[o] = '\0';
	free(s);
	return out;
}

/* 0 read, 1 read but dropped (an unknown enum number), -1 error. */
static int
read_value(struct thrift_reader *r, const ProtobufCFieldDescriptor *f,
    void *v, int depth)
{
	const struct thrift_reader_ops *o = r->ops;
	ProtobufCMessage *sub;
	ProtobufCBinaryData *bd;
	int64_t iv;
	double dv;
	bool bv;
	char *s;
	size_t len;

	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL:
		if (o->read_bool(r, &bv) == -1)
			return -1;
		*(protobuf_c_boolean *)v = bv;
		return 0;
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if (o->read_int(r, THRIFT_I32, &iv) == -1)
			return -1;
		*(int32_t *)v = (int32_t)iv;
		return 0;
	case PROTOBUF_C_TYPE_ENUM:
		if (o->read_int(r, THRIFT_I32, &iv) == -1)
			return -1;
		if (protobuf_c_enum_descriptor_get_value(f->descriptor,
		    (int)iv) == NULL)
			return 1;
		*(int *)v = (int)iv;
		return 0;
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		if (o->read_int(r, THRIFT_I64, &iv) == -1)
			return -1;
		*(int64_t *)v = iv;
		return 0;
	case PROTOBUF_C_TYPE_FLOAT:
		if (o->read_double(r, &dv) == -1)
			return -1;
		*(float *)v = (float)dv;
		return 0;
	case PROTOBUF_C_TYPE_DOUBLE:
		return o->read_double(r, (double *)v);
	case PROTOBUF_C_TYPE_STRING:
		if (o->read_string(r, &s, &len, false) == -1)
			return -1;
		if (memchr(s, '\0', len) != NULL) {
			free(s);
			return thrift_fail(r, "a string holds a NUL byte");
		}
		if ((s = utf8_repair(s, len)) == NULL)
			return thrift_fail(r, "out of memory");
		*(char **)v = s;
		return 0;
	case PROTOBUF_C_TYPE_BYTES:
		if (o->read_string(r, &s, &len, true) == -1)
			return -1;
		bd = v;
		bd->data = (uint8_t *)s;
		bd->len = len;
		return 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		if ((sub = read_struct(r, f->descriptor, depth + 1)) == NULL)
			return -1;
		*(ProtobufCMessage **)v = sub;
		return 0;
	}
	return thrift_fail(r, "unsupported protobuf type");
}

static void
mark_present(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	if (is_oneof(f))
		*(uint32_t *)AT(m, f->quantifier_offset) = f->id;
	else if (has_flag(f))
		*(protobuf_c_boolean *)AT(m, f->quantifier_offset) = 1;
}

static int
read_map_entry(struct thrift_reader *r, const ProtobufCMessageDescriptor *ed,
    ProtobufCMessage **out, int depth)
{
	ProtobufCMessage *e;
	int i, rc = 0;

	if ((e = malloc(ed->sizeof_message)) == NULL)
		return thrift_fail(r, "out of memory");
	protobuf_c_message_init(ed, e);
	/* Both halves are read even if the key is dropped. */
	for (i = 0; i < 2 && rc != -1; i++) {
		switch (read_value(r, &ed->fields[i], AT(e, ed->fields[i].offset),
		    depth)) {
		case -1:
			rc = -1;
			break;
		case 1:
			rc = 1;
			break;
		default:
			mark_present(e, &ed->fields[i]);
			break;
		}
	}
	if (rc != 0) {
		protobuf_c_message_free_unpacked(e, NULL);
		return rc;
	}
	*out = e;
	return 0;
}

static int
read_container(struct thrift_reader *r, ProtobufCMessage *m,
    const ProtobufCFieldDescriptor *f, enum thrift_type kind, int depth)
{
	const struct thrift_reader_ops *o = r->ops;
	const ProtobufCMessageDescriptor *ed = f->descriptor;
	size_t *count = AT(m, f->quantifier_offset);
	char **arr = AT(m, f->offset);
	size_t sz = value_size(f->type);
	enum thrift_type k, v, want_k, want_v = THRIFT_STOP;
	char where[16];
	uint32_t i, n;
	int rc;

	if (o->container_begin(r, kind, &k, &v, &n) == -1)
		return -1;
	if (kind == THRIFT_MAP) {
		want_k = thrift_schema_value_type(&ed->fields[0]);
		want_v = thrift_schema_value_type(&ed->fields[1]);
	} else {
		want_k = thrift_schema_value_type(f);
		v = THRIFT_STOP;
	}
	if (k != want_k || v != want_v) {
		/* Elements of another type: skipped, as a mistyped field. */
		for (i = 0; i < n; i++)
			if (skip(r, k, depth + 1) == -1 ||
			    (kind == THRIFT_MAP && skip(r, v, depth + 1) == -1))
				return -1;
		return o->container_end(r);
	}
	clear_field(m, f);
	if ((*arr = calloc(n ? n : 1, sz)) == NULL)
		return thrift_fail(r, "out of memory");
	for (i = 0; i < n; i++) {
		if (kind == THRIFT_MAP)
			rc = read_map_entry(r, ed, (ProtobufCMessage **)(void *)
			    (*arr + *count * sz), depth);
		else
			rc = read_value(r, f, *arr + *count * sz, depth);
		if (rc == -1) {
			snprintf(where, sizeof(where), "[%u]", i);
			thrift_path_prepend(r, where);
			return -1;
		}
		if (rc == 0)
			(*count)++;
	}
	return o->container_end(r);
}

static int
read_field(struct thrift_reader *r, ProtobufCMessage *m,
    const ProtobufCFieldDescriptor *f, enum thrift_type t, int depth)
{
	const ProtobufCFieldDescriptor *other;
	uint32_t which;
	int rc;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return read_container(r, m, f, t, depth);
	if (is_oneof(f)) {
		which = *(uint32_t *)AT(m, f->quantifier_offset);
		if (which != 0 && which != f->id) {
			other = protobuf_c_message_descriptor_get_field(
			    m->descriptor, which);
			return thrift_fail(r, "a %s is a union: it holds %s "
			    "already", m->descriptor->short_name,
			    other ? other->name : "another field");
		}
	}
	clear_field(m, f);
	if ((rc = read_value(r, f, AT(m, f->offset), depth)) == -1)
		return -1;
	if (rc == 0)
		mark_present(m, f);
	return 0;
}

static bool
type_fits(enum thrift_type got, enum thrift_type want)
{
	/* Lists and sets look alike on the wire: either will do. */
	if ((got == THRIFT_LIST || got == THRIFT_SET) &&
	    (want == THRIFT_LIST || want == THRIFT_SET))
		return true;
	return got == want;
}

static ProtobufCMessage *
read_struct(struct thrift_reader *r, const ProtobufCMessageDescriptor *d,
    int depth)
{
	const struct thrift_reader_ops *o = r->ops;
	const uint8_t *notes = thrift_schema_notes(d);
	const ProtobufCFieldDescriptor *f;
	ProtobufCMessage *m;
	enum thrift_type t, want;
	int16_t id;
	int rc;

	if (depth > THRIFT_MAX_DEPTH) {
		thrift_fail(r, "structs nested more than %d deep",
		    THRIFT_MAX_DEPTH);
		return NULL;
	}
	if (notes == NULL || (m = malloc(d->sizeof_message)) == NULL) {
		thrift_fail(r, "out of memory");
		return NULL;
	}
	protobuf_c_message_init(d, m);
	if (o->struct_begin(r) == -1)
		goto fail;
	for (;;) {
		if (o->field_begin(r, &t, &id) == -1)
			goto fail;
		if (t == THRIFT_STOP)
			break;
		f = id > 0 ? protobuf_c_message_descriptor_get_field(d, id) :
		    NULL;
		want = f ? thrift_schema_field_type(f, notes[f - d->fields]) :
		    THRIFT_STOP;
		if (f != NULL && type_fits(t, want))
			rc = read_field(r, m, f, t, depth);
		else
			rc = skip(r, t, depth + 1);
		if (rc == -1) {
			if (f != NULL)
				thrift_path_prepend(r, f->name);
			goto fail;
		}
		if (o->field_end(r) == -1)
			goto fail;
	}
	if (o->struct_end(r) == -1)
		goto fail;
	return m;
fail:
	protobuf_c_message_free_unpacked(m, NULL);
	return NULL;
}

ProtobufCMessage *
thrift_read_struct(struct thrift_reader *r, const ProtobufCMessageDescriptor *d)
{
	return read_struct(r, d, 0);
}

/* ---- messages ---- */

void
thrift_write_call(struct thrift_writer *w, const char *method, int32_t seqid,
    const ProtobufCMessage *args)
{
	w->ops->message_begin(w, method, THRIFT_CALL, seqid);
	thrift_write_struct(w, args);
	w->ops->message_end(w);
}

void
thrift_write_reply(struct thrift_writer *w, const char *method, int32_t seqid,
    const ProtobufCMessage *response)
{
	const struct thrift_writer_ops *o = w->ops;

	o->message_begin(w, method, THRIFT_REPLY, seqid);
	o->struct_begin(w);
	o->field_begin(w, THRIFT_STRUCT, 0);
	thrift_write_struct(w, response);
	o->field_end(w);
	o->field_stop(w);
	o->struct_end(w);
	o->message_end(w);
}

void
thrift_write_exception(struct thrift_writer *w, const char *method,
    int32_t seqid, enum thrift_exception_type type, const char *message)
{
	const struct thrift_writer_ops *o = w->ops;

	o->message_begin(w, method, THRIFT_EXCEPTION, seqid);
	o->struct_begin(w);
	o->field_begin(w, THRIFT_STRING, 1);
	o->write_string(w, message, strlen(message), false);
	o->field_end(w);
	o->field_begin(w, THRIFT_I32, 2);
	o->write_int(w, THRIFT_I32, type);
	o->field_end(w);
	o->field_stop(w);
	o->struct_end(w);
	o->message_end(w);
}

int
thrift_read_message_begin(struct thrift_reader *r, char **name,
    enum thrift_message_type *type, int32_t *seqid)
{
	*name = NULL;
	if (r->ops->message_begin(r, name, type, seqid) == -1)
		return -1;
	/* The name may be echoed back in an exception: keep it valid. */
	if ((*name = utf8_repair(*name, strlen(*name))) == NULL)
		return thrift_fail(r, "out of memory");
	if (*type < THRIFT_CALL || *type > THRIFT_ONEWAY) {
		free(*name);
		*name = NULL;
		return thrift_fail(r, "unknown message type %d", (int)*type);
	}
	return 0;
}

static int
finish_message(struct thrift_reader *r)
{
	if (r->ops->message_end(r) == -1)
		return -1;
	if (!thrift_reader_at_end(r))
		return thrift_fail(r, "data after the end of the message");
	return 0;
}

ProtobufCMessage *
thrift_read_args(struct thrift_reader *r, const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *m;

	if ((m = thrift_read_struct(r, d)) == NULL)
		return NULL;
	if (finish_message(r) == -1) {
		protobuf_c_message_free_unpacked(m, NULL);
		return NULL;
	}
	return m;
}

static int
read_exception(struct thrift_reader *r, int *exception)
{
	const struct thrift_reader_ops *o = r->ops;
	enum thrift_type t;
	char *text = NULL;
	size_t len;
	int16_t id;
	int64_t v;

	if (o->struct_begin(r) == -1)
		return -1;
	for (;;) {
		if (o->field_begin(r, &t, &id) == -1)
			goto fail;
		if (t == THRIFT_STOP)
			break;
		if (id == 1 && t == THRIFT_STRING) {
			free(text);
			text = NULL;
			if (o->read_string(r, &text, &len, false) == -1)
				goto fail;
		} else if (id == 2 && t == THRIFT_I32) {
			if (o->read_int(r, t, &v) == -1)
				goto fail;
			*exception = (int)v;
		} else if (skip(r, t, 1) == -1) {
			goto fail;
		}
		if (o->field_end(r) == -1)
			goto fail;
	}
	thrift_fail(r, "the server answered: %s", text ? text : "(no message)");
fail:
	free(text);
	return -1;
}

ProtobufCMessage *
thrift_read_reply(struct thrift_reader *r, const ProtobufCMessageDescriptor *d,
    int *exception)
{
	const struct thrift_reader_ops *o = r->ops;
	ProtobufCMessage *m = NULL;
	enum thrift_message_type mt;
	enum thrift_type t;
	int32_t seqid;
	int16_t id;
	char *name;

	*exception = -1;
	if (thrift_read_message_begin(r, &name, &mt, &seqid) == -1)
		return NULL;
	free(name);
	if (mt == THRIFT_EXCEPTION) {
		read_exception(r, exception);
		return NULL;
	}
	if (mt != THRIFT_REPLY) {
		thrift_fail(r, "expected a reply, got message type %d", mt);
		return NULL;
	}
	if (o->struct_begin(r) == -1)
		return NULL;
	for (;;) {
		if (o->field_begin(r, &t, &id) == -1)
			goto fail;
		if (t == THRIFT_STOP)
			break;
		if (id == 0 && t == THRIFT_STRUCT && m == NULL) {
			if ((m = thrift_read_struct(r, d)) == NULL)
				goto fail;
		} else if (skip(r, t, 1) == -1) {
			goto fail;
		}
		if (o->field_end(r) == -1)
			goto fail;
	}
	if (o->struct_end(r) == -1 || finish_message(r) == -1)
		goto fail;
	if (m == NULL)
		thrift_fail(r, "the reply holds no result");
	return m;
fail:
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return NULL;
}
