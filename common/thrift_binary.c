/*
 * common: Thrift's binary protocol (TBinaryProtocol), big-endian, strict
 * message headers when writing; reading also takes the old unversioned
 * header, as Aurora's Java server does (strictRead off).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/thrift_protocol.h"

#define VERSION_1	0x80010000u
#define VERSION_MASK	0xffff0000u

/* ---- writer ---- */

static void
put_be(struct thrift_writer *w, uint64_t v, int bytes)
{
	unsigned char b[8];
	int i;

	for (i = bytes - 1; i >= 0; i--) {
		b[i] = v & 0xff;
		v >>= 8;
	}
	bytebuf_put(w->out, b, bytes);
}

static void
w_string(struct thrift_writer *w, const void *p, size_t n, bool binary)
{
	(void)binary;
	if (n > INT32_MAX) {
		w->overflow = true;
		return;
	}
	put_be(w, n, 4);
	bytebuf_put(w->out, p, n);
}

static void
w_message_begin(struct thrift_writer *w, const char *name,
    enum thrift_message_type type, int32_t seqid)
{
	put_be(w, VERSION_1 | (uint32_t)type, 4);
	w_string(w, name, strlen(name), false);
	put_be(w, (uint32_t)seqid, 4);
}

static void
w_nothing(struct thrift_writer *w)
{
	(void)w;
}

static void
w_field_begin(struct thrift_writer *w, enum thrift_type type, int16_t id)
{
	bytebuf_putc(w->out, type);
	put_be(w, (uint16_t)id, 2);
}

static void
w_field_stop(struct thrift_writer *w)
{
	bytebuf_putc(w->out, THRIFT_STOP);
}

static void
w_container_begin(struct thrift_writer *w, enum thrift_type kind,
    enum thrift_type ktype, enum thrift_type vtype, uint32_t n)
{
	bytebuf_putc(w->out, ktype);
	if (kind == THRIFT_MAP)
		bytebuf_putc(w->out, vtype);
	put_be(w, n, 4);
}

static void
w_container_end(struct thrift_writer *w, enum thrift_type kind)
{
	(void)w;
	(void)kind;
}

static void
w_bool(struct thrift_writer *w, bool v)
{
	bytebuf_putc(w->out, v ? 1 : 0);
}

static void
w_int(struct thrift_writer *w, enum thrift_type type, int64_t v)
{
	switch (type) {
	case THRIFT_BYTE:
		put_be(w, (uint8_t)v, 1);
		break;
	case THRIFT_I16:
		put_be(w, (uint16_t)v, 2);
		break;
	case THRIFT_I32:
		put_be(w, (uint32_t)v, 4);
		break;
	default:
		put_be(w, (uint64_t)v, 8);
		break;
	}
}

static void
w_double(struct thrift_writer *w, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	put_be(w, bits, 8);
}

static const struct thrift_writer_ops binary_writer_ops = {
	.message_begin = w_message_begin,
	.message_end = w_nothing,
	.struct_begin = w_nothing,
	.struct_end = w_nothing,
	.field_begin = w_field_begin,
	.field_end = w_nothing,
	.field_stop = w_field_stop,
	.container_begin = w_container_begin,
	.container_end = w_container_end,
	.write_bool = w_bool,
	.write_int = w_int,
	.write_double = w_double,
	.write_string = w_string,
};

void
thrift_binary_writer_init(struct thrift_writer *w, struct bytebuf *out)
{
	memset(w, 0, sizeof(*w));
	w->ops = &binary_writer_ops;
	w->out = out;
}

/* ---- reader ---- */

struct binary_in {
	const unsigned char	*p;
	size_t			 len;
	size_t			 pos;
};

#define IN(r)	((struct binary_in *)(r)->impl)

/* The next n bytes, or NULL (and the error) if the input is shorter. */
static const unsigned char *
take(struct thrift_reader *r, size_t n)
{
	static const unsigned char none[1];
	struct binary_in *in = IN(r);
	const unsigned char *p;

	if (n > in->len - in->pos) {
		thrift_fail(r, "the message ends early: %zu bytes wanted at "
		    "offset %zu, %zu left", n, in->pos, in->len - in->pos);
		return NULL;
	}
	p = n > 0 ? in->p + in->pos : none;
	in->pos += n;
	return p;
}

static int
get_be(struct thrift_reader *r, int bytes, uint64_t *v)
{
	const unsigned char *p;
	int i;

	if ((p = take(r, bytes)) == NULL)
		return -1;
	*v = 0;
	for (i = 0; i < bytes; i++)
		*v = (*v << 8) | p[i];
	return 0;
}

static int
get_type(struct thrift_reader *r, enum thrift_type *t)
{
	uint64_t v;

	if (get_be(r, 1, &v) == -1)
		return -1;
	switch (v) {
	case THRIFT_STOP: case THRIFT_BOOL: case THRIFT_BYTE:
	case THRIFT_DOUBLE: case THRIFT_I16: case THRIFT_I32:
	case THRIFT_I64: case THRIFT_STRING: case THRIFT_STRUCT:
	case THRIFT_MAP: case THRIFT_SET: case THRIFT_LIST:
		*t = (enum thrift_type)v;
		return 0;
	}
	return thrift_fail(r, "unknown Thrift type id %u at offset %zu",
	    (unsigned)v, IN(r)->pos - 1);
}

