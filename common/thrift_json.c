/*
 * common: Thrift's JSON protocol (TJSONProtocol), as the web UI's thrift.js
 * and Aurora's Java server speak it:
 *   message  [1,"name",type,seqid,{struct}]
 *   struct   {"<id>":{"<type>":value},...}
 *   list/set ["<elemtype>",count,elem,...]
 *   map      ["<ktype>","<vtype>",count,{"key":value,...}]
 * with bools as 1/0, map keys always quoted, binary as base64, and NaN and
 * the infinities as quoted strings. Reading parses the text with jansson,
 * then walks the tree in the order the codec asks for values.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/thrift_protocol.h"

static const struct {
	enum thrift_type	 type;
	const char		*name;
} type_names[] = {
	{ THRIFT_BOOL, "tf" }, { THRIFT_BYTE, "i8" }, { THRIFT_I16, "i16" },
	{ THRIFT_I32, "i32" }, { THRIFT_I64, "i64" }, { THRIFT_DOUBLE, "dbl" },
	{ THRIFT_STRING, "str" }, { THRIFT_STRUCT, "rec" },
	{ THRIFT_MAP, "map" }, { THRIFT_LIST, "lst" }, { THRIFT_SET, "set" },
};

static const char *
json_type_name(enum thrift_type t)
{
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == t)
			return type_names[i].name;
	return "?";
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ---- writer ---- */

enum { CTX_BASE, CTX_LIST, CTX_PAIR };

static void
push(struct thrift_writer *w, int kind)
{
	if (w->depth + 1 >= THRIFT_JSON_MAX_DEPTH) {
		w->overflow = true;
		return;
	}
	w->depth++;
	w->ctx[w->depth].kind = kind;
	w->ctx[w->depth].first = 1;
	w->ctx[w->depth].colon = 1;
}

static void
pop(struct thrift_writer *w)
{
	if (w->depth > 0)
		w->depth--;
}

/* Writes the separator a value needs here; true if the value is a key. */
static bool
sep(struct thrift_writer *w)
{
	typeof(w->ctx[0]) *c = &w->ctx[w->depth];

	switch (c->kind) {
	case CTX_LIST:
		if (!c->first)
			bytebuf_putc(w->out, ',');
		c->first = 0;
		return false;
	case CTX_PAIR:
		if (c->first) {
			c->first = 0;
			c->colon = 1;
		} else {
			bytebuf_putc(w->out, c->colon ? ':' : ',');
			c->colon = !c->colon;
		}
		return c->colon;
	default:
		return false;
	}
}

static void
put_quoted(struct thrift_writer *w, const char *s)
{
	bytebuf_putc(w->out, '"');
	bytebuf_puts(w->out, s);
	bytebuf_putc(w->out, '"');
}

/* Decimal digits of v into buf (at least 21 bytes), NUL-terminated. */
static const char *
format_int(int64_t v, char *buf, size_t len)
{
	char *p = buf + len;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	return p;
}

static void
w_int(struct thrift_writer *w, enum thrift_type type, int64_t v)
{
	char buf[32];
	const char *num = format_int(v, buf, sizeof(buf));

	(void)type;
	if (sep(w))
		put_quoted(w, num);
	else
		bytebuf_puts(w->out, num);
}

static void
w_bool(struct thrift_writer *w, bool v)
{
	w_int(w, THRIFT_BOOL, v ? 1 : 0);
}

static void
w_double(struct thrift_writer *w, double v)
{
	char num[40];
	int prec;
	bool key = sep(w);

	if (isnan(v)) {
		put_quoted(w, "NaN");
		return;
	}
	if (isinf(v)) {
		put_quoted(w, v > 0 ? "Infinity" : "-Infinity");
		return;
	}
	if (v == 0 && signbit(v)) {
		/* "-0" would read back as the integer 0. */
		bytebuf_puts(w->out, key ? "\"-0.0\"" : "-0.0");
		return;
	}
	/* The shortest form that reads back as the same double. */
	for (prec = 15; prec <= 17; prec++) {
		snprintf(num, sizeof(num), "%.*g", prec, v);
		if (strtod(num, NULL) == v)
			break;
	}
	if (key)
		put_quoted(w, num);
	else
		bytebuf_puts(w->out, num);
}

