/*
 * offerd: the offers held and the placement of PENDING tasks on them.
 * A placement round walks the pending tasks (oldest id first) and puts
 * each on the first held offer, in -offer_order, that has its resources
 * and meets its constraints (first fit, many tasks per offer). The round's
 * placements go to replica in one TASK_ASSIGN_REQUEST; only the tasks it
 * moved to ASSIGNED are launched, with one ACCEPT per offer. Offers nobody
 * needs are held for -min_offer_hold_time (plus jitter), then declined
 * with -offer_filter_duration as the filter.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "common/flags.h"
#include "common/log.h"
#include "common/proto_copy.h"
#include "common/strmap.h"
#include "ipc/offers.pb-c.h"
#include "offerd/offerd.h"
#include "replica/task_state.h"

#define ASSIGN_TIMEOUT_MS	30000
#define ROUND_MAX_TASKS		10000	/* per TASK_ASSIGN_REQUEST */
/* replica's answer holds each assigned task whole: below IPC_MAX_MSG. */
#define ROUND_MAX_BYTES		(IPC_MAX_MSG / 2)
#define ASSIGNED_OVERHEAD	512	/* an AssignedTask beyond its config */
#define ROUND_RETRY_MS		1000	/* after a round replica did not take */
#define LIST_MAX_BYTES		(3 * 1024 * 1024)	/* below IPC_MAX_MSG */
/* Aurora's TaskAssignerImpl.LAUNCH_FAILED_MSG. */
#define LAUNCH_FAILED_MSG	"Unknown exception attempting to schedule task."

struct port_range {
	uint64_t	begin, end;
};

struct held {
	TAILQ_ENTRY(held) entry;
	Mesos__V1__Offer *offer;	/* our copy */
	HostAttributes	*attrs;		/* its agent's, in Aurora's form */
	double		 cpus, mem, disk;	/* left in this round */
	struct port_range *ports;
	size_t		 nports;
	int64_t		 decline_at_ms;
	int		 in_round;	/* placements on it await replica */
	int		 gone;		/* rescinded while in a round */
	double		 random;	/* for RANDOM order */
};
TAILQ_HEAD(held_list, held);

/* A task placed in the round now at replica. */
struct placed {
	char		*task_id;
	struct held	*on;
};

static struct {
	struct held_list offers;
	size_t		 noffers;
	struct event	*kick, *tick;
	int		 round_inflight, again;
	struct placed	*placed;
	size_t		 nplaced;
	uint64_t	 round_number;
	uint64_t	 received, rescinded, declined, launched, rounds;
	uint64_t	 not_assigned, launch_failures;
} of;

/* Resources. */

static double
scalar(const Mesos__V1__Offer *o, const char *name)
{
	double v = 0;

	for (size_t i = 0; i < o->n_resources; i++) {
		const Mesos__V1__Resource *r = o->resources[i];

		if (strcmp(r->name, name) == 0 && r->scalar != NULL &&
		    r->revocable == NULL)
			v += r->scalar->value;
	}
	return v;
}

/* Recomputes what an offer has left from the offer itself. */
static int
reset(struct held *h)
{
	const Mesos__V1__Offer *o = h->offer;
	size_t n = 0;

	h->cpus = scalar(o, "cpus");
	h->mem = scalar(o, "mem");
	h->disk = scalar(o, "disk");
	free(h->ports);
	h->ports = NULL;
	h->nports = 0;
	for (size_t i = 0; i < o->n_resources; i++)
		if (strcmp(o->resources[i]->name, "ports") == 0 &&
		    o->resources[i]->ranges != NULL)
			n += o->resources[i]->ranges->n_range;
	if (n == 0)
		return 0;
	if ((h->ports = calloc(n, sizeof(*h->ports))) == NULL)
		return -1;
	for (size_t i = 0; i < o->n_resources; i++) {
		const Mesos__V1__Resource *r = o->resources[i];

		if (strcmp(r->name, "ports") != 0 || r->ranges == NULL)
			continue;
		for (size_t j = 0; j < r->ranges->n_range; j++) {
			h->ports[h->nports].begin = r->ranges->range[j]->begin;
			h->ports[h->nports].end = r->ranges->range[j]->end;
			h->nports++;
		}
	}
	return 0;
}

