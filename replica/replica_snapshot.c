/*
 * replica: writing snapshots to the log and restoring from them (see
 * replica_snapshot.h).
 *
 * Writing has three phases: IDLE; PARTS, while the parts go out (the
 * store is read in one LMDB read transaction meanwhile, so applying goes
 * on); TRUNCATE, once every part is chosen. The group-commit writer in
 * replica_store.c asks for the next round whenever it is the snapshot's
 * turn. Requests that arrive while a snapshot is under way wait for the
 * next one, so what they are answered with includes what they saw.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include "common/flags.h"
#include "common/log.h"
#include "common/monotonic.h"
#include "ipc/store.pb-c.h"
#include "replica/replica_log.h"
#include "replica/replica_snapshot.h"
#include "replica/replica_store.h"
#include "replica/store_snapshot.h"

enum phase { IDLE, PARTS, TRUNCATE };

/* Who waits for a snapshot: another worker's request, or a callback. */
struct waiter {
	TAILQ_ENTRY(waiter)	 entry;
	struct ipc_request	*req;
	replica_snapshot_done_fn done;
	void			*arg;
};
TAILQ_HEAD(waiters, waiter);

static struct {
	struct store		*store;
	struct log_storage	*log;
	struct event		*timer;
	int			 writing;
	enum phase		 phase;
	struct store_snapshot	*ss;
	uint8_t			*part;		/* made, not yet chosen */
	size_t			 part_len;
	uint64_t		 position;	/* the store position held */
	int64_t			 started_ns;
	size_t			 parts, bytes;
	struct snapshot_counts	 counts;
	struct waiters		 current, next;
	/* Aurora's figures, and ours. */
	uint64_t		 snapshots, snapshot_nanos;
	uint64_t		 un_snapshotted;
	uint64_t		 last_position, last_bytes, last_parts;
	int64_t			 longest_wait_ns;
	uint64_t		 restores, restore_nanos;
} sn;

static void
answer(struct ipc_request *req, StoreSubmitResponse__Outcome outcome,
    const char *message)
{
	StoreSnapshotResponse resp = STORE_SNAPSHOT_RESPONSE__INIT;

	resp.outcome = outcome;
	if (outcome == STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED) {
		resp.has_position = resp.has_log_begin = 1;
		resp.position = sn.position;
		resp.log_begin = log_storage_begin(sn.log);
	}
	resp.message = (char *)(uintptr_t)message;
	if (ipc_reply(req, MSG_TYPE__STORE_SNAPSHOT_RESPONSE, &resp.base) == -1)
		log_warnx("cannot answer a snapshot request");
}

static void
answer_all(struct waiters *w, StoreSubmitResponse__Outcome outcome,
    const char *message)
{
	struct waiter *x;

	while ((x = TAILQ_FIRST(w)) != NULL) {
		TAILQ_REMOVE(w, x, entry);
		if (x->req != NULL)
			answer(x->req, outcome, message);
		else
			x->done(x->arg, outcome, message);
		free(x);
	}
}

static void
reset(void)
{
	store_snapshot_end(sn.ss);
	sn.ss = NULL;
	free(sn.part);
	sn.part = NULL;
	sn.phase = IDLE;
}

static void
failed(const char *why)
{
	log_error("Failed to create a snapshot: %s", why);
	answer_all(&sn.current, STORE_SUBMIT_RESPONSE__OUTCOME__UNKNOWN, why);
	reset();
}

/* Makes the next part; moves on to truncating after the last. */
static int
make_part(void)
{
	char err[512];
	int rc;

	rc = store_snapshot_next(sn.ss, (size_t)flag_bytes(
	    F_DLOG_MAX_ENTRY_SIZE), &sn.part, &sn.part_len, err, sizeof(err));
	if (rc == -1) {
		failed(err);
		return -1;
	}
	if (rc == 0) {
		/* Every part is made: let the store's pages go now. */
		sn.counts = *store_snapshot_counts(sn.ss);
		store_snapshot_end(sn.ss);
		sn.ss = NULL;
		sn.phase = TRUNCATE;
	}
	return 0;
}

static void
start(void)
{
	struct waiter *x;
	char err[512];
	struct timespec wall;

	if (sn.phase != IDLE || !sn.writing)
		return;
	clock_gettime(CLOCK_REALTIME, &wall);
	sn.ss = store_snapshot_begin(sn.store, (int64_t)wall.tv_sec * 1000 +
	    wall.tv_nsec / 1000000, err, sizeof(err));
	if (sn.ss == NULL) {
		log_error("Failed to create a snapshot: %s", err);
		answer_all(&sn.next, STORE_SUBMIT_RESPONSE__OUTCOME__UNKNOWN,
		    err);
		return;
	}
	while ((x = TAILQ_FIRST(&sn.next)) != NULL) {
		TAILQ_REMOVE(&sn.next, x, entry);
		TAILQ_INSERT_TAIL(&sn.current, x, entry);
	}
	sn.position = store_snapshot_position(sn.ss);
	sn.started_ns = monotonic_ns();
	sn.parts = sn.bytes = 0;
	sn.phase = PARTS;
	log_info("Creating snapshot of the store at log position %llu",
	    (unsigned long long)sn.position);
	if (make_part() == 0)
		replica_store_flush();
}

