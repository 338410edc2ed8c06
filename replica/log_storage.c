/*
 * replica: the log's LMDB tables (see log_storage.h).
 *
 *   log.meta     "status" -> 1 byte, "promised", "begin" and "id" -> 8 bytes BE
 *   log.actions  position (8 bytes BE, so keys sort by position)
 *                -> 1 flag byte (LEARNED) + the packed LogAction
 *
 * The flag byte lets a restart find the learned positions without
 * unpacking every record. Records below a learned truncation are deleted
 * a bounded batch per later write, so truncating a long log never stalls
 * one write for long.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "replica/lmdb_util.h"
#include "replica/log_pending.h"
#include "replica/log_storage.h"
#include "replica/log_wal.h"

#define REC_LEARNED	0x01
/* Truncated records deleted per write transaction. */
#define PURGE_BATCH	4096

struct log_storage {
	MDB_env			*env;
	MDB_dbi			 meta, actions;
	LogMetadata__Status	 status;
	uint64_t		 promised;
	uint64_t		 begin, end;
	struct log_intervals	 missing;	/* holes + unlearned */
	int			 purge_pending;	/* records below begin remain */
	log_storage_learned_fn	 learned_fn;
	void			*learned_arg;
	struct log_pending	 pending;	/* learned marks not written */
	log_storage_deferred_fn	 deferred_fn;
	void			*deferred_arg;
	struct log_wal		*wal;		/* accepts, until a checkpoint */
	int			 wal_readonly;
	size_t			 accepts_pending; /* of pending, in the wal */
	char			 last_error[256]; /* of the last failed write */
};

const char *
log_status_name(LogMetadata__Status s)
{
	switch (s) {
	case LOG_METADATA__STATUS__VOTING:
		return "VOTING";
	case LOG_METADATA__STATUS__RECOVERING:
		return "RECOVERING";
	case LOG_METADATA__STATUS__STARTING:
		return "STARTING";
	case LOG_METADATA__STATUS__EMPTY:
		return "EMPTY";
	default:
		return "UNKNOWN";
	}
}