static int
r_string_n(struct thrift_reader *r, size_t n, char **s, size_t *len)
{
	const unsigned char *p;

	if ((p = take(r, n)) == NULL)
		return -1;
	if ((*s = malloc(n + 1)) == NULL)
		return thrift_fail(r, "out of memory");
	memcpy(*s, p, n);
	(*s)[n] = '\0';
	*len = n;
	return 0;
}

static int
r_string(struct thrift_reader *r, char **s, size_t *len, bool binary)
{
	uint64_t n;

	(void)binary;
	if (get_be(r, 4, &n) == -1)
		return -1;
	if (n > INT32_MAX)
		return thrift_fail(r, "negative string length");
	return r_string_n(r, n, s, len);
}

static int
r_message_begin(struct thrift_reader *r, char **name,
    enum thrift_message_type *type, int32_t *seqid)
{
	uint64_t head, v;
	size_t len;

	if (get_be(r, 4, &head) == -1)
		return -1;
	if (head & 0x80000000u) {
		if ((head & VERSION_MASK) != VERSION_1)
			return thrift_fail(r, "bad version in the message "
			    "header: 0x%08x", (unsigned)head);
		*type = head & 0xff;
		if (r_string(r, name, &len, false) == -1)
			return -1;
	} else {
		/* The old header: name length, name, type byte. */
		if (r_string_n(r, head, name, &len) == -1)
			return -1;
		if (get_be(r, 1, &v) == -1) {
			free(*name);
			*name = NULL;
			return -1;
		}
		*type = v;
	}
	if (get_be(r, 4, &v) == -1 ||
	    (strlen(*name) != len &&
	    thrift_fail(r, "the method name holds a NUL byte") == -1)) {
		free(*name);
		*name = NULL;
		return -1;
	}
	*seqid = (int32_t)(uint32_t)v;
	return 0;
}

static int
r_nothing(struct thrift_reader *r)
{
	(void)r;
	return 0;
}

static int
r_field_begin(struct thrift_reader *r, enum thrift_type *type, int16_t *id)
{
	uint64_t v;

	if (get_type(r, type) == -1)
		return -1;
	if (*type == THRIFT_STOP) {
		*id = 0;
		return 0;
	}
	if (get_be(r, 2, &v) == -1)
		return -1;
	*id = (int16_t)(uint16_t)v;
	return 0;
}

static int
r_container_begin(struct thrift_reader *r, enum thrift_type kind,
    enum thrift_type *ktype, enum thrift_type *vtype, uint32_t *n)
{
	uint64_t v;
	struct binary_in *in = IN(r);

	if (get_type(r, ktype) == -1)
		return -1;
	*vtype = THRIFT_STOP;
	if (kind == THRIFT_MAP && get_type(r, vtype) == -1)
		return -1;
	if (get_be(r, 4, &v) == -1)
		return -1;
	if (v > INT32_MAX)
		return thrift_fail(r, "negative %s size", thrift_type_name(kind));
	/* Every element takes at least a byte: bounds what we allocate. */
	if (v > in->len - in->pos)
		return thrift_fail(r, "a %s of %u elements in %zu bytes",
		    thrift_type_name(kind), (unsigned)v, in->len - in->pos);
	*n = v;
	return 0;
}

static int
r_bool(struct thrift_reader *r, bool *b)
{
	uint64_t v;

	if (get_be(r, 1, &v) == -1)
		return -1;
	*b = v != 0;
	return 0;
}

static int
r_int(struct thrift_reader *r, enum thrift_type type, int64_t *out)
{
	uint64_t v;

	switch (type) {
	case THRIFT_BYTE:
		if (get_be(r, 1, &v) == -1)
			return -1;
		*out = (int8_t)(uint8_t)v;
		return 0;
	case THRIFT_I16:
		if (get_be(r, 2, &v) == -1)
			return -1;
		*out = (int16_t)(uint16_t)v;
		return 0;
	case THRIFT_I32:
		if (get_be(r, 4, &v) == -1)
			return -1;
		*out = (int32_t)(uint32_t)v;
		return 0;
	default:
		if (get_be(r, 8, &v) == -1)
			return -1;
		*out = (int64_t)v;
		return 0;
	}
}

static int
r_double(struct thrift_reader *r, double *d)
{
	uint64_t v;

	if (get_be(r, 8, &v) == -1)
		return -1;
	memcpy(d, &v, sizeof(*d));
	return 0;
}

static bool
r_at_end(struct thrift_reader *r)
{
	return IN(r)->pos == IN(r)->len;
}

static void
r_release(struct thrift_reader *r)
{
	free(r->impl);
	r->impl = NULL;
}

static const struct thrift_reader_ops binary_reader_ops = {
	.message_begin = r_message_begin,
	.message_end = r_nothing,
	.struct_begin = r_nothing,
	.struct_end = r_nothing,
	.field_begin = r_field_begin,
	.field_end = r_nothing,
	.container_begin = r_container_begin,
	.container_end = r_nothing,
	.read_bool = r_bool,
	.read_int = r_int,
	.read_double = r_double,
	.read_string = r_string,
	.at_end = r_at_end,
	.release = r_release,
};

int
thrift_binary_reader_init(struct thrift_reader *r, const void *buf,
    size_t len)
{
	struct binary_in *in;

	memset(r, 0, sizeof(*r));
	r->ops = &binary_reader_ops;
	if ((in = calloc(1, sizeof(*in))) == NULL)
		return thrift_fail(r, "out of memory");
	in->p = buf;
	in->len = len;
	r->impl = in;
	return 0;
}