static void
complete(void)
{
	const struct snapshot_counts *c = &sn.counts;
	int64_t took = monotonic_ns() - sn.started_ns;

	sn.snapshots++;
	sn.snapshot_nanos += (uint64_t)(took > 0 ? took : 0);
	sn.un_snapshotted = 0;
	sn.last_position = sn.position;
	sn.last_bytes = sn.bytes;
	sn.last_parts = sn.parts;
	log_info("Snapshot complete. host attrs: %zu, cron jobs: %zu, quota "
	    "confs: %zu, tasks: %zu, updates: %zu, host maintenance requests: "
	    "%zu", c->host_attributes, c->cron_jobs, c->quotas, c->tasks,
	    c->updates, c->maintenance);
	log_info("The snapshot holds log position %llu in %zu part%s, %zu "
	    "bytes, written in %lld ms; the log now begins at %llu",
	    (unsigned long long)sn.position, sn.parts,
	    sn.parts == 1 ? "" : "s", sn.bytes,
	    (long long)(took / 1000000),
	    (unsigned long long)log_storage_begin(sn.log));
	answer_all(&sn.current, STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED, NULL);
	reset();
	if (!TAILQ_EMPTY(&sn.next))
		start();
}

int
replica_snapshot_next_round(struct snapshot_round *r)
{
	memset(r, 0, sizeof(*r));
	switch (sn.phase) {
	case PARTS:
		r->data = sn.part;
		r->len = sn.part_len;
		return 1;
	case TRUNCATE:
		if (sn.position + 1 <= log_storage_begin(sn.log)) {
			complete();	/* nothing below it to drop */
			return 0;
		}
		r->truncate = 1;
		r->to = sn.position + 1;
		return 1;
	default:
		return 0;
	}
}

void
replica_snapshot_round_written(uint64_t position)
{
	(void)position;
	if (sn.phase == PARTS) {
		sn.parts++;
		sn.bytes += sn.part_len;
		free(sn.part);
		sn.part = NULL;
		make_part();
	} else if (sn.phase == TRUNCATE)
		complete();
}

void
replica_snapshot_transactions_written(size_t n)
{
	sn.un_snapshotted += n;
}

void
replica_snapshot_write_waited(int64_t wait_ns)
{
	if (wait_ns > sn.longest_wait_ns)
		sn.longest_wait_ns = wait_ns;
}

int
replica_snapshot_writing_parts(void)
{
	return sn.phase != IDLE;
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	start();
}

void
replica_snapshot_writing(int writing)
{
	struct timeval every;
	int64_t ns = flag_duration_ns(F_DLOG_SNAPSHOT_INTERVAL);

	if (writing == sn.writing)
		return;
	sn.writing = writing;
	if (writing) {
		every.tv_sec = (time_t)(ns / 1000000000);
		every.tv_usec = (suseconds_t)(ns % 1000000000 / 1000);
		evtimer_add(sn.timer, &every);
		return;
	}
	evtimer_del(sn.timer);
	answer_all(&sn.current, STORE_SUBMIT_RESPONSE__OUTCOME__NOT_LEADING,
	    "This scheduler is not the leader");
	answer_all(&sn.next, STORE_SUBMIT_RESPONSE__OUTCOME__NOT_LEADING,
	    "This scheduler is not the leader");
	reset();
}

/* Queues w for the next snapshot, or answers it at once why not. */
static void
wait_next(struct waiter *w)
{
	const char *why = NULL;
	StoreSubmitResponse__Outcome o = STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED;

	if (!replica_log_ready()) {
		o = STORE_SUBMIT_RESPONSE__OUTCOME__NOT_READY;
		why = "Storage is not READY";
	} else if (!sn.writing) {
		o = STORE_SUBMIT_RESPONSE__OUTCOME__NOT_LEADING;
		why = "This scheduler is not the leader";
	}
	if (why != NULL) {
		struct waiters alone = TAILQ_HEAD_INITIALIZER(alone);

		TAILQ_INSERT_TAIL(&alone, w, entry);
		answer_all(&alone, o, why);
		return;
	}
	TAILQ_INSERT_TAIL(&sn.next, w, entry);
	start();
}

void
replica_snapshot_request(struct ipc_request *req)
{
	struct waiter *x;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		ipc_reply_error(req, IPC_ERROR_CODE__INTERNAL, "out of memory");
		return;
	}
	x->req = req;
	wait_next(x);
}

int
replica_snapshot_request_cb(replica_snapshot_done_fn done, void *arg)
{
	struct waiter *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -1;
	x->done = done;
	x->arg = arg;
	wait_next(x);
	return 0;
}

/* Restoring. */

