/*
 * Acknowledged store writes against a running scheduler, with W writers
 * each keeping one write in flight (what W concurrent API calls do):
 *
 *   bench/store_writers RUN_DIR [-n WRITES] [-w WRITERS[,WRITERS...]]
 *       [-s BYTES]
 *
 * RUN_DIR is the leader's -run_dir. Each write is one saveTasks
 * transaction of one task, padded with a task event's message to BYTES
 * (default 1024, the peers' value size in bench/peer_writers; 0: the bare
 * task, no event), submitted
 * to replica over IPC as offerd does; it counts once replica answers that a quorum has it and it is applied.
 * For each writer count it prints writes/s, p50/p99/max latency, and the
 * log rounds used (group commit puts many writes in one round).
 * bench/run-store-bench.sh starts the schedulers and runs this.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "ipc/ipc.h"
#include "ipc/store.pb-c.h"
#include "tests/unit/one_task_tx.h"
#include "bench/latency_table.h"

static struct event_base *base;
static struct ipc_client *client;
static int total, started, finished, failures, run_id;
static int entry_size = 1024;
/* A task event's message, sized so each transaction packs to entry_size. */
static char *padding;
static int64_t *latencies;

struct write {
	int64_t	start;
	char	id[64];
};

static void	start_one(void);

static void
answered(const Envelope *env, const char *error, void *arg)
{
	struct write *w = arg;
	StoreSubmitResponse *r = NULL;

	if (env != NULL)
		r = (StoreSubmitResponse *)ipc_body_decode(env,
		    &store_submit_response__descriptor);
	if (r == NULL || r->outcome != STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED) {
		if (failures++ == 0)
			fprintf(stderr, "store_writers: %s: %s\n", w->id,
			    r != NULL && r->message != NULL ? r->message :
			    error != NULL ? error : "malformed answer");
	} else
		latencies[finished - failures] = now_us() - w->start;
	if (r != NULL)
		store_submit_response__free_unpacked(r, NULL);
	free(w);
	finished++;
	start_one();
	if (finished == total)
		event_base_loopbreak(base);
}

static void
start_one(void)
{
	struct one_task_tx t;
	char host[] = "bench-host";
	TaskEvent event, *events[1] = { &event };
	struct write *w;

	if (started == total)
		return;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		exit(2);
	snprintf(w->id, sizeof(w->id), "bench-%d-%d-%d", (int)getpid(),
	    run_id, started++);
	one_task_tx(&t, w->id, host);
	if (entry_size > 0) {
		task_event__init(&event);
		event.message = padding;
		t.task.n_taskevents = 1;
		t.task.taskevents = events;
	}
	w->start = now_us();
	if (ipc_call(client, MSG_TYPE__STORE_SUBMIT_REQUEST, &t.tx.base,
	    30000, answered, w) == -1) {
		fprintf(stderr, "store_writers: cannot send\n");
		exit(2);
	}
}

/* Keeps the loop running between IPC completions. */
static void
tick(evutil_socket_t fd, short what, void *arg)
{
}

/* The message length that makes one write's transaction entry_size bytes. */
static int
size_padding(void)
{
	struct one_task_tx t;
	char id[64], host[] = "bench-host", empty[] = "";
	TaskEvent event, *events[1] = { &event };
	size_t bare, len;

	snprintf(id, sizeof(id), "bench-%d-%d-%d", (int)getpid(), 1, total);
	one_task_tx(&t, id, host);
	task_event__init(&event);
	event.message = empty;
	t.task.n_taskevents = 1;
	t.task.taskevents = events;
	bare = transaction__get_packed_size(&t.tx);
	/* Two more bytes of length prefixes once the message is long. */
	len = (size_t)entry_size > bare + 2 ? entry_size - bare - 2 : 0;
	if ((padding = malloc(len + 1)) == NULL)
		return -1;
	memset(padding, 'x', len);
	padding[len] = '\0';
	return 0;
}

static void
run(int writers)
{
	int64_t t0, took;
	int ok;

	total = total > 0 ? total : 1;
	started = finished = failures = 0;
	run_id++;
	t0 = now_us();
	for (int i = 0; i < writers; i++)
		start_one();
	event_base_dispatch(base);
	took = now_us() - t0;
	ok = finished - failures;
	latency_table_row(writers, latencies, ok, failures, took);
}

int
main(int argc, char *argv[])
{
	char root[512], url[600], *list = strdup("1,16,64,256"), *tok;
	struct timeval second = { 1, 0 };
	struct event *keepalive;
	int c;

	total = 5000;
	while ((c = getopt(argc, argv, "n:s:w:")) != -1) {
		switch (c) {
		case 's':
			entry_size = atoi(optarg);
			break;
		case 'n':
			total = atoi(optarg);
			break;
		case 'w':
			free(list);
			list = strdup(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || list == NULL || total <= 0 ||
	    entry_size < 0 || size_padding() == -1)
		goto usage;
	evthread_use_pthreads();
	base = event_base_new();
	snprintf(root, sizeof(root), "%s/httpd", argv[optind]);
	if ((latencies = calloc((size_t)total, sizeof(*latencies))) == NULL ||
	    base == NULL || ipc_init(base, ROLE__OFFERD) == -1 ||
	    ipc_url(url, sizeof(url), root, "replica") == -1 ||
	    (client = ipc_client_dial_once(url)) == NULL) {
		fprintf(stderr, "store_writers: cannot reach %s\n",
		    argv[optind]);
		return 2;
	}
	keepalive = event_new(base, -1, EV_PERSIST, tick, NULL);
	if (keepalive == NULL || event_add(keepalive, &second) == -1)
		return 2;
	latency_table_header();
	for (tok = strtok(list, ","); tok != NULL; tok = strtok(NULL, ","))
		run(atoi(tok));
	free(list);
	free(latencies);
	free(padding);
	event_free(keepalive);
	ipc_client_close(client);
	ipc_shutdown();
	event_base_free(base);
	return 0;
usage:
	fprintf(stderr, "usage: store_writers RUN_DIR [-n WRITES] "
	    "[-w WRITERS,...]\n");
	return 2;
}
