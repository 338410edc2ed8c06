/*
 * A Mesos v1 scheduler for testing aurora-local-cluster: it talks to a
 * running local cluster on 127.0.0.1:PORT as a scheduler would (through
 * lc_client.c) and checks what comes back.
 * tests/integration/test_local_cluster.sh starts the clusters and runs one
 * scenario per call:
 *
 *   lc_check PORT offer [attr:NAME=VALUE|attr:NAME|noattr:NAME ...]
 *   lc_check PORT tasks WORK_DIR
 *   lc_check PORT failover
 *   lc_check PORT filters
 *   lc_check PORT errors
 *   lc_check PORT sim AGENTS
 *   lc_check PORT hangup          (--heartbeat_interval long)
 *   lc_check PORT fuzz            (simulation mode)
 *   lc_check PORT simend          (--sim_task_ms, --sim_fail_ratio=0.5)
 *   lc_check PORT spawn COMMAND   (prints the task's pid, leaves it running)
 *
 * Each check prints "ok: ..." or "FAIL: ..."; the exit status is 1 if any
 * failed. The whole run is bounded by alarm().
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/lc_client.h"

#define RUN_LIMIT_S	150
#define RECONCILIATION	\
	MESOS__V1__TASK_STATUS__REASON__REASON_RECONCILIATION

static int fails, oks;

void
check(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", cond ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (cond)
		oks++;
	else
		fails++;
}

/* A subscription, its first offer, its heartbeat. */
static void
scenario_offer(int argc, char **argv)
{
	const struct lcc_offer *o;
	struct lcc_stream s;
	char want[256];
	size_t j, twice;
	int i, rc;


	rc = lcc_subscribe(&s, NULL, false);
	check(rc == 0, "SUBSCRIBE answered %d with a stream", s.status);
	check(s.first_type == MESOS__V1__EVENT__TYPE__SUBSCRIBED,
	    "the first event is SUBSCRIBED");
	check(strncmp(s.ctype, "application/x-protobuf", 22) == 0,
	    "Content-Type %s", s.ctype);
	check(strlen(s.id) == 36, "Mesos-Stream-Id '%s'", s.id);
	check(strlen(s.fw_id) > 5 && strstr(s.fw_id, "-0000") != NULL,
	    "framework id %s", s.fw_id);
	check(s.master_port == (uint32_t)lcc_port, "master_info port %u",
	    s.master_port);
	o = lcc_wait_offer(&s, 0, 5000);
	check(o != NULL, "an offer within 5 s");
	if (o == NULL)
		goto out;
	printf("offer: %s agent=%s host=%s cpus=%g mem=%g disk=%g "
	    "ports=[%llu-%llu] attributes=%s\n", o->id, o->agent, o->host,
	    o->cpus, o->mem, o->disk, (unsigned long long)o->port_begin,
	    (unsigned long long)o->port_end, o->attrs);
	check(o->cpus > 0 && o->mem > 0 && o->disk > 0,
	    "the offer has cpus %g, mem %g, disk %g", o->cpus, o->mem, o->disk);
	check(o->nranges == 1 && o->port_begin == 31000 &&
	    o->port_end == 32000, "the offer has ports [31000-32000]");
	check(strstr(o->id, "-O") != NULL && strstr(o->agent, "-S") != NULL,
	    "offer id %s, agent id %s", o->id, o->agent);
	if (argc == 0) {
		check(strstr(o->attrs, "host=") != NULL, "attribute host");
		check(strstr(o->attrs, "rack=") != NULL, "attribute rack");
	}
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		char with[600];

		if (strncmp(a, "noattr:", 7) == 0) {
			snprintf(want, sizeof(want), "%s=", a + 7);
			snprintf(with, sizeof(with), ",%s", o->attrs);
			check(strstr(o->attrs, want) != o->attrs &&
			    strstr(with, want) == NULL, "no attribute %s",
			    a + 7);
		} else if (strncmp(a, "attr:", 5) == 0) {
			snprintf(want, sizeof(want), "%s", a + 5);
			if (strchr(want, '=') == NULL)
				strncat(want, "=", sizeof(want) - strlen(want)
				    - 1);
			check(strstr(o->attrs, want) != NULL,
			    "attribute %s in %s", a + 5, o->attrs);
		}
	}
	/* Nothing more for an agent until its offer is answered. */
	lcc_drain(&s, 1500);
	for (i = 0, twice = 0; (size_t)i < s.noffers; i++)
		for (j = 0; j < (size_t)i; j++)
			if (strcmp(s.offers[i].agent, s.offers[j].agent) == 0)
				twice++;
	check(twice == 0, "one offer per agent while it is outstanding "
	    "(%zu offers, %zu again)", s.noffers, twice);
	if (s.heartbeat_s <= 3) {
		int64_t deadline = lcc_now_ms() +
		    (int64_t)(s.heartbeat_s * 3000);

		while (s.heartbeats == 0 && lcc_now_ms() < deadline)
			if (lcc_pump(&s, (int)(deadline - lcc_now_ms())) == -1)
				break;
		check(s.heartbeats > 0, "a HEARTBEAT every %g s",
		    s.heartbeat_s);
	}
out:
	lcc_close(&s);
}

