/*
 * replica: owns the replicated log and the materialised store (LMDB, opened
 * only here). Peers: httpd and offerd ask it for status and leadership over
 * its rep socket; everyone subscribes to its events. Runs as the scheduler's
 * user under its seccomp filter (replica_sandbox.c).
 *
 * The scheduler's lifecycle (Aurora's SchedulerLifecycle states) follows
 * the log: PREPARING_STORAGE while the replica recovers, STORAGE_PREPARED
 * once it votes, LEADER_AWAITING_REGISTRATION once this scheduler leads
 * and writes the log.
 *
 * With -zk_endpoints, ZooKeeper (replica_zk.c) finds the other replicas
 * and elects the leader; a scheduler enters the election once its replica
 * votes, as Aurora enters it once storage is prepared. A leader that loses
 * its session or its leadership exits at once, as Aurora does; master
 * starts a fresh replica, which rejoins as a follower.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/exitcodes.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "common/worker.h"
#include "ipc/ipc.h"
#include "ipc/ipc_vars.h"
#include "replica/replica.h"
#include "replica/replica_api.h"
#include "replica/api_tasks.h"
#include "replica/sched.h"
#include "replica/sched_timers.h"
#include "replica/sched_config.h"
#include "replica/sched_state.h"
#include "replica/replica_log.h"
#include "replica/replica_offers.h"
#include "replica/replica_snapshot.h"
#include "replica/replica_store.h"
#include "replica/replica_zk.h"

/* Aurora's SchedulerLifecycle.State, in its order. */
static const char *const lifecycle_states[] = {
	"IDLE", "PREPARING_STORAGE", "STORAGE_PREPARED",
	"LEADER_AWAITING_REGISTRATION", "ACTIVE", "DEAD",
};

static const struct ipc_allow replica_allow[] = {
	{ ROLE__HTTPD, MSG_TYPE__STATUS_REQUEST },
	{ ROLE__HTTPD, MSG_TYPE__LEADER_REQUEST },
	{ ROLE__OFFERD, MSG_TYPE__STATUS_REQUEST },
	{ ROLE__OFFERD, MSG_TYPE__LEADER_REQUEST },
	/* httpd reads; only trusted workers write. */
	{ ROLE__HTTPD, MSG_TYPE__STORE_QUERY_REQUEST },
	{ ROLE__OFFERD, MSG_TYPE__STORE_QUERY_REQUEST },
	{ ROLE__OFFERD, MSG_TYPE__STORE_SUBMIT_REQUEST },
	/* A snapshot changes nothing stored: either may ask for one. */
	{ ROLE__HTTPD, MSG_TYPE__STORE_SNAPSHOT_REQUEST },
	{ ROLE__OFFERD, MSG_TYPE__STORE_SNAPSHOT_REQUEST },
	/* Aurora's API, decoded by httpd and decided here. */
	{ ROLE__HTTPD, MSG_TYPE__API_CALL_REQUEST },
	/* Mesos's side: placements, status updates, registration. */
	{ ROLE__OFFERD, MSG_TYPE__TASK_ASSIGN_REQUEST },
	{ ROLE__OFFERD, MSG_TYPE__TASK_STATUS_REQUEST },
	{ ROLE__OFFERD, MSG_TYPE__FRAMEWORK_REGISTERED },
};

static struct {
	const char	*lifecycle;
	struct ipc_pub	*events;
	struct ipc_client *offerd;	/* asked for pending reasons */
	int		 with_zk;
	size_t		 fenced_at;	/* replicas listed when fenced; 0 if not */
} replica;

struct ipc_client *
replica_offerd(void)
{
	return replica.offerd;
}

static void
status(struct ipc_request *req)
{
	struct ipc_vars v = { 0 };
	char name[96];

	for (size_t i = 0; i < sizeof(lifecycle_states) /
	    sizeof(lifecycle_states[0]); i++) {
		snprintf(name, sizeof(name), "scheduler_lifecycle_%s",
		    lifecycle_states[i]);
		ipc_vars_int(&v, name,
		    strcmp(lifecycle_states[i], replica.lifecycle) == 0);
	}
	ipc_vars_int(&v, "native_log_quorum_size",
	    flag_int(F_NATIVE_LOG_QUORUM_SIZE));
	replica_log_vars(&v);
	replica_store_vars(&v);
	replica_snapshot_vars(&v);
	replica_api_vars(&v);
	replica_offers_vars(&v);
	sched_vars(&v);
	sched_timers_vars(&v);
	api_task_store_vars(replica_store_handle(), &v);
	replica_zk_vars(&v);
	ipc_vars_ipc_stats(&v, "replica");
	ipc_vars_reply(req, &v);
}

LeaderStatus
replica_leadership(char *addr, size_t len)
{
	addr[0] = '\0';
	if (replica.with_zk)
		return replica_zk_leader(addr, len);
	return replica_log_state() == REPLICA_LOG_WRITING ?
	    LEADER_STATUS__LEADING : LEADER_STATUS__NO_LEADER;
}

