/*
 * offerd: talks to the Mesos master on the leader once storage is READY,
 * matches offers to pending tasks and asks replica for every state change.
 * Peers: httpd asks it for status; replica answers its requests and
 * publishes its lifecycle and every applied change. Runs as the
 * scheduler's user under its seccomp filter (offerd_sandbox.c).
 *
 * While replica is LEADER_AWAITING_REGISTRATION or ACTIVE, offerd loads
 * the tasks, subscribes to Mesos as the stored framework, and on
 * SUBSCRIBED tells replica (which stores a new id and becomes ACTIVE) and
 * reconciles every task it believes is on an agent. Not registered within
 * -max_registration_delay: it logs Aurora's line and stops the scheduler.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/exitcodes.h"
#include "common/arena.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/proto_wire.h"
#include "common/sandbox.h"
#include "common/worker.h"
#include "ipc/ipc.h"
#include "ipc/ipc_vars.h"
#include "ipc/offers.pb-c.h"
#include "offerd/offerd.h"
#include "offerd/offerd_detect.h"
#include "replica/task_state.h"

#define QUERY_TIMEOUT_MS	10000

static const struct ipc_allow offerd_allow[] = {
	{ ROLE__HTTPD, MSG_TYPE__STATUS_REQUEST },
	{ ROLE__HTTPD, MSG_TYPE__PENDING_TASKS_REQUEST },
	{ ROLE__HTTPD, MSG_TYPE__OFFERS_REQUEST },
	{ ROLE__REPLICA, MSG_TYPE__PENDING_REASONS_REQUEST },
};

/* What offerd accepts from replica's event stream. */
static const struct ipc_allow offerd_events[] = {
	{ ROLE__REPLICA, MSG_TYPE__LIFECYCLE_EVENT },
	{ ROLE__REPLICA, MSG_TYPE__STORE_APPLIED },
};

/* StoreApplied's field numbers (ipc/store.proto). */
#define STORE_APPLIED_SEQ	3
#define STORE_APPLIED_PUBLISHER	4

static struct {
	struct event_base *base;
	struct ipc_client *replica;
	char		 lifecycle[64];
	int		 leading;
	int		 reconciled;	/* since the last SUBSCRIBED */
	struct event	*registration;
	uint64_t	 explicit_reconciles, implicit_reconciles;
	uint64_t	 event_publisher, event_seq;	/* the last event's */
	uint64_t	 event_gaps;
} offerd;

struct event_base *
offerd_base(void)
{
	return offerd.base;
}

struct ipc_client *
offerd_replica(void)
{
	return offerd.replica;
}

static void
status(struct ipc_request *req)
{
	struct ipc_vars v = { 0 };

	mesos_vars(&v);
	offerd_offers_vars(&v);
	offerd_hosts_vars(&v);
	ipc_vars_int(&v, "offerd_task_groups", (int64_t)offerd_groups_count());
	offerd_updates_vars(&v);
	ipc_vars_int(&v, "offerd_tasks_known", (int64_t)offerd_tasks_count());
	ipc_vars_int(&v, "offerd_store_event_gaps", (int64_t)offerd.event_gaps);
	ipc_vars_int(&v, "reconciliation_explicit_runs",
	    (int64_t)offerd.explicit_reconciles);
	ipc_vars_int(&v, "reconciliation_implicit_runs",
	    (int64_t)offerd.implicit_reconciles);
	ipc_vars_str(&v, "offerd_lifecycle_seen",
	    offerd.lifecycle[0] ? offerd.lifecycle : "none");
	ipc_vars_ipc_stats(&v, "offerd");
	ipc_vars_reply(req, &v);
}

static void
dispatch(struct ipc_request *req, void *arg)
{
	switch (ipc_request_envelope(req)->type) {
	case MSG_TYPE__STATUS_REQUEST:
		status(req);
		break;
	case MSG_TYPE__PENDING_REASONS_REQUEST:
		offerd_pending_reasons(req);
		break;
	case MSG_TYPE__PENDING_TASKS_REQUEST:
		offerd_pending_tasks(req);
		break;
	case MSG_TYPE__OFFERS_REQUEST:
		offerd_offers_list(req);
		break;
	default:
		ipc_reply_error(req, IPC_ERROR_CODE__NOT_ALLOWED,
		    "unexpected message");
		break;
	}
}

/* Reconciliation. */