/* Processes: finish, fail, KILL, killed behind our back, sandboxes. */
static void
scenario_tasks(const char *work_dir)
{
	struct lcc_task ts[] = {
		{ "hello", "echo hello; echo \"$MESOS_TASK_ID:$GREETING:$PWD:"
		    "$MESOS_SANDBOX\" >&2", 0.1, 16, "GREETING", "hi", -1,
		    false, false },
		{ "three", "exit 3", 0.1, 16, NULL, NULL, -1, false, false },
		{ "sleeper", "sleep 100", 0.1, 16, NULL, NULL, -1, false,
		    false },
		{ "victim", "sleep 100", 0.1, 16, NULL, NULL, -1, false,
		    false },
		{ "stubborn", "trap '' TERM; echo ready; sleep 100", 0.1, 16,
		    NULL, NULL, 600, false, false },
		{ "greedy", "true", 100000, 16, NULL, NULL, -1, false, false },
		{ "noexec", "/nonexistent/program", 0.1, 16, NULL, NULL, -1,
		    false, true },
		{ "docker", "true", 0.1, 16, NULL, NULL, -1, true, false },
	};
	const struct lcc_offer *first;
	const struct lcc_upd *u;
	struct lcc_offer o;
	struct lcc_stream s;
	char path[1024], want[1024], *text;
	long pid, pid2, pid3;
	size_t i, n;
	int64_t t0, deadline;
	json_t *t, *st;

	check(lcc_subscribe(&s, NULL, false) == 0, "subscribed");
	first = lcc_wait_offer(&s, 0, 5000);
	check(first != NULL, "an offer");
	if (first == NULL)
		goto out;
	o = *first;
	lcc_accept(&s, o.id, o.agent, ts, sizeof(ts) / sizeof(ts[0]), 0);

	u = lcc_wait_upd(&s, 0, "hello", S(FINISHED), 10000);
	check(u != NULL, "echo hello: TASK_FINISHED");
	check(u != NULL && strcmp(u->msg, "Command exited with status 0") == 0,
	    "message '%s'", u != NULL ? u->msg : "");
	check(lcc_find_upd(&s, 0, "hello", S(STARTING)) != NULL &&
	    lcc_find_upd(&s, 0, "hello", S(RUNNING)) != NULL,
	    "TASK_STARTING and TASK_RUNNING came first");
	u = lcc_find_upd(&s, 0, "hello", S(RUNNING));
	check(u != NULL && u->has_uuid && u->has_timestamp &&
	    u->source == MESOS__V1__TASK_STATUS__SOURCE__SOURCE_EXECUTOR &&
	    strcmp(u->agent, o.agent) == 0,
	    "updates carry a uuid, a timestamp, the agent, SOURCE_EXECUTOR");
	snprintf(path, sizeof(path), "%s/sandboxes/hello/stdout", work_dir);
	text = lcc_read_file(path);
	check(text != NULL && strcmp(text, "hello\n") == 0,
	    "%s holds 'hello'", path);
	free(text);
	snprintf(path, sizeof(path), "%s/sandboxes/hello/stderr", work_dir);
	text = lcc_read_file(path);
	snprintf(want, sizeof(want), "hello:hi:%s/sandboxes/hello:"
	    "%s/sandboxes/hello\n", work_dir, work_dir);
	check(text != NULL && strcmp(text, want) == 0, "environment and cwd: "
	    "%.*s", text != NULL ? (int)strcspn(text, "\n") : 11,
	    text != NULL ? text : "(no stderr)");
	free(text);
	t = lcc_state_task("hello");
	snprintf(want, sizeof(want), "%s/sandboxes/hello", work_dir);
	check(t != NULL && json_string_value(json_object_get(t, "sandbox")) !=
	    NULL && strcmp(json_string_value(json_object_get(t, "sandbox")),
	    want) == 0, "/state.json: the sandbox of hello");
	json_decref(t);

	u = lcc_wait_upd(&s, 0, "three", S(FAILED), 10000);
	check(u != NULL && strcmp(u->msg, "Command exited with status 3") == 0,
	    "exit 3: TASK_FAILED '%s'", u != NULL ? u->msg : "");

	u = lcc_wait_upd(&s, 0, "greedy", -1, 5000);
	check(u != NULL && u->state == S(ERROR) &&
	    u->source == MESOS__V1__TASK_STATUS__SOURCE__SOURCE_MASTER &&
	    u->reason == MESOS__V1__TASK_STATUS__REASON__REASON_TASK_INVALID &&
	    strstr(u->msg, "more than available") != NULL && !u->has_uuid,
	    "too many cpus: TASK_ERROR '%s'", u != NULL ? u->msg : "");
	u = lcc_wait_upd(&s, 0, "noexec", S(FAILED), 5000);
	check(u != NULL && strcmp(u->msg, "Command exited with status 127") ==
	    0, "a program that is not there: TASK_FAILED '%s'",
	    u != NULL ? u->msg : "");
	u = lcc_wait_upd(&s, 0, "docker", -1, 5000);
	check(u != NULL && u->state == S(FAILED) && strcmp(u->msg, "Docker "
	    "containers are not supported by the local cluster") == 0,
	    "DOCKER: TASK_FAILED '%s'", u != NULL ? u->msg : "");

	check(lcc_wait_upd(&s, 0, "sleeper", S(RUNNING), 5000) != NULL,
	    "sleep 100: TASK_RUNNING");
	pid = lcc_task_pid("sleeper");
	check(pid > 0 && !lcc_gone(pid), "its process %ld runs", pid);
	lcc_kill(&s, "sleeper");
	u = lcc_wait_upd(&s, 0, "sleeper", S(KILLED), 10000);
	check(u != NULL, "KILL: TASK_KILLED '%s'", u != NULL ? u->msg : "");
	check(u != NULL && strcmp(u->msg,
	    "Command terminated with signal Terminated") == 0,
	    "message '%s'", u != NULL ? u->msg : "");
	check(lcc_gone(pid), "process %ld is gone", pid);

	check(lcc_wait_upd(&s, 0, "victim", S(RUNNING), 5000) != NULL,
	    "victim: TASK_RUNNING");
	pid2 = lcc_task_pid("victim");
	check(pid2 > 0 && kill((pid_t)pid2, SIGKILL) == 0,
	    "kill -9 %ld behind the cluster's back", pid2);
	u = lcc_wait_upd(&s, 0, "victim", S(FAILED), 10000);
	check(u != NULL && strcmp(u->msg,
	    "Command terminated with signal Killed") == 0,
	    "TASK_FAILED '%s'", u != NULL ? u->msg : "");

	check(lcc_wait_upd(&s, 0, "stubborn", S(RUNNING), 5000) != NULL,
	    "a task that ignores SIGTERM: TASK_RUNNING");
	pid3 = lcc_task_pid("stubborn");
	/* Not before its shell ignores SIGTERM. */
	snprintf(path, sizeof(path), "%s/sandboxes/stubborn/stdout", work_dir);
	deadline = lcc_now_ms() + 5000;
	while ((text = lcc_read_file(path)) != NULL &&
	    strcmp(text, "ready\n") != 0 && lcc_now_ms() < deadline) {
		free(text);
		usleep(20000);
	}
	check(text != NULL && strcmp(text, "ready\n") == 0,
	    "it ignores SIGTERM");
	free(text);
	t0 = lcc_now_ms();
	lcc_kill(&s, "stubborn");
	u = lcc_wait_upd(&s, 0, "stubborn", S(KILLED), 10000);
	check(u != NULL && lcc_now_ms() - t0 >= 500,
	    "TASK_KILLED after its 600 ms grace (%lld ms)",
	    (long long)(lcc_now_ms() - t0));
	check(u != NULL && strcmp(u->msg, "Command terminated with signal "
	    "Killed") == 0, "by SIGKILL: '%s'", u != NULL ? u->msg : "");
	check(lcc_gone(pid3), "process %ld is gone", pid3);
	lcc_ack_all(&s, 0);

	st = lcc_state();
	check(st != NULL, "/state.json parses");
	if (st != NULL) {
		json_t *a = json_array_get(json_object_get(st, "agents"), 0);
		json_t *c = json_object_get(st, "counters");
		double used = json_real_value(json_object_get(
		    json_object_get(a, "used"), "cpus"));

		check(used == 0, "every task ended: the agent uses 0 cpus "
		    "(%g)", used);
		check(json_integer_value(json_object_get(c, "finished")) == 1 &&
		    json_integer_value(json_object_get(c, "failed")) == 4 &&
		    json_integer_value(json_object_get(c, "killed")) == 2,
		    "counters: 1 finished, 4 failed, 2 killed");
		json_decref(st);
	}
	/* What they gave back is offered again, once the rest is declined. */
	n = s.noffers;
	for (i = 1; i < n; i++)
		lcc_decline(&s, s.offers[i].id, 0);
	deadline = lcc_now_ms() + 5000;
	while (lcc_now_ms() < deadline &&
	    s.offers[s.noffers - 1].cpus != o.cpus)
		if (lcc_pump(&s, (int)(deadline - lcc_now_ms())) == -1)
			break;
	check(s.offers[s.noffers - 1].cpus == o.cpus,
	    "all %g cpus offered again after the tasks ended", o.cpus);
out:
	lcc_close(&s);
}

