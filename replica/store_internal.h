/*
 * replica: the store's insides, shared by store.c (applying transactions)
 * and store_snapshot.c (writing and restoring snapshots). Nothing else
 * includes this.
 */
#ifndef REPLICA_STORE_INTERNAL_H
#define REPLICA_STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "ipc/api.pb-c.h"
#include "replica/store.h"

/* Stored tasks per ScheduleStatus value. */
struct task_counts {
	int64_t		 n[STORE_STATUS_SLOTS];
};

struct store {
	MDB_env		*env;
	MDB_dbi		 meta;
	MDB_dbi		 tables[STORE_TABLES];
	uint64_t	 applied;
	struct task_counts counts;	/* as of applied, when valid */
	int		 counts_valid;	/* 0: scan before use */
};

/* store.meta's keys. */
#define STORE_META_APPLIED	"applied"
#define STORE_META_FRAMEWORK_ID	"frameworkId"

/* The key job updates are stored under: "role/env/name/update id". */
void	store_update_key(const JobUpdateKey *, char *out, size_t len);
/* The applied position as txn sees it (0: none yet); an LMDB code. */
int	store_read_applied(struct store *, MDB_txn *, uint64_t *pos);
/* Records pos as the applied position inside txn; an LMDB code. */
int	store_put_applied(struct store *, MDB_txn *, uint64_t pos);
/* Stores a record packed under key; an LMDB code. */
int	store_put_record(MDB_txn *, MDB_dbi, const char *key,
	    const ProtobufCMessage *);
/* Stores the framework id (saveFrameworkId); an LMDB code. */
int	store_put_framework_id(struct store *, MDB_txn *, const char *id);

/* The status of a packed ScheduledTask; -1 when it does not parse. */
int	store_task_status(const void *data, size_t len);
/* One task leaves state from (-1: none) for state to (-1: none). */
void	store_counts_move(struct task_counts *, int from, int to);
void	store_counts_add(struct task_counts *into, const struct task_counts *);

#endif
