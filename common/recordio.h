/*
 * common: Mesos's RecordIO framing, as the v1 scheduler API streams its
 * events: each record is its length in decimal, a newline, then that many
 * bytes. The reader takes bytes as they arrive, in pieces of any size.
 */
#ifndef COMMON_RECORDIO_H
#define COMMON_RECORDIO_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytebuf.h"

/* Appends one record (the header, then the bytes). */
void	 recordio_write(struct bytebuf *, const void *data, size_t len);

struct recordio_reader {
	size_t	 max;		/* a longer record is an error */
	unsigned char *buf;	/* bytes not yet handed out */
	size_t	 len, cap;
	size_t	 off;		/* buf[0..off) was handed out already */
	char	 err[128];	/* why the stream is broken, once it is */
};

void	 recordio_reader_init(struct recordio_reader *, size_t max_record);
void	 recordio_reader_free(struct recordio_reader *);
/* Adds bytes from the stream; -1 when out of memory. */
int	 recordio_feed(struct recordio_reader *, const void *, size_t);
/*
 * The next complete record: 1 with *data and *len pointing into the
 * reader (valid until the next feed or next call), 0 when more bytes are
 * needed, -1 when the stream is malformed (err says how).
 */
int	 recordio_next(struct recordio_reader *, const unsigned char **data,
	    size_t *len);

#endif