static void
put_escaped(struct bytebuf *out, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	unsigned char c;

	bytebuf_putc(out, '"');
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		bytebuf_put(out, s + run, i - run);
		run = i + 1;
		bytebuf_putc(out, '\\');
		switch (c) {
		case '"': case '\\':
			bytebuf_putc(out, c);
			break;
		case '\b':
			bytebuf_putc(out, 'b');
			break;
		case '\f':
			bytebuf_putc(out, 'f');
			break;
		case '\n':
			bytebuf_putc(out, 'n');
			break;
		case '\r':
			bytebuf_putc(out, 'r');
			break;
		case '\t':
			bytebuf_putc(out, 't');
			break;
		default:
			bytebuf_puts(out, "u00");
			bytebuf_putc(out, hex[c >> 4]);
			bytebuf_putc(out, hex[c & 15]);
			break;
		}
	}
	bytebuf_put(out, s + run, n - run);
	bytebuf_putc(out, '"');
}

/* Base64 without padding, as Thrift's Java TJSONProtocol writes it. */
static void
put_base64(struct bytebuf *out, const unsigned char *s, size_t n)
{
	size_t i;
	uint32_t v;

	bytebuf_putc(out, '"');
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		bytebuf_putc(out, b64[v >> 18]);
		bytebuf_putc(out, b64[(v >> 12) & 63]);
		bytebuf_putc(out, b64[(v >> 6) & 63]);
		bytebuf_putc(out, b64[v & 63]);
	}
	if (n - i == 1) {
		v = (uint32_t)s[i] << 16;
		bytebuf_putc(out, b64[v >> 18]);
		bytebuf_putc(out, b64[(v >> 12) & 63]);
	} else if (n - i == 2) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		bytebuf_putc(out, b64[v >> 18]);
		bytebuf_putc(out, b64[(v >> 12) & 63]);
		bytebuf_putc(out, b64[(v >> 6) & 63]);
	}
	bytebuf_putc(out, '"');
}

static void
w_string(struct thrift_writer *w, const void *p, size_t n, bool binary)
{
	sep(w);
	if (binary)
		put_base64(w->out, p, n);
	else
		put_escaped(w->out, p, n);
}

static void
w_cstring(struct thrift_writer *w, const char *s)
{
	w_string(w, s, strlen(s), false);
}

static void
w_message_begin(struct thrift_writer *w, const char *name,
    enum thrift_message_type type, int32_t seqid)
{
	sep(w);
	bytebuf_putc(w->out, '[');
	push(w, CTX_LIST);
	w_int(w, THRIFT_I32, 1);
	w_cstring(w, name);
	w_int(w, THRIFT_I32, type);
	w_int(w, THRIFT_I32, seqid);
}

static void
w_message_end(struct thrift_writer *w)
{
	pop(w);
	bytebuf_putc(w->out, ']');
}

static void
w_struct_begin(struct thrift_writer *w)
{
	sep(w);
	bytebuf_putc(w->out, '{');
	push(w, CTX_PAIR);
}

static void
w_struct_end(struct thrift_writer *w)
{
	pop(w);
	bytebuf_putc(w->out, '}');
}

static void
w_field_begin(struct thrift_writer *w, enum thrift_type type, int16_t id)
{
	char buf[32];

	sep(w);
	put_quoted(w, format_int(id, buf, sizeof(buf)));
	w_struct_begin(w);
	w_cstring(w, json_type_name(type));
}

static void
w_field_stop(struct thrift_writer *w)
{
	(void)w;
}

