/*
 * offerd: PENDING tasks by task group, as Aurora groups them: tasks with
 * the same TaskConfig (the instances of one job, before any update) need
 * the same resources and constraints, so placement works out each group
 * once per offer, and a group's nearest fit (the vetoes with the lowest
 * score seen, forgotten after ten minutes or when one of its tasks is
 * placed) is the pending reason of each of its tasks: getPendingReason
 * and GET /pendingtasks.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flags.h"
#include "common/log.h"
#include "common/proto_copy.h"
#include "common/strmap.h"
#include "ipc/offers.pb-c.h"
#include "offerd/offerd.h"

#define FIT_EXPIRY_MS	(10 * 60 * 1000)	/* Aurora's NearestFit */
/* What an answer may hold, below IPC_MAX_MSG with room to spare. */
#define ANSWER_MAX_BYTES	(3 * 1024 * 1024)

static struct strmap *groups;

static uint64_t
fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static void
needs_of(const TaskConfig *c, struct needs *n)
{
	memset(n, 0, sizeof(*n));
	for (size_t i = 0; i < c->n_resources; i++) {
		const Resource *r = c->resources[i];

		switch (r->kind_case) {
		case RESOURCE__KIND_NUM_CPUS:
			n->cpus += r->numcpus;
			break;
		case RESOURCE__KIND_RAM_MB:
			n->mem += (double)r->rammb;
			break;
		case RESOURCE__KIND_DISK_MB:
			n->disk += (double)r->diskmb;
			break;
		case RESOURCE__KIND_NAMED_PORT:
			if (n->nports < sizeof(n->ports) / sizeof(n->ports[0]))
				n->ports[n->nports++] = r->namedport;
			break;
		default:
			break;
		}
	}
}

static void
group_free(struct ogroup *g)
{
	if (g == NULL)
		return;
	free(g->key);
	free(g->job);
	if (g->config != NULL)
		task_config__free_unpacked(g->config, NULL);
	free(g->packed);
	free(g->tasks);
	free(g);
}

static struct ogroup *
group_new(const char *key, const char *job, const TaskConfig *c,
    uint8_t *packed, size_t len)
{
	struct ogroup *g = calloc(1, sizeof(*g));
	struct avail extra = { 0, 0, 0, 0 };

	if (g == NULL)
		return NULL;
	g->packed = packed;
	g->packed_len = len;
	if ((g->key = strdup(key)) == NULL ||
	    (g->job = strdup(job)) == NULL ||
	    (g->config = (TaskConfig *)proto_copy(&c->base)) == NULL) {
		g->packed = NULL;
		group_free(g);
		return NULL;
	}
	/* A new group is first tried after -first_schedule_delay, as
	 * Aurora's TaskGroups start one. */
	g->penalty_ms = flag_duration_ms(F_FIRST_SCHEDULE_DELAY);
	g->next_try_ms = ipc_now_ms() + g->penalty_ms;
	needs_of(g->config, &g->needs);
	/* The executor's own resources come out of the same offer. */
	offerd_executor_task_overhead(g->config, &extra.cpus, &extra.mem,
	    &extra.disk);
	g->needs.cpus += extra.cpus;
	g->needs.mem += extra.mem;
	g->needs.disk += extra.disk;
	for (size_t i = 0; i < c->n_constraints; i++) {
		const Constraint *k = c->constraints[i];

		if (k->name != NULL && strcmp(k->name, "dedicated") == 0)
			g->dedicated = 1;
		if (k->constraint != NULL &&
		    k->constraint->kind_case == TASK_CONSTRAINT__KIND_LIMIT)
			g->limits = 1;
	}
	return g;
}

