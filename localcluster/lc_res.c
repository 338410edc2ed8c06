/*
 * aurora-local-cluster: resources as agents offer them and tasks use them:
 * the scalars cpus, mem (MB) and disk (MB), and port ranges. Arithmetic
 * is exact (thousandths, as Mesos rounds), so resources given back always
 * add up to what the agent had.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/log.h"
#include "localcluster/localcluster.h"

/* Below this an agent has nothing worth offering (Mesos's minimums). */
#define MIN_CPUS	10		/* 0.01 */
#define MIN_MEM		32000		/* 32 MB */

int64_t
lc_res_scalar(double v)
{
	return (int64_t)llround(v * 1000.0);
}

double
lc_res_double(int64_t v)
{
	return (double)v / 1000.0;
}

void
lc_res_init(struct lc_res *r)
{
	memset(r, 0, sizeof(*r));
}

void
lc_res_free(struct lc_res *r)
{
	free(r->ports.v);
	memset(r, 0, sizeof(*r));
}

void
lc_res_copy(struct lc_res *dst, const struct lc_res *src)
{
	lc_res_free(dst);
	dst->cpus = src->cpus;
	dst->mem = src->mem;
	dst->disk = src->disk;
	if (src->ports.n > 0) {
		dst->ports.v = xreallocarray(NULL, src->ports.n,
		    sizeof(*dst->ports.v));
		memcpy(dst->ports.v, src->ports.v,
		    src->ports.n * sizeof(*dst->ports.v));
		dst->ports.n = dst->ports.cap = src->ports.n;
	}
}

static int
range_cmp(const void *a, const void *b)
{
	const struct lc_range *x = a, *y = b;

	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* Sorts and merges overlapping and adjacent ranges. */
static void
normalize(struct lc_ranges *r)
{
	size_t i, o;

	if (r->n < 2)
		return;
	qsort(r->v, r->n, sizeof(*r->v), range_cmp);
	for (i = 1, o = 0; i < r->n; i++) {
		if (r->v[i].begin <= r->v[o].end ||
		    r->v[i].begin == r->v[o].end + 1) {
			if (r->v[i].end > r->v[o].end)
				r->v[o].end = r->v[i].end;
		} else
			r->v[++o] = r->v[i];
	}
	r->n = o + 1;
}

static void
push(struct lc_ranges *r, uint64_t b, uint64_t e)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4;
		r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
	}
	r->v[r->n].begin = b;
	r->v[r->n].end = e;
	r->n++;
}

void
lc_ranges_add(struct lc_ranges *r, uint64_t b, uint64_t e)
{
	push(r, b, e);
	normalize(r);
}

/* r -= [b, e] */
static void
ranges_sub(struct lc_ranges *r, uint64_t b, uint64_t e)
{
	struct lc_ranges out = { NULL, 0, 0 };
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct lc_range x = r->v[i];

		if (x.end < b || x.begin > e) {
			push(&out, x.begin, x.end);
			continue;
		}
		if (x.begin < b)
			push(&out, x.begin, b - 1);
		if (x.end > e)
			push(&out, e + 1, x.end);
	}
	free(r->v);
	*r = out;
}

/* [b, e] within one range of r (r is merged, so that is enough). */
static bool
ranges_has(const struct lc_ranges *r, uint64_t b, uint64_t e)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].begin <= b && e <= r->v[i].end)
			return true;
	return false;
}

void
lc_res_add(struct lc_res *a, const struct lc_res *b)
{
	size_t i;

	a->cpus += b->cpus;
	a->mem += b->mem;
	a->disk += b->disk;
	for (i = 0; i < b->ports.n; i++)
		push(&a->ports, b->ports.v[i].begin, b->ports.v[i].end);
	normalize(&a->ports);
}

void
lc_res_sub(struct lc_res *a, const struct lc_res *b)
{
	size_t i;

	a->cpus -= b->cpus;
	a->mem -= b->mem;
	a->disk -= b->disk;
	if (a->cpus < 0 || a->mem < 0 || a->disk < 0) {
		log_warnx("resource accounting went negative; clamped");
		a->cpus = a->cpus < 0 ? 0 : a->cpus;
		a->mem = a->mem < 0 ? 0 : a->mem;
		a->disk = a->disk < 0 ? 0 : a->disk;
	}
	for (i = 0; i < b->ports.n; i++)
		ranges_sub(&a->ports, b->ports.v[i].begin, b->ports.v[i].end);
}