static size_t
ports_left(const struct held *h)
{
	size_t n = 0;

	for (size_t i = 0; i < h->nports; i++)
		if (h->ports[i].end >= h->ports[i].begin)
			n += (size_t)(h->ports[i].end - h->ports[i].begin + 1);
	return n;
}

/* Takes the lowest free port. */
static int
take_port(struct held *h)
{
	for (size_t i = 0; i < h->nports; i++)
		if (h->ports[i].begin <= h->ports[i].end &&
		    h->ports[i].begin <= 65535)
			return (int)h->ports[i].begin++;
	return -1;
}

/* Offer order (-offer_order). */

enum order_key { ORDER_CPU, ORDER_MEMORY, ORDER_DISK, ORDER_RANDOM };

static struct {
	enum order_key	keys[8];
	size_t		n;
	int		parsed;
} order;

/* -offer_order, read once; REVOCABLE_CPU orders nothing without
 * revocable offers. */
static void
order_parse(void)
{
	char buf[256], *w, *save = NULL;

	order.parsed = 1;
	snprintf(buf, sizeof(buf), "%s", flag_str(F_OFFER_ORDER));
	for (w = strtok_r(buf, ",", &save); w != NULL &&
	    order.n < sizeof(order.keys) / sizeof(order.keys[0]);
	    w = strtok_r(NULL, ",", &save)) {
		if (strcmp(w, "CPU") == 0)
			order.keys[order.n++] = ORDER_CPU;
		else if (strcmp(w, "MEMORY") == 0)
			order.keys[order.n++] = ORDER_MEMORY;
		else if (strcmp(w, "DISK") == 0)
			order.keys[order.n++] = ORDER_DISK;
		else if (strcmp(w, "RANDOM") == 0)
			order.keys[order.n++] = ORDER_RANDOM;
	}
}

static double
order_value(const struct held *h, enum order_key k)
{
	switch (k) {
	case ORDER_CPU:
		return h->cpus;
	case ORDER_MEMORY:
		return h->mem;
	case ORDER_DISK:
		return h->disk;
	default:
		return h->random;
	}
}

static int
order_cmp(const void *a, const void *b)
{
	const struct held *x = *(struct held *const *)a;
	const struct held *y = *(struct held *const *)b;

	for (size_t i = 0; i < order.n; i++) {
		double dx = order_value(x, order.keys[i]);
		double dy = order_value(y, order.keys[i]);

		if (dx != dy)
			return dx < dy ? -1 : 1;
	}
	return 0;
}

/* Placement. */

struct round {
	uint64_t	 number;
	struct ogroup	**groups;	/* with tasks to place */
	size_t		 ngroups, cap;
	int		 limits;	/* some group has limit constraints */
	int		 failed;
};

static int
collect_pending(struct otask *t, void *arg)
{
	struct round *r = arg;
	struct ogroup *g;

	if (t->status != SCHEDULE_STATUS__PENDING || t->pending == NULL)
		return 0;
	if ((g = offerd_group_of(t)) == NULL) {
		r->failed = 1;
		return -1;
	}
	g->seen = r->number;
	/* Placed in the round at replica: counted, not placed again. */
	if (t->placing)
		return 0;
	if (g->ntasks == 0) {
		if (r->ngroups == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 64;
			struct ogroup **p = realloc(r->groups,
			    cap * sizeof(*p));

			if (p == NULL) {
				r->failed = 1;
				return -1;
			}
			r->groups = p;
			r->cap = cap;
		}
		r->groups[r->ngroups++] = g;
		r->limits |= g->limits;
	}
	if (offerd_group_add(g, t) == -1) {
		r->failed = 1;
		return -1;
	}
	return 0;
}

/* The jobs' loads, for limit constraints: job -> struct job_load. */
struct loads {
	struct strmap	*jobs;
	int		 failed;
};

