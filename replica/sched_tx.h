/*
 * replica: a transaction being decided by the scheduler core, on the
 * leader. Decisions read the store through it and see their own changes
 * (and those of decisions made before them in the same round); at the end
 * the changes become one Transaction of Aurora's storage operations for
 * the log. A decision that fails is undone back to its savepoint, so bad
 * input never stores anything while the others of the round still go.
 * Records are the store's (ipc/api.proto) and belong to the transaction.
 */
#ifndef REPLICA_SCHED_TX_H
#define REPLICA_SCHED_TX_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "replica/store.h"

struct sched_tx;

struct sched_tx *sched_tx_new(struct store *);
void	 sched_tx_free(struct sched_tx *);

/* Changes after a savepoint can be undone together. */
struct sched_tx_savepoint {
	size_t	ndirty, nkills;
};
struct sched_tx_savepoint sched_tx_savepoint(const struct sched_tx *);
void	 sched_tx_rollback(struct sched_tx *, struct sched_tx_savepoint);
/* Whether anything was changed (kills count too). */
int	 sched_tx_changed(const struct sched_tx *);

/*
 * A record as the transaction sees it, or NULL when there is none. -1 in
 * *failed (else untouched) when the store could not be read: the
 * decision must stop, since "absent" would be a guess.
 */
const ProtobufCMessage *sched_tx_get(struct sched_tx *, enum store_table,
	    const char *key, int *failed);
/* Writes a copy of msg under key (the caller keeps msg); -1 on ENOMEM. */
int	 sched_tx_put(struct sched_tx *, enum store_table, const char *key,
	    const ProtobufCMessage *msg);
int	 sched_tx_del(struct sched_tx *, enum store_table, const char *key);

/* A record seen by sched_tx_scan; -1 stops it. */
typedef int (*sched_tx_record_fn)(void *arg, const char *key,
	    const ProtobufCMessage *);
/*
 * Every record of a table whose key starts with prefix, as the
 * transaction sees them: the store's not changed here, then the ones
 * written here. -1 with err when the store cannot be read.
 */
int	 sched_tx_scan(struct sched_tx *, enum store_table, const char *prefix,
	    sched_tx_record_fn, void *arg, char *err, size_t errlen);

/* A task to kill once the transaction is in the log. */
int	 sched_tx_kill(struct sched_tx *, const char *task_id);
/* The kills, in the order asked; n of them. */
const char *const *sched_tx_kills(const struct sched_tx *, size_t *n);

/*
 * The changes as one packed Transaction (saveTasks, removeTasks,
 * saveCronJob, removeJob, saveQuota, removeQuota); *data NULL and *len
 * 0 when nothing changed. -1 on ENOMEM.
 */
int	 sched_tx_pack(const struct sched_tx *, uint8_t **data, size_t *len);

#endif
