/*
 * Placement's pieces that need no Mesos: the string table
 * (common/strmap.c), Aurora's scheduling filter with its vetoes, scores
 * and order (offerd/offerd_vetoes.c), a job's load for limits, and a Mesos
 * offer written as JSON (common/proto_json.c, GET /offers).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/proto_json.h"
#include "common/strmap.h"
#include "offerd/offerd.h"
#include "tests/unit/check.h"

static int
count_each(const char *key, void *value, void *arg)
{
	*(size_t *)arg += (size_t)(uintptr_t)value;
	return 0;
}

static int
delete_odd(const char *key, void *value, void *arg)
{
	if ((uintptr_t)value % 2 == 1)
		strmap_del(arg, key);
	return 0;
}

static void
test_strmap(void)
{
	struct strmap *m = strmap_new();
	char key[32];
	size_t sum = 0;

	CHECK(m != NULL);
	for (uintptr_t i = 1; i <= 5000; i++) {
		snprintf(key, sizeof(key), "k%lu", (unsigned long)i);
		CHECK(strmap_put(m, key, (void *)i) == 0);
	}
	CHECK(strmap_count(m) == 5000);
	CHECK((uintptr_t)strmap_get(m, "k4321") == 4321);
	CHECK(strmap_get(m, "k0") == NULL);
	/* Replacing keeps one entry. */
	CHECK(strmap_put(m, "k7", (void *)(uintptr_t)8) == 0);
	CHECK(strmap_count(m) == 5000 && (uintptr_t)strmap_get(m, "k7") == 8);
	CHECK(strmap_put(m, "k7", (void *)(uintptr_t)7) == 0);
	strmap_each(m, count_each, &sum);
	CHECK(sum == 5000 * 5001 / 2);
	/* Deleting the entry being visited is allowed. */
	strmap_each(m, delete_odd, m);
	CHECK(strmap_count(m) == 2500);
	CHECK(strmap_get(m, "k3") == NULL && strmap_get(m, "k4") != NULL);
	CHECK((uintptr_t)strmap_del(m, "k4") == 4 && strmap_del(m, "k4") == NULL);
	strmap_free(m);
}

/* A host with attributes given as "name=value" strings. */
static HostAttributes *
host(const char *const *pairs, size_t n)
{
	HostAttributes *h = calloc(1, sizeof(*h));

	host_attributes__init(h);
	h->attributes = calloc(n, sizeof(*h->attributes));
	for (size_t i = 0; i < n; i++) {
		Attribute *a = calloc(1, sizeof(*a));
		const char *eq = strchr(pairs[i], '=');

		attribute__init(a);
		a->name = strndup(pairs[i], (size_t)(eq - pairs[i]));
		a->values = calloc(1, sizeof(*a->values));
		a->values[0] = strdup(eq + 1);
		a->n_values = 1;
		h->attributes[h->n_attributes++] = a;
	}
	return h;
}

static Constraint *
constraint(const char *name, const char *value, int negated, int limit)
{
	Constraint *c = calloc(1, sizeof(*c));
	TaskConstraint *t = calloc(1, sizeof(*t));

	constraint__init(c);
	task_constraint__init(t);
	c->name = strdup(name);
	c->constraint = t;
	if (value == NULL) {
		t->kind_case = TASK_CONSTRAINT__KIND_LIMIT;
		t->limit = calloc(1, sizeof(*t->limit));
		limit_constraint__init(t->limit);
		t->limit->has_limit = 1;
		t->limit->limit = limit;
	} else {
		t->kind_case = TASK_CONSTRAINT__KIND_VALUE;
		t->value = calloc(1, sizeof(*t->value));
		value_constraint__init(t->value);
		t->value->has_negated = 1;
		t->value->negated = negated;
		t->value->values = calloc(1, sizeof(char *));
		t->value->values[0] = strdup(value);
		t->value->n_values = 1;
	}
	return c;
}

static const char *
joined(const struct veto_set *v)
{
	static char buf[600];

	offerd_veto_join(v, buf, sizeof(buf));
	return buf;
}