static int
count_on_agent(struct otask *t, void *arg)
{
	struct loads *l = arg;
	struct job_load *jl;

	if (!task_status_on_agent(t->status) || t->job == NULL ||
	    t->host == NULL || (jl = strmap_get(l->jobs, t->job)) == NULL)
		return 0;
	job_load_add_host(jl, offerd_host(t->host));
	return 0;
}

static int
free_load(const char *key, void *value, void *arg)
{
	job_load_free(value);
	return 0;
}

static void
loads_free(struct loads *l)
{
	if (l->jobs == NULL)
		return;
	strmap_each(l->jobs, free_load, NULL);
	strmap_free(l->jobs);
	l->jobs = NULL;
}

/* Counts the tasks of the jobs whose groups have limits, by host. */
static int
loads_count(struct loads *l, const struct round *r)
{
	struct job_load *jl;

	if ((l->jobs = strmap_new()) == NULL)
		return -1;
	for (size_t i = 0; i < r->ngroups; i++) {
		if (!r->groups[i]->limits ||
		    strmap_get(l->jobs, r->groups[i]->job) != NULL)
			continue;
		if ((jl = job_load_new()) == NULL ||
		    strmap_put(l->jobs, r->groups[i]->job, jl) == -1) {
			job_load_free(jl);
			return -1;
		}
	}
	offerd_tasks_each(count_on_agent, l);
	return 0;
}

static void	assign_done(const Envelope *, const char *, void *);
static void	kick_after(int ms);

/* Its strings but the port names are lent by the task and the offer. */
static void
free_assignment(TaskAssignment *a)
{
	for (size_t j = 0; j < a->n_ports; j++) {
		free(a->ports[j]->key);
		free(a->ports[j]);
	}
	free(a->ports);
	free(a);
}

static void
free_assignments(TaskAssignment **as, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free_assignment(as[i]);
	free(as);
}

/* Places t on h: takes its resources and names its ports. */
static TaskAssignment *
place(struct otask *t, struct held *h, const struct needs *n)
{
	TaskAssignment *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	task_assignment__init(a);
	a->task_id = t->id;
	a->agent_id = h->offer->agent_id->value;
	a->agent_host = h->offer->hostname;
	if (n->nports > 0 && (a->ports = calloc(n->nports,
	    sizeof(*a->ports))) == NULL) {
		free(a);
		return NULL;
	}
	for (size_t i = 0; i < n->nports; i++) {
		TaskAssignment__PortsEntry *e = calloc(1, sizeof(*e));

		if (e != NULL)
			task_assignment__ports_entry__init(e);
		if (e == NULL || (e->key = strdup(n->ports[i])) == NULL) {
			free(e);
			free_assignment(a);
			return NULL;
		}
		e->has_value = 1;
		e->value = take_port(h);
		a->ports[a->n_ports++] = e;
	}
	h->cpus -= n->cpus;
	h->mem -= n->mem;
	h->disk -= n->disk;
	return a;
}

/* What placement sees of the offers, in -offer_order. */
struct slate {
	struct held		**offers;
	struct agent_view	*agents;
	size_t			 n;
};

/* Forgets the round's placements. */
static void
placed_free(void)
{
	for (size_t i = 0; i < of.nplaced; i++)
		free(of.placed[i].task_id);
	free(of.placed);
	of.placed = NULL;
	of.nplaced = 0;
}

static int
slate_make(struct slate *s)
{
	struct held *h;
	const HostAttributes *stored;

	s->n = 0;
	if ((s->offers = calloc(of.noffers, sizeof(*s->offers))) == NULL ||
	    (s->agents = calloc(of.noffers, sizeof(*s->agents))) == NULL)
		return -1;
	if (!order.parsed)
		order_parse();
	TAILQ_FOREACH(h, &of.offers, entry)
		if (!h->in_round && !h->gone && h->attrs != NULL)
			s->offers[s->n++] = h;
	qsort(s->offers, s->n, sizeof(*s->offers), order_cmp);
	for (size_t i = 0; i < s->n; i++) {
		stored = offerd_host(s->offers[i]->offer->hostname);
		s->agents[i].attrs = s->offers[i]->attrs;
		s->agents[i].mode = stored != NULL && stored->has_mode ?
		    (int)stored->mode : MAINTENANCE_MODE__NONE;
	}
	return 0;
}