/* The snapshot part at pos, or NULL (not one, or unreadable); free entry. */
static Snapshot *
read_part(uint64_t pos, LogEntry **entry, char *err, size_t errlen,
    int *rc)
{
	LogAction *a = NULL;

	*entry = NULL;
	*rc = log_storage_read(sn.log, pos, &a, err, errlen);
	if (*rc != 1)
		return NULL;
	if (a->has_type && a->type == LOG_ACTION__TYPE__APPEND &&
	    a->append != NULL && snapshot_part_peek(a->append->bytes.data,
	    a->append->bytes.len))
		*entry = log_entry__unpack(NULL, a->append->bytes.len,
		    a->append->bytes.data);
	log_action__free_unpacked(a, NULL);
	if (*entry == NULL || (*entry)->kind_case != LOG_ENTRY__KIND_SNAPSHOT) {
		if (*entry != NULL)
			log_entry__free_unpacked(*entry, NULL);
		*entry = NULL;
		return NULL;
	}
	return (*entry)->snapshot;
}

static int
same_snapshot(const struct snapshot_id *a, const struct snapshot_id *b)
{
	return a->position == b->position && a->timestamp == b->timestamp;
}

/*
 * Takes the part found at pos into the restore under way (*r), starting
 * one at a first part. 1 when that completes the snapshot, 0 to read on,
 * -1 with err.
 */
static int
take_part(struct store_restore **r, struct snapshot_id *want,
    const Snapshot *p, uint64_t pos, uint64_t begin, char *err,
    size_t errlen)
{
	struct snapshot_id id;

	snapshot_part_id(p, &id);
	/* Older than the log: the positions after it are gone. */
	if (id.position + 1 < begin)
		return 0;
	if (p->part == 0 && *r != NULL && !same_snapshot(&id, want)) {
		/* The one begun before never finished. */
		store_restore_abort(*r);
		*r = NULL;
	}
	if (*r == NULL) {
		if (p->part != 0)
			return 0;
		*want = id;
		log_info("Restoring the store from the snapshot of log position "
		    "%llu (its first part is at %llu)",
		    (unsigned long long)id.position, (unsigned long long)pos);
		if ((*r = store_restore_begin(sn.store, &id, err,
		    errlen)) == NULL)
			return -1;
	} else if (!same_snapshot(&id, want))
		return 0;
	return store_restore_add(*r, p, err, errlen);
}

int
replica_snapshot_restore(uint64_t *missing, char *err, size_t errlen)
{
	uint64_t begin = log_storage_begin(sn.log), end = log_storage_end(sn.log);
	struct store_restore *r = NULL;
	struct snapshot_id want = { 0, 0 };
	int64_t started = monotonic_ns(), took;
	LogEntry *entry;
	Snapshot *p;
	size_t tasks;
	int rc = 0, read;

	*missing = 0;
	for (uint64_t pos = begin; pos <= end && pos != 0 && rc == 0; pos++) {
		if (log_storage_missing(sn.log, pos)) {
			*missing = pos;
			break;
		}
		if ((p = read_part(pos, &entry, err, errlen, &read)) == NULL) {
			if (read == -1)
				rc = -1;
			continue;
		}
		rc = take_part(&r, &want, p, pos, begin, err, errlen);
		log_entry__free_unpacked(entry, NULL);
	}
	if (rc != 1) {
		store_restore_abort(r);
		return rc;
	}
	tasks = store_restore_counts(r)->tasks;
	if (store_restore_commit(r, err, errlen) == -1)
		return -1;
	took = monotonic_ns() - started;
	sn.restores++;
	sn.restore_nanos += (uint64_t)took;
	log_info("Store restored at log position %llu (%zu tasks) in %lld ms",
	    (unsigned long long)want.position, tasks,
	    (long long)(took / 1000000));
	return 1;
}

void
replica_snapshot_vars(struct ipc_vars *v)
{
	ipc_vars_int(v, "scheduler_log_snapshots", (int64_t)sn.snapshots);
	ipc_vars_timed(v, "scheduler_log_snapshot", sn.snapshots,
	    sn.snapshot_nanos);
	ipc_vars_int(v, "scheduler_log_un_snapshotted_transactions",
	    (int64_t)sn.un_snapshotted);
	ipc_vars_int(v, "scheduler_log_snapshot_last_position",
	    (int64_t)sn.last_position);
	ipc_vars_int(v, "scheduler_log_snapshot_last_bytes",
	    (int64_t)sn.last_bytes);
	ipc_vars_int(v, "scheduler_log_snapshot_last_parts",
	    (int64_t)sn.last_parts);
	ipc_vars_int(v, "scheduler_log_snapshot_longest_write_wait_nanos",
	    sn.longest_wait_ns);
	ipc_vars_int(v, "store_restores", (int64_t)sn.restores);
	ipc_vars_int(v, "store_restore_nanos_total",
	    (int64_t)sn.restore_nanos);
}

int
replica_snapshot_init(struct event_base *base, struct store *store,
    struct log_storage *log, char *err, size_t errlen)
{
	TAILQ_INIT(&sn.current);
	TAILQ_INIT(&sn.next);
	sn.store = store;
	sn.log = log;
	if ((sn.timer = event_new(base, -1, EV_PERSIST, tick, NULL)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