static size_t
count_reconciled(const struct lcc_stream *s, size_t from)
{
	size_t i, n = 0;

	for (i = from; i < s->nupds; i++)
		if (s->upds[i].reason ==
		    RECONCILIATION)
			n++;
	return n;
}

/* Failover: a new SUBSCRIBE, resent updates, reconciliation, teardown. */
static void
scenario_failover(void)
{
	struct lcc_task ts[] = {
		{ "long", "sleep 100", 0.1, 16, NULL, NULL, -1, false, false },
		{ "quick", "exit 0", 0.1, 16, NULL, NULL, -1, false, false },
	};
	struct lcc_task late[] = {
		{ "late", "sleep 100", 0.1, 16, NULL, NULL, -1, false, false },
	};
	const char *ids[] = { "long", "quick", "nonexistent" };
	const struct lcc_offer *o;
	const struct lcc_upd *u;
	struct lcc_stream s1, s2, s3;
	struct lcc_upd running, finished;
	char fw[256], old_id[256];
	size_t mark;
	long pid, pid2;
	json_t *st;
	struct lcc_resp r;
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;
	int64_t t0;
	int status;

	memset(&running, 0, sizeof(running));
	memset(&finished, 0, sizeof(finished));
	check(lcc_subscribe(&s1, NULL, false) == 0, "subscribed");
	snprintf(fw, sizeof(fw), "%s", s1.fw_id);
	snprintf(old_id, sizeof(old_id), "%s", s1.id);
	o = lcc_wait_offer(&s1, 0, 5000);
	check(o != NULL, "an offer");
	if (o == NULL)
		return;
	lcc_accept(&s1, o->id, o->agent, ts, 2, 0);
	if ((u = lcc_wait_upd(&s1, 0, "long", S(RUNNING), 5000)) != NULL)
		running = *u;
	if ((u = lcc_wait_upd(&s1, 0, "quick", S(FINISHED), 5000)) != NULL)
		finished = *u;
	check(running.has_uuid && finished.has_uuid,
	    "long RUNNING, quick FINISHED; neither acknowledged");
	pid = lcc_task_pid("long");
	lcc_close(&s1);

	usleep(500000);
	st = lcc_state_framework(fw);
	check(st != NULL && json_is_false(json_object_get(st, "connected")),
	    "the cluster saw the scheduler hang up");
	json_decref(st);

	check(lcc_subscribe(&s2, fw, false) == 0 && strcmp(s2.fw_id, fw) == 0,
	    "SUBSCRIBE with framework id %s: the same framework", fw);
	check(strcmp(s2.id, old_id) != 0, "a new stream id");
	u = lcc_wait_upd(&s2, 0, "long", -1, 3000);
	check(u != NULL && u->state == S(RUNNING) && u->has_uuid &&
	    memcmp(u->uuid, running.uuid, 16) == 0,
	    "long's unacknowledged TASK_RUNNING sent again, same uuid");
	u = lcc_wait_upd(&s2, 0, "quick", -1, 3000);
	check(u != NULL && u->state == S(FINISHED) && u->has_uuid &&
	    memcmp(u->uuid, finished.uuid, 16) == 0,
	    "quick's unacknowledged TASK_FINISHED sent again, same uuid");
	check(!lcc_gone(pid), "long's process %ld still runs", pid);
	lcc_ack_all(&s2, 0);

	c.has_type = 1;
	c.type = MESOS__V1__CALL__TYPE__REVIVE;
	snprintf(s2.id, sizeof(s2.id), "%s", old_id);
	status = lcc_post(&s2, &c, &r);
	check(status == 400 && strstr(r.body, "didn't match") != NULL,
	    "the old stream id is refused: %d %s", status, r.body);
	lcc_resp_free(&r);
	lcc_close(&s2);

	/* A third subscription takes over from the second. */
	check(lcc_subscribe(&s2, fw, false) == 0, "subscribed again");
	check(lcc_subscribe(&s3, fw, false) == 0, "and once more");
	lcc_drain(&s2, 2000);
	check(s2.eof, "the replaced stream was closed");
	lcc_close(&s2);

	mark = s3.nupds;
	lcc_reconcile(&s3, ids, 3);
	u = lcc_wait_upd(&s3, mark, "long", -1, 3000);
	check(u != NULL && u->state == S(RUNNING) && !u->has_uuid &&
	    u->reason == RECONCILIATION &&
	    u->source == MESOS__V1__TASK_STATUS__SOURCE__SOURCE_MASTER,
	    "explicit: long TASK_RUNNING, REASON_RECONCILIATION, no uuid");
	u = lcc_wait_upd(&s3, mark, "nonexistent", -1, 3000);
	check(u != NULL && u->state == S(LOST) &&
	    u->reason == RECONCILIATION,
	    "explicit: an unknown task is TASK_LOST '%s'",
	    u != NULL ? u->msg : "");
	u = lcc_wait_upd(&s3, mark, "quick", -1, 3000);
	check(u != NULL && u->state == S(LOST),
	    "explicit: an acknowledged finished task is forgotten: %s",
	    u != NULL ? lcc_state_name(u->state) : "nothing");
	lcc_drain(&s3, 300);

	mark = s3.nupds;
	lcc_reconcile(&s3, NULL, 0);
	lcc_drain(&s3, 1000);
	check(count_reconciled(&s3, mark) == 1 &&
	    lcc_find_upd(&s3, mark, "long", S(RUNNING)) != NULL,
	    "implicit: exactly long, TASK_RUNNING (%zu answers)",
	    count_reconciled(&s3, mark));

	mark = s3.nupds;
	lcc_kill(&s3, "ghost");
	u = lcc_wait_upd(&s3, mark, "ghost", -1, 3000);
	check(u != NULL && u->state == S(LOST) &&
	    u->reason == RECONCILIATION,
	    "KILL of an unknown task: TASK_LOST '%s'", u != NULL ? u->msg : "");

	/* Unacknowledged, an update comes again every 10 s. */
	o = lcc_wait_offer(&s3, 0, 5000);
	check(o != NULL, "an offer on the new stream");
	if (o != NULL) {
		mark = s3.nupds;
		lcc_accept(&s3, o->id, o->agent, late, 1, 0);
		u = lcc_wait_upd(&s3, mark, "late", S(RUNNING), 5000);
		t0 = lcc_now_ms();
		if (u != NULL) {
			size_t at = (size_t)(u - s3.upds) + 1;

			u = lcc_wait_upd(&s3, at, "late", S(RUNNING), 13000);
			check(u != NULL && lcc_now_ms() - t0 >= 9000,
			    "the unacknowledged TASK_RUNNING again after "
			    "%lld ms", (long long)(lcc_now_ms() - t0));
		} else
			check(false, "late: TASK_RUNNING");
	}
	pid2 = lcc_task_pid("late");

	mark = s3.nupds;
	lcc_simple(&s3, MESOS__V1__CALL__TYPE__TEARDOWN);
	lcc_drain(&s3, 3000);
	check(s3.eof, "TEARDOWN closes the stream");
	check(lcc_wait_gone(pid, 6000) && lcc_wait_gone(pid2, 1000),
	    "TEARDOWN killed the framework's processes");
	st = lcc_state_framework(fw);
	check(st == NULL, "the framework is forgotten");
	json_decref(st);
	lcc_close(&s3);
}