/*
 * First fit of one group's tasks: the offers before the cursor were
 * vetoed for this group in this round, and stay so (what is left of an
 * offer only shrinks, a job's load only grows), so each offer is
 * judged at most once per group and task placed.
 */
static size_t
place_group(struct ogroup *g, struct slate *s, struct job_load *load,
    TaskAssignment **as, size_t na, size_t most)
{
	struct veto_set v;
	struct avail av;
	size_t cursor = 0;

	for (size_t i = 0; i < g->ntasks && na < most && cursor < s->n; i++) {
		struct otask *t = g->tasks[i];

		while (cursor < s->n) {
			struct held *h = s->offers[cursor];

			av.cpus = h->cpus;
			av.mem = h->mem;
			av.disk = h->disk;
			av.nports = ports_left(h);
			if (offerd_vetoes(g, &s->agents[cursor], &av, load,
			    &v)) {
				offerd_group_vetoed(g, &v);
				cursor++;
				continue;
			}
			/* A copy: the task may go (killed, or the tasks read
			 * again) before replica answers. */
			if ((of.placed[na].task_id = strdup(t->id)) == NULL)
				return na;
			if ((as[na] = place(t, h, &g->needs)) == NULL) {
				free(of.placed[na].task_id);
				return na;
			}
			if (load != NULL)
				job_load_add_host(load, h->attrs);
			of.placed[na].on = h;
			of.nplaced = na + 1;
			t->placing = 1;
			na++;
			break;
		}
	}
	return na;
}

/*
 * Aurora's backoff of a task group (which starts at -first_schedule_delay):
 * one that no offer took waits twice its last wait (or
 * -initial_schedule_penalty after none) up to -max_schedule_penalty; one
 * that placed some tries the rest after -first_schedule_delay. A group
 * the round had no room left for is not judged.
 */
static void
penalize(struct ogroup *g, size_t placed, int full, int64_t now)
{
	int64_t most = flag_duration_ms(F_MAX_SCHEDULE_PENALTY);

	if (placed == 0 && full)
		return;
	if (placed == 0) {
		g->penalty_ms = g->penalty_ms == 0 ?
		    flag_duration_ms(F_INITIAL_SCHEDULE_PENALTY) :
		    g->penalty_ms * 2;
		if (g->penalty_ms > most)
			g->penalty_ms = most;
		g->next_try_ms = now + g->penalty_ms;
	} else if (placed < g->ntasks) {
		g->penalty_ms = flag_duration_ms(F_FIRST_SCHEDULE_DELAY);
		g->next_try_ms = now + g->penalty_ms;
	} else
		g->penalty_ms = g->next_try_ms = 0;
}

/* A round for the first group whose penalty ends. */
static void
retry_penalized(const struct round *r, int64_t now)
{
	int64_t first = 0;

	for (size_t i = 0; i < r->ngroups; i++)
		if (r->groups[i]->next_try_ms > now && (first == 0 ||
		    r->groups[i]->next_try_ms < first))
			first = r->groups[i]->next_try_ms;
	if (first != 0)
		kick_after((int)(first - now));
}

