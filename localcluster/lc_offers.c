/*
 * aurora-local-cluster: the allocator. Each agent's free resources go to
 * one framework at a time as one offer, until that offer is accepted,
 * declined or rescinded. Filters (Filters.refuse_seconds on ACCEPT and
 * DECLINE) keep what a framework refused away from it for a while, unless
 * the agent has more to offer than it refused, as in Mesos. Allocation
 * runs every --allocation_interval_ms, and at once after SUBSCRIBE and
 * REVIVE.
 */
#include "config.h"

#include <sys/time.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/arena.h"
#include "common/log.h"
#include "common/strmap.h"
#include "localcluster/localcluster.h"

#define MAX_REFUSE_S	(365.0 * 86400)
#define DEFAULT_REFUSE_S 5.0

static struct event *tick;
static struct event *soon;

static void
offer_remove(struct lc_offer *o)
{
	TAILQ_REMOVE(&o->fw->offers, o, entry);
	strmap_del(lc.offers, o->id);
	o->agent->offer = NULL;
	lc_res_free(&o->res);
	free(o);
}

void
lc_offers_rescind(struct lc_framework *fw)
{
	struct lc_offer *o;
	size_t n = 0;

	while ((o = TAILQ_FIRST(&fw->offers)) != NULL) {
		offer_remove(o);
		n++;
	}
	if (n > 0)
		lc_debug("framework %s: %zu offers rescinded", fw->id, n);
}

static bool
filtered(struct lc_framework *fw, const struct lc_agent *a,
    const struct lc_res *avail, int64_t now)
{
	struct lc_filter *f;

	if (fw->filters == NULL || fw->filters[a->idx].until_ms == 0)
		return false;
	f = &fw->filters[a->idx];
	if (f->until_ms <= now) {
		f->until_ms = 0;
		lc_res_free(&f->refused);
		return false;
	}
	return lc_res_contains(&f->refused, avail);
}

static void
set_filter(struct lc_framework *fw, const struct lc_agent *a,
    const struct lc_res *refused, const Mesos__V1__Filters *filters)
{
	struct lc_filter *f;
	double s = DEFAULT_REFUSE_S;

	if (filters != NULL && filters->has_refuse_seconds)
		s = filters->refuse_seconds;
	/* Mesos: an invalid duration means the default; zero means none. */
	if (!isfinite(s) || s < 0)
		s = DEFAULT_REFUSE_S;
	if (s == 0 || lc_res_empty(refused))
		return;
	if (s > MAX_REFUSE_S)
		s = MAX_REFUSE_S;
	if (fw->filters == NULL)
		fw->filters = xcalloc(lc.nagents, sizeof(*fw->filters));
	f = &fw->filters[a->idx];
	f->until_ms = lc_now_ms() + (int64_t)(s * 1000) + 1;
	lc_res_copy(&f->refused, refused);
}

static Mesos__V1__Offer *
offer_proto(struct arena *ar, const struct lc_offer *o)
{
	Mesos__V1__Offer *p;
	Mesos__V1__OfferID *id;
	Mesos__V1__FrameworkID *fid;
	Mesos__V1__AgentID *aid;
	const struct lc_agent *a = o->agent;
	size_t i;

	p = arena_alloc(ar, sizeof(*p));
	id = arena_alloc(ar, sizeof(*id));
	fid = arena_alloc(ar, sizeof(*fid));
	aid = arena_alloc(ar, sizeof(*aid));
	if (p == NULL || id == NULL || fid == NULL || aid == NULL)
		fatalx("out of memory");
	mesos__v1__offer__init(p);
	mesos__v1__offer_id__init(id);
	mesos__v1__framework_id__init(fid);
	mesos__v1__agent_id__init(aid);
	id->value = LC_UNCONST(o->id);
	fid->value = o->fw->id;
	aid->value = a->id;
	p->id = id;
	p->framework_id = fid;
	p->agent_id = aid;
	p->hostname = a->hostname;
	p->resources = lc_res_proto(&o->res, ar, &p->n_resources);
	if (a->nattrs > 0 && (p->attributes = arena_alloc(ar,
	    a->nattrs * sizeof(*p->attributes))) == NULL)
		fatalx("out of memory");
	for (i = 0; i < a->nattrs; i++) {
		Mesos__V1__Attribute *at = arena_alloc(ar, sizeof(*at));
		Mesos__V1__Value__Text *t = arena_alloc(ar, sizeof(*t));

		if (at == NULL || t == NULL)
			fatalx("out of memory");
		mesos__v1__attribute__init(at);
		mesos__v1__value__text__init(t);
		t->value = a->attrs[i].value;
		at->name = a->attrs[i].name;
		at->type = MESOS__V1__VALUE__TYPE__TEXT;
		at->text = t;
		p->attributes[i] = at;
	}
	p->n_attributes = a->nattrs;
	return p;
}