MDB_env *
log_env_open(const char *path, size_t map_size, int readonly, char *err,
    size_t errlen)
{
	MDB_env *env;
	int rc;

	if (!readonly && mkdir(path, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if ((rc = mdb_env_create(&env)) != 0) {
		lmdb_error(err, errlen, "cannot create the LMDB environment", rc);
		return NULL;
	}
	/* Room for the log's and the store's tables. */
	mdb_env_set_maxdbs(env, 32);
	if ((rc = mdb_env_set_mapsize(env, map_size)) != 0 ||
	    (rc = mdb_env_open(env, path, MDB_NOTLS |
	    (readonly ? MDB_RDONLY : 0), 0600)) != 0) {
		lmdb_error(err, errlen, path, rc);
		mdb_env_close(env);
		return NULL;
	}
	return env;
}

static int
meta_put(struct log_storage *s, MDB_txn *txn, const char *name,
    const void *data, size_t len)
{
	MDB_val k = { strlen(name), (void *)(uintptr_t)name };
	MDB_val v = { len, (void *)(uintptr_t)data };

	return mdb_put(txn, s->meta, &k, &v, 0);
}

static int
meta_put64(struct log_storage *s, MDB_txn *txn, const char *name, uint64_t val)
{
	unsigned char buf[8];

	lmdb_put_be64(buf, val);
	return meta_put(s, txn, name, buf, sizeof(buf));
}

/*
 * Rebuilds the in-memory state from the tables: metadata, begin, end and
 * the missing positions (every position in [begin, end] not learned).
 */
static int
restore(struct log_storage *s, MDB_txn *txn)
{
	MDB_val k = { 6, (void *)(uintptr_t)"status" }, v;
	MDB_cursor *cur;
	unsigned char key[8];
	uint64_t next, pos;
	int rc, op;

	s->status = LOG_METADATA__STATUS__EMPTY;
	if ((rc = mdb_get(txn, s->meta, &k, &v)) == 0) {
		if (v.mv_size != 1)
			return MDB_CORRUPTED;
		s->status = ((unsigned char *)v.mv_data)[0];
		if (!protobuf_c_enum_descriptor_get_value(
		    &log_metadata__status__descriptor, s->status))
			return MDB_CORRUPTED;
	} else if (rc != MDB_NOTFOUND)
		return rc;
	if ((rc = lmdb_get_named64(txn, s->meta, "promised",
	    &s->promised)) != 0 ||
	    (rc = lmdb_get_named64(txn, s->meta, "begin", &s->begin)) != 0)
		return rc;

	log_intervals_clear(&s->missing);
	s->end = s->begin;
	s->purge_pending = 0;
	if ((rc = mdb_cursor_open(txn, s->actions, &cur)) != 0)
		return rc;
	if (mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0 &&
	    lmdb_get_be64(k.mv_data) < s->begin)
		s->purge_pending = 1;
	lmdb_put_be64(key, s->begin);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	next = s->begin;
	for (op = MDB_SET_RANGE; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (k.mv_size != 8 || v.mv_size < 1) {
			rc = MDB_CORRUPTED;
			break;
		}
		pos = lmdb_get_be64(k.mv_data);
		if (pos > next && log_intervals_add(&s->missing, next,
		    pos - 1) == -1) {
			rc = ENOMEM;
			break;
		}
		if (!(((unsigned char *)v.mv_data)[0] & REC_LEARNED) &&
		    log_intervals_add(&s->missing, pos, pos) == -1) {
			rc = ENOMEM;
			break;
		}
		s->end = pos;
		if (pos == UINT64_MAX)
			break;
		next = pos + 1;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	/* An empty log: position begin is a hole the first leader fills. */
	if (next == s->begin &&
	    log_intervals_add(&s->missing, s->begin, s->begin) == -1)
		return ENOMEM;
	return 0;
}

struct log_storage *
log_storage_open(MDB_env *env, char *err, size_t errlen)
{
	struct log_storage *s;
	unsigned int envflags = 0;
	MDB_txn *txn;
	int rc, dbflags;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->env = env;
	log_intervals_init(&s->missing);
	mdb_env_get_flags(env, &envflags);
	dbflags = (envflags & MDB_RDONLY) ? 0 : MDB_CREATE;
	if ((rc = mdb_txn_begin(env, NULL, envflags & MDB_RDONLY, &txn)) != 0) {
		lmdb_error(err, errlen, "cannot open the log", rc);
		free(s);
		return NULL;
	}
	if ((rc = mdb_dbi_open(txn, "log.meta", dbflags, &s->meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "log.actions", dbflags,
	    &s->actions)) != 0 || (rc = restore(s, txn)) != 0)
		mdb_txn_abort(txn);
	else
		rc = mdb_txn_commit(txn);	/* frees txn, even on failure */
	if (rc != 0) {
		if (rc == MDB_NOTFOUND)
			snprintf(err, errlen, "the log has never been "
			    "written (no log tables)");
		else
			lmdb_error(err, errlen, "cannot read the log", rc);
		log_intervals_free(&s->missing);
		free(s);
		return NULL;
	}
	return s;
}

void
log_storage_close(struct log_storage *s)
{
	char err[256];

	if (s == NULL)
		return;
	/* Best effort: a learned mark lost here is learned again. */
	if (!s->wal_readonly)
		(void)log_storage_write_learned(s, err, sizeof(err));
	log_wal_close(s->wal);
	log_pending_free(&s->pending);
	log_intervals_free(&s->missing);
	free(s);
}

LogMetadata__Status
log_storage_status(const struct log_storage *s)
{
	return s->status;
}

uint64_t
log_storage_promised(const struct log_storage *s)
{
	return s->promised;
}

uint64_t
log_storage_begin(const struct log_storage *s)
{
	return s->begin;
}

uint64_t
log_storage_end(const struct log_storage *s)
{
	return s->end;
}

const struct log_intervals *
log_storage_unlearned(const struct log_storage *s)
{
	return &s->missing;
}

int
log_storage_missing(const struct log_storage *s, uint64_t pos)
{
	if (pos < s->begin)
		return 0;	/* truncated positions count as learned */
	if (pos > s->end)
		return 1;
	return log_intervals_contains(&s->missing, pos);
}

/*
 * The same bookkeeping as the Mesos replica: the position is no longer a
 * hole; learned or not decides whether it is missing. Running out of
 * memory here would leave the set claiming positions are learned that
 * are not, so it ends the process instead: a restart rebuilds the set.
 */
static void
note_position(struct log_storage *s, uint64_t pos, int learned)
{
	if (pos > s->end && pos - s->end > 1 &&
	    log_intervals_add(&s->missing, s->end + 1, pos - 1) == -1)
		abort();
	if (pos > s->end)
		s->end = pos;
	if ((learned ? log_intervals_remove(&s->missing, pos, pos) :
	    log_intervals_add(&s->missing, pos, pos)) == -1)
		abort();
}

/* The in-memory state after a is stored (or pending). */
static void
remember(struct log_storage *s, const LogAction *a, int learned,
    uint64_t begin)
{
	note_position(s, a->position, learned);
	/* A learned truncation (or a tombstone) forgets everything below. */
	if (begin != s->begin) {
		if (log_intervals_remove(&s->missing, 0, begin - 1) == -1)
			abort();
		s->begin = begin;
	}
	if (s->end < s->begin)
		s->end = s->begin;
}

/* Commits txn; on failure the in-memory state is rebuilt from disk. */
static int
commit(struct log_storage *s, MDB_txn *txn, int lazy, const char *what,
    char *err, size_t errlen)
{
	int rc;

	if ((rc = lazy ? lmdb_commit_lazy_meta(txn) :
	    lmdb_commit(txn)) == 0) {
		s->last_error[0] = '\0';
		return 0;
	}
	lmdb_error(err, errlen, what, rc);
	snprintf(s->last_error, sizeof(s->last_error), "%.200s", err);
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) == 0) {
		restore(s, txn);
		mdb_txn_abort(txn);
	}
	/* What still waits in memory (and the write-ahead file) stands. */
	for (size_t i = 0; i < s->pending.n; i++)
		note_position(s, s->pending.v[i].position,
		    s->pending.v[i].rec[0] & REC_LEARNED);
	return -1;
}

/* One synced transaction writing one metadata value. */
static int
write_meta(struct log_storage *s, const char *name, const void *data,
    size_t len, const char *what, char *err, size_t errlen)
{
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
		lmdb_error(err, errlen, what, rc);
		return -1;
	}
	if ((rc = meta_put(s, txn, name, data, len)) != 0) {
		mdb_txn_abort(txn);
		lmdb_error(err, errlen, what, rc);
		return -1;
	}
	return commit(s, txn, 0, what, err, errlen);
}