static void
run_round(void)
{
	struct round r;
	struct loads loads = { NULL, 0 };
	struct slate s = { NULL, NULL, 0 };
	TaskAssignment **as = NULL;
	TaskAssignRequest req = TASK_ASSIGN_REQUEST__INIT;
	size_t na = 0, most = ROUND_MAX_TASKS, bytes = 0;
	int64_t now = ipc_now_ms();

	if (of.round_inflight) {
		of.again = 1;
		return;
	}
	if (!offerd_tasks_loaded())
		return;
	/* The groups are kept current even without offers to place on:
	 * they answer /pendingtasks. */
	memset(&r, 0, sizeof(r));
	r.number = ++of.round_number;
	offerd_groups_begin();
	offerd_tasks_each(collect_pending, &r);
	if (r.failed) {
		log_warnx("out of memory collecting the pending tasks");
		kick_after(ROUND_RETRY_MS);
		goto out;
	}
	offerd_groups_sweep(r.number);
	if (r.ngroups == 0 || !mesos_registered() || of.noffers == 0 ||
	    !offerd_hosts_loaded())
		goto out;
	if (slate_make(&s) == -1 ||
	    (r.limits && loads_count(&loads, &r) == -1) ||
	    (as = calloc(most, sizeof(*as))) == NULL ||
	    (of.placed = calloc(most, sizeof(*of.placed))) == NULL) {
		log_warnx("out of memory placing %zu task groups", r.ngroups);
		kick_after(ROUND_RETRY_MS);
		goto out;
	}
	for (size_t i = 0; i < r.ngroups && na < most; i++) {
		struct ogroup *g = r.groups[i];
		size_t before = na, each = g->packed_len + ASSIGNED_OVERHEAD;
		size_t room = bytes < ROUND_MAX_BYTES ?
		    (ROUND_MAX_BYTES - bytes) / each : 0, cap;

		if (g->next_try_ms > now)
			continue;
		if (room == 0 && na > 0) {
			of.again = 1;	/* the rest after this round */
			break;
		}
		cap = na + (room > 0 ? room : 1);
		if (cap > most)
			cap = most;
		na = place_group(g, &s, g->limits ?
		    strmap_get(loads.jobs, g->job) : NULL, as, na, cap);
		bytes += (na - before) * each;
		penalize(g, na - before, na == cap, now);
		if (na == cap && na - before < g->ntasks)
			of.again = 1;
	}
	retry_penalized(&r, now);
	if (na == 0)
		goto out;
	for (size_t i = 0; i < na; i++)
		of.placed[i].on->in_round = 1;
	req.n_assignments = na;
	req.assignments = as;
	of.rounds++;
	/* The request is packed by now: the assignments are not needed. */
	if (ipc_call(offerd_replica(), MSG_TYPE__TASK_ASSIGN_REQUEST,
	    &req.base, ASSIGN_TIMEOUT_MS, assign_done, NULL) == 0)
		of.round_inflight = 1;
	else {
		log_warnx("cannot ask replica to assign %zu tasks", na);
		assign_done(NULL, "cannot reach replica", NULL);
	}
out:
	/* Nothing placed (or assign_done gave it all back): no offer has
	 * anything taken from it. */
	free_assignments(as, na);
	if (!of.round_inflight)
		placed_free();
	loads_free(&loads);
	free(s.offers);
	free(s.agents);
	free(r.groups);
}

static void
forget(struct held *h)
{
	TAILQ_REMOVE(&of.offers, h, entry);
	of.noffers--;
	mesos__v1__offer__free_unpacked(h->offer, NULL);
	if (h->attrs != NULL)
		host_attributes__free_unpacked(h->attrs, NULL);
	free(h->ports);
	free(h);
}

/* Aurora's filter on every ACCEPT and DECLINE: -offer_filter_duration. */
static void
offer_filter(Mesos__V1__Filters *f)
{
	f->has_refuse_seconds = 1;
	f->refuse_seconds =
	    (double)flag_duration_ms(F_OFFER_FILTER_DURATION) / 1000.0;
}

/*
 * A task assigned but not launched (its offer went meanwhile, or the
 * call could not be made) is LOST, so that a new one replaces it, as
 * Aurora does when a launch fails.
 */
static void
launch_failed(const char *task_id)
{
	of.launch_failures++;
	log_warnx("Failed to launch task %s", task_id);
	offerd_updates_lost(task_id, LAUNCH_FAILED_MSG);
}