static void
send_offers(struct lc_framework *fw, struct lc_offer **v, size_t n)
{
	Mesos__V1__Event ev = MESOS__V1__EVENT__INIT;
	Mesos__V1__Event__Offers offers = MESOS__V1__EVENT__OFFERS__INIT;
	struct arena *ar;
	size_t i;

	if ((ar = arena_new()) == NULL ||
	    (offers.offers = arena_alloc(ar, n * sizeof(*offers.offers))) ==
	    NULL)
		fatalx("out of memory");
	for (i = 0; i < n; i++)
		offers.offers[i] = offer_proto(ar, v[i]);
	offers.n_offers = n;
	ev.has_type = 1;
	ev.type = MESOS__V1__EVENT__TYPE__OFFERS;
	ev.offers = &offers;
	lc_stream_send(fw, &ev);
	arena_free(ar);
	lc.counters.offers_sent += n;
	lc_debug("framework %s: %zu offers sent", fw->id, n);
}

static struct lc_offer *
offer_new(struct lc_framework *fw, struct lc_agent *a, struct lc_res *avail)
{
	struct lc_offer *o = xcalloc(1, sizeof(*o));

	snprintf(o->id, sizeof(o->id), "%s-O%llu", lc.master_id,
	    (unsigned long long)++lc.next_offer);
	o->fw = fw;
	o->agent = a;
	o->res = *avail;	/* takes the ranges */
	lc_res_init(avail);
	a->offer = o;
	TAILQ_INSERT_TAIL(&fw->offers, o, entry);
	xstrmap_put(lc.offers, o->id, o);
	return o;
}

static void
allocate_for(struct lc_framework *fw, int64_t now)
{
	struct lc_offer *batch[LC_OFFERS_PER_EVENT];
	struct lc_agent *a;
	struct lc_res avail;
	size_t i, n = 0;

	lc_res_init(&avail);
	for (i = 0; i < lc.nagents; i++) {
		a = &lc.agents[i];
		if (a->offer != NULL)
			continue;
		lc_agent_free_res(a, &avail);
		if (!lc_res_offerable(&avail) || filtered(fw, a, &avail, now))
			continue;
		batch[n++] = offer_new(fw, a, &avail);
		if (n == LC_OFFERS_PER_EVENT) {
			send_offers(fw, batch, n);
			n = 0;
		}
	}
	if (n > 0)
		send_offers(fw, batch, n);
	lc_res_free(&avail);
}

static void
allocate(evutil_socket_t fd, short what, void *arg)
{
	struct lc_framework *fw, *first;
	int64_t now = lc_now_ms();

	if (lc.shutting_down)
		return;
	TAILQ_FOREACH(fw, &lc.frameworks, entry)
		if (fw->stream != NULL && !fw->suppressed)
			allocate_for(fw, now);
	/* The next round starts with the next framework. */
	if ((first = TAILQ_FIRST(&lc.frameworks)) != NULL &&
	    TAILQ_NEXT(first, entry) != NULL) {
		TAILQ_REMOVE(&lc.frameworks, first, entry);
		TAILQ_INSERT_TAIL(&lc.frameworks, first, entry);
	}
}

