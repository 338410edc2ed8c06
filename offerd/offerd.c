/*
 * offerd: talks to the Mesos master on the leader once storage is READY,
 * matches offers to pending tasks and asks replica for every state change.
 * Peers: httpd asks it for status; it subscribes to replica's events. Runs
 * as the scheduler's user under its seccomp filter (offerd_sandbox.c).
 *
 * It is not registered with Mesos until the scheduler leads, and reports so
 * (framework_registered 0), as Aurora does.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/sandbox.h"
#include "common/worker.h"
#include "ipc/ipc.h"
#include "ipc/ipc_vars.h"
#include "offerd/offerd.h"

static const struct ipc_allow offerd_allow[] = {
	{ ROLE__HTTPD, MSG_TYPE__STATUS_REQUEST },
};

/* What offerd accepts from replica's event stream. */
static const struct ipc_allow offerd_events[] = {
	{ ROLE__REPLICA, MSG_TYPE__LIFECYCLE_EVENT },
};

static struct {
	char	lifecycle[64];
} offerd;

static void
status(struct ipc_request *req)
{
	struct ipc_vars v = { 0 };

	ipc_vars_int(&v, "framework_registered", 0);
	ipc_vars_str(&v, "offerd_lifecycle_seen",
	    offerd.lifecycle[0] ? offerd.lifecycle : "none");
	ipc_vars_ipc_stats(&v, "offerd");
	ipc_vars_reply(req, &v);
}

static void
dispatch(struct ipc_request *req, void *arg)
{
	if (ipc_request_envelope(req)->type == MSG_TYPE__STATUS_REQUEST)
		status(req);
	else
		ipc_reply_error(req, IPC_ERROR_CODE__NOT_ALLOWED,
		    "unexpected message");
}

static void
on_event(const Envelope *env, void *arg)
{
	LifecycleEvent *ev;

	ev = (LifecycleEvent *)ipc_body_decode(env, &lifecycle_event__descriptor);
	if (ev == NULL) {
		log_warnx("malformed lifecycle event from replica");
		return;
	}
	snprintf(offerd.lifecycle, sizeof(offerd.lifecycle), "%s", ev->state);
	log_info("scheduler lifecycle is %s", ev->state);
	lifecycle_event__free_unpacked(ev, NULL);
}

int
offerd_main(int argc, char *argv[])
{
	struct worker w;
	char url[256], err[256];

	worker_init(&w, "offerd", argc, argv);
	if (ipc_init(w.base, ROLE__OFFERD) == -1)
		fatalx("cannot start ipc");
	if (worker_ipc_url(url, sizeof(url), "offerd") == -1 ||
	    ipc_server_listen(url, offerd_allow,
	    sizeof(offerd_allow) / sizeof(offerd_allow[0]), dispatch,
	    NULL) == NULL)
		fatalx("cannot serve requests on %s", url);
	if (worker_ipc_url(url, sizeof(url), "events") == -1 ||
	    ipc_sub_dial(url, offerd_events,
	    sizeof(offerd_events) / sizeof(offerd_events[0]), on_event,
	    NULL) == NULL)
		fatalx("cannot subscribe to %s", url);
	if (sandbox_enabled() && offerd_sandbox_apply(err, sizeof(err)) == -1)
		fatalx("sandbox: %s", err);
	worker_ready(&w);
	return worker_loop(&w);
}
