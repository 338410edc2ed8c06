/*
 * common: RecordIO framing (see recordio.h). The reader keeps one buffer
 * and moves the unread tail to its front before each feed, so a record's
 * bytes stay contiguous for the protobuf unpacker.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/recordio.h"

/* A header is at most 20 digits and the newline. */
#define RECORDIO_HEADER_MAX	21

void
recordio_write(struct bytebuf *b, const void *data, size_t len)
{
	char head[32];
	int n;

	n = snprintf(head, sizeof(head), "%zu\n", len);
	bytebuf_put(b, head, (size_t)n);
	bytebuf_put(b, data, len);
}

void
recordio_reader_init(struct recordio_reader *r, size_t max_record)
{
	memset(r, 0, sizeof(*r));
	r->max = max_record;
}

void
recordio_reader_free(struct recordio_reader *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

int
recordio_feed(struct recordio_reader *r, const void *data, size_t len)
{
	unsigned char *nb;
	size_t need, cap;

	if (r->off > 0) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (len == 0)
		return 0;
	need = r->len + len;
	if (need > r->cap) {
		cap = r->cap ? r->cap : 4096;
		while (cap < need)
			cap *= 2;
		if ((nb = realloc(r->buf, cap)) == NULL)
			return -1;
		r->buf = nb;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	return 0;
}

int
recordio_next(struct recordio_reader *r, const unsigned char **data,
    size_t *len)
{
	size_t off = r->off, i, n = 0;

	if (r->err[0] != '\0')
		return -1;
	for (i = off; i < r->len && r->buf[i] != '\n'; i++) {
		if (r->buf[i] < '0' || r->buf[i] > '9' ||
		    i - off >= RECORDIO_HEADER_MAX - 1 ||
		    n > (SIZE_MAX - 9) / 10) {
			snprintf(r->err, sizeof(r->err),
			    "bad RecordIO header at byte %zu", i - off);
			return -1;
		}
		n = n * 10 + (size_t)(r->buf[i] - '0');
	}
	if (i == r->len)
		return 0;
	if (i == off) {
		snprintf(r->err, sizeof(r->err), "empty RecordIO header");
		return -1;
	}
	if (n > r->max) {
		snprintf(r->err, sizeof(r->err),
		    "RecordIO record of %zu bytes is over the limit of %zu",
		    n, r->max);
		return -1;
	}
	if (r->len - (i + 1) < n)
		return 0;
	*data = r->buf + i + 1;
	*len = n;
	r->off = i + 1 + n;
	return 1;
}