void
lc_allocate_soon(void)
{
	struct timeval tv = { 0, 0 };

	if (!evtimer_pending(soon, NULL))
		evtimer_add(soon, &tv);
}

void
lc_offers_init(void)
{
	struct timeval tv;

	lc.offers = xstrmap_new();
	tv.tv_sec = lc.conf.allocation_ms / 1000;
	tv.tv_usec = (lc.conf.allocation_ms % 1000) * 1000;
	if ((tick = event_new(lc.base, -1, EV_PERSIST, allocate, NULL)) ==
	    NULL || (soon = evtimer_new(lc.base, allocate, NULL)) == NULL ||
	    evtimer_add(tick, &tv) == -1)
		fatalx("allocation timer");
}

void
lc_offers_free(void)
{
	if (tick != NULL)
		event_free(tick);
	if (soon != NULL)
		event_free(soon);
	tick = soon = NULL;
	strmap_free(lc.offers);
	lc.offers = NULL;
}

/* The offer named, if this framework holds it. */
static struct lc_offer *
held(struct lc_framework *fw, const Mesos__V1__OfferID *id)
{
	struct lc_offer *o = strmap_get(lc.offers, id->value);

	return o != NULL && o->fw == fw ? o : NULL;
}

/* Mesos's checks of an ACCEPT's offers; NULL if they are good. */
static const char *
check_offers(struct lc_framework *fw, const Mesos__V1__Call__Accept *acc,
    char *err, size_t errlen)
{
	struct lc_offer *o;
	struct lc_agent *agent = NULL;
	size_t i, j;

	if (acc->n_offer_ids == 0)
		return "No offers specified";
	for (i = 0; i < acc->n_offer_ids; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(acc->offer_ids[i]->value,
			    acc->offer_ids[j]->value) == 0) {
				snprintf(err, errlen, "Duplicate offer %s in "
				    "accept", acc->offer_ids[i]->value);
				return err;
			}
		if ((o = held(fw, acc->offer_ids[i])) == NULL) {
			snprintf(err, errlen, "Offer %s is no longer valid",
			    acc->offer_ids[i]->value);
			return err;
		}
		if (agent != NULL && o->agent != agent) {
			snprintf(err, errlen, "Aggregated offers must belong "
			    "to one single agent. Offer %s uses agent %s and "
			    "agent %s", o->id, o->agent->id, agent->id);
			return err;
		}
		agent = o->agent;
	}
	return NULL;
}

static void
invalid_offers(struct lc_framework *fw, const Mesos__V1__Call__Accept *acc,
    const char *why)
{
	const Mesos__V1__Offer__Operation *op;
	const Mesos__V1__TaskInfo *ti;
	struct lc_offer *o;
	char msg[512];
	size_t i, j;

	log_warnx("framework %s: ACCEPT with invalid offers: %s", fw->id, why);
	/* The good ones among them go back, as in Mesos. */
	for (i = 0; i < acc->n_offer_ids; i++)
		if ((o = held(fw, acc->offer_ids[i])) != NULL)
			offer_remove(o);
	snprintf(msg, sizeof(msg), "Task launched with invalid offers: %.400s",
	    why);
	for (i = 0; i < acc->n_operations; i++) {
		op = acc->operations[i];
		if (op->type != MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH ||
		    op->launch == NULL)
			continue;
		for (j = 0; j < op->launch->n_task_infos; j++) {
			ti = op->launch->task_infos[j];
			lc_task_status(fw, ti->task_id->value,
			    ti->agent_id->value, fw->partition_aware ?
			    MESOS__V1__TASK_STATE__TASK_DROPPED :
			    MESOS__V1__TASK_STATE__TASK_LOST,
			    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_MASTER,
			    LC_REASON_INVALID_OFFERS, msg);
			lc.counters.lost++;
		}
	}
}

static void
too_much(const struct lc_res *need, const struct lc_res *avail, char *err,
    size_t errlen)
{
	char a[512], n[512];

	lc_res_format(need, n, sizeof(n));
	lc_res_format(avail, a, sizeof(a));
	snprintf(err, errlen, "Total resources %.400s required by task and "
	    "its executor is more than available %.400s", n, a);
}