struct ogroup *
offerd_group_of(struct otask *t)
{
	const TaskConfig *c;
	struct ogroup *g;
	uint8_t *packed;
	size_t len;
	uint64_t h;
	char key[1024];

	if (t->group != NULL)
		return t->group;
	if (t->pending == NULL || t->pending->assignedtask == NULL ||
	    (c = t->pending->assignedtask->task) == NULL)
		return NULL;
	if (groups == NULL && (groups = strmap_new()) == NULL)
		return NULL;
	len = task_config__get_packed_size(c);
	if ((packed = malloc(len ? len : 1)) == NULL)
		return NULL;
	task_config__pack(c, packed);
	h = fnv1a(packed, len);
	/* Equal hashes of different configs take the next number. */
	for (unsigned n = 0;; n++) {
		snprintf(key, sizeof(key), "%s#%016" PRIx64 "#%u",
		    t->job != NULL ? t->job : "", h, n);
		if ((g = strmap_get(groups, key)) == NULL)
			break;
		if (g->packed_len == len && memcmp(g->packed, packed, len) == 0) {
			free(packed);
			return t->group = g;
		}
	}
	if ((g = group_new(key, t->job != NULL ? t->job : "", c, packed,
	    len)) == NULL) {
		free(packed);
		return NULL;
	}
	if (strmap_put(groups, key, g) == -1) {
		group_free(g);
		return NULL;
	}
	return t->group = g;
}

static int
begin_one(const char *key, void *value, void *arg)
{
	struct ogroup *g = value;

	g->ntasks = 0;
	return 0;
}

void
offerd_groups_begin(void)
{
	if (groups != NULL)
		strmap_each(groups, begin_one, NULL);
}

