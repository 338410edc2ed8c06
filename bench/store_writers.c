/*
 * Acknowledged store writes against a running scheduler, with W writers
 * each keeping one write in flight (what W concurrent API calls do):
 *
 *   bench/store_writers RUN_DIR [-n WRITES] [-w WRITERS[,WRITERS...]]
 *
 * RUN_DIR is the leader's -run_dir. Each write is one saveTasks
 * transaction of one task, submitted to replica over IPC as offerd does;
 * it counts once replica answers that a quorum has it and it is applied.
 * For each writer count it prints writes/s, p50/p99/max latency, and the
 * log rounds used (group commit puts many writes in one round).
 * bench/run-store-bench.sh starts the schedulers and runs this.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "ipc/ipc.h"
#include "ipc/store.pb-c.h"
#include "tests/unit/one_task_tx.h"

static struct event_base *base;
static struct ipc_client *client;
static int total, started, finished, failures, run_id;
static int64_t *latencies;

struct write {
	int64_t	start;
	char	id[64];
};

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

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
	struct write *w;

	if (started == total)
		return;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		exit(2);
	snprintf(w->id, sizeof(w->id), "bench-%d-%d-%d", (int)getpid(),
	    run_id, started++);
	w->start = now_us();
	if (ipc_call(client, MSG_TYPE__STORE_SUBMIT_REQUEST,
	    &one_task_tx(&t, w->id, host)->base, 30000, answered, w) == -1) {
		fprintf(stderr, "store_writers: cannot send\n");
		exit(2);
	}
}

/* Keeps the loop running between IPC completions. */
static void
tick(evutil_socket_t fd, short what, void *arg)
{
}

static int
by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
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
	qsort(latencies, (size_t)ok, sizeof(*latencies), by_value);
	printf("%8d %8d %10.0f %9.2f %9.2f %9.2f %8d\n", writers, ok,
	    ok * 1e6 / (double)(took > 0 ? took : 1),
	    ok ? latencies[ok / 2] / 1000.0 : 0,
	    ok ? latencies[(int)(ok * 0.99)] / 1000.0 : 0,
	    ok ? latencies[ok - 1] / 1000.0 : 0, failures);
	fflush(stdout);
}

int
main(int argc, char *argv[])
{
	char root[512], url[600], *list = strdup("1,16,64,256"), *tok;
	struct timeval second = { 1, 0 };
	struct event *keepalive;
	int c;

	total = 5000;
	while ((c = getopt(argc, argv, "n:w:")) != -1) {
		switch (c) {
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
	if (optind != argc - 1 || list == NULL || total <= 0)
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
	printf("%8s %8s %10s %9s %9s %9s %8s\n", "writers", "writes",
	    "writes/s", "p50 ms", "p99 ms", "max ms", "failed");
	for (tok = strtok(list, ","); tok != NULL; tok = strtok(NULL, ","))
		run(atoi(tok));
	free(list);
	free(latencies);
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
