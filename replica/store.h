/*
 * replica: the materialised store, the replicated state machine's state.
 * It lives in its own LMDB environment (store_env.h), one table per kind
 * of record, keyed as Aurora keys them (task id, role, host,
 * "role/env/name" and "role/env/name/update id"), values packed protobuf
 * (ipc/api.proto).
 *
 * A transaction (Aurora's storage ops, ipc/storage.proto) is applied as
 * one LMDB write transaction that also records the log position it came
 * from, so a restart resumes from that position instead of replaying the
 * log, and a position is never applied twice.
 */
#ifndef REPLICA_STORE_H
#define REPLICA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "ipc/api.pb-c.h"
#include "ipc/storage.pb-c.h"

enum store_table {
	STORE_TASKS,
	STORE_CRON_JOBS,
	STORE_QUOTAS,
	STORE_HOST_ATTRIBUTES,
	STORE_JOB_UPDATES,
	STORE_MAINTENANCE,
	STORE_TABLES
};

struct store;

/* Opens (creating) the store's tables in env; NULL with err. */
struct store *store_open(MDB_env *env, char *err, size_t errlen);
void	 store_close(struct store *);
/* The log position of the last transaction applied (0: none). */
uint64_t store_applied(const struct store *);

/*
 * Checks a transaction's shape: every op set and complete (keys named,
 * ids not empty). -1 with err naming the op and what is wrong.
 */
int	 store_validate(const Transaction *, char *err, size_t errlen);
/* What became of one transaction of an applied log entry. */
struct store_outcome {
	int	refused;	/* not applied; why says why */
	char	why[256];
};

/*
 * Applies log position pos (> store_applied()), its transactions in
 * order, each on its own: one that cannot apply (invalid, an event for a
 * job update that does not exist) is refused alone, nothing of it kept,
 * and the others still apply. The position is applied either way, as on
 * every replica. -1 with err only when the store cannot be written (a
 * full disk, a corrupt record): nothing changes and pos stays unapplied.
 */
int	 store_apply_entry(struct store *, Transaction *const *txs, size_t n,
	    uint64_t pos, struct store_outcome *out, char *err, size_t errlen);
/* One transaction as position pos; -1 with err when refused or unwritten. */
int	 store_apply(struct store *, const Transaction *, uint64_t pos,
	    char *err, size_t errlen);

/* Records in a table. */
size_t	 store_count(struct store *, enum store_table);
/*
 * Reads one record (packed) by key into a malloc'd buffer. 1 when found,
 * 0 when not, -1 with err.
 */
int	 store_get(struct store *, enum store_table, const char *key,
	    void **data, size_t *len, char *err, size_t errlen);
/* A record seen by store_scan; -1 stops the scan. */
typedef int (*store_record_fn)(void *arg, const char *key, size_t keylen,
	    const void *value, size_t len);
/*
 * Calls fn, in key order, for at most limit records of a table whose key
 * starts with prefix and, when after is not "", comes after it (the last
 * key of the previous page). *more is 1 when records remain. Returns how
 * many were seen, -1 with err. One read transaction: never blocks writes.
 */
int	 store_scan(struct store *, enum store_table, const char *prefix,
	    const char *after, size_t limit, store_record_fn, void *arg,
	    int *more, char *err, size_t errlen);
/* Every ScheduleStatus value is below this. */
#define STORE_STATUS_SLOTS	32
/*
 * How many stored tasks are in each state: counts[v] for ScheduleStatus
 * value v, for v < n. Kept up to date by every apply; -1 with err.
 */
int	 store_task_counts(struct store *, int64_t *counts, size_t n,
	    char *err, size_t errlen);
/* The framework id saved by saveFrameworkId, or NULL; free it. */
char	*store_framework_id(struct store *);

/* The key a job's records are stored under: "role/env/name". */
void	 store_job_key(const JobKey *, char *out, size_t len);

/* Aurora's op names, as in storage.thrift ("saveTasks"). */
const char *store_op_name(Op__KindCase);

#endif