int
offerd_group_add(struct ogroup *g, struct otask *t)
{
	if (g->ntasks == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		struct otask **p = realloc(g->tasks, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		g->tasks = p;
		g->cap = cap;
	}
	g->tasks[g->ntasks++] = t;
	return 0;
}

static int
sweep_one(const char *key, void *value, void *arg)
{
	struct ogroup *g = value;

	if (g->seen != *(uint64_t *)arg) {
		strmap_del(groups, key);
		group_free(g);
	}
	return 0;
}

void
offerd_groups_sweep(uint64_t round)
{
	if (groups != NULL)
		strmap_each(groups, sweep_one, &round);
}

struct each_arg {
	int	(*fn)(struct ogroup *, void *);
	void	*arg;
};

static int
each_one(const char *key, void *value, void *arg)
{
	struct each_arg *e = arg;

	return e->fn(value, e->arg);
}

void
offerd_groups_each(int (*fn)(struct ogroup *, void *), void *arg)
{
	struct each_arg e = { fn, arg };

	if (groups != NULL)
		strmap_each(groups, each_one, &e);
}

size_t
offerd_groups_count(void)
{
	return groups != NULL ? strmap_count(groups) : 0;
}

static int
fit_expired(const struct ogroup *g)
{
	return g->fit_ms != 0 && ipc_now_ms() - g->fit_ms > FIT_EXPIRY_MS;
}

void
offerd_group_vetoed(struct ogroup *g, const struct veto_set *v)
{
	if (g->fit_ms == 0 || fit_expired(g) || v->score < g->fit.score) {
		g->fit = *v;
		g->fit_ms = ipc_now_ms();
	}
}

void
offerd_group_placed(struct ogroup *g)
{
	g->fit_ms = 0;
	g->fit.n = g->fit.score = 0;
}

void
offerd_group_reason(struct ogroup *g, char *out, size_t len)
{
	out[0] = '\0';
	if (g != NULL && g->fit_ms != 0 && !fit_expired(g))
		offerd_veto_join(&g->fit, out, len);
}

static int
clear_one(const char *key, void *value, void *arg)
{
	group_free(value);
	return 0;
}

void
offerd_groups_clear(void)
{
	if (groups == NULL)
		return;
	strmap_each(groups, clear_one, NULL);
	strmap_free(groups);
	groups = NULL;
}

/* IPC answers. */

void
offerd_pending_reasons(struct ipc_request *req)
{
	PendingReasonsRequest *q;
	PendingReasonsResponse r = PENDING_REASONS_RESPONSE__INIT;
	char *buf = NULL;
	struct otask *t;
	const size_t each = VETO_MAX * 100;

	q = (PendingReasonsRequest *)ipc_body_decode(ipc_request_envelope(req),
	    &pending_reasons_request__descriptor);
	if (q == NULL) {
		ipc_reply_error(req, IPC_ERROR_CODE__MALFORMED,
		    "not a PendingReasonsRequest");
		return;
	}
	if (q->n_task_ids > 0 &&
	    ((r.reasons = calloc(q->n_task_ids, sizeof(*r.reasons))) == NULL ||
	    (buf = calloc(q->n_task_ids, each)) == NULL)) {
		ipc_reply_error(req, IPC_ERROR_CODE__INTERNAL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < q->n_task_ids; i++) {
		r.reasons[i] = buf + i * each;
		t = offerd_task(q->task_ids[i]);
		if (t != NULL && t->status == SCHEDULE_STATUS__PENDING)
			offerd_group_reason(t->group, r.reasons[i], each);
	}
	r.n_reasons = q->n_task_ids;
	ipc_reply(req, MSG_TYPE__PENDING_REASONS_RESPONSE, &r.base);
out:
	free(buf);
	free(r.reasons);
	pending_reasons_request__free_unpacked(q, NULL);
}

struct pending_answer {
	PendingTasksResponse	 r;
	PendingGroup		*groups;
	size_t			 bytes;
};

static int
add_group(struct ogroup *g, void *arg)
{
	struct pending_answer *a = arg;
	PendingGroup *p = &a->groups[a->r.n_groups];
	size_t n = 0;

	if (g->ntasks == 0)
		return 0;
	pending_group__init(p);
	p->name = g->job;
	p->has_penalty_ms = 1;
	p->penalty_ms = g->penalty_ms;
	if ((p->task_ids = calloc(g->ntasks, sizeof(*p->task_ids))) == NULL)
		return -1;
	for (size_t i = 0; i < g->ntasks; i++) {
		size_t len = strlen(g->tasks[i]->id) + 4;

		if (a->bytes + len > ANSWER_MAX_BYTES) {
			a->r.left_out++;
			continue;
		}
		a->bytes += len;
		p->task_ids[n++] = g->tasks[i]->id;
	}
	p->n_task_ids = n;
	/* One reason per veto, as Aurora lists them. */
	if (g->fit_ms != 0 && !fit_expired(g)) {
		if ((p->reasons = calloc((size_t)g->fit.n,
		    sizeof(*p->reasons))) == NULL)
			return -1;
		for (int i = 0; i < g->fit.n; i++)
			p->reasons[i] = g->fit.reason[i];
		p->n_reasons = (size_t)g->fit.n;
	}
	a->r.groups[a->r.n_groups++] = p;
	return 0;
}

void
offerd_pending_tasks(struct ipc_request *req)
{
	struct pending_answer a;
	size_t n = offerd_groups_count();

	memset(&a, 0, sizeof(a));
	pending_tasks_response__init(&a.r);
	a.r.has_left_out = 1;
	if (n > 0 && ((a.groups = calloc(n, sizeof(*a.groups))) == NULL ||
	    (a.r.groups = calloc(n, sizeof(*a.r.groups))) == NULL)) {
		ipc_reply_error(req, IPC_ERROR_CODE__INTERNAL, "out of memory");
		goto out;
	}
	offerd_groups_each(add_group, &a);
	ipc_reply(req, MSG_TYPE__PENDING_TASKS_RESPONSE, &a.r.base);
out:
	for (size_t i = 0; i < a.r.n_groups; i++) {
		free(a.r.groups[i]->task_ids);
		free(a.r.groups[i]->reasons);
	}
	free(a.r.groups);
	free(a.groups);
}
