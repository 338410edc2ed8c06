/*
 * aurora-local-cluster: GET /state.json, what the cluster holds, for tests
 * and operators: frameworks, agents with their resources and what tasks
 * use of them, tasks (running ones and the last LC_COMPLETED_MAX ended
 * ones) with their sandboxes, processes, containers and executors, and
 * counters.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "common/log.h"
#include "localcluster/localcluster.h"

static json_t *
res_json(const struct lc_res *r)
{
	size_t len = r->ports.n * 44 + 4;
	char *ports = xmalloc(len);
	json_t *j;

	lc_ranges_format(&r->ports, ports, len);
	j = json_pack("{s:f, s:f, s:f, s:s}", "cpus", lc_res_double(r->cpus),
	    "mem", lc_res_double(r->mem), "disk", lc_res_double(r->disk),
	    "ports", ports);
	free(ports);
	return j;
}

static json_t *
agent_json(const struct lc_agent *a)
{
	json_t *attrs = json_object();
	size_t i;

	for (i = 0; i < a->nattrs; i++)
		json_object_set_new(attrs, a->attrs[i].name,
		    json_string(a->attrs[i].value));
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:I, s:b}", "id", a->id,
	    "hostname", a->hostname, "resources", res_json(&a->total),
	    "used", res_json(&a->used), "attributes", attrs,
	    "tasks", (json_int_t)a->ntasks, "offered", a->offer != NULL);
}

static json_t *
container_json(const struct lc_task *t)
{
	json_t *vols;
	size_t i;

	if (t->container_type == 0)
		return json_null();
	vols = json_array();
	for (i = 0; i < t->nvolumes; i++)
		json_array_append_new(vols, json_pack("{s:s, s:s?, s:s}",
		    "container_path", t->volumes[i].container_path,
		    "host_path", t->volumes[i].host_path,
		    "mode", t->volumes[i].ro ? "RO" : "RW"));
	return json_pack("{s:s, s:s?, s:o}", "type", t->docker ? "DOCKER" :
	    "MESOS", "image", t->image, "volumes", vols);
}

static json_t *
uri_json(const Mesos__V1__CommandInfo__URI *u)
{
	/* Unset fields as Mesos reads them: extract defaults to true. */
	return json_pack("{s:s, s:b, s:b, s:b, s:s?}", "value", u->value,
	    "executable", u->has_executable && u->executable,
	    "extract", !u->has_extract || u->extract,
	    "cache", u->has_cache && u->cache,
	    "output_file", u->output_file);
}

static json_t *
executor_json(const Mesos__V1__ExecutorInfo *ex)
{
	const Mesos__V1__CommandInfo *cmd = ex->command;
	json_t *uris = json_array(), *labels = json_object(), *res;
	struct lc_res r;
	char err[256];
	size_t i;

	if (cmd != NULL)
		for (i = 0; i < cmd->n_uris; i++)
			json_array_append_new(uris, uri_json(cmd->uris[i]));
	if (ex->labels != NULL)
		for (i = 0; i < ex->labels->n_labels; i++)
			json_object_set_new(labels, ex->labels->labels[i]->key,
			    ex->labels->labels[i]->value != NULL ?
			    json_string(ex->labels->labels[i]->value) :
			    json_null());
	/* lc_task_check parsed them already: this cannot fail. */
	lc_res_init(&r);
	if (lc_res_parse(&r, ex->resources, ex->n_resources, err,
	    sizeof(err)) == -1)
		log_warnx("executor %s: %s", ex->executor_id->value, err);
	res = res_json(&r);
	lc_res_free(&r);
	return json_pack("{s:s, s:s?, s:s?, s:o, s:{s:s?, s:b, s:o}, s:o}",
	    "id", ex->executor_id->value, "name", ex->name,
	    "source", ex->source, "labels", labels,
	    "command", "value", cmd != NULL ? cmd->value : NULL,
	    "shell", cmd == NULL || !cmd->has_shell || cmd->shell,
	    "uris", uris, "resources", res);
}