/* One ACCEPT with a LAUNCH of the tasks for h. */
static void
accept_offer(struct held *h, Mesos__V1__TaskInfo **infos, size_t n)
{
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;
	Mesos__V1__Call__Accept acc = MESOS__V1__CALL__ACCEPT__INIT;
	Mesos__V1__Offer__Operation op = MESOS__V1__OFFER__OPERATION__INIT;
	Mesos__V1__Offer__Operation__Launch launch =
	    MESOS__V1__OFFER__OPERATION__LAUNCH__INIT;
	Mesos__V1__Offer__Operation *ops[1] = { &op };
	Mesos__V1__OfferID *ids[1] = { h->offer->id };
	Mesos__V1__Filters filters = MESOS__V1__FILTERS__INIT;

	launch.n_task_infos = n;
	launch.task_infos = infos;
	op.has_type = 1;
	op.type = MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH;
	op.launch = &launch;
	offer_filter(&filters);
	acc.n_offer_ids = 1;
	acc.offer_ids = ids;
	acc.n_operations = 1;
	acc.operations = ops;
	acc.filters = &filters;
	c.has_type = 1;
	c.type = MESOS__V1__CALL__TYPE__ACCEPT;
	c.accept = &acc;
	if (mesos_call(&c) == -1) {
		log_warnx("cannot launch %zu tasks on offer %s", n,
		    h->offer->id->value);
		for (size_t i = 0; i < n; i++)
			launch_failed(infos[i]->task_id->value);
	} else
		of.launched += n;
}

/* An assigned task's TaskInfo, and the offer it was placed on. */
struct launch {
	struct held		*on;
	Mesos__V1__TaskInfo	*info;
};

static int
by_offer(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct launch *)a)->on;
	uintptr_t y = (uintptr_t)((const struct launch *)b)->on;

	return x < y ? -1 : x > y;
}

/*
 * Launches what replica assigned, one ACCEPT per offer: the assigned
 * tasks are found among the round's placements by id, then sorted by
 * offer.
 */
static void
launch_assigned(const TaskAssignResponse *r)
{
	struct strmap *where = strmap_new();
	struct launch *l = calloc(r->n_assigned ? r->n_assigned : 1,
	    sizeof(*l));
	Mesos__V1__TaskInfo **infos = calloc(r->n_assigned ? r->n_assigned : 1,
	    sizeof(*infos));
	struct held *h, *next;
	size_t n = 0, i, j;

	if (where == NULL || l == NULL || infos == NULL) {
		log_warnx("out of memory launching %zu tasks", r->n_assigned);
		goto out;
	}
	for (i = 0; i < of.nplaced; i++)
		if (strmap_put(where, of.placed[i].task_id, of.placed[i].on) ==
		    -1) {
			log_warnx("out of memory launching %zu tasks",
			    r->n_assigned);
			goto out;
		}
	for (i = 0; i < r->n_assigned; i++) {
		const AssignedTask *a = r->assigned[i];

		if (a->taskid == NULL)
			continue;
		if ((l[n].on = strmap_get(where, a->taskid)) == NULL ||
		    l[n].on->gone || (l[n].info = offerd_task_info(a,
		    l[n].on->offer->agent_id->value)) == NULL) {
			launch_failed(a->taskid);
			continue;
		}
		n++;
	}
	qsort(l, n, sizeof(*l), by_offer);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && l[j].on == l[i].on; j++)
			infos[j - i] = l[j].info;
		accept_offer(l[i].on, infos, j - i);
		/* An accepted offer is used up; Mesos offers the rest again. */
		l[i].on->gone = 1;
	}
out:
	for (h = TAILQ_FIRST(&of.offers); h != NULL; h = next) {
		next = TAILQ_NEXT(h, entry);
		if (h->in_round && h->gone)
			forget(h);
	}
	for (i = 0; l != NULL && i < n; i++)
		offerd_task_info_free(l[i].info);
	free(infos);
	free(l);
	strmap_free(where);
}

