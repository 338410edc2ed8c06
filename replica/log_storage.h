/*
 * replica: the replicated log's local storage in LMDB (the equivalent of
 * the Mesos log's LevelDB storage). It keeps the replica's metadata
 * (status and implicit promise), one record per log position, and in
 * memory the positions this replica has not learned. Only replica and the
 * aurora-log tool open it.
 *
 * Every change is durable before the call returns: a replica answers a
 * promise or a write only then. Promises and truncations are synced LMDB
 * commits; accepts go to a write-ahead file when one is attached, and
 * learned marks may wait for the next write (log_storage_on_deferred).
 */
#ifndef REPLICA_LOG_STORAGE_H
#define REPLICA_LOG_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "ipc/log.pb-c.h"
#include "replica/log_intervals.h"

struct log_storage;

/*
 * Opens (creating if needed) the LMDB environment in directory path, at
 * most map_size bytes. -1 with err on failure.
 */
MDB_env	*log_env_open(const char *path, size_t map_size, int readonly,
	    char *err, size_t errlen);

/* Opens the log's tables in env and restores its state; NULL with err. */
struct log_storage *log_storage_open(MDB_env *env, char *err, size_t errlen);
void	 log_storage_close(struct log_storage *);

LogMetadata__Status log_storage_status(const struct log_storage *);
uint64_t log_storage_promised(const struct log_storage *);
/* First position not truncated, and the highest position written. */
uint64_t log_storage_begin(const struct log_storage *);
uint64_t log_storage_end(const struct log_storage *);
/* Unlearned positions and holes within [begin, end]. */
const struct log_intervals *log_storage_unlearned(const struct log_storage *);
/* Whether pos must still be learned (past the end counts as missing). */
int	 log_storage_missing(const struct log_storage *, uint64_t pos);
/* Why the last write to this storage failed; "" once one succeeded. */
const char *log_storage_last_error(const struct log_storage *);

int	 log_storage_set_status(struct log_storage *, LogMetadata__Status,
	    char *err, size_t errlen);
int	 log_storage_set_promised(struct log_storage *, uint64_t,
	    char *err, size_t errlen);

/*
 * This replica's id, made at random and stored the first time: it names
 * the replica in the ZooKeeper group across restarts. -1 with err.
 */
int	 log_storage_replica_id(struct log_storage *, uint64_t *id,
	    char *err, size_t errlen);

/*
 * Reads the action at pos into *out (free with log_action__free_unpacked).
 * Returns 1 when found, 0 when nothing is stored there, -1 with err.
 */
int	 log_storage_read(struct log_storage *, uint64_t pos, LogAction **out,
	    char *err, size_t errlen);
/*
 * Stores an action (replacing the one at its position). A learned
 * truncation moves the beginning and drops older records. -1 with err
 * (a full disk or map names itself); the log is unchanged then.
 */
int	 log_storage_persist(struct log_storage *, const LogAction *,
	    char *err, size_t errlen);

/*
 * Called after an action is stored as learned (by this replica's writes,
 * learned notices, catch-up or recovery), from inside the store call:
 * defer any real work.
 */
typedef void (*log_storage_learned_fn)(void *arg, uint64_t position);
void	 log_storage_on_learned(struct log_storage *, log_storage_learned_fn,
	    void *arg);

/*
 * With this set, a learned mark that does not move the log's beginning
 * is kept in memory (reads see it) and written with the next synced
 * write, or by log_storage_write_learned: fn is called when the first one
 * waits, and the owner should then call that soon. Without it, every
 * learned mark is written (with one sync) before persist returns.
 */
typedef void (*log_storage_deferred_fn)(void *arg);
void	 log_storage_on_deferred(struct log_storage *, log_storage_deferred_fn,
	    void *arg);
/* Writes the learned marks that wait (one sync); -1 with err. */
int	 log_storage_write_learned(struct log_storage *, char *err,
	    size_t errlen);

/*
 * Keeps what this replica accepts in the write-ahead file at path (see
 * log_wal.h) rather than syncing an LMDB commit per accept: first the
 * records a crash left there are taken back. Read-only (or with a
 * read-only storage), they are only read, and stay in memory: for tools
 * that look at a log a running replica owns. -1 with err.
 */
int	 log_storage_attach_wal(struct log_storage *, const char *path,
	    int readonly, char *err, size_t errlen);
/* Accepts in the write-ahead file and memory, not yet in LMDB. */
size_t	 log_storage_waiting(const struct log_storage *);

/* Human names of statuses as Mesos prints them (VOTING, EMPTY, ...). */
const char *log_status_name(LogMetadata__Status);

#endif