/* DECLINE with a filter, REVIVE, SUPPRESS, an invalid offer. */
static void
scenario_filters(void)
{
	struct lcc_task ts[] = {
		{ "stale", "true", 0.1, 16, NULL, NULL, -1, false, false },
	};
	const struct lcc_offer *o;
	const struct lcc_upd *u;
	struct lcc_stream s;
	char first[128], agent[128];
	size_t n;
	int64_t t0;

	check(lcc_subscribe(&s, NULL, false) == 0, "subscribed");
	o = lcc_wait_offer(&s, 0, 5000);
	check(o != NULL, "an offer");
	if (o == NULL)
		goto out;
	snprintf(first, sizeof(first), "%s", o->id);
	snprintf(agent, sizeof(agent), "%s", o->agent);
	lcc_decline(&s, o->id, 60);
	n = s.noffers;
	lcc_drain(&s, 2500);
	check(s.noffers == n, "declined for 60 s: no offer in 2.5 s");
	lcc_simple(&s, MESOS__V1__CALL__TYPE__REVIVE);
	check(lcc_wait_offer(&s, n, 2000) != NULL, "REVIVE: an offer at once");

	o = &s.offers[s.noffers - 1];
	lcc_decline(&s, o->id, 1.5);
	n = s.noffers;
	t0 = lcc_now_ms();
	o = lcc_wait_offer(&s, n, 6000);
	check(o != NULL && lcc_now_ms() - t0 >= 1300,
	    "declined for 1.5 s: offered again after %lld ms",
	    (long long)(lcc_now_ms() - t0));

	lcc_simple(&s, MESOS__V1__CALL__TYPE__SUPPRESS);
	if (o != NULL)
		lcc_decline(&s, o->id, 0);
	n = s.noffers;
	lcc_drain(&s, 2000);
	check(s.noffers == n, "SUPPRESS: no offer");
	lcc_simple(&s, MESOS__V1__CALL__TYPE__REVIVE);
	check(lcc_wait_offer(&s, n, 2000) != NULL, "REVIVE: offers again");

	n = s.nupds;
	lcc_accept(&s, first, agent, ts, 1, -1);
	u = lcc_wait_upd(&s, n, "stale", -1, 3000);
	check(u != NULL && u->state == S(LOST) && u->reason == 6 &&
	    strstr(u->msg, "no longer valid") != NULL,
	    "ACCEPT of a declined offer: TASK_LOST, REASON_INVALID_OFFERS "
	    "'%s'", u != NULL ? u->msg : "");
out:
	lcc_close(&s);
}

