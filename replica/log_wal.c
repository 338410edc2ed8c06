/* replica: the log's write-ahead file (see log_wal.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "replica/lmdb_util.h"
#include "replica/log_wal.h"

/*
 *   offset 0     "AWAL", 4 zero bytes, generation (8 bytes BE)
 *   offset 4096  records: length (4 BE), CRC-32C (4 BE) of what follows
 *                the CRC, generation (8 BE), position (8 BE), the record
 */
#define WAL_MAGIC	"AWAL"
#define WAL_HEADER	16
#define WAL_DATA	4096
#define REC_HEADER	24
#define REC_MAX		(64u << 20)	/* larger than any log entry */

struct log_wal {
	int		 fd;		/* -1: read-only and no file */
	char		 path[512];
	uint64_t	 generation;
	uint64_t	 off;		/* where the next record goes */
};

static uint32_t crc_table[256];

#if defined(__x86_64__)
#include <nmmintrin.h>

/* SSE4.2's crc32 instruction computes CRC-32C, 8 bytes at a time. */
__attribute__((target("sse4.2"))) static uint32_t
crc32c_sse42(uint32_t crc, const unsigned char *p, size_t len)
{
	uint64_t c = ~crc;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;

		memcpy(&v, p, sizeof(v));
		c = _mm_crc32_u64(c, v);
	}
	while (len-- > 0)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return ~(uint32_t)c;
}
#endif

uint32_t
log_wal_crc32c(uint32_t crc, const void *buf, size_t len)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2"))
		return crc32c_sse42(crc, buf, len);
#endif
	return log_wal_crc32c_table(crc, buf, len);
}

uint32_t
log_wal_crc32c_table(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (crc_table[1] == 0)
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0x82f63b78 : c >> 1;
			crc_table[i] = c;
		}
	crc = ~crc;
	while (len-- > 0)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int
fail(struct log_wal *w, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s %s: %s", what, w->path, errno == ENOSPC ?
	    "no space left on the log's disk" : strerror(errno));
	return -1;
}

static int
write_header(struct log_wal *w, char *err, size_t errlen)
{
	unsigned char h[WAL_HEADER] = WAL_MAGIC;

	lmdb_put_be64(h + 8, w->generation);
	errno = 0;
	if (pwrite(w->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		if (errno == 0)
			errno = EIO;
		return fail(w, err, errlen, "cannot write");
	}
	if (fdatasync(w->fd) == -1)
		return fail(w, err, errlen, "cannot flush");
	w->off = WAL_DATA;
	return 0;
}

/* A new file: zeros up to the preallocated size, then generation 1. */
static int
create(struct log_wal *w, char *err, size_t errlen)
{
	static const unsigned char zeros[1 << 16];
	char dir[512];
	int dfd;

	for (off_t at = 0; at < (off_t)LOG_WAL_PREALLOC; at += sizeof(zeros)) {
		errno = 0;
		if (pwrite(w->fd, zeros, sizeof(zeros), at) !=
		    (ssize_t)sizeof(zeros)) {
			if (errno == 0)
				errno = ENOSPC;	/* a short write */
			return fail(w, err, errlen, "cannot create");
		}
	}
	w->generation = 1;
	if (write_header(w, err, errlen) == -1 || fsync(w->fd) == -1)
		return fail(w, err, errlen, "cannot create");
	/* The file's name must survive a crash too. */
	snprintf(dir, sizeof(dir), "%s", w->path);
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || fsync(dfd) == -1) {
		if (dfd != -1)
			close(dfd);
		return fail(w, err, errlen, "cannot sync the directory of");
	}
	close(dfd);
	return 0;
}

