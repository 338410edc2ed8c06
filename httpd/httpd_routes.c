/*
 * httpd's endpoints. /health answers at once; /vars, /vars.json and
 * /leaderhealth ask master and the workers over IPC and answer when their
 * replies (or timeouts) are in. A client that hangs up meanwhile is noticed
 * through the connection's close callback, and its answer dropped.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/log.h"
#include "httpd/httpd.h"
#include "ipc/ipc_vars.h"

enum { PEER_MASTER, PEER_REPLICA, PEER_OFFERD, NPEERS };

static const char *const peer_names[NPEERS] = { "master", "replica", "offerd" };

static struct httpd_peers *peers;

struct pending;

struct part {
	struct pending	*p;
	int		 peer;
};

struct pending {
	struct evhttp_request	*req;
	struct evhttp_connection *evcon;
	struct timespec		 start;
	int			 cancelled;
	int			 outstanding;
	int			 json;
	struct part		 parts[NPEERS];
	StatusResponse		*status[NPEERS];
	char			 error[NPEERS][160];
};

static uint64_t
elapsed_nanos(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - start->tv_sec) * 1000000000ULL +
	    (uint64_t)(now.tv_nsec - start->tv_nsec);
}

void
httpd_reply(struct evhttp_request *req, const struct timespec *start, int code,
    const char *reason, const char *ctype, struct evbuffer *body)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", ctype);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD)
		evbuffer_drain(body, evbuffer_get_length(body));
	httpd_stats_count(code, elapsed_nanos(start));
	evhttp_send_reply(req, code, reason, body);
}

void
httpd_reply_text(struct evhttp_request *req, const struct timespec *start,
    int code, const char *reason, const char *text)
{
	struct evbuffer *body = evbuffer_new();

	if (body == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_add(body, text, strlen(text));
	httpd_reply(req, start, code, reason, "text/plain", body);
	evbuffer_free(body);
}

static void
on_client_close(struct evhttp_connection *evcon, void *arg)
{
	struct pending *p = arg;

	p->cancelled = 1;
}

static struct pending *
pending_new(struct evhttp_request *req, const struct timespec *start)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->req = req;
	p->start = *start;
	p->evcon = evhttp_request_get_connection(req);
	evhttp_connection_set_closecb(p->evcon, on_client_close, p);
	return p;
}

/* Detaches p from its connection; true if the client is still there. */
static int
pending_detach(struct pending *p)
{
	if (!p->cancelled)
		evhttp_connection_set_closecb(p->evcon, NULL, NULL);
	return !p->cancelled;
}

static void
pending_free(struct pending *p)
{
	for (int i = 0; i < NPEERS; i++) {
		if (p->status[i] != NULL)
			status_response__free_unpacked(p->status[i], NULL);
	}
	free(p);
}

/* /health: what monit watches. Aurora answers exactly "OK\n". */
static void
health(struct evhttp_request *req, const struct timespec *start)
{
	httpd_reply_text(req, start, 200, "OK", "OK\n");
}

static void
vars_render(struct pending *p)
{
	struct ipc_vars own = { 0 };
	struct evbuffer *body;
	Var **all;
	size_t n = 0, cap;
	char name[64];

	httpd_stats_vars(&own);
	ipc_vars_ipc_stats(&own, "httpd");
	for (int i = 0; i < NPEERS; i++) {
		if (p->error[i][0] != '\0') {
			snprintf(name, sizeof(name), "status_error_%s",
			    peer_names[i]);
			ipc_vars_str(&own, name, p->error[i]);
		}
	}
	cap = own.n;
	for (int i = 0; i < NPEERS; i++)
		cap += p->status[i] != NULL ? p->status[i]->n_vars : 0;
	body = evbuffer_new();
	all = calloc(cap ? cap : 1, sizeof(*all));
	if (body == NULL || all == NULL) {
		evhttp_send_error(p->req, 500, NULL);
		goto out;
	}
	for (size_t j = 0; j < own.n; j++)
		all[n++] = own.items[j];
	for (int i = 0; i < NPEERS; i++) {
		for (size_t j = 0; p->status[i] != NULL &&
		    j < p->status[i]->n_vars; j++)
			all[n++] = p->status[i]->vars[j];
	}
	httpd_vars_sort(all, n);
	if (p->json) {
		if (httpd_vars_json(body, all, n) == -1) {
			evhttp_send_error(p->req, 500, NULL);
			goto out;
		}
		httpd_reply(p->req, &p->start, 200, "OK", "application/json",
		    body);
	} else {
		httpd_vars_text(body, all, n);
		httpd_reply(p->req, &p->start, 200, "OK", "text/plain", body);
	}
out:
	if (body != NULL)
		evbuffer_free(body);
	free(all);
	ipc_vars_clear(&own);
}