struct reconcile_list {
	Mesos__V1__Call__Reconcile__Task **v;
	size_t	n, cap;
};

static int
add_on_agent(struct otask *t, void *arg)
{
	struct reconcile_list *l = arg;
	Mesos__V1__Call__Reconcile__Task *rt;

	if (!task_status_on_agent(t->status))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		void *p = realloc(l->v, cap * sizeof(*l->v));

		if (p == NULL)
			return -1;
		l->v = p;
		l->cap = cap;
	}
	if ((rt = calloc(1, sizeof(*rt))) == NULL)
		return -1;
	mesos__v1__call__reconcile__task__init(rt);
	if ((rt->task_id = calloc(1, sizeof(*rt->task_id))) == NULL) {
		free(rt);
		return -1;
	}
	mesos__v1__task_id__init(rt->task_id);
	rt->task_id->value = t->id;	/* lent */
	if (t->agent_id != NULL &&
	    (rt->agent_id = calloc(1, sizeof(*rt->agent_id))) != NULL) {
		mesos__v1__agent_id__init(rt->agent_id);
		rt->agent_id->value = t->agent_id;
	}
	l->v[l->n++] = rt;
	return 0;
}

static void
reconcile(int explicit)
{
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;
	Mesos__V1__Call__Reconcile r = MESOS__V1__CALL__RECONCILE__INIT;
	struct reconcile_list l = { NULL, 0, 0 };

	if (explicit) {
		offerd_tasks_each(add_on_agent, &l);
		if (l.n == 0)
			return;	/* an empty list would ask for every task */
	}
	r.n_tasks = l.n;
	r.tasks = l.v;
	c.has_type = 1;
	c.type = MESOS__V1__CALL__TYPE__RECONCILE;
	c.reconcile = &r;
	if (mesos_call(&c) == 0) {
		if (explicit)
			offerd.explicit_reconciles++;
		else
			offerd.implicit_reconciles++;
		log_info("%s reconciliation of %zu tasks asked",
		    explicit ? "explicit" : "implicit", l.n);
	}
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i]->task_id);
		free(l.v[i]->agent_id);
		free(l.v[i]);
	}
	free(l.v);
}

/* Once registered with the tasks loaded: what Mesos knows, told again. */
static void
maybe_reconcile(void)
{
	if (offerd.reconciled || !mesos_registered() || !offerd_tasks_loaded())
		return;
	offerd.reconciled = 1;
	reconcile(1);
	reconcile(0);
}

/* The Mesos side. */

static void
registered_done(const Envelope *reply, const char *error, void *arg)
{
	StoreSubmitResponse *r = NULL;

	if (reply != NULL && reply->type ==
	    MSG_TYPE__FRAMEWORK_REGISTERED_RESPONSE)
		r = (StoreSubmitResponse *)ipc_body_decode(reply,
		    &store_submit_response__descriptor);
	if (r == NULL || r->outcome != STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED)
		log_warnx("cannot store the framework id: %s", r != NULL &&
		    r->message != NULL ? r->message : error != NULL ? error :
		    "not applied");
	if (r != NULL)
		store_submit_response__free_unpacked(r, NULL);
}

static void
on_subscribed(const char *framework_id)
{
	FrameworkRegistered fr = FRAMEWORK_REGISTERED__INIT;

	if (offerd.registration != NULL)
		evtimer_del(offerd.registration);
	fr.framework_id = (char *)(uintptr_t)framework_id;
	if (ipc_call(offerd.replica, MSG_TYPE__FRAMEWORK_REGISTERED, &fr.base,
	    QUERY_TIMEOUT_MS, registered_done, NULL) == -1)
		log_warnx("cannot tell replica the framework id");
	offerd.reconciled = 0;
	maybe_reconcile();
	offerd_offers_kick();
}

static void
on_offers(Mesos__V1__Offer **offers, size_t n)
{
	offerd_offers_add(offers, n);
}

static void
on_disconnected(void)
{
	offerd_offers_clear();
}

static const struct mesos_events mesos_handlers = {
	on_subscribed, on_offers, offerd_offers_rescind,
	offerd_updates_status, on_disconnected,
};

static void __attribute__((noreturn))
registration_late(evutil_socket_t fd, short what, void *arg)
{
	log_error("Framework has not been registered within the tolerated "
	    "delay.");
	exit(EXIT_ABORT);
}

static int
master_by_zk(void)
{
	return strncmp(flag_str(F_MESOS_MASTER_ADDRESS), "zk://", 5) == 0;
}