static bool
starts(const struct lcc_resp *r, const char *prefix)
{
	return r->body != NULL && strncmp(r->body, prefix,
	    strlen(prefix)) == 0;
}

/* Requests a master refuses, and the cluster still standing after. */
static void
scenario_errors(void)
{
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;
	Mesos__V1__Call__Acknowledge a = MESOS__V1__CALL__ACKNOWLEDGE__INIT;
	Mesos__V1__AgentID aid = MESOS__V1__AGENT_ID__INIT;
	Mesos__V1__TaskID tid = MESOS__V1__TASK_ID__INIT;
	Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
	uint8_t buf[64], three[3] = { 1, 2, 3 };
	struct lcc_stream s;
	struct lcc_resp r;
	char *big;
	size_t len;
	int status;

	status = lcc_http("POST", "/api/v1/scheduler", "application/x-protobuf",
	    NULL, "\xff\xff\xff\xff garbage", 13, &r);
	check(status == 400 && starts(&r, "Failed to parse body into Call "
	    "protobuf"), "garbage: %d %s", status, r.body);
	lcc_resp_free(&r);

	status = lcc_http("POST", "/api/v1/scheduler", "application/json", NULL,
	    "{\"type\":\"SUBSCRIBE\"}", 20, &r);
	check(status == 415 && strstr(r.body, "protobuf") != NULL,
	    "JSON: %d %s", status, r.body);
	lcc_resp_free(&r);

	c.has_type = 1;
	c.type = MESOS__V1__CALL__TYPE__SUBSCRIBE;
	len = mesos__v1__call__pack(&c, buf);
	status = lcc_http("POST", "/api/v1/scheduler", "application/x-protobuf",
	    NULL, buf, len, &r);
	check(status == 400 && strstr(r.body, "Expecting 'subscribe' to be "
	    "present") != NULL, "SUBSCRIBE without subscribe: %d %s", status,
	    r.body);
	lcc_resp_free(&r);

	c.type = MESOS__V1__CALL__TYPE__REVIVE;
	fid.value = UNCONST("no-such-framework");
	c.framework_id = &fid;
	len = mesos__v1__call__pack(&c, buf);
	status = lcc_http("POST", "/api/v1/scheduler", "application/x-protobuf",
	    "x", buf, len, &r);
	check(status == 400 && strstr(r.body, "Framework cannot be found") !=
	    NULL, "unknown framework: %d %s", status, r.body);
	lcc_resp_free(&r);
	c.framework_id = NULL;

	check(lcc_subscribe(&s, NULL, false) == 0, "subscribed");
	snprintf(s.id, sizeof(s.id), "00000000-0000-0000-0000-000000000000");
	status = lcc_post(&s, &c, &r);
	check(status == 400 && strstr(r.body, "didn't match") != NULL,
	    "a wrong Mesos-Stream-Id: %d %s", status, r.body);
	lcc_resp_free(&r);
	s.id[0] = '\0';
	status = lcc_post(&s, &c, &r);
	check(status == 400 && strstr(r.body, "Mesos-Stream-Id") != NULL,
	    "no Mesos-Stream-Id: %d %s", status, r.body);
	lcc_resp_free(&r);

	aid.value = UNCONST("a");
	tid.value = UNCONST("t");
	a.agent_id = &aid;
	a.task_id = &tid;
	a.uuid.data = three;
	a.uuid.len = 3;
	c.type = MESOS__V1__CALL__TYPE__ACKNOWLEDGE;
	c.acknowledge = &a;
	fid.value = s.fw_id;
	c.framework_id = &fid;
	len = mesos__v1__call__get_packed_size(&c);
	mesos__v1__call__pack(&c, buf);
	status = lcc_http("POST", "/api/v1/scheduler", "application/x-protobuf",
	    "x", buf, len, &r);
	check(status == 400 && strstr(r.body, "UUID") != NULL,
	    "a 3-byte uuid: %d %s", status, r.body);
	lcc_resp_free(&r);
	lcc_close(&s);

	status = lcc_http("GET", "/api/v1/scheduler", NULL, NULL, NULL, 0, &r);
	check(status == 405, "GET /api/v1/scheduler: %d", status);
	lcc_resp_free(&r);
	status = lcc_http("GET", "/nothing", NULL, NULL, NULL, 0, &r);
	check(status == 404, "GET /nothing: %d", status);
	lcc_resp_free(&r);

	len = 17 * 1024 * 1024;
	big = calloc(1, len);
	if (big == NULL)
		exit(2);
	status = lcc_http("POST", "/api/v1/scheduler", "application/x-protobuf",
	    NULL, big, len, &r);
	check(status == 413 || status == -1, "a 17 MiB body is refused (%d)",
	    status);
	lcc_resp_free(&r);
	free(big);

	status = lcc_http("GET", "/health", NULL, NULL, NULL, 0, &r);
	check(status == 200 && r.body != NULL && strcmp(r.body, "OK\n") == 0,
	    "GET /health still answers OK");
	lcc_resp_free(&r);
}