static void
assign_done(const Envelope *reply, const char *error, void *arg)
{
	TaskAssignResponse *r = NULL;
	struct held *h;
	int retry = 1;

	if (reply != NULL && reply->type == MSG_TYPE__TASK_ASSIGN_RESPONSE)
		r = (TaskAssignResponse *)ipc_body_decode(reply,
		    &task_assign_response__descriptor);
	if (r == NULL)
		log_warnx("assigning %zu tasks failed: %s", of.nplaced,
		    error != NULL ? error : "bad answer from replica");
	else if (r->outcome != STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED)
		log_warnx("assigning %zu tasks failed: %s", of.nplaced,
		    r->message != NULL ? r->message : "not applied");
	else {
		retry = 0;
		of.not_assigned += of.nplaced - r->n_assigned;
		launch_assigned(r);
		/* The store says so too, but its event may come after this
		 * answer: never place an assigned task twice. */
		for (size_t i = 0; i < r->n_assigned; i++) {
			struct otask *t = r->assigned[i]->taskid != NULL ?
			    offerd_task(r->assigned[i]->taskid) : NULL;

			if (t == NULL ||
			    t->status != SCHEDULE_STATUS__PENDING)
				continue;
			if (t->group != NULL)
				offerd_group_placed(t->group);
			offerd_task_assigned(t, r->assigned[i]->slavehost);
		}
	}
	/* Tasks not launched may be placed again. */
	for (size_t i = 0; i < of.nplaced; i++) {
		struct otask *t = offerd_task(of.placed[i].task_id);

		if (t != NULL && t->status == SCHEDULE_STATUS__PENDING)
			t->placing = 0;
	}
	if (r != NULL)
		task_assign_response__free_unpacked(r, NULL);
	placed_free();
	of.round_inflight = 0;
	TAILQ_FOREACH(h, &of.offers, entry) {
		h->in_round = 0;
		(void)reset(h);
	}
	/* Tasks that became PENDING meanwhile; a failed round after a
	 * pause, so that a replica in trouble is not asked in a loop. */
	if (of.again) {
		of.again = 0;
		kick_after(0);
	} else if (retry)
		kick_after(ROUND_RETRY_MS);
}

static void
kicked(evutil_socket_t fd, short what, void *arg)
{
	run_round();
}

/* A round in ms, unless one is due sooner. */
static void
kick_after(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 }, due;

	if (of.kick == NULL &&
	    (of.kick = event_new(offerd_base(), -1, 0, kicked, NULL)) == NULL)
		return;
	if (event_pending(of.kick, EV_TIMEOUT, &due)) {
		struct timeval now, want;

		event_base_gettimeofday_cached(offerd_base(), &now);
		timeradd(&now, &tv, &want);
		if (!timercmp(&want, &due, <))
			return;
	}
	event_add(of.kick, &tv);
}

void
offerd_offers_kick(void)
{
	kick_after(0);
}

/* Offers held past their time are declined, with the filter. */
static void
decline(struct held *h)
{
	Mesos__V1__Call c = MESOS__V1__CALL__INIT;
	Mesos__V1__Call__Decline d = MESOS__V1__CALL__DECLINE__INIT;
	Mesos__V1__OfferID *ids[1] = { h->offer->id };
	Mesos__V1__Filters filters = MESOS__V1__FILTERS__INIT;

	offer_filter(&filters);
	d.n_offer_ids = 1;
	d.offer_ids = ids;
	d.filters = &filters;
	c.has_type = 1;
	c.type = MESOS__V1__CALL__TYPE__DECLINE;
	c.decline = &d;
	if (mesos_call(&c) == 0)
		of.declined++;
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct held *h, *next;
	int64_t now = ipc_now_ms();

	if (flag_bool(F_HOLD_OFFERS_FOREVER))
		return;
	for (h = TAILQ_FIRST(&of.offers); h != NULL; h = next) {
		next = TAILQ_NEXT(h, entry);
		if (h->in_round || now < h->decline_at_ms)
			continue;
		decline(h);
		forget(h);
	}
}

/* A held copy of o, its agent's attributes worked out; NULL on ENOMEM. */
static struct held *
hold(const Mesos__V1__Offer *o, int64_t hold_ms, int64_t jitter_ms)
{
	struct held *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	if ((h->offer = (Mesos__V1__Offer *)proto_copy(&o->base)) == NULL ||
	    (h->attrs = offerd_host_attributes_of(o)) == NULL ||
	    reset(h) == -1) {
		if (h->offer != NULL)
			mesos__v1__offer__free_unpacked(h->offer, NULL);
		if (h->attrs != NULL)
			host_attributes__free_unpacked(h->attrs, NULL);
		free(h->ports);
		free(h);
		return NULL;
	}
	h->random = (double)random() / ((double)RAND_MAX + 1.0);
	h->decline_at_ms = ipc_now_ms() + hold_ms + (jitter_ms > 0 ?
	    (int64_t)(h->random * (double)jitter_ms) : 0);
	return h;
}