/*
 * -mesos_master_address, or the local cluster when it is empty. For a
 * zk:// address, the leading master ZooKeeper names now; host is "" when
 * it names none yet (mesos_set_master follows its changes).
 */
static int
master_address(char *host, size_t len, int *port)
{
	const char *a = flag_str(F_MESOS_MASTER_ADDRESS);
	const char *colon;

	if (a[0] == '\0') {
		snprintf(host, len, "127.0.0.1");
		*port = (int)flag_int(F_LOCAL_CLUSTER_PORT);
		return 0;
	}
	if (master_by_zk()) {
		if (offerd_detect_leader(host, len, port) == -1) {
			host[0] = '\0';
			*port = 0;
		}
		return 0;
	}
	if ((colon = strrchr(a, ':')) == NULL ||
	    (size_t)(colon - a) >= len) {
		log_error("-mesos_master_address=%s is not host:port", a);
		return -1;
	}
	memcpy(host, a, (size_t)(colon - a));
	host[colon - a] = '\0';
	*port = atoi(colon + 1);
	return 0;
}

static void
framework_id_read(const Envelope *reply, const char *error, void *arg)
{
	StoreQueryResponse *r = NULL;
	char host[256];
	int port;

	if (!offerd.leading)
		return;
	if (reply != NULL && reply->type == MSG_TYPE__STORE_QUERY_RESPONSE)
		r = (StoreQueryResponse *)ipc_body_decode(reply,
		    &store_query_response__descriptor);
	if (r == NULL) {
		log_warnx("cannot read the framework id: %s; subscribing "
		    "as a new framework", error != NULL ? error : "bad answer");
	}
	if (master_address(host, sizeof(host), &port) == 0 &&
	    mesos_start(host[0] != '\0' ? host : NULL, port,
	    r != NULL ? r->framework_id : NULL, &mesos_handlers) == -1)
		log_warnx("cannot start talking to Mesos");
	if (r != NULL)
		store_query_response__free_unpacked(r, NULL);
}

/* ZooKeeper names another leading master, or none (ip NULL). */
static void
master_changed(const char *ip, int port, void *arg)
{
	mesos_set_master(ip, port);
}

static void
lead(void)
{
	StoreQueryRequest q = STORE_QUERY_REQUEST__INIT;
	int64_t delay = flag_duration_ms(F_MAX_REGISTRATION_DELAY);
	struct timeval tv = { delay / 1000, (delay % 1000) * 1000 };

	offerd.leading = 1;
	offerd.reconciled = 0;
	log_info("leading: loading tasks and subscribing to Mesos");
	offerd_tasks_load();
	offerd_hosts_load();
	if (offerd.registration == NULL)
		offerd.registration = evtimer_new(offerd.base,
		    registration_late, NULL);
	if (offerd.registration != NULL)
		evtimer_add(offerd.registration, &tv);
	/* The framework id comes with any query's answer. */
	q.table = STORE_TABLE__QUOTAS;
	q.has_limit = 1;
	q.limit = 1;
	if (ipc_call(offerd.replica, MSG_TYPE__STORE_QUERY_REQUEST, &q.base,
	    QUERY_TIMEOUT_MS, framework_id_read, NULL) == -1)
		framework_id_read(NULL, "cannot ask replica", NULL);
}

static void
follow(void)
{
	offerd.leading = 0;
	if (offerd.registration != NULL)
		evtimer_del(offerd.registration);
	mesos_stop();
	offerd_offers_clear();
	offerd_updates_clear();
	offerd_groups_clear();
	offerd_tasks_clear();
	offerd_hosts_clear();
	log_info("not leading: not talking to Mesos");
}

static void
on_lifecycle(const Envelope *env)
{
	LifecycleEvent *ev;
	int leads;

	ev = (LifecycleEvent *)ipc_body_decode(env, &lifecycle_event__descriptor);
	if (ev == NULL) {
		log_warnx("malformed lifecycle event from replica");
		return;
	}
	if (strcmp(offerd.lifecycle, ev->state) != 0)
		log_info("scheduler lifecycle is %s", ev->state);
	snprintf(offerd.lifecycle, sizeof(offerd.lifecycle), "%s", ev->state);
	leads = strcmp(ev->state, "LEADER_AWAITING_REGISTRATION") == 0 ||
	    strcmp(ev->state, "ACTIVE") == 0;
	lifecycle_event__free_unpacked(ev, NULL);
	if (leads && !offerd.leading)
		lead();
	else if (!leads && offerd.leading)
		follow();
}