static void
leader(struct ipc_request *req)
{
	LeaderResponse resp = LEADER_RESPONSE__INIT;
	char addr[320];

	resp.status = replica_leadership(addr, sizeof(addr));
	if (addr[0] != '\0')
		resp.leader_http_address = addr;
	ipc_reply(req, MSG_TYPE__LEADER_RESPONSE, &resp.base);
}

static void
dispatch(struct ipc_request *req, void *arg)
{
	switch (ipc_request_envelope(req)->type) {
	case MSG_TYPE__STATUS_REQUEST:
		status(req);
		break;
	case MSG_TYPE__LEADER_REQUEST:
		leader(req);
		break;
	case MSG_TYPE__STORE_SUBMIT_REQUEST:
		replica_store_submit(req);
		break;
	case MSG_TYPE__STORE_QUERY_REQUEST:
		replica_store_query(req);
		break;
	case MSG_TYPE__STORE_SNAPSHOT_REQUEST:
		replica_snapshot_request(req);
		break;
	case MSG_TYPE__API_CALL_REQUEST:
		replica_api_call(req);
		break;
	case MSG_TYPE__TASK_ASSIGN_REQUEST:
		replica_offers_assign(req);
		break;
	case MSG_TYPE__TASK_STATUS_REQUEST:
		replica_offers_status(req);
		break;
	case MSG_TYPE__FRAMEWORK_REGISTERED:
		replica_offers_registered(req);
		break;
	default:
		ipc_reply_error(req, IPC_ERROR_CODE__NOT_ALLOWED,
		    "unexpected message");
		break;
	}
}

/*
 * Re-published every few seconds: pub/sub keeps nothing for a subscriber
 * that connects later (a restarted offerd), and the repeat tells
 * subscribers replica is alive.
 */
#define LIFECYCLE_REPEAT_SECS	5