static void
w_container_begin(struct thrift_writer *w, enum thrift_type kind,
    enum thrift_type ktype, enum thrift_type vtype, uint32_t n)
{
	sep(w);
	bytebuf_putc(w->out, '[');
	push(w, CTX_LIST);
	w_cstring(w, json_type_name(ktype));
	if (kind == THRIFT_MAP)
		w_cstring(w, json_type_name(vtype));
	w_int(w, THRIFT_I32, n);
	if (kind == THRIFT_MAP)
		w_struct_begin(w);
}

static void
w_container_end(struct thrift_writer *w, enum thrift_type kind)
{
	if (kind == THRIFT_MAP)
		w_struct_end(w);
	pop(w);
	bytebuf_putc(w->out, ']');
}

static const struct thrift_writer_ops json_writer_ops = {
	.message_begin = w_message_begin,
	.message_end = w_message_end,
	.struct_begin = w_struct_begin,
	.struct_end = w_struct_end,
	.field_begin = w_field_begin,
	.field_end = w_struct_end,
	.field_stop = w_field_stop,
	.container_begin = w_container_begin,
	.container_end = w_container_end,
	.write_bool = w_bool,
	.write_int = w_int,
	.write_double = w_double,
	.write_string = w_string,
};

void
thrift_json_writer_init(struct thrift_writer *w, struct bytebuf *out)
{
	memset(w, 0, sizeof(*w));
	w->ops = &json_writer_ops;
	w->out = out;
	w->ctx[0].kind = CTX_BASE;
}

/* ---- reader ---- */

enum { F_SINGLE, F_ARRAY, F_STRUCT, F_MAP };

struct frame {
	json_t	*v;
	int	 kind;
	bool	 container;	/* pushed by container_begin */
	bool	 key_next;	/* map: the next value is a key */
	size_t	 index;		/* single, array: values taken */
	void	*iter;		/* struct, map: the next member */
};

#define MAX_FRAMES	512

struct json_in {
	json_t		*root;
	bool		 root_taken;
	int		 depth;
	struct frame	 f[MAX_FRAMES];
};

#define IN(r)	((struct json_in *)(r)->impl)

static struct frame *
top(struct thrift_reader *r)
{
	struct json_in *in = IN(r);

	return in->depth > 0 ? &in->f[in->depth - 1] : NULL;
}

static struct frame *
push_frame(struct thrift_reader *r, json_t *v, int kind)
{
	struct json_in *in = IN(r);
	struct frame *f;

	if (in->depth == MAX_FRAMES) {
		thrift_fail(r, "values nested too deeply");
		return NULL;
	}
	f = &in->f[in->depth++];
	memset(f, 0, sizeof(*f));
	f->v = v;
	f->kind = kind;
	if (kind == F_STRUCT || kind == F_MAP)
		f->iter = json_object_iter(v);
	f->key_next = true;
	return f;
}

/*
 * The next value to read. In a map's key position the value is the key
 * text, returned through *key with NULL as the result.
 */
static json_t *
next_value(struct thrift_reader *r, const char **key)
{
	struct frame *f = top(r);
	json_t *v;

	*key = NULL;
	if (f == NULL) {
		if (IN(r)->root_taken) {
			thrift_fail(r, "no value left to read");
			return NULL;
		}
		IN(r)->root_taken = true;
		return IN(r)->root;
	}
	switch (f->kind) {
	case F_SINGLE:
		if (f->index++ > 0)
			break;
		return f->v;
	case F_ARRAY:
		if (f->index >= json_array_size(f->v)) {
			thrift_fail(r, "a list ends after %zu values, more "
			    "were expected", f->index);
			return NULL;
		}
		return json_array_get(f->v, f->index++);
	case F_MAP:
		if (f->iter == NULL)
			break;
		if (f->key_next) {
			f->key_next = false;
			*key = json_object_iter_key(f->iter);
			return NULL;
		}
		v = json_object_iter_value(f->iter);
		f->iter = json_object_iter_next(f->v, f->iter);
		f->key_next = true;
		return v;
	}
	thrift_fail(r, "no value left to read");
	return NULL;
}