/* Thousands of simulated agents; a DOCKER task in /state.json. */
static void
scenario_sim(size_t agents)
{
	struct lcc_task dock[] = {
		{ "dock", "run-me", 1, 128, NULL, NULL, -1, true, false },
	};
	struct lcc_task plain[] = {
		{ "plain", "sleep 1", 1, 128, NULL, NULL, -1, false, false },
	};
	struct lcc_stream s;
	int64_t deadline = lcc_now_ms() + 30000;
	size_t i, racks = 0;
	const struct lcc_upd *u;
	json_t *t, *vols, *c;
	char rack0[32];

	check(lcc_subscribe(&s, NULL, false) == 0, "subscribed");
	while (s.noffers < agents && lcc_now_ms() < deadline)
		if (lcc_pump(&s, (int)(deadline - lcc_now_ms())) == -1)
			break;
	check(s.noffers == agents, "offers for all %zu agents (%zu)", agents,
	    s.noffers);
	check(s.offer_events >= (agents + 999) / 1000 &&
	    s.max_offers_per_event <= 1000,
	    "in %zu OFFERS events of at most 1000", s.offer_events);
	for (i = 0; i < s.noffers; i++)
		if (strstr(s.offers[i].attrs, "rack=rack-0") != NULL &&
		    strstr(s.offers[i].attrs, "rack=rack-0") +
		    strlen("rack=rack-0") == s.offers[i].attrs +
		    strlen(s.offers[i].attrs))
			racks++;
	snprintf(rack0, sizeof(rack0), "%zu", racks);
	check(racks == (agents + 9) / 10, "%s agents on rack-0 of 10", rack0);
	check(s.noffers > 1 && strcmp(s.offers[0].host, "sim-agent-0") == 0 &&
	    s.offers[0].cpus == 16 && s.offers[0].mem == 65536,
	    "sim-agent-0: 16 cpus, 65536 MB");
	if (s.noffers < 2)
		goto out;
	lcc_accept(&s, s.offers[0].id, s.offers[0].agent, dock, 1, -1);
	lcc_accept(&s, s.offers[1].id, s.offers[1].agent, plain, 1, -1);
	check(lcc_wait_upd(&s, 0, "dock", S(RUNNING), 5000) != NULL,
	    "a simulated DOCKER task: TASK_RUNNING");
	t = lcc_state_task("dock");
	c = t != NULL ? json_object_get(t, "container") : NULL;
	vols = json_object_get(c, "volumes");
	check(c != NULL && json_string_value(json_object_get(c, "type")) &&
	    strcmp(json_string_value(json_object_get(c, "type")), "DOCKER") ==
	    0 && strcmp(json_string_value(json_object_get(c, "image")),
	    "debian:bookworm") == 0, "/state.json: container DOCKER, image");
	check(json_array_size(vols) == 2 &&
	    strcmp(json_string_value(json_object_get(json_array_get(vols, 0),
	    "container_path")), "/etc/cfg") == 0 &&
	    strcmp(json_string_value(json_object_get(json_array_get(vols, 0),
	    "host_path")), "/srv/cfg") == 0 &&
	    strcmp(json_string_value(json_object_get(json_array_get(vols, 0),
	    "mode")), "RO") == 0 &&
	    strcmp(json_string_value(json_object_get(json_array_get(vols, 1),
	    "mode")), "RW") == 0, "its two volumes, RO and RW");
	check(t != NULL && json_is_null(json_object_get(t, "pid")) &&
	    json_is_null(json_object_get(t, "sandbox")),
	    "no process, no sandbox");
	json_decref(t);
	check(lcc_wait_upd(&s, 0, "plain", S(RUNNING), 5000) != NULL,
	    "a simulated command task: TASK_RUNNING");
	lcc_kill(&s, "plain");
	u = lcc_wait_upd(&s, 0, "plain", S(KILLED), 3000);
	check(u != NULL, "KILL: TASK_KILLED at once");
out:
	lcc_close(&s);
}

