/*
 * common: what the two Thrift protocols share (see thrift_protocol.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/thrift_protocol.h"

void
thrift_writer_init(struct thrift_writer *w, enum thrift_protocol p,
    struct bytebuf *out)
{
	if (p == THRIFT_PROTOCOL_JSON)
		thrift_json_writer_init(w, out);
	else
		thrift_binary_writer_init(w, out);
}

int
thrift_writer_finish(struct thrift_writer *w)
{
	return w->out->failed || w->overflow ? -1 : 0;
}

int
thrift_reader_init(struct thrift_reader *r, enum thrift_protocol p,
    const void *buf, size_t len)
{
	if (p == THRIFT_PROTOCOL_JSON)
		return thrift_json_reader_init(r, buf, len);
	return thrift_binary_reader_init(r, buf, len);
}

void
thrift_reader_free(struct thrift_reader *r)
{
	if (r->ops != NULL && r->impl != NULL)
		r->ops->release(r);
}

bool
thrift_reader_at_end(struct thrift_reader *r)
{
	return r->ops->at_end(r);
}

int
thrift_fail(struct thrift_reader *r, const char *fmt, ...)
{
	va_list ap;

	/* The first problem is the one worth reporting. */
	if (r->err[0] != '\0')
		return -1;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

const char *
thrift_type_name(enum thrift_type t)
{
	switch (t) {
	case THRIFT_STOP: return "stop";
	case THRIFT_BOOL: return "bool";
	case THRIFT_BYTE: return "byte";
	case THRIFT_DOUBLE: return "double";
	case THRIFT_I16: return "i16";
	case THRIFT_I32: return "i32";
	case THRIFT_I64: return "i64";
	case THRIFT_STRING: return "string";
	case THRIFT_STRUCT: return "struct";
	case THRIFT_MAP: return "map";
	case THRIFT_SET: return "set";
	case THRIFT_LIST: return "list";
	}
	return "unknown type";
}

void
thrift_path_prepend(struct thrift_reader *r, const char *segment)
{
	char old[THRIFT_ERR_LEN];
	const char *dot = r->path[0] == '\0' || r->path[0] == '[' ? "" : ".";

	memcpy(old, r->path, sizeof(old));
	snprintf(r->path, sizeof(r->path), "%s%s%.*s", segment, dot,
	    (int)(sizeof(old) - strlen(segment) - 2), old);
}

const char *
thrift_reader_error(struct thrift_reader *r)
{
	if (r->path[0] == '\0')
		return r->err;
	snprintf(r->full, sizeof(r->full), "%s: %s", r->path, r->err);
	return r->full;
}