static const char *
json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE: case JSON_FALSE: return "true or false";
	default: return "null";
	}
}

static int
range_check(struct thrift_reader *r, enum thrift_type type, long long v)
{
	long long lo = INT64_MIN, hi = INT64_MAX;

	switch (type) {
	case THRIFT_BOOL: case THRIFT_BYTE:
		lo = INT8_MIN, hi = INT8_MAX;
		break;
	case THRIFT_I16:
		lo = INT16_MIN, hi = INT16_MAX;
		break;
	case THRIFT_I32:
		lo = INT32_MIN, hi = INT32_MAX;
		break;
	default:
		break;
	}
	if (v < lo || v > hi)
		return thrift_fail(r, "%lld is out of range for %s", v,
		    thrift_type_name(type));
	return 0;
}

static int
r_int(struct thrift_reader *r, enum thrift_type type, int64_t *out)
{
	const char *key;
	char *end;
	long long v;
	json_t *j = next_value(r, &key);

	if (key != NULL) {
		errno = 0;
		v = strtoll(key, &end, 10);
		if (*key == '\0' || *end != '\0' || errno != 0)
			return thrift_fail(r, "map key \"%.60s\" is not an "
			    "integer", key);
	} else if (j == NULL) {
		return -1;
	} else if (!json_is_integer(j)) {
		return thrift_fail(r, "expected an integer (%s), found %s",
		    thrift_type_name(type), json_kind(j));
	} else {
		v = json_integer_value(j);
	}
	if (range_check(r, type, v) == -1)
		return -1;
	*out = v;
	return 0;
}

static int
r_bool(struct thrift_reader *r, bool *b)
{
	int64_t v;

	if (r_int(r, THRIFT_BOOL, &v) == -1)
		return -1;
	*b = v != 0;
	return 0;
}

static int
special_double(const char *s, double *d)
{
	if (strcmp(s, "NaN") == 0)
		*d = NAN;
	else if (strcmp(s, "Infinity") == 0)
		*d = INFINITY;
	else if (strcmp(s, "-Infinity") == 0)
		*d = -INFINITY;
	else
		return -1;
	return 0;
}

static int
r_double(struct thrift_reader *r, double *d)
{
	const char *key, *s = NULL;
	char *end;
	json_t *j = next_value(r, &key);

	if (key != NULL)
		s = key;
	else if (j == NULL)
		return -1;
	else if (json_is_number(j)) {
		*d = json_number_value(j);
		return 0;
	} else if (json_is_string(j))
		s = json_string_value(j);
	else
		return thrift_fail(r, "expected a number (dbl), found %s",
		    json_kind(j));
	if (special_double(s, d) == 0)
		return 0;
	*d = strtod(s, &end);
	if (*s == '\0' || *end != '\0')
		return thrift_fail(r, "\"%.60s\" is not a number", s);
	return 0;
}

static int
b64_value(unsigned char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

static int
decode_base64(struct thrift_reader *r, const char *s, size_t n, char **out,
    size_t *len)
{
	unsigned char *p;
	size_t i, o = 0;
	uint32_t acc = 0;
	int bits = 0, v;

	while (n > 0 && s[n - 1] == '=')
		n--;
	if ((p = malloc(n * 3 / 4 + 1)) == NULL)
		return thrift_fail(r, "out of memory");
	for (i = 0; i < n; i++) {
		if ((v = b64_value((unsigned char)s[i])) < 0) {
			free(p);
			return thrift_fail(r, "binary value is not base64 "
			    "(character %zu)", i + 1);
		}
		acc = acc << 6 | (uint32_t)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			p[o++] = (acc >> bits) & 0xff;
		}
	}
	p[o] = '\0';
	*out = (char *)p;
	*len = o;
	return 0;
}