int
log_storage_set_status(struct log_storage *s, LogMetadata__Status status,
    char *err, size_t errlen)
{
	unsigned char b = status;

	if (write_meta(s, "status", &b, 1, "cannot write the replica's status",
	    err, errlen) == -1)
		return -1;
	s->status = status;
	return 0;
}

int
log_storage_set_promised(struct log_storage *s, uint64_t promised,
    char *err, size_t errlen)
{
	unsigned char buf[8];

	lmdb_put_be64(buf, promised);
	if (write_meta(s, "promised", buf, sizeof(buf),
	    "cannot write the promise", err, errlen) == -1)
		return -1;
	s->promised = promised;
	return 0;
}

int
log_storage_replica_id(struct log_storage *s, uint64_t *id, char *err,
    size_t errlen)
{
	unsigned char buf[8];
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0) {
		lmdb_error(err, errlen, "cannot read the replica's id", rc);
		return -1;
	}
	rc = lmdb_get_named64(txn, s->meta, "id", id);
	mdb_txn_abort(txn);
	if (rc != 0) {
		lmdb_error(err, errlen, "cannot read the replica's id", rc);
		return -1;
	}
	if (*id != 0)
		return 0;
	do {
		if (getrandom(buf, sizeof(buf), 0) != sizeof(buf)) {
			snprintf(err, errlen, "cannot make the replica's id: "
			    "%s", strerror(errno));
			return -1;
		}
		*id = lmdb_get_be64(buf);
	} while (*id == 0);
	lmdb_put_be64(buf, *id);
	return write_meta(s, "id", buf, sizeof(buf),
	    "cannot write the replica's id", err, errlen);
}

/* A stored record (flags + action) into *out: 1, or -1 with err. */
static int
unpack_record(uint64_t pos, const void *rec, size_t len, LogAction **out,
    char *err, size_t errlen)
{
	*out = NULL;
	if (len >= 1)
		*out = log_action__unpack(NULL, len - 1,
		    (const unsigned char *)rec + 1);
	if (*out == NULL || (*out)->position != pos) {
		if (*out != NULL)
			log_action__free_unpacked(*out, NULL);
		*out = NULL;
		snprintf(err, errlen, "the log record at position %llu is "
		    "corrupt", (unsigned long long)pos);
		return -1;
	}
	return 1;
}

