/* replica: LMDB helpers (see lmdb_util.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sys/statvfs.h>

#include <lmdb.h>

#include "replica/lmdb_util.h"

void
lmdb_put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

uint64_t
lmdb_get_be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int
lmdb_get_named64(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t *out)
{
	MDB_val k = { strlen(name), (void *)(uintptr_t)name }, v;
	int rc;

	*out = 0;
	if ((rc = mdb_get(txn, dbi, &k, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size != 8)
		return MDB_CORRUPTED;
	*out = lmdb_get_be64(v.mv_data);
	return 0;
}

void
lmdb_error(char *err, size_t errlen, const char *what, int rc)
{
	if (rc == MDB_MAP_FULL)
		snprintf(err, errlen, "%s: the log's LMDB map is full "
		    "(raise -native_log_map_size)", what);
	else if (rc == ENOSPC)
		snprintf(err, errlen, "%s: no space left on the log's disk",
		    what);
	else
		snprintf(err, errlen, "%s: %s", what, mdb_strerror(rc));
}

/* Below this much free space, a failed write is taken for a full disk. */
#define NEARLY_FULL_BYTES	(1024 * 1024)

/*
 * LMDB reports a short write as EIO, and a disk that fills up in the
 * middle of a commit gives a short write before it gives ENOSPC: tell the
 * two apart by looking at the space left.
 */
static int
full_disk_is_enospc(MDB_env *env, int rc)
{
	struct statvfs sv;
	mdb_filehandle_t fd;

	if (rc == EIO && mdb_env_get_fd(env, &fd) == 0 &&
	    fstatvfs(fd, &sv) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize < NEARLY_FULL_BYTES)
		return ENOSPC;
	return rc;
}

int
lmdb_commit(MDB_txn *txn)
{
	MDB_env *env = mdb_txn_env(txn);

	return full_disk_is_enospc(env, mdb_txn_commit(txn));
}

int
lmdb_commit_lazy_meta(MDB_txn *txn)
{
	MDB_env *env = mdb_txn_env(txn);
	int rc;

	/* Read at commit time: the flag affects this commit only. */
	mdb_env_set_flags(env, MDB_NOMETASYNC, 1);
	rc = mdb_txn_commit(txn);
	mdb_env_set_flags(env, MDB_NOMETASYNC, 0);
	return full_disk_is_enospc(env, rc);
}
