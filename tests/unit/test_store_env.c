/*
 * Unit tests of the store's unsynced environment: a clean close is
 * trusted, a process crash is trusted (same boot), and a machine restart
 * with unsynced writes throws the store away.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include "replica/store_env.h"
#include "tests/unit/check.h"

static char dir[] = "/tmp/test_store_env.XXXXXX";

/* Writes key=value in a fresh environment opened with boot_id. */
static int
put(const char *boot_id, const char *key, int close_cleanly)
{
	char err[256];
	struct store_env *se;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { strlen(key), (void *)(uintptr_t)key }, v = k;
	int discarded;

	if ((se = store_env_open(dir, 1 << 20, boot_id, &discarded, err,
	    sizeof(err))) == NULL)
		return -1;
	if (mdb_txn_begin(store_env_lmdb(se), NULL, 0, &txn) != 0 ||
	    mdb_dbi_open(txn, "t", MDB_CREATE, &dbi) != 0 ||
	    mdb_put(txn, dbi, &k, &v, 0) != 0 || mdb_txn_commit(txn) != 0)
		return -1;
	if (!close_cleanly)
		_exit(0);	/* a crash: no sync, the marker stays */
	return store_env_close(se, err, sizeof(err));
}

/* In a child, so that LMDB's per-process state does not carry over. */
static int
put_in_child(const char *boot_id, const char *key, int close_cleanly)
{
	pid_t pid;
	int st;

	if ((pid = fork()) == 0)
		_exit(put(boot_id, key, close_cleanly) == 0 ? 0 : 1);
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Opens with boot_id: whether key is there, and *discarded. */
static int
has(const char *boot_id, const char *key, int *discarded)
{
	char err[256];
	struct store_env *se;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { strlen(key), (void *)(uintptr_t)key }, v;
	int found = 0;

	if ((se = store_env_open(dir, 1 << 20, boot_id, discarded, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (mdb_txn_begin(store_env_lmdb(se), NULL, MDB_RDONLY, &txn) == 0) {
		found = mdb_dbi_open(txn, "t", 0, &dbi) == 0 &&
		    mdb_get(txn, dbi, &k, &v) == 0;
		mdb_txn_abort(txn);
	}
	if (store_env_close(se, err, sizeof(err)) == -1)
		fprintf(stderr, "%s\n", err);
	return found;
}

static int
marker_exists(void)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, STORE_ENV_DIR,
	    STORE_ENV_MARKER);
	return stat(path, &st) == 0;
}

int
main(void)
{
	char err[256], boot[64], cmd[300];
	int discarded = -1;

	if (mkdtemp(dir) == NULL)
		return 1;

	/* A clean close leaves no marker and is trusted after a reboot. */
	CHECK(put_in_child("boot-a", "clean", 1) == 0);
	CHECK(!marker_exists());
	CHECK(has("boot-b", "clean", &discarded) == 1 && discarded == 0);

	/* A crashed process, same boot: the page cache had it all. */
	CHECK(put_in_child("boot-a", "crash", 0) == 0);
	CHECK(marker_exists());
	CHECK(has("boot-a", "crash", &discarded) == 1 && discarded == 0);
	CHECK(!marker_exists());

	/* A crash, then a machine restart: the store starts empty. */
	CHECK(put_in_child("boot-a", "lost", 0) == 0);
	CHECK(has("boot-b", "clean", &discarded) == 0 && discarded == 1);

	/* Without a boot id it syncs, marks nothing, and trusts no marker. */
	CHECK(put_in_child(NULL, "synced", 0) == 0);
	CHECK(!marker_exists());
	CHECK(has("boot-c", "synced", &discarded) == 1 && discarded == 0);
	CHECK(put_in_child("boot-c", "marked", 0) == 0);
	CHECK(has(NULL, "marked", &discarded) == 0 && discarded == 1);

	/* This machine tells its boot id. */
	CHECK(store_env_boot_id(boot, sizeof(boot)) == 0 && strlen(boot) > 8);

	/* A directory that cannot be made: the error names it. */
	CHECK(store_env_open("/nonexistent/log", 1 << 20, "b", &discarded,
	    err, sizeof(err)) == NULL);
	CHECK_CONTAINS(err, "cannot create /nonexistent/log/store");

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done("test_store_env");
}