static int
r_string(struct thrift_reader *r, char **s, size_t *len, bool binary)
{
	const char *key, *text;
	size_t n;
	json_t *j = next_value(r, &key);

	if (key != NULL) {
		text = key;
		n = strlen(key);
	} else if (j == NULL) {
		return -1;
	} else if (!json_is_string(j)) {
		return thrift_fail(r, "expected a string, found %s",
		    json_kind(j));
	} else {
		text = json_string_value(j);
		n = json_string_length(j);
	}
	if (binary)
		return decode_base64(r, text, n, s, len);
	if ((*s = malloc(n + 1)) == NULL)
		return thrift_fail(r, "out of memory");
	memcpy(*s, text, n);
	(*s)[n] = '\0';
	*len = n;
	return 0;
}

static int
type_of_name(struct thrift_reader *r, const char *name, enum thrift_type *t)
{
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(type_names[i].name, name) == 0) {
			*t = type_names[i].type;
			return 0;
		}
	return thrift_fail(r, "unknown type name \"%.20s\"", name);
}

static int
r_type_name(struct thrift_reader *r, enum thrift_type *t)
{
	char *name;
	size_t len;
	int rc;

	if (r_string(r, &name, &len, false) == -1)
		return -1;
	rc = type_of_name(r, name, t);
	free(name);
	return rc;
}

static int
r_message_begin(struct thrift_reader *r, char **name,
    enum thrift_message_type *type, int32_t *seqid)
{
	const char *key;
	json_t *j = next_value(r, &key);
	int64_t v;
	size_t len;

	if (j == NULL)
		return -1;
	if (!json_is_array(j))
		return thrift_fail(r, "a message is a JSON array, found %s",
		    json_kind(j));
	if (push_frame(r, j, F_ARRAY) == NULL)
		return -1;
	if (r_int(r, THRIFT_I32, &v) == -1)
		return -1;
	if (v != 1)
		return thrift_fail(r, "message version %lld, only 1 is "
		    "known", (long long)v);
	if (r_string(r, name, &len, false) == -1)
		return -1;
	if (r_int(r, THRIFT_I32, &v) == -1 ||
	    (*type = v, r_int(r, THRIFT_I32, &v) == -1)) {
		free(*name);
		*name = NULL;
		return -1;
	}
	*seqid = (int32_t)v;
	return 0;
}

static int
r_pop(struct thrift_reader *r)
{
	if (IN(r)->depth > 0)
		IN(r)->depth--;
	return 0;
}

static int
r_message_end(struct thrift_reader *r)
{
	struct frame *f = top(r);

	if (f != NULL && f->kind == F_ARRAY &&
	    f->index != json_array_size(f->v))
		return thrift_fail(r, "values after the message's arguments");
	return r_pop(r);
}

static int
r_struct_begin(struct thrift_reader *r)
{
	const char *key;
	json_t *j = next_value(r, &key);

	if (key != NULL)
		return thrift_fail(r, "a struct cannot be a map key in JSON");
	if (j == NULL)
		return -1;
	if (!json_is_object(j))
		return thrift_fail(r, "expected a struct (an object), found %s",
		    json_kind(j));
	return push_frame(r, j, F_STRUCT) ? 0 : -1;
}

static int
r_field_begin(struct thrift_reader *r, enum thrift_type *type, int16_t *id)
{
	struct frame *f = top(r);
	const char *key;
	char *end;
	long v;
	json_t *j;
	void *it;

	if (f == NULL || f->kind != F_STRUCT)
		return thrift_fail(r, "a field outside a struct");
	if (f->iter == NULL) {
		*type = THRIFT_STOP;
		*id = 0;
		return 0;
	}
	key = json_object_iter_key(f->iter);
	j = json_object_iter_value(f->iter);
	f->iter = json_object_iter_next(f->v, f->iter);
	errno = 0;
	v = strtol(key, &end, 10);
	if (*key == '\0' || *end != '\0' || errno != 0 || v < INT16_MIN ||
	    v > INT16_MAX)
		return thrift_fail(r, "field id \"%.40s\" is not a number "
		    "from -32768 to 32767", key);
	*id = (int16_t)v;
	if (!json_is_object(j) || json_object_size(j) != 1)
		return thrift_fail(r, "field %ld is not an object with one "
		    "type name", v);
	it = json_object_iter(j);
	if (type_of_name(r, json_object_iter_key(it), type) == -1)
		return -1;
	return push_frame(r, json_object_iter_value(it), F_SINGLE) ? 0 : -1;
}