static void
vars_reply(const Envelope *env, const char *error, void *arg)
{
	struct part *part = arg;
	struct pending *p = part->p;

	if (env != NULL && env->type == MSG_TYPE__STATUS_RESPONSE) {
		p->status[part->peer] = (StatusResponse *)ipc_body_decode(env,
		    &status_response__descriptor);
		if (p->status[part->peer] == NULL)
			error = "malformed status";
	} else if (error == NULL)
		error = "unexpected reply";
	if (error != NULL)
		snprintf(p->error[part->peer], sizeof(p->error[part->peer]),
		    "%s", error);
	if (--p->outstanding > 0)
		return;
	if (pending_detach(p))
		vars_render(p);
	pending_free(p);
}

static void
vars(struct evhttp_request *req, const struct timespec *start, int json)
{
	struct ipc_client *clients[NPEERS] = {
		peers->master, peers->replica, peers->offerd
	};
	struct pending *p;

	if ((p = pending_new(req, start)) == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	p->json = json;
	p->outstanding = NPEERS;
	for (int i = 0; i < NPEERS; i++) {
		p->parts[i].p = p;
		p->parts[i].peer = i;
		if (ipc_call(clients[i], MSG_TYPE__STATUS_REQUEST, NULL,
		    HTTPD_IPC_TIMEOUT_MS, vars_reply, &p->parts[i]) == -1)
			vars_reply(NULL, "cannot send the request",
			    &p->parts[i]);
	}
}

/* Aurora's LeaderHealth answers and help text. */
static const char leader_help[] =
    "\n\nThis endpoint can indicate to a load balancer which among a group "
    "of schedulers is leading.\n\nThe response codes are:\n"
    "200: This is the leading scheduler.\n"
    "503: Another instance is the leading scheduler.\n"
    "502: There is no leading scheduler or the leader is unknown.";

static void
leader_reply(const Envelope *env, const char *error, void *arg)
{
	struct pending *p = arg;
	LeaderResponse *lr = NULL;
	char text[1024];
	const char *status;
	int code;

	if (env != NULL && env->type == MSG_TYPE__LEADER_RESPONSE)
		lr = (LeaderResponse *)ipc_body_decode(env,
		    &leader_response__descriptor);
	if (lr != NULL && lr->status == LEADER_STATUS__LEADING) {
		code = 200;
		status = "This is the leading scheduler.";
	} else if (lr != NULL && lr->status == LEADER_STATUS__NOT_LEADING) {
		code = 503;
		status = "Another instance is the leading scheduler.";
	} else {
		code = 502;
		status = "There is no leading scheduler or the leader is "
		    "unknown.";
	}
	if (pending_detach(p)) {
		snprintf(text, sizeof(text), "Current status: %s%s", status,
		    leader_help);
		httpd_reply_text(p->req, &p->start, code, NULL, text);
	}
	if (lr != NULL)
		leader_response__free_unpacked(lr, NULL);
	pending_free(p);
}

static void
leaderhealth(struct evhttp_request *req, const struct timespec *start)
{
	struct pending *p;

	if ((p = pending_new(req, start)) == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	if (ipc_call(peers->replica, MSG_TYPE__LEADER_REQUEST, NULL,
	    HTTPD_IPC_TIMEOUT_MS, leader_reply, p) == -1)
		leader_reply(NULL, "cannot send the request", p);
}

static void
vars_text(struct evhttp_request *req, const struct timespec *start)
{
	vars(req, start, 0);
}

static void
vars_json(struct evhttp_request *req, const struct timespec *start)
{
	vars(req, start, 1);
}

/* Every endpoint answers GET and HEAD; /api also POST, as Aurora's. */
static const struct {
	const char	*path;
	void		(*handler)(struct evhttp_request *,
			    const struct timespec *);
	int		 post;
} routes[] = {
	{ "/health", health, 0 },
	{ "/vars", vars_text, 0 },
	{ "/vars.json", vars_json, 0 },
	{ "/leaderhealth", leaderhealth, 0 },
	{ "/api", httpd_api, 1 },
	{ "/offers", httpd_offers, 0 },
	{ "/pendingtasks", httpd_pending_tasks, 0 },
};

static void
route(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (path == NULL || path[0] == '\0')
		path = "/";
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(path, routes[i].path) != 0)
			continue;
		if (cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD ||
		    (cmd == EVHTTP_REQ_POST && routes[i].post)) {
			routes[i].handler(req, &start);
			return;
		}
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", routes[i].post ? "GET, HEAD, POST" : "GET, HEAD");
		httpd_reply_text(req, &start, 405, "Method Not Allowed",
		    "Method Not Allowed\n");
		return;
	}
	httpd_reply_text(req, &start, 404, "Not Found", "Not Found\n");
}

void
httpd_routes_init(struct evhttp *http, struct httpd_peers *p)
{
	peers = p;
	httpd_api_init(p->replica);
	httpd_offers_init(p->offerd);
	evhttp_set_gencb(http, route, NULL);
}