void
offerd_offers_add(Mesos__V1__Offer **offers, size_t n)
{
	int64_t hold_ms = flag_duration_ms(F_MIN_OFFER_HOLD_TIME);
	int64_t jitter_ms = flag_duration_ms(F_OFFER_HOLD_JITTER_WINDOW);
	struct timeval second = { 1, 0 };
	HostAttributes **agents;
	struct held *h;
	size_t k = 0;

	if (of.tick == NULL) {
		TAILQ_INIT(&of.offers);
		if ((of.tick = event_new(offerd_base(), -1, EV_PERSIST, tick,
		    NULL)) != NULL)
			evtimer_add(of.tick, &second);
	}
	agents = calloc(n ? n : 1, sizeof(*agents));
	for (size_t i = 0; i < n; i++) {
		of.received++;
		log_info("Received offer: %s", offers[i]->id->value);
		if ((h = hold(offers[i], hold_ms, jitter_ms)) == NULL) {
			log_warnx("out of memory holding an offer");
			continue;
		}
		TAILQ_INSERT_TAIL(&of.offers, h, entry);
		of.noffers++;
		if (agents != NULL)
			agents[k++] = h->attrs;
	}
	/* Aurora's attribute store learns of new and changed agents. */
	offerd_hosts_offered(agents, k);
	free(agents);
	offerd_offers_kick();
}

void
offerd_offers_rescind(const char *offer_id)
{
	struct held *h;

	if (of.tick == NULL)
		return;
	of.rescinded++;
	TAILQ_FOREACH(h, &of.offers, entry) {
		if (strcmp(h->offer->id->value, offer_id) != 0)
			continue;
		if (h->in_round)
			h->gone = 1;
		else
			forget(h);
		return;
	}
}

void
offerd_offers_clear(void)
{
	struct held *h, *next;

	if (of.tick == NULL)
		return;
	for (h = TAILQ_FIRST(&of.offers); h != NULL; h = next) {
		next = TAILQ_NEXT(h, entry);
		if (h->in_round)
			h->gone = 1;
		else
			forget(h);
	}
}

void
offerd_offers_vars(struct ipc_vars *v)
{
	ipc_vars_int(v, "scheduler_resource_offers", (int64_t)of.received);
	ipc_vars_int(v, "outstanding_offers", (int64_t)of.noffers);
	ipc_vars_int(v, "offers_rescinded", (int64_t)of.rescinded);
	ipc_vars_int(v, "offers_declined", (int64_t)of.declined);
	ipc_vars_int(v, "scheduler_tasks_launched", (int64_t)of.launched);
	ipc_vars_int(v, "assigner_launch_failures", (int64_t)of.launch_failures);
	ipc_vars_int(v, "scheduler_placement_rounds", (int64_t)of.rounds);
	ipc_vars_int(v, "scheduler_placements_not_assigned",
	    (int64_t)of.not_assigned);
}

/* GET /offers: the offers held, as many as one answer may carry. */
void
offerd_offers_list(struct ipc_request *req)
{
	OffersResponse r = OFFERS_RESPONSE__INIT;
	size_t bytes = 0, len;
	struct held *h;

	r.has_left_out = 1;
	if (of.noffers > 0 &&
	    (r.offers = calloc(of.noffers, sizeof(*r.offers))) == NULL) {
		ipc_reply_error(req, IPC_ERROR_CODE__INTERNAL, "out of memory");
		return;
	}
	if (of.tick != NULL)
		TAILQ_FOREACH(h, &of.offers, entry) {
			len = mesos__v1__offer__get_packed_size(h->offer) + 8;
			if (bytes + len > LIST_MAX_BYTES) {
				r.left_out++;
				continue;
			}
			bytes += len;
			r.offers[r.n_offers++] = h->offer;
		}
	ipc_reply(req, MSG_TYPE__OFFERS_RESPONSE, &r.base);
	free(r.offers);
}
