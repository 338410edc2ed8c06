/*
 * A client of replica's store for the integration tests, speaking IPC as
 * offerd would (tests run as root, so it may claim that role):
 *
 *   store_client RUN_DIR submit PREFIX COUNT CONCURRENCY
 *	saves tasks PREFIX-0 .. PREFIX-(COUNT-1), CONCURRENCY in flight, one
 *	transaction each; prints "APPLIED <task> <position>" for each write
 *	acknowledged and "<OUTCOME> <task> <message>" otherwise, and starts
 *	no new write after one fails. Exits 0 when every write was applied.
 *   store_client RUN_DIR missing FILE
 *	reads the APPLIED lines of a submit's output and prints how many of
 *	those tasks the store lacks, then the first few: "missing N ...".
 *   store_client RUN_DIR submit-empty
 *	submits an empty transaction; prints its outcome and message.
 *   store_client RUN_DIR update ROLE ENV NAME ID USER STATUS TIME_MS
 *	saves job update ROLE/ENV/NAME/ID by USER with one event: STATUS (a
 *	JobUpdateStatus number) at TIME_MS; prints its outcome as submit does.
 *   store_client RUN_DIR count PREFIX
 *	prints how many tasks have ids starting with PREFIX, paging through
 *	the table, and the applied position: "<count> <position>".
 *   store_client RUN_DIR has TASK
 *	prints "found" or "absent".
 *   store_client RUN_DIR snapshot
 *	asks for a snapshot; prints "APPLIED <position> <log begin>" once it
 *	is written and the log truncated, or "<OUTCOME> <message>". Exits 0
 *	when it was written.
 *   store_client RUN_DIR follow COUNT
 *	subscribes to replica's events, prints "ready", and once COUNT
 *	applied transactions were published (or 20 s passed) prints
 *	"transactions T positions P increasing yes|no".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "ipc/ipc.h"
#include "ipc/store.pb-c.h"
#include "tests/unit/loop.h"
#include "tests/unit/one_task_tx.h"

#define CALL_TIMEOUT_MS	10000
#define SNAPSHOT_TIMEOUT_MS	60000

static struct event_base *base;
static struct ipc_client *client;
static const char *prefix;
static int total, next, done, failed, in_flight;

struct write {
	char	id[128];
};

static const char *
outcome_name(StoreSubmitResponse__Outcome o)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
	    &store_submit_response__outcome__descriptor, (int)o);

	return v != NULL ? v->name : "?";
}

static void	submit_next(void);

static void
submitted(const Envelope *env, const char *error, void *arg)
{
	struct write *w = arg;
	StoreSubmitResponse *r = NULL;

	if (env != NULL)
		r = (StoreSubmitResponse *)ipc_body_decode(env,
		    &store_submit_response__descriptor);
	if (r == NULL) {
		printf("ERROR %s %s\n", w->id, error != NULL ? error :
		    "malformed answer");
		failed++;
	} else if (r->outcome == STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED)
		printf("APPLIED %s %llu\n", w->id,
		    (unsigned long long)r->position);
	else {
		printf("%s %s %s\n", outcome_name(r->outcome), w->id,
		    r->message != NULL ? r->message : "");
		failed++;
	}
	fflush(stdout);
	if (r != NULL)
		store_submit_response__free_unpacked(r, NULL);
	free(w);
	done++;
	in_flight--;
	submit_next();
}

static int
submit_task(const char *id, void *arg)
{
	struct one_task_tx t;
	char host[] = "localhost";

	return ipc_call(client, MSG_TYPE__STORE_SUBMIT_REQUEST,
	    &one_task_tx(&t, (char *)(uintptr_t)id, host)->base,
	    CALL_TIMEOUT_MS, submitted, arg);
}

static void
submit_next(void)
{
	struct write *w;

	if (next >= total || failed > 0)
		return;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		exit(2);
	snprintf(w->id, sizeof(w->id), "%s-%d", prefix, next++);
	in_flight++;
	if (submit_task(w->id, w) == -1) {
		printf("ERROR %s cannot send\n", w->id);
		free(w);
		failed++;
		done++;
		in_flight--;
	}
}

/* Every call ends by its deadline, so this ends. */
static void
wait_all_done(void)
{
	while (in_flight > 0 || (done < total && failed == 0)) {
		int never = 0;

		loop_until(base, &never, 100);
	}
}

static int
cmd_submit(int count, int concurrency)
{
	total = count;
	for (int i = 0; i < concurrency && next < total; i++)
		submit_next();
	wait_all_done();
	return failed == 0 ? 0 : 1;
}

static int
cmd_submit_empty(void)
{
	Transaction tx = TRANSACTION__INIT;
	struct write *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return 2;
	snprintf(w->id, sizeof(w->id), "empty");
	total = next = 1;	/* nothing follows it */
	if (ipc_call(client, MSG_TYPE__STORE_SUBMIT_REQUEST, &tx.base,
	    CALL_TIMEOUT_MS, submitted, w) == -1)
		return 2;
	wait_all_done();
	return 0;
}