bool
lc_res_contains(const struct lc_res *a, const struct lc_res *b)
{
	size_t i;

	if (b->cpus > a->cpus || b->mem > a->mem || b->disk > a->disk)
		return false;
	for (i = 0; i < b->ports.n; i++)
		if (!ranges_has(&a->ports, b->ports.v[i].begin,
		    b->ports.v[i].end))
			return false;
	return true;
}

bool
lc_res_offerable(const struct lc_res *r)
{
	return r->cpus >= MIN_CPUS || r->mem >= MIN_MEM;
}

bool
lc_res_empty(const struct lc_res *r)
{
	return r->cpus == 0 && r->mem == 0 && r->disk == 0 && r->ports.n == 0;
}

void
lc_ranges_format(const struct lc_ranges *r, char *buf, size_t len)
{
	size_t i, n = 0;
	int w;

	buf[0] = '\0';
	w = snprintf(buf, len, "[");
	for (i = 0; i < r->n && w >= 0 && (size_t)w < len - n; i++) {
		n += (size_t)w;
		w = snprintf(buf + n, len - n, "%s%llu-%llu", i ? ", " : "",
		    (unsigned long long)r->v[i].begin,
		    (unsigned long long)r->v[i].end);
	}
	if (w >= 0 && (size_t)w < len - n) {
		n += (size_t)w;
		snprintf(buf + n, len - n, "]");
	}
}

void
lc_res_format(const struct lc_res *r, char *buf, size_t len)
{
	char ports[256];

	lc_ranges_format(&r->ports, ports, sizeof(ports));
	snprintf(buf, len, "cpus:%g; mem:%g; disk:%g; ports:%s",
	    lc_res_double(r->cpus), lc_res_double(r->mem),
	    lc_res_double(r->disk), ports);
}

static int
scalar(int64_t *into, const Mesos__V1__Resource *r, char *err, size_t errlen)
{
	double v;

	if (r->type != MESOS__V1__VALUE__TYPE__SCALAR || r->scalar == NULL) {
		snprintf(err, errlen, "Resource '%s' must be a SCALAR",
		    r->name);
		return -1;
	}
	v = r->scalar->value;
	/* Bounded, so that a body full of them cannot overflow the sum. */
	if (!isfinite(v) || v < 0 || v > 1e9) {
		snprintf(err, errlen, "Resource '%s' has an invalid value %g",
		    r->name, v);
		return -1;
	}
	*into += lc_res_scalar(v);
	return 0;
}

/* Takes the ranges as they come; ports_merge checks them all at once. */
static int
ports(struct lc_res *into, const Mesos__V1__Resource *r, char *err,
    size_t errlen)
{
	uint64_t b, e;
	size_t i;

	if (r->type != MESOS__V1__VALUE__TYPE__RANGES || r->ranges == NULL) {
		snprintf(err, errlen, "Resource 'ports' must be RANGES");
		return -1;
	}
	for (i = 0; i < r->ranges->n_range; i++) {
		b = r->ranges->range[i]->begin;
		e = r->ranges->range[i]->end;
		if (b > e || e > 65535) {
			snprintf(err, errlen, "Resource 'ports' has an invalid "
			    "range [%llu-%llu]", (unsigned long long)b,
			    (unsigned long long)e);
			return -1;
		}
		push(&into->ports, b, e);
	}
	return 0;
}

/*
 * A port asked for twice is an error, not a smaller demand. Sorting once
 * keeps a body full of ranges from costing more than n log n.
 */
static int
ports_merge(struct lc_ranges *r, char *err, size_t errlen)
{
	size_t i;

	if (r->n < 2)
		return 0;
	qsort(r->v, r->n, sizeof(*r->v), range_cmp);
	for (i = 1; i < r->n; i++)
		if (r->v[i].begin <= r->v[i - 1].end) {
			snprintf(err, errlen, "Resource 'ports' names port "
			    "%llu twice", (unsigned long long)r->v[i].begin);
			return -1;
		}
	normalize(r);
	return 0;
}