int
log_storage_read(struct log_storage *s, uint64_t pos, LogAction **out,
    char *err, size_t errlen)
{
	unsigned char key[8];
	MDB_val k = { sizeof(key), key }, v;
	const struct log_pending_record *p;
	MDB_txn *txn;
	int rc;

	*out = NULL;
	lmdb_put_be64(key, pos);
	if ((p = log_pending_find(&s->pending, pos)) != NULL)
		return unpack_record(pos, p->rec, p->len, out, err, errlen);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0) {
		lmdb_error(err, errlen, "cannot read the log", rc);
		return -1;
	}
	rc = mdb_get(txn, s->actions, &k, &v);
	if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return 0;
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		lmdb_error(err, errlen, "cannot read the log", rc);
		return -1;
	}
	rc = unpack_record(pos, v.mv_data, v.mv_size, out, err, errlen);
	mdb_txn_abort(txn);
	return rc;
}

/* Deletes up to PURGE_BATCH records below begin; *more if some remain. */
static int
purge(struct log_storage *s, MDB_txn *txn, uint64_t begin, int *more)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, n = 0;

	*more = 0;
	if ((rc = mdb_cursor_open(txn, s->actions, &cur)) != 0)
		return rc;
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0 &&
	    lmdb_get_be64(k.mv_data) < begin) {
		if (n++ == PURGE_BATCH) {
			*more = 1;
			break;
		}
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	return rc;
}

static void
pending_clear(struct log_storage *s)
{
	log_pending_clear(&s->pending);
	s->accepts_pending = 0;
}

/*
 * Writes what waits in memory to LMDB: synced, and then the write-ahead
 * file starts over, when accepts are among it; else a learned mark's
 * lazy commit.
 */
static int
write_pending(struct log_storage *s, char *err, size_t errlen)
{
	int checkpoint = s->wal != NULL && log_wal_used(s->wal) > 0;
	MDB_txn *txn;
	int rc;

	if (s->pending.n == 0 && !checkpoint)
		return 0;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) == 0 &&
	    (rc = log_pending_put(&s->pending, txn, s->actions)) != 0)
		mdb_txn_abort(txn);
	if (rc != 0) {
		lmdb_error(err, errlen, "cannot write to the log", rc);
		return -1;
	}
	if (commit(s, txn, !checkpoint, "cannot write to the log", err,
	    errlen) == -1)
		return -1;
	pending_clear(s);
	if (checkpoint && log_wal_reset(s->wal, err, errlen) == -1) {
		snprintf(s->last_error, sizeof(s->last_error), "%.200s", err);
		return -1;
	}
	return 0;
}

/*
 * An accept with a write-ahead file: appended there (one flush), then
 * kept in memory until a checkpoint writes it to LMDB. rec is taken.
 */
static int
write_ahead(struct log_storage *s, uint64_t pos, unsigned char *rec,
    size_t len, char *err, size_t errlen)
{
	if (log_wal_append(s->wal, pos, rec, len, err, errlen) == -1) {
		snprintf(s->last_error, sizeof(s->last_error), "%.200s", err);
		free(rec);
		return -1;
	}
	/* Durable but not in memory would hide it from reads: a restart
	 * replays it instead. */
	if (log_pending_add(&s->pending, pos, rec, len) == -1)
		abort();
	s->accepts_pending++;
	if (s->pending.n == 1 && s->deferred_fn != NULL)
		s->deferred_fn(s->deferred_arg);
	if (log_wal_used(s->wal) >= LOG_WAL_CHECKPOINT ||
	    s->pending.n >= LOG_PENDING_MAX)
		return write_pending(s, err, errlen);
	return 0;
}

/*
 * Writes rec (len bytes, taken) at a's position, with the learned marks
 * still pending, in one transaction: synced fully unless learned.
 */
static int
write_now(struct log_storage *s, const LogAction *a, unsigned char *rec,
    size_t len, uint64_t begin, int learned, char *err, size_t errlen)
{
	unsigned char key[8];
	MDB_val k = { sizeof(key), key }, v = { len, rec };
	MDB_txn *txn = NULL;
	int rc, more = 0;

	lmdb_put_be64(key, a->position);
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) == 0 &&
	    (rc = log_pending_put(&s->pending, txn, s->actions)) == 0 &&
	    (rc = mdb_put(txn, s->actions, &k, &v, 0)) == 0 &&
	    begin != s->begin)
		rc = meta_put64(s, txn, "begin", begin);
	if (rc == 0 && (begin != s->begin || s->purge_pending))
		rc = purge(s, txn, begin, &more);
	free(rec);
	if (rc != 0) {
		if (txn != NULL)
			mdb_txn_abort(txn);
		lmdb_error(err, errlen, "cannot write to the log", rc);
		return -1;
	}
	/*
	 * A learned mark need not survive an OS crash: the value is chosen,
	 * on a quorum's disks, and is learned again. What this replica
	 * accepts or promises must (synced fully). Accepts that waited are
	 * also in the write-ahead file, until the next checkpoint.
	 */
	if (commit(s, txn, learned, "cannot write to the log", err,
	    errlen) == -1)
		return -1;
	pending_clear(s);
	s->purge_pending = more;
	return 0;
}

