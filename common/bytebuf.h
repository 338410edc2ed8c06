/*
 * common: a growable byte buffer for encoders. An allocation failure is
 * remembered instead of reported at each call, so encoders write straight
 * through and check once at the end.
 */
#ifndef COMMON_BYTEBUF_H
#define COMMON_BYTEBUF_H

#include <stdbool.h>
#include <stddef.h>

struct bytebuf {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
	bool		 failed;	/* an allocation failed; data is partial */
};

void	bytebuf_init(struct bytebuf *);
void	bytebuf_free(struct bytebuf *);
void	bytebuf_put(struct bytebuf *, const void *, size_t);
void	bytebuf_putc(struct bytebuf *, unsigned char);
void	bytebuf_puts(struct bytebuf *, const char *);
/* Hands the bytes to the caller (to free()); the buffer is empty after. */
unsigned char *bytebuf_take(struct bytebuf *, size_t *len);

#endif