int
lc_res_parse(struct lc_res *into, Mesos__V1__Resource *const *rs, size_t n,
    char *err, size_t errlen)
{
	const Mesos__V1__Resource *r;
	size_t i;

	for (i = 0; i < n; i++) {
		r = rs[i];
		if (r->role != NULL && strcmp(r->role, "*") != 0) {
			snprintf(err, errlen, "Resource '%s' is reserved for "
			    "role '%s'; the local cluster has only unreserved "
			    "('*') resources", r->name, r->role);
			return -1;
		}
		if (r->revocable != NULL) {
			snprintf(err, errlen, "Resource '%s' is revocable; "
			    "the local cluster has no revocable resources",
			    r->name);
			return -1;
		}
		if (strcmp(r->name, "cpus") == 0) {
			if (scalar(&into->cpus, r, err, errlen) == -1)
				return -1;
		} else if (strcmp(r->name, "mem") == 0) {
			if (scalar(&into->mem, r, err, errlen) == -1)
				return -1;
		} else if (strcmp(r->name, "disk") == 0) {
			if (scalar(&into->disk, r, err, errlen) == -1)
				return -1;
		} else if (strcmp(r->name, "ports") == 0) {
			if (ports(into, r, err, errlen) == -1)
				return -1;
		} else {
			snprintf(err, errlen, "Resource '%s' is not offered by "
			    "the local cluster", r->name);
			return -1;
		}
	}
	return ports_merge(&into->ports, err, errlen);
}

static Mesos__V1__Resource *
proto_scalar(struct arena *a, const char *name, int64_t v)
{
	Mesos__V1__Resource *r = arena_alloc(a, sizeof(*r));
	Mesos__V1__Value__Scalar *s = arena_alloc(a, sizeof(*s));

	if (r == NULL || s == NULL)
		fatalx("out of memory");
	mesos__v1__resource__init(r);
	mesos__v1__value__scalar__init(s);
	s->value = lc_res_double(v);
	r->name = LC_UNCONST(name);
	r->type = MESOS__V1__VALUE__TYPE__SCALAR;
	r->scalar = s;
	r->role = LC_UNCONST("*");
	return r;
}

Mesos__V1__Resource **
lc_res_proto(const struct lc_res *res, struct arena *a, size_t *n)
{
	Mesos__V1__Resource **v, *r;
	Mesos__V1__Value__Ranges *rs;
	size_t i;

	if ((v = arena_alloc(a, 4 * sizeof(*v))) == NULL)
		fatalx("out of memory");
	*n = 0;
	if (res->cpus > 0)
		v[(*n)++] = proto_scalar(a, "cpus", res->cpus);
	if (res->mem > 0)
		v[(*n)++] = proto_scalar(a, "mem", res->mem);
	if (res->disk > 0)
		v[(*n)++] = proto_scalar(a, "disk", res->disk);
	if (res->ports.n > 0) {
		r = arena_alloc(a, sizeof(*r));
		rs = arena_alloc(a, sizeof(*rs));
		if (r == NULL || rs == NULL)
			fatalx("out of memory");
		mesos__v1__value__ranges__init(rs);
		if ((rs->range = arena_alloc(a,
		    res->ports.n * sizeof(*rs->range))) == NULL)
			fatalx("out of memory");
		mesos__v1__resource__init(r);
		for (i = 0; i < res->ports.n; i++) {
			Mesos__V1__Value__Range *x = arena_alloc(a, sizeof(*x));

			if (x == NULL)
				fatalx("out of memory");
			mesos__v1__value__range__init(x);
			x->begin = res->ports.v[i].begin;
			x->end = res->ports.v[i].end;
			rs->range[i] = x;
		}
		rs->n_range = res->ports.n;
		r->name = LC_UNCONST("ports");
		r->type = MESOS__V1__VALUE__TYPE__RANGES;
		r->ranges = rs;
		r->role = LC_UNCONST("*");
		v[(*n)++] = r;
	}
	return v;
}
