/* replica: LMDB helpers (see lmdb_util.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>

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

int
lmdb_commit_lazy_meta(MDB_txn *txn)
{
	MDB_env *env = mdb_txn_env(txn);
	int rc;

	/* Read at commit time: the flag affects this commit only. */
	mdb_env_set_flags(env, MDB_NOMETASYNC, 1);
	rc = mdb_txn_commit(txn);
	mdb_env_set_flags(env, MDB_NOMETASYNC, 0);
	return rc;
}
