/*
 * replica: snapshots in the log (Aurora's -dlog_snapshot_interval).
 *
 * The leader snapshots its store every -dlog_snapshot_interval and when
 * asked (STORE_SNAPSHOT_REQUEST). The parts go into the log between
 * transaction rounds, taking turns with them, so a write waits for at most
 * one part's round. Once every part is chosen, the log is truncated below
 * the position the snapshot holds.
 *
 * A replica whose store is behind the log's beginning (it was down or
 * wiped while the log was truncated) restores its store from a complete
 * snapshot in the log and applies on from there.
 */
#ifndef REPLICA_REPLICA_SNAPSHOT_H
#define REPLICA_REPLICA_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "ipc/ipc.h"
#include "ipc/ipc_vars.h"
#include "ipc/store.pb-c.h"
#include "replica/log_storage.h"
#include "replica/store.h"

int	replica_snapshot_init(struct event_base *, struct store *,
	    struct log_storage *, char *err, size_t errlen);
/* STORE_SNAPSHOT_REQUEST: answered when a snapshot begun after it is done. */
void	replica_snapshot_request(struct ipc_request *);
/*
 * The same for replica's own callers (the API's snapshot): done runs with
 * APPLIED once a snapshot begun after the call is complete, or with why
 * not (possibly before this returns). -1: out of memory, done never runs.
 */
typedef void (*replica_snapshot_done_fn)(void *arg,
	    StoreSubmitResponse__Outcome, const char *why);
int	replica_snapshot_request_cb(replica_snapshot_done_fn, void *arg);
/* The log became writable here (1) or stopped being so (0). */
void	replica_snapshot_writing(int writing);

/* The log round a snapshot needs next: a part, or the truncation. */
struct snapshot_round {
	int		 truncate;
	uint64_t	 to;		/* truncate: the log's new beginning */
	const uint8_t	*data;		/* append: valid until written */
	size_t		 len;
};
/* 1 with the snapshot's next round, 0 when it needs none now. */
int	replica_snapshot_next_round(struct snapshot_round *);
/* That round was chosen at position. */
void	replica_snapshot_round_written(uint64_t position);
/* The leader wrote n transactions (Aurora's un-snapshotted count). */
void	replica_snapshot_transactions_written(size_t n);
/* A write waited wait_ns for its round while a snapshot was written. */
void	replica_snapshot_write_waited(int64_t wait_ns);
int	replica_snapshot_writing_parts(void);

/*
 * Restores the store from the first complete snapshot in the log that
 * leaves no gap. 1 restored; 0 not yet, with *missing the first position
 * to catch up (0: no complete snapshot is in the log yet); -1 with err.
 */
int	replica_snapshot_restore(uint64_t *missing, char *err, size_t errlen);
void	replica_snapshot_vars(struct ipc_vars *);

#endif
