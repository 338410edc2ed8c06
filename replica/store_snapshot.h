/*
 * replica: the store as a snapshot (Aurora's Snapshot, ipc/storage.proto)
 * and back again.
 *
 * Making one reads the store in a single LMDB read transaction: writes go
 * on while the parts are made, and the parts hold the store exactly as it
 * was at one applied position. Records go into the parts as stored
 * (packed protobuf), wrapped where Aurora's Snapshot wraps them; nothing
 * is unpacked, so a part costs little more than a copy.
 *
 * Restoring replaces every table with a snapshot's records in one LMDB
 * write transaction, which also sets the applied position to the
 * snapshot's: it happens entirely or not at all.
 */
#ifndef REPLICA_STORE_SNAPSHOT_H
#define REPLICA_STORE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "ipc/storage.pb-c.h"
#include "replica/store.h"

/* Records per kind, as Aurora's "Snapshot complete" line counts them. */
struct snapshot_counts {
	size_t	host_attributes, cron_jobs, quotas, tasks, updates,
		maintenance;
};

struct store_snapshot;

/* Starts a snapshot of the store as it is now; NULL with err. */
struct store_snapshot *store_snapshot_begin(struct store *,
	    int64_t timestamp_ms, char *err, size_t errlen);
/* The applied position the snapshot holds. */
uint64_t store_snapshot_position(const struct store_snapshot *);
/*
 * The next part: a packed LogEntry of at most max bytes (a record bigger
 * than that goes in a part of its own). 1 with *data (free it) and *len;
 * 0 when the last part was made; -1 with err.
 */
int	 store_snapshot_next(struct store_snapshot *, size_t max,
	    uint8_t **data, size_t *len, char *err, size_t errlen);
const struct snapshot_counts *store_snapshot_counts(
	    const struct store_snapshot *);
/* Ends the read transaction; the parts made stay valid. */
void	 store_snapshot_end(struct store_snapshot *);

/*
 * Whether a packed LogEntry is a snapshot part, from its first byte (a
 * part's only field is field 1): the store skips parts it need not read
 * without unpacking them.
 */
int	 snapshot_part_peek(const void *data, size_t len);

/* Which snapshot a part belongs to. */
struct snapshot_id {
	uint64_t	position;
	int64_t		timestamp;
};
void	 snapshot_part_id(const Snapshot *, struct snapshot_id *);

struct store_restore;

/*
 * Starts replacing the store with snapshot id; nothing is visible until
 * commit. NULL with err.
 */
struct store_restore *store_restore_begin(struct store *,
	    const struct snapshot_id *, char *err, size_t errlen);
/*
 * Adds the snapshot's next part (its parts in order, from part 0).
 * Returns 1 when it was the last part, 0 when more must follow, -1 with
 * err (a part out of order, a record without its key, LMDB failing).
 */
int	 store_restore_add(struct store_restore *, const Snapshot *,
	    char *err, size_t errlen);
/*
 * Makes the restored store the store, applied at the snapshot's
 * position; frees r either way. -1 with err: the store is unchanged.
 */
int	 store_restore_commit(struct store_restore *, char *err, size_t errlen);
/* Gives up: the store is unchanged. */
void	 store_restore_abort(struct store_restore *);
const struct snapshot_counts *store_restore_counts(
	    const struct store_restore *);

#endif
