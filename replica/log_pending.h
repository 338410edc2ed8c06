/*
 * replica: log records waiting to be written to LMDB. A learned mark need
 * not survive an OS crash (the value is on a quorum's disks and is
 * learned again), and an accept is already in the write-ahead file
 * (log_wal.h), so the log's storage keeps such records here and writes
 * them with the next commit, or when its owner asks, rather than syncing
 * each on its own. Until then, reads find them here.
 */
#ifndef REPLICA_LOG_PENDING_H
#define REPLICA_LOG_PENDING_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

/* Past this many, the storage writes them at once. */
#define LOG_PENDING_MAX		1024

struct log_pending_record {
	uint64_t	 position;
	unsigned char	*rec;		/* the stored bytes: flags + action */
	size_t		 len;
};

struct log_pending {
	struct log_pending_record	*v;
	size_t				 n, cap;
};

/* Takes rec (malloc'd); -1 when out of memory (rec is not taken). */
int	 log_pending_add(struct log_pending *, uint64_t position,
	    unsigned char *rec, size_t len);
/* The newest record for position, or NULL. */
const struct log_pending_record *log_pending_find(const struct log_pending *,
	    uint64_t position);
/* Puts every record, oldest first, into dbi in txn; an LMDB error code. */
int	 log_pending_put(const struct log_pending *, MDB_txn *, MDB_dbi);
/* Drops every record (written, or given up); _free also the array. */
void	 log_pending_clear(struct log_pending *);
void	 log_pending_free(struct log_pending *);

#endif