struct log_wal *
log_wal_open(const char *path, int readonly, char *err, size_t errlen)
{
	unsigned char h[WAL_HEADER];
	struct log_wal *w;
	struct stat st;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->off = WAL_DATA;
	w->fd = open(path, (readonly ? O_RDONLY : O_RDWR | O_CREAT) |
	    O_CLOEXEC, 0600);
	if (w->fd == -1 && readonly && errno == ENOENT)
		return w;
	if (w->fd == -1 || fstat(w->fd, &st) == -1) {
		fail(w, err, errlen, "cannot open");
		goto bad;
	}
	if (st.st_size == 0 && !readonly) {
		if (create(w, err, errlen) == -1)
			goto bad;
		return w;
	}
	if (pread(w->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h, WAL_MAGIC, 4) != 0) {
		snprintf(err, errlen, "%s is not a log write-ahead file (it "
		    "does not begin with %s)", path, WAL_MAGIC);
		goto bad;
	}
	w->generation = lmdb_get_be64(h + 8);
	return w;
bad:
	if (w->fd != -1)
		close(w->fd);
	free(w);
	return NULL;
}

void
log_wal_close(struct log_wal *w)
{
	if (w == NULL)
		return;
	if (w->fd != -1)
		close(w->fd);
	free(w);
}

int
log_wal_replay(struct log_wal *w, log_wal_record_fn fn, void *arg,
    char *err, size_t errlen)
{
	unsigned char h[REC_HEADER], *rec = NULL;
	uint64_t off = WAL_DATA;
	int rc = 0;

	if (w->fd == -1)
		return 0;
	for (;;) {
		uint32_t len, crc;
		unsigned char *grown;

		if (pread(w->fd, h, sizeof(h), (off_t)off) != (ssize_t)sizeof(h))
			break;
		len = get32(h);
		crc = get32(h + 4);
		if (len == 0 || len > REC_MAX ||
		    lmdb_get_be64(h + 8) != w->generation)
			break;
		if ((grown = realloc(rec, len)) == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		rec = grown;
		if (pread(w->fd, rec, len, (off_t)(off + REC_HEADER)) !=
		    (ssize_t)len ||
		    log_wal_crc32c(log_wal_crc32c(0, h + 8, 16), rec, len) !=
		    crc)
			break;		/* torn by a crash: never answered */
		if (fn(arg, lmdb_get_be64(h + 16), rec, len) == -1) {
			snprintf(err, errlen, "cannot replay %s", w->path);
			rc = -1;
			break;
		}
		off += REC_HEADER + len;
	}
	free(rec);
	w->off = off;
	return rc;
}

int
log_wal_append(struct log_wal *w, uint64_t position, const unsigned char *rec,
    size_t len, char *err, size_t errlen)
{
	unsigned char h[REC_HEADER];
	struct iovec iov[2] = { { h, sizeof(h) },
	    { (void *)(uintptr_t)rec, len } };
	ssize_t n;

	if (w->fd == -1 || len == 0 || len > REC_MAX) {
		snprintf(err, errlen, "cannot append %zu bytes to %s", len,
		    w->path);
		return -1;
	}
	lmdb_put_be64(h + 8, w->generation);
	lmdb_put_be64(h + 16, position);
	put32(h, (uint32_t)len);
	put32(h + 4, log_wal_crc32c(log_wal_crc32c(0, h + 8, 16), rec, len));
	errno = 0;
	if ((n = pwritev(w->fd, iov, 2, (off_t)w->off)) !=
	    (ssize_t)(sizeof(h) + len)) {
		if (n >= 0 && errno == 0)
			errno = ENOSPC;	/* a short write: the disk filled */
		return fail(w, err, errlen, "cannot write");
	}
	if (fdatasync(w->fd) == -1)
		return fail(w, err, errlen, "cannot flush");
	w->off += sizeof(h) + len;
	return 0;
}

size_t
log_wal_used(const struct log_wal *w)
{
	return (size_t)(w->off - WAL_DATA);
}

int
log_wal_reset(struct log_wal *w, char *err, size_t errlen)
{
	if (w->fd == -1)
		return 0;
	w->generation++;
	return write_header(w, err, errlen);
}