/*
 * Whether store events were lost before this one: the publisher drops
 * what a busy subscriber has no room for. Read from the packed event, so
 * a follower, which does not decode events, still follows the count.
 */
static int
events_missed(const Envelope *env)
{
	uint64_t seq, publisher;
	int missed;

	if (!env->has_body || proto_wire_varint(env->body.data, env->body.len,
	    STORE_APPLIED_SEQ, &seq) != 1 ||
	    proto_wire_varint(env->body.data, env->body.len,
	    STORE_APPLIED_PUBLISHER, &publisher) != 1)
		return 0;	/* not numbered: nothing to compare */
	missed = offerd.event_seq != 0 && (publisher != offerd.event_publisher ||
	    seq != offerd.event_seq + 1);
	if (missed)
		log_warnx("store events %llu to %llu were lost on the way; "
		    "reading the tasks and hosts from the store again",
		    (unsigned long long)offerd.event_seq + 1,
		    (unsigned long long)seq - 1);
	offerd.event_publisher = publisher;
	offerd.event_seq = seq;
	return missed;
}

static void
on_event(const Envelope *env, void *arg)
{
	StoreApplied *ev;
	struct arena *a;

	if (env->type == MSG_TYPE__LIFECYCLE_EVENT) {
		on_lifecycle(env);
		return;
	}
	if (events_missed(env) && offerd.leading) {
		offerd.event_gaps++;
		offerd_groups_clear();
		offerd_tasks_load();
		offerd_hosts_load();
	}
	if (!offerd.leading)
		return;
	/* Thousands of tasks unpacked, read, and dropped at once. */
	if ((a = arena_new()) == NULL) {
		log_warnx("out of memory reading a store event");
		return;
	}
	ev = (StoreApplied *)ipc_body_decode_in(env, &store_applied__descriptor,
	    arena_allocator(a));
	if (ev == NULL) {
		log_warnx("malformed store event from replica");
		arena_free(a);
		return;
	}
	offerd_tasks_applied(ev);
	offerd_hosts_applied(ev);
	arena_free(a);
	maybe_reconcile();
}

/* Placement runs when a task becomes PENDING, not on every change. */
static void
task_changed(struct otask *t)
{
	offerd_updates_task_changed(t);
	if (t->status == SCHEDULE_STATUS__PENDING)
		offerd_offers_kick();
}

int
offerd_main(int argc, char *argv[])
{
	struct worker w;
	char url[256], err[256];

	worker_init(&w, "offerd", argc, argv);
	offerd.base = w.base;
	if (ipc_init(w.base, ROLE__OFFERD) == -1)
		fatalx("cannot start ipc");
	if (worker_ipc_url(url, sizeof(url), "offerd") == -1 ||
	    ipc_server_listen(url, offerd_allow,
	    sizeof(offerd_allow) / sizeof(offerd_allow[0]), dispatch,
	    NULL) == NULL)
		fatalx("cannot serve requests on %s", url);
	if (worker_ipc_url(url, sizeof(url), "replica") == -1 ||
	    (offerd.replica = ipc_client_dial_once(url)) == NULL)
		fatalx("cannot dial replica");
	if (worker_ipc_url(url, sizeof(url), "events") == -1 ||
	    ipc_sub_dial(url, offerd_events,
	    sizeof(offerd_events) / sizeof(offerd_events[0]), on_event,
	    NULL) == NULL)
		fatalx("cannot subscribe to %s", url);
	if (offerd_updates_init() == -1)
		fatalx("cannot start the status update timers");
	offerd_tasks_on_change(task_changed);
	/* SUBSCRIBED may come before the last page of a big store. */
	offerd_tasks_on_loaded(maybe_reconcile);
	/* Its threads and the servers' names, before the sandbox. */
	if (master_by_zk() && offerd_detect_start(w.base,
	    flag_str(F_MESOS_MASTER_ADDRESS), master_changed, NULL, err,
	    sizeof(err)) == -1)
		fatalx("cannot follow the Mesos master in ZooKeeper: %s", err);
	if (sandbox_enabled() && offerd_sandbox_apply(err, sizeof(err)) == -1)
		fatalx("sandbox: %s", err);
	worker_ready(&w);
	return worker_loop(&w);
}
