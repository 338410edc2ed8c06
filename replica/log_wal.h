/*
 * replica: the log's write-ahead file. What this replica accepts must be
 * on disk before it answers, and an LMDB commit that is durable costs two
 * flushes (its pages, then its meta page). Appending the record to this
 * file costs one, and LMDB then takes many records at a time in one
 * synced commit (a checkpoint), after which the file starts over.
 *
 * The file is preallocated, so an append does not change its size. It
 * starts with a header naming the current generation; each record names
 * its generation and carries a CRC, so a record torn by a crash, or left
 * from an earlier generation, ends the replay.
 */
#ifndef REPLICA_LOG_WAL_H
#define REPLICA_LOG_WAL_H

#include <stddef.h>
#include <stdint.h>

/* Its name in the log's directory. */
#define LOG_WAL_FILE		"wal"
/* Preallocated size; a checkpoint is due once this much is used. */
#define LOG_WAL_PREALLOC	(4u << 20)
#define LOG_WAL_CHECKPOINT	(2u << 20)

struct log_wal;

/*
 * Opens path, creating it (zero-filled) unless readonly. NULL with err.
 * A read-only open of a missing file gives an empty log_wal.
 */
struct log_wal *log_wal_open(const char *path, int readonly, char *err,
	    size_t errlen);
void	 log_wal_close(struct log_wal *);

/*
 * Calls fn for each record of the current generation, oldest first, and
 * positions the next append after the last. fn returns -1 to stop (the
 * replay then returns -1). 0, or -1 with err.
 */
typedef int (*log_wal_record_fn)(void *arg, uint64_t position,
	    const unsigned char *rec, size_t len);
int	 log_wal_replay(struct log_wal *, log_wal_record_fn, void *arg,
	    char *err, size_t errlen);

/* Appends one record and flushes it to disk. 0, or -1 with err. */
int	 log_wal_append(struct log_wal *, uint64_t position,
	    const unsigned char *rec, size_t len, char *err, size_t errlen);
/* Bytes appended since the generation began. */
size_t	 log_wal_used(const struct log_wal *);
/*
 * Starts a new generation (synced): call once every record appended so
 * far is in LMDB, durably. 0, or -1 with err.
 */
int	 log_wal_reset(struct log_wal *, char *err, size_t errlen);

/*
 * CRC-32C (Castagnoli) of buf, continuing from crc (0 to start): with the
 * CPU's instruction where there is one, else _table's.
 */
uint32_t log_wal_crc32c(uint32_t crc, const void *buf, size_t len);
uint32_t log_wal_crc32c_table(uint32_t crc, const void *buf, size_t len);

#endif