/* A job update with one event, as the updater's first write saves it. */
static int
cmd_update(char *const *a)
{
	JobKey job = JOB_KEY__INIT;
	JobUpdateKey key = JOB_UPDATE_KEY__INIT;
	JobUpdateSummary sum = JOB_UPDATE_SUMMARY__INIT;
	JobUpdate upd = JOB_UPDATE__INIT;
	JobUpdateEvent ev = JOB_UPDATE_EVENT__INIT;
	SaveJobUpdate su = SAVE_JOB_UPDATE__INIT;
	SaveJobUpdateEvent se = SAVE_JOB_UPDATE_EVENT__INIT;
	Op op[2] = { OP__INIT, OP__INIT }, *ops[2] = { &op[0], &op[1] };
	Transaction tx = TRANSACTION__INIT;
	struct write *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return 2;
	job.role = a[0];
	job.environment = a[1];
	job.name = a[2];
	key.job = &job;
	key.id = a[3];
	sum.key = &key;
	sum.user = a[4];
	upd.summary = &sum;
	su.jobupdate = &upd;
	ev.has_status = ev.has_timestampms = 1;
	ev.status = (JobUpdateStatus)atoi(a[5]);
	ev.timestampms = atoll(a[6]);
	ev.user = a[4];
	se.event = &ev;
	se.key = &key;
	op[0].kind_case = OP__KIND_SAVE_JOB_UPDATE;
	op[0].savejobupdate = &su;
	op[1].kind_case = OP__KIND_SAVE_JOB_UPDATE_EVENT;
	op[1].savejobupdateevent = &se;
	tx.n_ops = 2;
	tx.ops = ops;
	snprintf(w->id, sizeof(w->id), "%s", a[3]);
	total = next = 1;
	if (ipc_call(client, MSG_TYPE__STORE_SUBMIT_REQUEST, &tx.base,
	    CALL_TIMEOUT_MS, submitted, w) == -1)
		return 2;
	wait_all_done();
	return failed == 0 ? 0 : 1;
}

static int snapshot_done, snapshot_ok;

static void
snapshotted(const Envelope *env, const char *error, void *arg)
{
	StoreSnapshotResponse *r = NULL;

	(void)arg;
	if (env != NULL)
		r = (StoreSnapshotResponse *)ipc_body_decode(env,
		    &store_snapshot_response__descriptor);
	if (r == NULL)
		printf("ERROR %s\n", error != NULL ? error :
		    "malformed answer");
	else if (r->outcome == STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED) {
		printf("APPLIED %llu %llu\n", (unsigned long long)r->position,
		    (unsigned long long)r->log_begin);
		snapshot_ok = 1;
	} else
		printf("%s %s\n", outcome_name(r->outcome),
		    r->message != NULL ? r->message : "");
	if (r != NULL)
		store_snapshot_response__free_unpacked(r, NULL);
	snapshot_done = 1;
}

static int
cmd_snapshot(void)
{
	if (ipc_call(client, MSG_TYPE__STORE_SNAPSHOT_REQUEST, NULL,
	    SNAPSHOT_TIMEOUT_MS, snapshotted, NULL) == -1)
		return 2;
	loop_until(base, &snapshot_done, SNAPSHOT_TIMEOUT_MS + 1000);
	return snapshot_ok ? 0 : 1;
}

struct query {
	int	 done;
	int	 ok;
	size_t	 count;
	char	 after[256];
	int	 more;
	uint64_t applied;
};

static void
queried(const Envelope *env, const char *error, void *arg)
{
	struct query *q = arg;
	StoreQueryResponse *r = NULL;

	q->done = 1;
	if (env != NULL)
		r = (StoreQueryResponse *)ipc_body_decode(env,
		    &store_query_response__descriptor);
	if (r == NULL) {
		fprintf(stderr, "store_client: query failed: %s\n",
		    error != NULL ? error : "malformed answer");
		return;
	}
	q->ok = 1;
	q->count += r->n_records;
	q->more = r->has_more && r->more;
	q->applied = r->applied;
	if (r->n_records > 0)
		snprintf(q->after, sizeof(q->after), "%s",
		    r->records[r->n_records - 1]->key);
	store_query_response__free_unpacked(r, NULL);
}

static int
query_page(struct query *q, const char *key_prefix, uint32_t limit)
{
	StoreQueryRequest req = STORE_QUERY_REQUEST__INIT;

	req.table = STORE_TABLE__TASKS;
	req.prefix = (char *)(uintptr_t)key_prefix;
	req.after = q->after;
	req.has_limit = 1;
	req.limit = limit;
	/* A read can be asked again when its connection dropped. */
	for (int attempt = 0; attempt < 2 && !q->ok; attempt++) {
		q->done = 0;
		if (ipc_call(client, MSG_TYPE__STORE_QUERY_REQUEST, &req.base,
		    CALL_TIMEOUT_MS, queried, q) == -1)
			return -1;
		loop_until(base, &q->done, CALL_TIMEOUT_MS + 1000);
	}
	return q->ok ? 0 : -1;
}

