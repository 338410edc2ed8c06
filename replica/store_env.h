/*
 * replica: the store's own LMDB environment, in the "store" directory
 * inside the log's (-native_log_file_path).
 *
 * The log is what makes a write durable; the store is a function of the
 * log, so it is written without syncing (MDB_NOSYNC): a write costs no
 * device flush. That is safe against a crash of the process (the kernel
 * holds every page written), not against a crash of the machine, which
 * may leave a torn database. So while the environment is open, a marker
 * file holds the machine's boot id. Found at open time with a different
 * boot id, the machine went down with unsynced pages: the store is
 * thrown away and rebuilt from the log (its snapshot, then its entries).
 * A clean close syncs and removes the marker.
 *
 * Without a boot id (no /proc), every commit is synced instead.
 */
#ifndef REPLICA_STORE_ENV_H
#define REPLICA_STORE_ENV_H

#include <stddef.h>

#include <lmdb.h>

#define STORE_ENV_DIR		"store"
#define STORE_ENV_MARKER	"unsynced-since-boot"
#define STORE_ENV_BOOT_ID_PATH	"/proc/sys/kernel/random/boot_id"

struct store_env;

/*
 * Opens (creating) the store's environment in log_dir/store, at most
 * map_size bytes. boot_id is this machine's (store_env_boot_id), or NULL
 * to sync every commit. *discarded is set to 1 when an unclean machine
 * restart made it start empty. NULL with err.
 */
struct store_env *store_env_open(const char *log_dir, size_t map_size,
	    const char *boot_id, int *discarded, char *err, size_t errlen);
MDB_env	*store_env_lmdb(const struct store_env *);
/* Syncs and marks the store clean; -1 with err (it stays unclean). */
int	 store_env_close(struct store_env *, char *err, size_t errlen);

/* This boot's id into buf; -1 when the system does not tell it. */
int	 store_env_boot_id(char *buf, size_t len);

#endif