static void
publish_lifecycle(const char *state)
{
	LifecycleEvent ev = LIFECYCLE_EVENT__INIT;
	struct timespec ts;
	char name[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	replica.lifecycle = state;
	snprintf(name, sizeof(name), "%s", state);
	ev.state = name;
	ev.timestamp_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (ipc_publish(replica.events, MSG_TYPE__LIFECYCLE_EVENT,
	    &ev.base) == -1)
		log_warnx("cannot publish lifecycle %s", state);
}

static void
transition(const char *state)
{
	if (strcmp(state, replica.lifecycle) == 0)
		return;
	log_info("SchedulerLifecycle state machine transition %s -> %s",
	    replica.lifecycle, state);
	publish_lifecycle(state);
}

static void
log_changed(enum replica_log_state s)
{
	if (s != REPLICA_LOG_WRITING) {
		replica_store_not_writing();
		sched_kick();	/* decisions waiting fail: not the leader */
	}
	replica_snapshot_writing(s == REPLICA_LOG_WRITING);
	sched_timers_leading(s == REPLICA_LOG_WRITING);
	switch (s) {
	case REPLICA_LOG_RECOVERING:
		transition("PREPARING_STORAGE");
		break;
	case REPLICA_LOG_FOLLOWING:
		transition("STORAGE_PREPARED");
		if (replica.with_zk)
			replica_zk_contend();
		break;
	case REPLICA_LOG_ELECTING:
		transition("STORAGE_PREPARED");
		break;
	case REPLICA_LOG_WRITING:
		transition("LEADER_AWAITING_REGISTRATION");
		if (replica.with_zk)
			replica_zk_advertise();
		break;
	}
}

void
replica_lifecycle_registered(void)
{
	if (strcmp(replica.lifecycle, "LEADER_AWAITING_REGISTRATION") == 0)
		transition("ACTIVE");
}

/* ZooKeeper's news. */

static void __attribute__((noreturn))
commit_suicide(void)
{
	log_error("Lost leadership, committing suicide.");
	exit(EXIT_FAILURE);
}

static void
zk_replicas(const char *const *addrs, size_t n)
{
	size_t q = (size_t)flag_int(F_NATIVE_LOG_QUORUM_SIZE);
	int fenced = n > 2 * q - 1;

	replica_log_set_peers(addrs, n);
	/* Said again when the count changes, so the log shows the latest. */
	if (fenced && replica.fenced_at != n)
		log_error("The log replica group %s lists %zu replicas, more "
		    "than 2 * -native_log_quorum_size - 1 = %zu "
		    "(-native_log_quorum_size=%zu): two disjoint quorums could "
		    "accept different writes. Refusing to write the log; set "
		    "-native_log_quorum_size to floor(N/2)+1 for N replicas",
		    flag_str(F_NATIVE_LOG_ZK_GROUP_PATH), n, 2 * q - 1, q);
	else if (!fenced && replica.fenced_at != 0)
		log_info("The log replica group lists %zu replicas, at most "
		    "%zu for -native_log_quorum_size=%zu: writing is allowed "
		    "again", n, 2 * q - 1, q);
	replica.fenced_at = fenced ? n : 0;
	/* A writer stops and withdraws its announcement by exiting. */
	if (fenced && replica_log_state() == REPLICA_LOG_WRITING)
		commit_suicide();
	replica_log_fence(fenced);
}

/* Called on each change: losing means having led. */
static void
zk_leading(int leading)
{
	if (!leading)
		commit_suicide();
	replica_log_lead(1);
}

static void
zk_lost(const char *why)
{
	log_error("%s", why);
	if (replica_zk_leading() ||
	    replica_log_state() != REPLICA_LOG_FOLLOWING)
		commit_suicide();
	/* A follower's replica restarts with a new session and rejoins. */
	fatalx("restarting to rejoin ZooKeeper with a new session");
}

static const struct replica_zk_ops zk_ops = {
	zk_replicas, zk_leading, zk_lost,
};

static void
lifecycle_tick(evutil_socket_t fd, short what, void *arg)
{
	publish_lifecycle(replica.lifecycle);
}

int
replica_main(int argc, char *argv[])
{
	struct sched_settings sched;
	struct sched_timer_settings timers;
	struct worker w;
	struct ipc_server *srv;
	struct timeval repeat = { LIFECYCLE_REPEAT_SECS, 0 };
	struct event *tick;
	char url[256], err[256];
	int rc;

	worker_init(&w, "replica", argc, argv);
	if (ipc_init(w.base, ROLE__REPLICA) == -1)
		fatalx("cannot start ipc");
	replica.lifecycle = lifecycle_states[0];
	memset(&sched, 0, sizeof(sched));
	sched.flapping_threshold_ms = flag_duration_ms(F_FLAPPING_TASK_THRESHOLD);
	sched.initial_flapping_delay_ms =
	    flag_duration_ms(F_INITIAL_FLAPPING_TASK_DELAY);
	sched.max_flapping_delay_ms = flag_duration_ms(F_MAX_FLAPPING_TASK_DELAY);

	if (worker_ipc_url(url, sizeof(url), "replica") == -1 ||
	    (srv = ipc_server_listen(url, replica_allow,
	    sizeof(replica_allow) / sizeof(replica_allow[0]), dispatch,
	    NULL)) == NULL)
		fatalx("cannot serve requests on %s", url);
	if (worker_ipc_url(url, sizeof(url), "events") == -1 ||
	    (replica.events = ipc_pub_listen(url)) == NULL)
		fatalx("cannot publish events on %s", url);
	if (worker_ipc_url(url, sizeof(url), "offerd") == -1 ||
	    (replica.offerd = ipc_client_dial(url)) == NULL)
		fatalx("cannot dial offerd");

	/* LMDB opens its files here, before the sandbox forbids open(2). */
	if (replica_log_open(err, sizeof(err)) == -1 ||
	    replica_store_open(w.base, replica.events, err, sizeof(err)) == -1)
		fatalx_code(EXIT_CONFIG, "%s", err);
	/* The log port is bound and ZooKeeper's threads started here too. */
	replica.with_zk = flag_str(F_ZK_ENDPOINTS)[0] != '\0';
	if (replica_log_listen(w.base, replica.with_zk, err,
	    sizeof(err)) == -1)
		fatalx_code(EXIT_CONFIG, "%s", err);
	if (replica.with_zk && replica_zk_start(w.base, replica_log_address(),
	    replica_log_id(), &zk_ops, err, sizeof(err)) == -1)
		fatalx_code(EXIT_CONFIG, "%s", err);

	/* -tier_config is read here, and the host name for task events. */
	if (sched_config_init(err, sizeof(err)) == -1)
		fatalx_code(EXIT_CONFIG, "%s", err);
	sched_state_init(&sched);
	timers.transient_timeout_ms =
	    flag_duration_ms(F_TRANSIENT_TASK_STATE_TIMEOUT);
	timers.prune_threshold_ms = flag_duration_ms(F_HISTORY_PRUNE_THRESHOLD);
	timers.min_retention_ms =
	    flag_duration_ms(F_HISTORY_MIN_RETENTION_THRESHOLD);
	timers.max_per_job = flag_int(F_HISTORY_MAX_PER_JOB_THRESHOLD);
	if (sched_timers_init(w.base, &timers) == -1)
		fatalx("cannot start the task timers");
	replica_store_on_applied(sched_timers_applied);

	if (sandbox_enabled() && replica_sandbox_apply(err, sizeof(err)) == -1)
		fatalx("sandbox: %s", err);
	worker_ready(&w);
	publish_lifecycle(lifecycle_states[0]);
	transition("PREPARING_STORAGE");
	if (replica_log_start(log_changed, err, sizeof(err)) == -1)
		fatalx("%s", err);
	/* Alone, this scheduler leads as soon as its replica votes. */
	if (!replica.with_zk)
		replica_log_lead(1);
	tick = event_new(w.base, -1, EV_PERSIST, lifecycle_tick, NULL);
	if (tick == NULL || event_add(tick, &repeat) == -1)
		fatalx("cannot start the lifecycle timer");
	rc = worker_loop(&w);
	if (replica.with_zk)
		replica_zk_stop();
	replica_log_close();
	replica_store_close();
	return rc;
}