int
log_storage_persist(struct log_storage *s, const LogAction *a, char *err,
    size_t errlen)
{
	unsigned char *buf;
	uint64_t begin = s->begin;
	int learned = a->has_learned && a->learned;
	size_t len;

	if (learned && a->has_type && a->type == LOG_ACTION__TYPE__TRUNCATE &&
	    a->truncate != NULL && a->truncate->to > begin)
		begin = a->truncate->to;
	else if (learned && a->has_type && a->type == LOG_ACTION__TYPE__NOP &&
	    a->nop != NULL && a->nop->has_tombstone && a->nop->tombstone &&
	    a->position >= begin && a->position != UINT64_MAX)
		begin = a->position + 1;

	len = log_action__get_packed_size(a) + 1;
	if ((buf = malloc(len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	buf[0] = learned ? REC_LEARNED : 0;
	log_action__pack(a, buf + 1);
	/*
	 * A learned mark that moves nothing waits for the next synced
	 * commit, or for the owner's call (log_storage_write_learned).
	 */
	if (learned && begin == s->begin && !s->purge_pending &&
	    s->deferred_fn != NULL && s->pending.n < LOG_PENDING_MAX &&
	    log_pending_add(&s->pending, a->position, buf, len) == 0) {
		if (s->pending.n == 1)
			s->deferred_fn(s->deferred_arg);
	} else if (!learned && s->wal != NULL && !s->wal_readonly &&
	    !s->purge_pending) {
		if (write_ahead(s, a->position, buf, len, err, errlen) == -1)
			return -1;
	} else if (write_now(s, a, buf, len, begin, learned, err,
	    errlen) == -1)
		return -1;
	remember(s, a, learned, begin);
	if (learned && s->learned_fn != NULL)
		s->learned_fn(s->learned_arg, a->position);
	return 0;
}

int
log_storage_write_learned(struct log_storage *s, char *err, size_t errlen)
{
	return write_pending(s, err, errlen);
}

/* A record of the write-ahead file, unless LMDB knows better. */
static int
replayed(void *arg, uint64_t pos, const unsigned char *rec, size_t len)
{
	struct log_storage *s = arg;
	unsigned char key[8], *copy;
	MDB_val k = { sizeof(key), key }, v;
	MDB_txn *txn;
	int learned = 0;

	if (pos < s->begin)
		return 0;	/* truncated since */
	lmdb_put_be64(key, pos);
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -1;
	if (mdb_get(txn, s->actions, &k, &v) == 0 && v.mv_size >= 1)
		learned = ((unsigned char *)v.mv_data)[0] & REC_LEARNED;
	mdb_txn_abort(txn);
	/* The value chosen there is known: an accept adds nothing. */
	if (learned)
		return 0;
	if ((copy = malloc(len)) == NULL)
		return -1;
	memcpy(copy, rec, len);
	if (log_pending_add(&s->pending, pos, copy, len) == -1) {
		free(copy);
		return -1;
	}
	s->accepts_pending++;
	note_position(s, pos, copy[0] & REC_LEARNED);
	return 0;
}

int
log_storage_attach_wal(struct log_storage *s, const char *path, int readonly,
    char *err, size_t errlen)
{
	unsigned int envflags = 0;

	mdb_env_get_flags(s->env, &envflags);
	s->wal_readonly = readonly || (envflags & MDB_RDONLY) != 0;
	if ((s->wal = log_wal_open(path, s->wal_readonly, err,
	    errlen)) == NULL)
		return -1;
	if (log_wal_replay(s->wal, replayed, s, err, errlen) == -1)
		return -1;
	/* Read-only, they stay in memory; else LMDB takes them now. */
	return s->wal_readonly ? 0 : write_pending(s, err, errlen);
}

size_t
log_storage_waiting(const struct log_storage *s)
{
	return s->accepts_pending;
}

void
log_storage_on_deferred(struct log_storage *s, log_storage_deferred_fn fn,
    void *arg)
{
	s->deferred_fn = fn;
	s->deferred_arg = arg;
}

const char *
log_storage_last_error(const struct log_storage *s)
{
	return s->last_error;
}

void
log_storage_on_learned(struct log_storage *s, log_storage_learned_fn fn,
    void *arg)
{
	s->learned_fn = fn;
	s->learned_arg = arg;
}