void
lc_offers_accept(struct lc_framework *fw, const Mesos__V1__Call__Accept *acc)
{
	const Mesos__V1__Offer__Operation *op;
	const Mesos__V1__TaskInfo *ti;
	struct lc_agent *agent;
	struct lc_offer *o;
	struct lc_res avail, need;
	char err[1024];
	const char *why;
	size_t i, j, launched = 0;

	if ((why = check_offers(fw, acc, err, sizeof(err))) != NULL) {
		invalid_offers(fw, acc, why);
		return;
	}
	lc_res_init(&avail);
	lc_res_init(&need);
	agent = NULL;
	for (i = 0; i < acc->n_offer_ids; i++) {
		if ((o = held(fw, acc->offer_ids[i])) == NULL)
			continue;	/* check_offers saw them all */
		agent = o->agent;
		lc_res_add(&avail, &o->res);
		offer_remove(o);
		lc.counters.accepts++;
	}
	if (agent == NULL)
		return;
	for (i = 0; i < acc->n_operations; i++) {
		op = acc->operations[i];
		if (op->type != MESOS__V1__OFFER__OPERATION__TYPE__LAUNCH) {
			log_warnx("framework %s: operation %d is not supported "
			    "by the local cluster; dropped", fw->id,
			    (int)op->type);
			continue;
		}
		for (j = 0; op->launch != NULL &&
		    j < op->launch->n_task_infos; j++) {
			ti = op->launch->task_infos[j];
			lc_res_free(&need);
			if (lc_task_check(fw, agent, ti, &need, err,
			    sizeof(err)) == 0) {
				if (lc_res_contains(&avail, &need)) {
					lc_res_sub(&avail, &need);
					lc_task_launch(fw, agent, ti, &need);
					launched++;
					continue;
				}
				too_much(&need, &avail, err, sizeof(err));
			}
			log_warnx("framework %s: task %s: %s", fw->id,
			    ti->task_id->value, err);
			lc_task_status(fw, ti->task_id->value,
			    ti->agent_id->value,
			    MESOS__V1__TASK_STATE__TASK_ERROR,
			    MESOS__V1__TASK_STATUS__SOURCE__SOURCE_MASTER,
			    MESOS__V1__TASK_STATUS__REASON__REASON_TASK_INVALID,
			    err);
			lc.counters.errors++;
		}
	}
	lc_task_log("framework %s: ACCEPT on agent %s: %zu task(s) launched",
	    fw->id, agent->hostname, launched);
	/* What was not used stays away from this framework for a while. */
	set_filter(fw, agent, &avail, acc->filters);
	lc_res_free(&avail);
	lc_res_free(&need);
}

void
lc_offers_decline(struct lc_framework *fw, const Mesos__V1__Call__Decline *d)
{
	struct lc_offer *o;
	size_t i;

	for (i = 0; i < d->n_offer_ids; i++) {
		if ((o = held(fw, d->offer_ids[i])) == NULL) {
			lc_debug("framework %s: DECLINE of unknown offer %s",
			    fw->id, d->offer_ids[i]->value);
			continue;
		}
		set_filter(fw, o->agent, &o->res, d->filters);
		offer_remove(o);
		lc.counters.declines++;
	}
	lc_debug("framework %s: DECLINE of %zu offer(s)", fw->id,
	    d->n_offer_ids);
}

void
lc_offers_revive(struct lc_framework *fw)
{
	size_t i;

	if (fw->filters != NULL) {
		for (i = 0; i < lc.nagents; i++)
			lc_res_free(&fw->filters[i].refused);
		free(fw->filters);
		fw->filters = NULL;
	}
	fw->suppressed = false;
	log_info("framework %s: REVIVE", fw->id);
	lc_allocate_soon();
}

void
lc_offers_suppress(struct lc_framework *fw)
{
	fw->suppressed = true;
	log_info("framework %s: SUPPRESS", fw->id);
}