static int
r_container_begin(struct thrift_reader *r, enum thrift_type kind,
    enum thrift_type *ktype, enum thrift_type *vtype, uint32_t *n)
{
	const char *key;
	json_t *j = next_value(r, &key), *map;
	struct frame *f;
	int64_t count;
	size_t held;

	if (key != NULL)
		return thrift_fail(r, "a %s cannot be a map key in JSON",
		    thrift_type_name(kind));
	if (j == NULL)
		return -1;
	if (!json_is_array(j))
		return thrift_fail(r, "expected a %s (an array), found %s",
		    thrift_type_name(kind), json_kind(j));
	if ((f = push_frame(r, j, F_ARRAY)) == NULL)
		return -1;
	f->container = true;
	*vtype = THRIFT_STOP;
	if (r_type_name(r, ktype) == -1 ||
	    (kind == THRIFT_MAP && r_type_name(r, vtype) == -1) ||
	    r_int(r, THRIFT_I32, &count) == -1)
		return -1;
	if (count < 0)
		return thrift_fail(r, "negative %s size",
		    thrift_type_name(kind));
	if (kind == THRIFT_MAP) {
		if ((map = next_value(r, &key)) == NULL)
			return -1;
		if (!json_is_object(map))
			return thrift_fail(r, "a map's entries are an object, "
			    "found %s", json_kind(map));
		held = json_object_size(map);
		if (push_frame(r, map, F_MAP) == NULL)
			return -1;
	} else {
		held = json_array_size(j) - f->index;
	}
	if ((size_t)count != held)
		return thrift_fail(r, "a %s says %lld elements but holds %zu",
		    thrift_type_name(kind), (long long)count, held);
	*n = (uint32_t)count;
	return 0;
}

static int
r_container_end(struct thrift_reader *r)
{
	struct frame *f;

	while ((f = top(r)) != NULL) {
		r_pop(r);
		if (f->container)
			break;
	}
	return 0;
}

static bool
r_at_end(struct thrift_reader *r)
{
	return IN(r)->depth == 0 && IN(r)->root_taken;
}

static void
r_release(struct thrift_reader *r)
{
	if (r->impl != NULL)
		json_decref(IN(r)->root);
	free(r->impl);
	r->impl = NULL;
}

static const struct thrift_reader_ops json_reader_ops = {
	.message_begin = r_message_begin,
	.message_end = r_message_end,
	.struct_begin = r_struct_begin,
	.struct_end = r_pop,
	.field_begin = r_field_begin,
	.field_end = r_pop,
	.container_begin = r_container_begin,
	.container_end = r_container_end,
	.read_bool = r_bool,
	.read_int = r_int,
	.read_double = r_double,
	.read_string = r_string,
	.at_end = r_at_end,
	.release = r_release,
};

int
thrift_json_reader_init(struct thrift_reader *r, const void *buf, size_t len)
{
	struct json_in *in;
	json_error_t jerr;

	memset(r, 0, sizeof(*r));
	r->ops = &json_reader_ops;
	if ((in = calloc(1, sizeof(*in))) == NULL)
		return thrift_fail(r, "out of memory");
	if ((in->root = json_loadb(buf, len, 0, &jerr)) == NULL) {
		free(in);
		return thrift_fail(r, "not JSON: %s at line %d column %d",
		    jerr.text, jerr.line, jerr.column);
	}
	r->impl = in;
	return 0;
}
