/*
 * replica: helpers shared by the log's and the store's LMDB tables:
 * big-endian 8-byte keys and values (so positions sort as numbers), and
 * LMDB errors worded for an operator.
 */
#ifndef REPLICA_LMDB_UTIL_H
#define REPLICA_LMDB_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

void	 lmdb_put_be64(unsigned char *, uint64_t);
uint64_t lmdb_get_be64(const unsigned char *);
/*
 * The 8-byte value stored under the string key name in dbi: 0 when there
 * is none. An LMDB error code (MDB_CORRUPTED for another size).
 */
int	 lmdb_get_named64(MDB_txn *, MDB_dbi, const char *name, uint64_t *);
/*
 * "what: why" into err; a full map and a full disk name their remedy
 * (-native_log_map_size, disk space).
 */
void	 lmdb_error(char *err, size_t errlen, const char *what, int rc);
/* mdb_txn_commit, with a short write on a full disk reported as ENOSPC. */
int	 lmdb_commit(MDB_txn *);
/*
 * Commits with one sync instead of two: the data is synced, the meta page
 * only by the next synced commit (MDB_NOMETASYNC for this commit alone).
 * The database stays intact; an OS crash may undo this commit. For what
 * the log can give again: learned marks (the value is on a quorum's
 * disks) and the store (re-applied from the log). A full disk is ENOSPC,
 * as with lmdb_commit.
 */
int	 lmdb_commit_lazy_meta(MDB_txn *);

#endif
