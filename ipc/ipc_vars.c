/*
 * StatusResponse building for master and the workers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/ipc_vars.h"

static Var *
add(struct ipc_vars *v, const char *name)
{
	Var *var;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 32;
		Var **items = realloc(v->items, cap * sizeof(*items));

		if (items == NULL)
			return NULL;
		v->items = items;
		v->cap = cap;
	}
	if ((var = malloc(sizeof(*var))) == NULL)
		return NULL;
	var__init(var);
	if ((var->name = strdup(name)) == NULL) {
		free(var);
		return NULL;
	}
	v->items[v->n++] = var;
	return var;
}

void
ipc_vars_int(struct ipc_vars *v, const char *name, int64_t value)
{
	Var *var = add(v, name);

	if (var != NULL) {
		var->has_int_value = 1;
		var->int_value = value;
	}
}

void
ipc_vars_double(struct ipc_vars *v, const char *name, double value)
{
	Var *var = add(v, name);

	if (var != NULL) {
		var->has_double_value = 1;
		var->double_value = value;
	}
}

void
ipc_vars_str(struct ipc_vars *v, const char *name, const char *value)
{
	Var *var = add(v, name);

	if (var != NULL)
		var->string_value = strdup(value);
}

void
ipc_vars_ipc_stats(struct ipc_vars *v, const char *proc)
{
	const struct ipc_stats *s = ipc_get_stats();
	const struct {
		const char *name;
		uint64_t value;
	} counters[] = {
		{ "requests_served", s->requests_served },
		{ "malformed_messages", s->malformed_messages },
		{ "unexpected_messages", s->unexpected_messages },
		{ "expired_messages", s->expired_messages },
		{ "calls_sent", s->calls_sent },
		{ "call_failures", s->call_failures },
		{ "events_published", s->events_published },
		{ "events_received", s->events_received },
		{ "events_ignored", s->events_ignored },
		{ "listener_restarts", s->listener_restarts },
	};
	char name[128];

	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		snprintf(name, sizeof(name), "ipc_%s_%s", proc,
		    counters[i].name);
		ipc_vars_int(v, name, (int64_t)counters[i].value);
	}
}

void
ipc_vars_timed(struct ipc_vars *v, const char *prefix, uint64_t events,
    uint64_t nanos)
{
	char name[128];

	snprintf(name, sizeof(name), "%s_events", prefix);
	ipc_vars_int(v, name, (int64_t)events);
	snprintf(name, sizeof(name), "%s_nanos_total", prefix);
	ipc_vars_int(v, name, (int64_t)nanos);
	snprintf(name, sizeof(name), "%s_nanos_per_event", prefix);
	ipc_vars_int(v, name, events ? (int64_t)(nanos / events) : 0);
}

void
ipc_vars_clear(struct ipc_vars *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->items[i]->name);
		free(v->items[i]->string_value);
		free(v->items[i]);
	}
	free(v->items);
	memset(v, 0, sizeof(*v));
}

int
ipc_vars_reply(struct ipc_request *req, struct ipc_vars *v)
{
	StatusResponse resp = STATUS_RESPONSE__INIT;
	int rc;

	resp.n_vars = v->n;
	resp.vars = v->items;
	rc = ipc_reply(req, MSG_TYPE__STATUS_RESPONSE, &resp.base);
	ipc_vars_clear(v);
	return rc;
}
