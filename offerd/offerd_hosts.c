/*
 * offerd: the agents' attributes, as Aurora's attribute store keeps them
 * (the store's HOST_ATTRIBUTES table, host -> HostAttributes). Read when
 * this scheduler starts leading, followed through STORE_APPLIED, and
 * written (saveHostAttributes) whenever an offer shows an agent whose
 * attributes or id changed, keeping the host's maintenance mode. Limit
 * constraints count a job's tasks per attribute value of the hosts they
 * run on, which offers alone cannot tell once an agent is full.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/proto_copy.h"
#include "common/strmap.h"
#include "ipc/storage.pb-c.h"
#include "offerd/offerd.h"

#define SAVE_TIMEOUT_MS	30000

struct ohost {
	HostAttributes	*attrs;
	uint64_t	 pos;	/* the log position it reflects */
};

static struct {
	struct strmap	*hosts;
	struct store_scan *scan;
	int		 loaded;
	uint64_t	 saves, save_failures;
} hs;

/*
 * A scalar attribute as Aurora turns it into text: Java's
 * String.valueOf(double) ("16.0", "0.5", "1.0E7"), the shortest digits
 * that read back as the same value.
 */
static void
java_double(double v, char *out, size_t len)
{
	char buf[32], *e;
	int p;

	if (isnan(v) || isinf(v)) {
		snprintf(out, len, "%s", isnan(v) ? "NaN" : v > 0 ?
		    "Infinity" : "-Infinity");
		return;
	}
	if (v == 0 || (fabs(v) >= 1e-3 && fabs(v) < 1e7)) {
		for (p = 1; p < 17; p++) {
			snprintf(out, len, "%.*f", p, v);
			if (strtod(out, NULL) == v)
				break;
		}
		return;
	}
	for (p = 1; p < 17; p++) {
		snprintf(buf, sizeof(buf), "%.*E", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* 1.5E+07 -> 1.5E7, 1.0E-04 -> 1.0E-4 */
	e = strchr(buf, 'E');
	*e++ = '\0';
	snprintf(out, len, "%sE%s%d", buf, *e == '-' ? "-" : "",
	    abs(atoi(e + 1)));
}

static void
free_attrs(HostAttributes *h)
{
	if (h != NULL)
		host_attributes__free_unpacked(h, NULL);
}

/* An attribute's values, as a set: a value already there is dropped. */
static int
add_value(Attribute *a, const char *value)
{
	char **v;

	for (size_t i = 0; i < a->n_values; i++)
		if (strcmp(a->values[i], value) == 0)
			return 0;
	if ((v = realloc(a->values, (a->n_values + 1) * sizeof(*v))) == NULL)
		return -1;
	a->values = v;
	if ((v[a->n_values] = strdup(value)) == NULL)
		return -1;
	a->n_values++;
	return 0;
}

static Attribute *
attribute_named(HostAttributes *h, const char *name)
{
	Attribute *a, **v;

	for (size_t i = 0; i < h->n_attributes; i++)
		if (strcmp(h->attributes[i]->name, name) == 0)
			return h->attributes[i];
	if ((v = realloc(h->attributes, (h->n_attributes + 1) *
	    sizeof(*v))) == NULL)
		return NULL;
	h->attributes = v;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	attribute__init(a);
	if ((a->name = strdup(name)) == NULL) {
		free(a);
		return NULL;
	}
	v[h->n_attributes++] = a;
	return a;
}

HostAttributes *
offerd_host_attributes_of(const Mesos__V1__Offer *o)
{
	const struct ohost *known = hs.hosts != NULL ?
	    strmap_get(hs.hosts, o->hostname) : NULL;
	HostAttributes *h = calloc(1, sizeof(*h));
	char num[64];
	Attribute *a;

	if (h == NULL)
		return NULL;
	host_attributes__init(h);
	if ((h->host = strdup(o->hostname)) == NULL ||
	    (h->slaveid = strdup(o->agent_id->value)) == NULL)
		goto fail;
	/* Mesos knows nothing of Aurora's maintenance: keep what is kept. */
	h->has_mode = 1;
	h->mode = known != NULL && known->attrs->has_mode ?
	    known->attrs->mode : MAINTENANCE_MODE__NONE;
	for (size_t i = 0; i < o->n_attributes; i++) {
		const Mesos__V1__Attribute *m = o->attributes[i];
		const char *value = NULL;

		if (m->text != NULL)
			value = m->text->value;
		else if (m->scalar != NULL) {
			java_double(m->scalar->value, num, sizeof(num));
			value = num;
		}
		if (value == NULL)
			continue;	/* ranges and sets: Aurora ignores them */
		if ((a = attribute_named(h, m->name)) == NULL ||
		    add_value(a, value) == -1)
			goto fail;
	}
	return h;
fail:
	free_attrs(h);
	return NULL;
}

static int
has_value(const Attribute *a, const char *value)
{
	for (size_t i = 0; i < a->n_values; i++)
		if (strcmp(a->values[i], value) == 0)
			return 1;
	return 0;
}

const Attribute *
offerd_attribute(const HostAttributes *h, const char *name)
{
	for (size_t i = 0; i < h->n_attributes; i++)
		if (h->attributes[i]->name != NULL &&
		    strcmp(h->attributes[i]->name, name) == 0)
			return h->attributes[i];
	return NULL;
}

/* Equal as Aurora compares them: attributes and values are sets. */
static int
same(const HostAttributes *a, const HostAttributes *b)
{
	if ((a->slaveid == NULL) != (b->slaveid == NULL) ||
	    (a->slaveid != NULL && strcmp(a->slaveid, b->slaveid) != 0) ||
	    a->mode != b->mode || a->n_attributes != b->n_attributes)
		return 0;
	for (size_t i = 0; i < a->n_attributes; i++) {
		const Attribute *x = a->attributes[i], *y;

		if (x->name == NULL ||
		    (y = offerd_attribute(b, x->name)) == NULL ||
		    x->n_values != y->n_values)
			return 0;
		for (size_t j = 0; j < x->n_values; j++)
			if (!has_value(y, x->values[j]))
				return 0;
	}
	return 1;
}

/* Keeps h (taken) as host's attributes as of log position pos. */
static void
keep(HostAttributes *h, uint64_t pos)
{
	struct ohost *o;

	if (hs.hosts == NULL && (hs.hosts = strmap_new()) == NULL) {
		free_attrs(h);
		return;
	}
	if ((o = strmap_get(hs.hosts, h->host)) != NULL) {
		if (o->pos > pos) {	/* a page older than an event */
			free_attrs(h);
			return;
		}
		free_attrs(o->attrs);
	} else if ((o = calloc(1, sizeof(*o))) == NULL ||
	    strmap_put(hs.hosts, h->host, o) == -1) {
		free(o);
		free_attrs(h);
		log_warnx("out of memory keeping the attributes of a host");
		return;
	}
	o->attrs = h;
	o->pos = pos;
}

static void
loaded_record(const StoreRecord *r, uint64_t applied, void *arg)
{
	HostAttributes *h = host_attributes__unpack(NULL, r->value.len,
	    r->value.data);

	if (h == NULL || h->host == NULL) {
		log_warnx("the attributes of host %s do not parse; skipping "
		    "them", r->key);
		free_attrs(h);
		return;
	}
	keep(h, applied);
}

static void
load_done(void *arg)
{
	hs.scan = NULL;
	hs.loaded = 1;
	log_info("loaded the attributes of %zu hosts from the store",
	    hs.hosts != NULL ? strmap_count(hs.hosts) : 0);
	offerd_offers_kick();
}

void
offerd_hosts_load(void)
{
	offerd_hosts_clear();
	if ((hs.scan = offerd_scan(STORE_TABLE__HOST_ATTRIBUTES, loaded_record,
	    load_done, NULL)) == NULL)
		log_warnx("cannot read the hosts' attributes");
}

static int
drop(const char *key, void *value, void *arg)
{
	struct ohost *o = value;

	free_attrs(o->attrs);
	free(o);
	return 0;
}

void
offerd_hosts_clear(void)
{
	offerd_scan_cancel(hs.scan);
	hs.scan = NULL;
	hs.loaded = 0;
	if (hs.hosts != NULL) {
		strmap_each(hs.hosts, drop, NULL);
		strmap_free(hs.hosts);
		hs.hosts = NULL;
	}
}

int
offerd_hosts_loaded(void)
{
	return hs.loaded;
}

void
offerd_hosts_applied(const StoreApplied *ev)
{
	for (size_t i = 0; i < ev->n_transactions; i++) {
		const Transaction *tx = ev->transactions[i];

		for (size_t j = 0; j < tx->n_ops; j++) {
			const Op *op = tx->ops[j];
			HostAttributes *copy;

			if (op->kind_case != OP__KIND_SAVE_HOST_ATTRIBUTES ||
			    op->savehostattributes->hostattributes == NULL)
				continue;
			copy = (HostAttributes *)proto_copy(
			    &op->savehostattributes->hostattributes->base);
			if (copy != NULL && copy->host != NULL)
				keep(copy, ev->position);
			else
				free_attrs(copy);
		}
	}
}

const HostAttributes *
offerd_host(const char *host)
{
	const struct ohost *o = hs.hosts != NULL && host != NULL ?
	    strmap_get(hs.hosts, host) : NULL;

	return o != NULL ? o->attrs : NULL;
}

/* The hosts of one save, forgotten if it fails: their next offer saves. */
struct save {
	size_t	 n;
	char	*hosts[];
};

static void
saved(const Envelope *reply, const char *error, void *arg)
{
	struct save *sv = arg;
	StoreSubmitResponse *r = NULL;
	struct ohost *o;

	if (reply != NULL && reply->type == MSG_TYPE__STORE_SUBMIT_RESPONSE)
		r = (StoreSubmitResponse *)ipc_body_decode(reply,
		    &store_submit_response__descriptor);
	if (r == NULL || r->outcome != STORE_SUBMIT_RESPONSE__OUTCOME__APPLIED) {
		hs.save_failures++;
		log_warnx("cannot save the attributes of %zu hosts: %s",
		    sv->n, r != NULL && r->message != NULL ? r->message :
		    error != NULL ? error : "not applied");
		for (size_t i = 0; hs.hosts != NULL && i < sv->n; i++)
			if ((o = strmap_del(hs.hosts, sv->hosts[i])) != NULL)
				drop(NULL, o, NULL);
	}
	for (size_t i = 0; i < sv->n; i++)
		free(sv->hosts[i]);
	free(sv);
	if (r != NULL)
		store_submit_response__free_unpacked(r, NULL);
}

void
offerd_hosts_offered(HostAttributes *const *offered, size_t n)
{
	Transaction tx = TRANSACTION__INIT;
	Op *ops = NULL, **opv = NULL;
	SaveHostAttributes *saves = NULL;
	struct save *sv = NULL;
	HostAttributes *copy;
	const HostAttributes *known;
	const struct ohost *o;
	size_t k = 0;

	/* Before the store's copy is read, a save could undo a mode. */
	if (!hs.loaded || n == 0)
		return;
	if ((ops = calloc(n, sizeof(*ops))) == NULL ||
	    (opv = calloc(n, sizeof(*opv))) == NULL ||
	    (saves = calloc(n, sizeof(*saves))) == NULL ||
	    (sv = calloc(1, sizeof(*sv) + n * sizeof(char *))) == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (offered[i] == NULL ||
		    ((known = offerd_host(offered[i]->host)) != NULL &&
		    same(known, offered[i])))
			continue;
		/* Kept at once, as of what is known: the same offer twice
		 * saves once, and the store's event still replaces it. */
		o = hs.hosts != NULL ? strmap_get(hs.hosts,
		    offered[i]->host) : NULL;
		if ((sv->hosts[k] = strdup(offered[i]->host)) == NULL ||
		    (copy = (HostAttributes *)proto_copy(
		    &offered[i]->base)) == NULL) {
			free(sv->hosts[k]);
			sv->hosts[k] = NULL;
			continue;
		}
		keep(copy, o != NULL ? o->pos : 0);
		save_host_attributes__init(&saves[k]);
		saves[k].hostattributes = offered[i];
		op__init(&ops[k]);
		ops[k].kind_case = OP__KIND_SAVE_HOST_ATTRIBUTES;
		ops[k].savehostattributes = &saves[k];
		opv[k] = &ops[k];
		k++;
	}
	if (k == 0)
		goto out;
	tx.n_ops = k;
	tx.ops = opv;
	hs.saves += k;
	sv->n = k;
	if (ipc_call(offerd_replica(), MSG_TYPE__STORE_SUBMIT_REQUEST,
	    &tx.base, SAVE_TIMEOUT_MS, saved, sv) == -1)
		saved(NULL, "cannot reach replica", sv);
	sv = NULL;
out:
	free(sv);
	free(saves);
	free(opv);
	free(ops);
}

void
offerd_hosts_vars(struct ipc_vars *v)
{
	ipc_vars_int(v, "offerd_hosts_known", hs.hosts != NULL ?
	    (int64_t)strmap_count(hs.hosts) : 0);
	ipc_vars_int(v, "host_attribute_saves", (int64_t)hs.saves);
	ipc_vars_int(v, "host_attribute_save_failures",
	    (int64_t)hs.save_failures);
}
