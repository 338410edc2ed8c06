/*
 * common: a growable byte buffer for encoders (see bytebuf.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytebuf.h"

void
bytebuf_init(struct bytebuf *b)
{
	memset(b, 0, sizeof(*b));
}

void
bytebuf_free(struct bytebuf *b)
{
	free(b->data);
	bytebuf_init(b);
}

static bool
grow(struct bytebuf *b, size_t more)
{
	size_t cap;
	unsigned char *p;

	if (b->failed)
		return false;
	if (more <= b->cap - b->len)
		return true;
	if (more > SIZE_MAX / 2 - b->len) {
		b->failed = true;
		return false;
	}
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < more)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void
bytebuf_put(struct bytebuf *b, const void *p, size_t n)
{
	if (n == 0 || !grow(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
bytebuf_putc(struct bytebuf *b, unsigned char c)
{
	if (b->len < b->cap && !b->failed)
		b->data[b->len++] = c;
	else if (grow(b, 1))
		b->data[b->len++] = c;
}

void
bytebuf_puts(struct bytebuf *b, const char *s)
{
	bytebuf_put(b, s, strlen(s));
}

unsigned char *
bytebuf_take(struct bytebuf *b, size_t *len)
{
	unsigned char *p = b->data;

	*len = b->len;
	bytebuf_init(b);
	return p;
}