/* --sim_task_ms with --sim_fail_ratio=0.5: half fail, half finish. */
static void
scenario_simend(void)
{
	struct lcc_task ts[] = {
		{ "e1", "x", 1, 16, NULL, NULL, -1, false, false },
		{ "e2", "x", 1, 16, NULL, NULL, -1, false, false },
		{ "e3", "x", 1, 16, NULL, NULL, -1, false, false },
		{ "e4", "x", 1, 16, NULL, NULL, -1, false, false },
	};
	const char *ids[] = { "e1", "e2", "e3", "e4" };
	const struct lcc_offer *o;
	struct lcc_stream s;
	size_t i, failed = 0, finished = 0;
	int64_t deadline;

	check(lcc_subscribe(&s, NULL, false) == 0, "subscribed");
	o = lcc_wait_offer(&s, 0, 5000);
	check(o != NULL, "an offer");
	if (o == NULL)
		goto out;
	lcc_accept(&s, o->id, o->agent, ts, 4, -1);
	deadline = lcc_now_ms() + 5000;
	for (;;) {
		failed = finished = 0;
		for (i = 0; i < 4; i++) {
			failed += lcc_find_upd(&s, 0, ids[i], S(FAILED)) !=
			    NULL;
			finished += lcc_find_upd(&s, 0, ids[i], S(FINISHED)) !=
			    NULL;
		}
		if (failed + finished == 4 || lcc_now_ms() >= deadline ||
		    lcc_pump(&s, (int)(deadline - lcc_now_ms())) == -1)
			break;
	}
	check(failed == 2 && finished == 2,
	    "4 simulated tasks ended: %zu FAILED, %zu FINISHED", failed,
	    finished);
out:
	lcc_close(&s);
}

/*
 * A scheduler that hangs up between heartbeats, holding an offer: the
 * cluster notices at once and takes the offer back (run it with a long
 * --heartbeat_interval, so no write is what notices).
 */
static void
scenario_hangup(void)
{
	const struct lcc_offer *o;
	struct lcc_stream s;
	char fw[256];
	json_t *f, *st, *a;
	int64_t deadline;
	bool offered = true, connected = true;

	check(lcc_subscribe(&s, NULL, false) == 0, "subscribed");
	snprintf(fw, sizeof(fw), "%s", s.fw_id);
	o = lcc_wait_offer(&s, 0, 5000);
	check(o != NULL, "an offer");
	lcc_close(&s);
	deadline = lcc_now_ms() + 1000;
	while ((offered || connected) && lcc_now_ms() < deadline) {
		usleep(50000);
		f = lcc_state_framework(fw);
		connected = f == NULL ||
		    !json_is_false(json_object_get(f, "connected"));
		json_decref(f);
		st = lcc_state();
		a = json_array_get(json_object_get(st, "agents"), 0);
		offered = !json_is_false(json_object_get(a, "offered"));
		json_decref(st);
	}
	check(!connected, "the hang-up is seen within 1 s");
	check(!offered, "the agent's offer is taken back");
}

