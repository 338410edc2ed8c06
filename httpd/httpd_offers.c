/*
 * httpd: Aurora's debugging pages of the offers held and the tasks
 * waiting for one, both asked of offerd and written as Aurora writes
 * them. GET /offers: a JSON array of the held Mesos offers. GET
 * /pendingtasks: a JSON array of task groups, each with its job ("name"),
 * "penaltyMs", "taskIds" and "reason" (the nearest fit's vetoes, in Java's
 * list form: "[Insufficient: CPU, Insufficient: RAM]").
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "common/log.h"
#include "common/proto_json.h"
#include "httpd/httpd.h"
#include "ipc/offers.pb-c.h"

static struct ipc_client *offerd;

/* A page waiting for offerd's answer. */
struct page {
	struct evhttp_request	*req;
	struct evhttp_connection *evcon;
	struct timespec		 start;
	int			 gone;	/* the client hung up */
	json_t			*(*render)(const Envelope *);
};

void
httpd_offers_init(struct ipc_client *o)
{
	offerd = o;
}

static json_t *
render_offers(const Envelope *env)
{
	OffersResponse *r;
	json_t *a, *o;

	if (env->type != MSG_TYPE__OFFERS_RESPONSE ||
	    (r = (OffersResponse *)ipc_body_decode(env,
	    &offers_response__descriptor)) == NULL)
		return NULL;
	if (r->left_out > 0)
		log_warnx("/offers: %u offers left out of offerd's answer",
		    r->left_out);
	if ((a = json_array()) != NULL)
		for (size_t i = 0; i < r->n_offers; i++)
			if ((o = proto_json(&r->offers[i]->base)) == NULL ||
			    json_array_append_new(a, o) == -1) {
				json_decref(a);
				a = NULL;
				break;
			}
	offers_response__free_unpacked(r, NULL);
	return a;
}

/* Java's List.toString of the reasons. */
static json_t *
java_list(char **v, size_t n)
{
	size_t len = 3;
	char *s;
	json_t *j;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 2;
	if ((s = malloc(len)) == NULL)
		return NULL;
	strcpy(s, "[");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, ", ");
		strcat(s, v[i]);
	}
	strcat(s, "]");
	j = json_string(s);
	free(s);
	return j;
}

static json_t *
render_group(const PendingGroup *g)
{
	json_t *o, *ids = json_array();

	for (size_t i = 0; ids != NULL && i < g->n_task_ids; i++)
		if (json_array_append_new(ids, json_string(g->task_ids[i])) ==
		    -1) {
			json_decref(ids);
			ids = NULL;
		}
	if (ids == NULL)
		return NULL;
	o = json_pack("{s:s, s:I, s:o, s:o*}", "name", g->name, "penaltyMs",
	    (json_int_t)g->penalty_ms, "taskIds", ids, "reason",
	    java_list(g->reasons, g->n_reasons));
	return o;
}

static json_t *
render_pending(const Envelope *env)
{
	PendingTasksResponse *r;
	json_t *a, *o;

	if (env->type != MSG_TYPE__PENDING_TASKS_RESPONSE ||
	    (r = (PendingTasksResponse *)ipc_body_decode(env,
	    &pending_tasks_response__descriptor)) == NULL)
		return NULL;
	if (r->left_out > 0)
		log_warnx("/pendingtasks: %u task ids left out of offerd's "
		    "answer", r->left_out);
	if ((a = json_array()) != NULL)
		for (size_t i = 0; i < r->n_groups; i++)
			if ((o = render_group(r->groups[i])) == NULL ||
			    json_array_append_new(a, o) == -1) {
				json_decref(a);
				a = NULL;
				break;
			}
	pending_tasks_response__free_unpacked(r, NULL);
	return a;
}

static void
on_close(struct evhttp_connection *evcon, void *arg)
{
	struct page *p = arg;

	(void)evcon;
	p->gone = 1;
}

static void
on_answer(const Envelope *env, const char *error, void *arg)
{
	struct page *p = arg;
	struct evbuffer *body;
	json_t *j = NULL;
	char *text = NULL;

	if (p->gone) {
		free(p);
		return;
	}
	evhttp_connection_set_closecb(p->evcon, NULL, NULL);
	if (env != NULL)
		j = p->render(env);
	if (j != NULL)
		text = json_dumps(j, JSON_COMPACT);
	if (text == NULL || (body = evbuffer_new()) == NULL) {
		httpd_reply_text(p->req, &p->start, 503, "Service Unavailable",
		    error != NULL ? error : "offerd did not answer");
	} else {
		evbuffer_add(body, text, strlen(text));
		httpd_reply(p->req, &p->start, 200, "OK", "application/json",
		    body);
		evbuffer_free(body);
	}
	free(text);
	json_decref(j);
	free(p);
}

static void
ask(struct evhttp_request *req, const struct timespec *start, MsgType type,
    json_t *(*render)(const Envelope *))
{
	struct page *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		httpd_reply_text(req, start, 500, "Internal Server Error",
		    "out of memory");
		return;
	}
	p->req = req;
	p->start = *start;
	p->render = render;
	p->evcon = evhttp_request_get_connection(req);
	evhttp_connection_set_closecb(p->evcon, on_close, p);
	if (ipc_call(offerd, type, NULL, HTTPD_IPC_TIMEOUT_MS * 5, on_answer,
	    p) == -1) {
		evhttp_connection_set_closecb(p->evcon, NULL, NULL);
		httpd_reply_text(req, start, 503, "Service Unavailable",
		    "cannot reach offerd");
		free(p);
	}
}

void
httpd_offers(struct evhttp_request *req, const struct timespec *start)
{
	ask(req, start, MSG_TYPE__OFFERS_REQUEST, render_offers);
}

void
httpd_pending_tasks(struct evhttp_request *req, const struct timespec *start)
{
	ask(req, start, MSG_TYPE__PENDING_TASKS_REQUEST, render_pending);
}