struct json_t *
lc_state_launch(const Mesos__V1__TaskInfo *ti)
{
	static const char hex[] = "0123456789abcdef";
	json_t *j;
	char *data = NULL;
	size_t i;

	if (ti->executor == NULL && !ti->has_data)
		return NULL;
	if (ti->has_data) {
		data = xmalloc(2 * ti->data.len + 1);
		for (i = 0; i < ti->data.len; i++) {
			data[2 * i] = hex[ti->data.data[i] >> 4];
			data[2 * i + 1] = hex[ti->data.data[i] & 15];
		}
		data[2 * i] = '\0';
	}
	j = json_pack("{s:o, s:s?}", "executor", ti->executor != NULL ?
	    executor_json(ti->executor) : json_null(), "data", data);
	free(data);
	if (j == NULL)
		fatalx("out of memory recording a launch");
	return j;
}

void
lc_state_launch_free(struct json_t *j)
{
	json_decref(j);
}

static json_t *
task_json(const struct lc_task *t)
{
	json_t *j;

	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:o, s:o, "
	    "s:s?, s:o, s:b}",
	    "id", t->id, "name", t->name, "agent_id", t->agent->id,
	    "framework_id", t->fw_id, "state", lc_state_name(t->state),
	    "message", t->message, "sandbox", t->sandbox,
	    "pid", t->pid != 0 ? json_integer(t->pid) : json_null(),
	    "resources", res_json(&t->res), "command", t->command,
	    "container", container_json(t),
	    "acknowledged", !t->update.pending);
	if (t->launch != NULL)
		json_object_update(j, t->launch);
	else
		json_object_update_new(j, json_pack("{s:n, s:n}", "executor",
		    "data"));
	return j;
}

static json_t *
state(void)
{
	const struct lc_framework *fw;
	const struct lc_task *t;
	json_t *fws, *agents, *tasks;
	const struct lc_counters *c = &lc.counters;
	size_t i;

	fws = json_array();
	TAILQ_FOREACH(fw, &lc.frameworks, entry)
		json_array_append_new(fws, json_pack("{s:s, s:s, s:s, s:b, "
		    "s:b, s:s?}", "id", fw->id, "name", fw->name,
		    "user", fw->user, "connected", fw->stream != NULL,
		    "suppressed", fw->suppressed,
		    "stream_id", fw->stream != NULL ? fw->stream->id : NULL));
	agents = json_array();
	for (i = 0; i < lc.nagents; i++)
		json_array_append_new(agents, agent_json(&lc.agents[i]));
	tasks = json_array();
	TAILQ_FOREACH(t, &lc.completed, entry)
		json_array_append_new(tasks, task_json(t));
	TAILQ_FOREACH(t, &lc.active, entry)
		json_array_append_new(tasks, task_json(t));
	return json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:{s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I, s:I}}",
	    "master_id", lc.master_id, "hostname", lc.hostname,
	    "simulated", lc.simulate,
	    "frameworks", fws, "agents", agents, "tasks", tasks,
	    "counters", "launched", (json_int_t)c->launched,
	    "finished", (json_int_t)c->finished,
	    "failed", (json_int_t)c->failed,
	    "killed", (json_int_t)c->killed, "lost", (json_int_t)c->lost,
	    "errors", (json_int_t)c->errors,
	    "offers_sent", (json_int_t)c->offers_sent,
	    "declines", (json_int_t)c->declines,
	    "accepts", (json_int_t)c->accepts);
}

void
lc_state_reply(struct evhttp_request *req)
{
	struct evbuffer *b;
	json_t *j;
	char *s;

	if ((j = state()) == NULL || (s = json_dumps(j, JSON_COMPACT)) ==
	    NULL || (b = evbuffer_new()) == NULL)
		fatalx("out of memory building /state.json");
	json_decref(j);
	evbuffer_add(b, s, strlen(s));
	evbuffer_add(b, "\n", 1);
	free(s);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}