/*
 * Calls a scheduler made, with a few bytes changed: whatever the cluster
 * makes of them (run it in simulation mode: a changed command runs
 * nothing), it answers each and stays up.
 */
static void
scenario_fuzz(void)
{
	struct lcc_task ts[] = {
		{ "f1", "x", 1, 16, "A", "b", 500, true, false },
		{ "f2", "y", 1, 16, NULL, NULL, -1, false, true },
	};
	const char *ids[] = { "f1", "f2", "zz" };
	struct lcc_bodies k = { NULL, NULL, 0 };
	const struct lcc_offer *o;
	struct lcc_stream s;
	struct lcc_resp r;
	uint64_t x = 88172645463325252ULL;	/* xorshift64: repeatable */
	uint8_t *b;
	size_t i, j, len, odd = 0, answered = 0;
	int status;

	check(lcc_subscribe(&s, NULL, false) == 0, "subscribed");
	o = lcc_wait_offer(&s, 0, 5000);
	check(o != NULL, "an offer");
	if (o == NULL)
		goto out;
	lcc_capture = &k;
	lcc_accept(&s, o->id, o->agent, ts, 2, 1);
	lcc_wait_upd(&s, 0, "f2", S(RUNNING), 3000);
	lcc_ack_all(&s, 0);
	lcc_reconcile(&s, ids, 3);
	lcc_kill(&s, "f1");
	lcc_decline(&s, "nothing", 2);
	lcc_simple(&s, MESOS__V1__CALL__TYPE__REVIVE);
	lcc_capture = NULL;
	for (i = 0; i < 600; i++) {
		len = k.len[i % k.n];
		b = malloc(len);
		if (b == NULL)
			exit(2);
		memcpy(b, k.v[i % k.n], len);
		for (j = 0; j < 1 + i % 4; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[x % len] ^= (uint8_t)(x >> 32);
		}
		status = lcc_post_raw(&s, b, len, &r);
		free(b);
		lcc_resp_free(&r);
		if (status == 202 || status == 400 || status == 403 ||
		    status == 501)
			answered++;
		else
			odd++;
		lcc_drain(&s, 0);
	}
	check(odd == 0, "%zu changed calls answered 202, 400, 403 or 501, "
	    "%zu otherwise", answered, odd);
	status = lcc_http("GET", "/health", NULL, NULL, NULL, 0, &r);
	check(status == 200, "GET /health still answers");
	lcc_resp_free(&r);
	for (i = 0; i < k.n; i++)
		free(k.v[i]);
	free(k.v);
	free(k.len);
out:
	lcc_close(&s);
}

/* Launches COMMAND, prints its pid, and leaves it running. */
static void
scenario_spawn(const char *cmd)
{
	struct lcc_task ts[] = {
		{ "spawned", cmd, 0.1, 16, NULL, NULL, -1, false, false },
	};
	const struct lcc_offer *o;
	struct lcc_stream s;

	check(lcc_subscribe(&s, NULL, false) == 0, "subscribed");
	o = lcc_wait_offer(&s, 0, 5000);
	if (o != NULL) {
		lcc_accept(&s, o->id, o->agent, ts, 1, -1);
		check(lcc_wait_upd(&s, 0, "spawned", S(RUNNING), 5000) != NULL,
		    "spawned: TASK_RUNNING");
		printf("pid %ld\n", lcc_task_pid("spawned"));
	} else
		check(false, "an offer");
	lcc_close(&s);
}

static void
timeout(int sig)
{
	static const char msg[] = "FAIL: lc_check ran out of time\n";

	(void)!write(1, msg, sizeof(msg) - 1);
	_exit(1);
}

int
main(int argc, char **argv)
{
	const char *what;

	if (argc < 3) {
		fprintf(stderr, "usage: lc_check PORT offer|tasks WORK_DIR|"
		    "failover|filters|errors|sim N|hangup|fuzz|simend|"
		    "spawn CMD\n");
		return 2;
	}
	lcc_port = atoi(argv[1]);
	what = argv[2];
	signal(SIGALRM, timeout);
	alarm(RUN_LIMIT_S);
	if (strcmp(what, "offer") == 0)
		scenario_offer(argc - 3, argv + 3);
	else if (strcmp(what, "tasks") == 0 && argc == 4)
		scenario_tasks(argv[3]);
	else if (strcmp(what, "failover") == 0)
		scenario_failover();
	else if (strcmp(what, "filters") == 0)
		scenario_filters();
	else if (strcmp(what, "errors") == 0)
		scenario_errors();
	else if (strcmp(what, "sim") == 0 && argc == 4)
		scenario_sim((size_t)atol(argv[3]));
	else if (strcmp(what, "fuzz") == 0)
		scenario_fuzz();
	else if (strcmp(what, "hangup") == 0)
		scenario_hangup();
	else if (strcmp(what, "simend") == 0)
		scenario_simend();
	else if (strcmp(what, "spawn") == 0 && argc == 4)
		scenario_spawn(argv[3]);
	else {
		fprintf(stderr, "lc_check: unknown scenario %s\n", what);
		return 2;
	}
	printf("%s: %d ok, %d failed\n", what, oks, fails);
	return fails == 0 ? 0 : 1;
}
