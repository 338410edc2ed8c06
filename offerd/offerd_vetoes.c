/*
 * offerd: why a task group may not go on an offer, in Aurora's words and
 * order (its scheduling filter): a dedicated agent, then the host's
 * maintenance, then the constraints (values before limits; the first that
 * fails is the only veto), then every resource short. Each veto has
 * Aurora's score, so that the nearest fit of a group (the lowest total
 * seen) names what keeps it PENDING. Agents must say where they are
 * (attributes host and rack), as failure domains for limits.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strmap.h"
#include "offerd/offerd.h"

#define SCORE_RESOURCES		1000
#define SCORE_CONSTRAINT	10000
#define SCORE_LIMIT		10000
#define SCORE_MAINTENANCE	100000
#define SCORE_DEDICATED		1000000

static void __attribute__((format(printf, 3, 4)))
veto(struct veto_set *v, int score, const char *fmt, ...)
{
	va_list ap;

	if (v->n >= VETO_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(v->reason[v->n], sizeof(v->reason[v->n]), fmt, ap);
	va_end(ap);
	v->n++;
	v->score += score;
}

/*
 * Aurora's score of a resource short by too_large: its share of the
 * resource's range (CPU 16, RAM 24 GB, disk 450 GB, ports 1000) in
 * thousandths, at most 1000.
 */
static int
scale(double too_large, int range)
{
	int s = (int)(SCORE_RESOURCES * too_large) / range;

	return s < SCORE_RESOURCES ? s : SCORE_RESOURCES;
}

static int
value_matches(const Attribute *a, const ValueConstraint *v)
{
	int match = 0;

	for (size_t i = 0; a != NULL && i < v->n_values && !match; i++)
		for (size_t j = 0; j < a->n_values && !match; j++)
			match = strcmp(v->values[i], a->values[j]) == 0;
	return (v->has_negated && v->negated) ^ match;
}

static int
limit_allows(const Attribute *a, int32_t limit, const struct job_load *load)
{
	for (size_t i = 0; i < a->n_values; i++)
		if (limit <= job_load_count(load, a->name, a->values[i]))
			return 0;
	return 1;
}

/* The first constraint that fails, value constraints first. */
static void
constraint_veto(const TaskConfig *c, const HostAttributes *h,
    const struct job_load *load, struct veto_set *v)
{
	for (int limits = 0; limits < 2; limits++)
		for (size_t i = 0; i < c->n_constraints; i++) {
			const Constraint *k = c->constraints[i];
			const Attribute *a;

			if (k->name == NULL || k->constraint == NULL ||
			    (k->constraint->kind_case ==
			    TASK_CONSTRAINT__KIND_LIMIT) != limits)
				continue;
			a = offerd_attribute(h, k->name);
			if (!limits) {
				if (!value_matches(a, k->constraint->value)) {
					veto(v, SCORE_CONSTRAINT,
					    "Constraint not satisfied: %s",
					    k->name);
					return;
				}
			} else if (a == NULL) {
				veto(v, SCORE_CONSTRAINT,
				    "Constraint not satisfied: %s", k->name);
				return;
			} else if (load != NULL && k->constraint->limit != NULL &&
			    !limit_allows(a, k->constraint->limit->limit,
			    load)) {
				veto(v, SCORE_LIMIT, "Limit not satisfied: %s",
				    k->name);
				return;
			}
		}
}

static void
resource_vetoes(const struct needs *n, const struct avail *a,
    struct veto_set *v)
{
	if (n->cpus > a->cpus + 1e-9)
		veto(v, scale(n->cpus - a->cpus, 16), "Insufficient: %s",
		    "CPU");
	if (n->mem > a->mem + 1e-9)
		veto(v, scale(n->mem - a->mem, 24 * 1024), "Insufficient: %s",
		    "RAM");
	if (n->disk > a->disk + 1e-9)
		veto(v, scale(n->disk - a->disk, 450 * 1024),
		    "Insufficient: %s", "disk");
	if (n->nports > a->nports)
		veto(v, scale((double)(n->nports - a->nports), 1000),
		    "Insufficient: %s", "ports");
}

int
offerd_vetoes(const struct ogroup *g, const struct agent_view *agent,
    const struct avail *a, const struct job_load *load, struct veto_set *v)
{
	const Attribute *dedicated;

	v->n = v->score = 0;
	dedicated = offerd_attribute(agent->attrs, "dedicated");
	if (dedicated != NULL && !g->dedicated) {
		veto(v, SCORE_DEDICATED, "%s", "Host is dedicated");
		return 1;
	}
	switch (agent->mode) {
	case MAINTENANCE_MODE__MAINTENANCE_MODE_DRAINING:
		veto(v, SCORE_MAINTENANCE, "Host %s for maintenance",
		    "draining");
		return 1;
	case MAINTENANCE_MODE__DRAINED:
		veto(v, SCORE_MAINTENANCE, "Host %s for maintenance",
		    "drained");
		return 1;
	default:
		break;
	}
	/* Failure domains: an agent must say where it is. */
	if (offerd_attribute(agent->attrs, "host") == NULL ||
	    offerd_attribute(agent->attrs, "rack") == NULL) {
		veto(v, SCORE_CONSTRAINT, "Constraint not satisfied: %s",
		    offerd_attribute(agent->attrs, "host") == NULL ? "host" :
		    "rack");
		return 1;
	}
	constraint_veto(g->config, agent->attrs, load, v);
	if (v->n > 0)
		return 1;
	resource_vetoes(&g->needs, a, v);
	return v->n > 0;
}

void
offerd_veto_join(const struct veto_set *v, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < v->n && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s",
		    i > 0 ? "," : "", v->reason[i]);
}

/* A job's load: its tasks on agents, per attribute value of the host. */

struct job_load {
	struct strmap	*counts;	/* "name\x1fvalue" -> count */
};

struct job_load *
job_load_new(void)
{
	struct job_load *l = calloc(1, sizeof(*l));

	if (l != NULL && (l->counts = strmap_new()) == NULL) {
		free(l);
		return NULL;
	}
	return l;
}

void
job_load_free(struct job_load *l)
{
	if (l == NULL)
		return;
	strmap_free(l->counts);
	free(l);
}

static void
pair_key(char *out, size_t len, const char *name, const char *value)
{
	snprintf(out, len, "%s\x1f%s", name, value);
}

long
job_load_count(const struct job_load *l, const char *name, const char *value)
{
	char key[512];

	pair_key(key, sizeof(key), name, value);
	return (long)(uintptr_t)strmap_get(l->counts, key);
}

void
job_load_add_host(struct job_load *l, const HostAttributes *h)
{
	char key[512];

	if (h == NULL)
		return;
	for (size_t i = 0; i < h->n_attributes; i++)
		for (size_t j = 0; h->attributes[i]->name != NULL &&
		    j < h->attributes[i]->n_values; j++) {
			pair_key(key, sizeof(key), h->attributes[i]->name,
			    h->attributes[i]->values[j]);
			/* Out of memory: a limit counts one task fewer. */
			(void)strmap_put(l->counts, key, (void *)(uintptr_t)
			    (job_load_count(l, h->attributes[i]->name,
			    h->attributes[i]->values[j]) + 1));
		}
}