static int
cmd_count(const char *key_prefix)
{
	struct query q = { 0 };

	do {
		q.ok = 0;
		/* Small pages, so paging itself is exercised. */
		if (query_page(&q, key_prefix, 97) == -1)
			return 1;
	} while (q.more);
	printf("%zu %llu\n", q.count, (unsigned long long)q.applied);
	return 0;
}

static int
cmd_has(const char *id)
{
	struct query q = { 0 };

	if (query_page(&q, id, 1) == -1)
		return 1;
	/* The prefix matches longer ids too: the key must be the id. */
	printf("%s\n", q.count == 1 && strcmp(q.after, id) == 0 ? "found" :
	    "absent");
	return 0;
}

static int
cmd_missing(const char *path)
{
	char line[512], id[256], first[1024] = "";
	size_t missing = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		return 2;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		struct query q = { 0 };

		if (sscanf(line, "APPLIED %255s", id) != 1)
			continue;
		if (query_page(&q, id, 1) == -1) {
			fclose(f);
			return 1;
		}
		if (q.count == 1 && strcmp(q.after, id) == 0)
			continue;
		if (missing++ < 5)
			snprintf(first + strlen(first), sizeof(first) -
			    strlen(first), " %s", id);
	}
	fclose(f);
	printf("missing %zu%s\n", missing, first);
	return 0;
}

struct follow {
	int		 transactions, positions, increasing;
	uint64_t	 last;
};

static void
on_applied(const Envelope *env, void *arg)
{
	struct follow *f = arg;
	StoreApplied *a;

	if (env->type != MSG_TYPE__STORE_APPLIED ||
	    (a = (StoreApplied *)ipc_body_decode(env,
	    &store_applied__descriptor)) == NULL)
		return;
	if (a->position <= f->last)
		f->increasing = 0;
	f->last = a->position;
	f->positions++;
	f->transactions += (int)a->n_transactions;
	store_applied__free_unpacked(a, NULL);
}

static int
cmd_follow(const char *root, int count)
{
	static const struct ipc_allow allow[] = {
		{ ROLE__REPLICA, MSG_TYPE__STORE_APPLIED },
		{ ROLE__REPLICA, MSG_TYPE__LIFECYCLE_EVENT },
	};
	struct follow f = { 0, 0, 1, 0 };
	struct ipc_sub *sub;
	char url[600];
	int never = 0;

	if (ipc_url(url, sizeof(url), root, "events") == -1 ||
	    (sub = ipc_sub_dial(url, allow, 2, on_applied, &f)) == NULL)
		return 2;
	loop_until(base, &never, 500);	/* connected by then */
	printf("ready\n");
	fflush(stdout);
	for (int i = 0; i < 200 && f.transactions < count; i++)
		loop_until(base, &never, 100);
	printf("transactions %d positions %d increasing %s\n",
	    f.transactions, f.positions, f.increasing ? "yes" : "no");
	ipc_sub_close(sub);
	return 0;
}

int
main(int argc, char *argv[])
{
	char root[512], url[600];
	int rc = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: store_client RUN_DIR submit PREFIX "
		    "COUNT CONCURRENCY | submit-empty | update ROLE ENV NAME "
		    "ID USER STATUS TIME_MS | count PREFIX | "
		    "has TASK | snapshot | follow COUNT | missing FILE\n");
		return 2;
	}
	evthread_use_pthreads();
	base = event_base_new();
	snprintf(root, sizeof(root), "%s/httpd", argv[1]);
	if (base == NULL || ipc_init(base, ROLE__OFFERD) == -1 ||
	    ipc_url(url, sizeof(url), root, "replica") == -1 ||
	    (client = ipc_client_dial_once(url)) == NULL) {
		fprintf(stderr, "store_client: cannot reach %s\n", argv[1]);
		return 2;
	}
	if (strcmp(argv[2], "submit") == 0 && argc == 6) {
		prefix = argv[3];
		rc = cmd_submit(atoi(argv[4]), atoi(argv[5]));
	} else if (strcmp(argv[2], "submit-empty") == 0)
		rc = cmd_submit_empty();
	else if (strcmp(argv[2], "update") == 0 && argc == 10)
		rc = cmd_update(argv + 3);
	else if (strcmp(argv[2], "count") == 0 && argc == 4)
		rc = cmd_count(argv[3]);
	else if (strcmp(argv[2], "snapshot") == 0)
		rc = cmd_snapshot();
	else if (strcmp(argv[2], "follow") == 0 && argc == 4)
		rc = cmd_follow(root, atoi(argv[3]));
	else if (strcmp(argv[2], "missing") == 0 && argc == 4)
		rc = cmd_missing(argv[3]);
	else if (strcmp(argv[2], "has") == 0 && argc == 4)
		rc = cmd_has(argv[3]);
	else
		fprintf(stderr, "store_client: bad command\n");
	ipc_client_close(client);
	ipc_shutdown();
	event_base_free(base);
	return rc;
}