static void
test_vetoes(void)
{
	static const char *const plain_attrs[] = { "host=a", "rack=r1" };
	static const char *const dedicated_attrs[] = { "host=b", "rack=r2",
	    "dedicated=www-data/db" };
	static const char *const rackless_attrs[] = { "host=c" };
	HostAttributes *plain = host(plain_attrs, 2);
	HostAttributes *dedicated = host(dedicated_attrs, 3);
	HostAttributes *rackless = host(rackless_attrs, 1);
	TaskConfig config = TASK_CONFIG__INIT;
	Constraint *cons[3];
	struct ogroup g;
	struct agent_view agent = { plain, MAINTENANCE_MODE__NONE };
	struct avail roomy = { 4, 4096, 4096, 10 }, tight = { 1, 100, 4096, 0 };
	struct job_load *load = job_load_new();
	struct veto_set v;

	memset(&g, 0, sizeof(g));
	g.config = &config;
	g.needs.cpus = 2;
	g.needs.mem = 1024;
	g.needs.disk = 10;
	g.needs.nports = 1;

	CHECK(offerd_vetoes(&g, &agent, &roomy, NULL, &v) == 0 && v.n == 0);
	/* Every resource short, in Aurora's order and scores. */
	CHECK(offerd_vetoes(&g, &agent, &tight, NULL, &v) == 1);
	CHECK_STR(joined(&v),
	    "Insufficient: CPU,Insufficient: RAM,Insufficient: ports");
	/* 1 cpu of 16: 62; 924 MB of 24 GB: 37; 1 port of 1000: 1. */
	CHECK(v.score == 62 + 37 + 1);
	/* A dedicated agent refuses a job that is not dedicated, first. */
	agent.attrs = dedicated;
	CHECK(offerd_vetoes(&g, &agent, &tight, NULL, &v) == 1);
	CHECK_STR(joined(&v), "Host is dedicated");
	CHECK(v.score == 1000000);
	/* Maintenance comes next. */
	agent.attrs = plain;
	agent.mode = MAINTENANCE_MODE__DRAINED;
	CHECK(offerd_vetoes(&g, &agent, &roomy, NULL, &v) == 1);
	CHECK_STR(joined(&v), "Host drained for maintenance");
	agent.mode = MAINTENANCE_MODE__NONE;
	/* An agent that does not say where it is. */
	agent.attrs = rackless;
	CHECK(offerd_vetoes(&g, &agent, &roomy, NULL, &v) == 1);
	CHECK_STR(joined(&v), "Constraint not satisfied: rack");

	/* Value constraints, negation, and values before limits. */
	cons[0] = constraint("host", NULL, 0, 1);
	cons[1] = constraint("rack", "r2", 0, 0);
	config.constraints = cons;
	config.n_constraints = 2;
	g.limits = 1;
	agent.attrs = plain;
	job_load_add_host(load, plain);
	CHECK(job_load_count(load, "host", "a") == 1);
	CHECK(job_load_count(load, "rack", "r1") == 1);
	CHECK(offerd_vetoes(&g, &agent, &tight, load, &v) == 1);
	CHECK_STR(joined(&v), "Constraint not satisfied: rack");
	CHECK(v.score == 10000);
	cons[1]->constraint->value->negated = 1;	/* !r2: r1 is fine */
	CHECK(offerd_vetoes(&g, &agent, &roomy, load, &v) == 1);
	CHECK_STR(joined(&v), "Limit not satisfied: host");
	cons[0]->constraint->limit->limit = 2;
	CHECK(offerd_vetoes(&g, &agent, &roomy, load, &v) == 0);
	/* A limit on an attribute the agent lacks is a mismatch. */
	cons[2] = constraint("zone", NULL, 0, 5);
	config.n_constraints = 3;
	CHECK(offerd_vetoes(&g, &agent, &roomy, load, &v) == 1);
	CHECK_STR(joined(&v), "Constraint not satisfied: zone");
	/* The dedicated job goes where its value says. */
	for (size_t i = 0; i < 3; i++)
		constraint__free_unpacked(cons[i], NULL);
	cons[0] = constraint("dedicated", "www-data/db", 0, 0);
	config.n_constraints = 1;
	g.dedicated = 1;
	g.limits = 0;
	agent.attrs = dedicated;
	CHECK(offerd_vetoes(&g, &agent, &roomy, NULL, &v) == 0);
	agent.attrs = plain;
	CHECK(offerd_vetoes(&g, &agent, &roomy, NULL, &v) == 1);
	CHECK_STR(joined(&v), "Constraint not satisfied: dedicated");
	constraint__free_unpacked(cons[0], NULL);

	job_load_free(load);
	host_attributes__free_unpacked(plain, NULL);
	host_attributes__free_unpacked(dedicated, NULL);
	host_attributes__free_unpacked(rackless, NULL);
}

static void
test_offer_json(void)
{
	Mesos__V1__Offer o = MESOS__V1__OFFER__INIT;
	Mesos__V1__OfferID id = MESOS__V1__OFFER_ID__INIT;
	Mesos__V1__AgentID agent = MESOS__V1__AGENT_ID__INIT;
	Mesos__V1__FrameworkID fw = MESOS__V1__FRAMEWORK_ID__INIT;
	Mesos__V1__Resource cpus = MESOS__V1__RESOURCE__INIT, *res[1] = { &cpus };
	Mesos__V1__Value__Scalar two = MESOS__V1__VALUE__SCALAR__INIT;
	json_t *j;
	char *text;

	id.value = (char *)(uintptr_t)"o-1";
	agent.value = (char *)(uintptr_t)"a-1";
	fw.value = (char *)(uintptr_t)"f-1";
	two.value = 2;
	cpus.name = (char *)(uintptr_t)"cpus";
	cpus.type = MESOS__V1__VALUE__TYPE__SCALAR;
	cpus.scalar = &two;
	o.id = &id;
	o.agent_id = &agent;
	o.framework_id = &fw;
	o.hostname = (char *)(uintptr_t)"h";
	o.resources = res;
	o.n_resources = 1;
	j = proto_json(&o.base);
	CHECK(j != NULL);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_STR(text, "{\"agent_id\":{\"value\":\"a-1\"},"
	    "\"framework_id\":{\"value\":\"f-1\"},\"hostname\":\"h\","
	    "\"id\":{\"value\":\"o-1\"},\"resources\":[{\"name\":\"cpus\","
	    "\"role\":\"*\",\"scalar\":{\"value\":2.0},"
	    "\"type\":\"SCALAR\"}]}");
	free(text);
	json_decref(j);
}

int
main(void)
{
	test_strmap();
	test_vetoes();
	test_offer_json();
	return check_done("test_placement_filter");
}
