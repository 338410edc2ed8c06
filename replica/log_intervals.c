/*
 * replica: sorted interval sets of log positions (see log_intervals.h).
 * Sets stay small (a few runs of missing positions), so edits copy the
 * tail of the array rather than keep a tree.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "replica/log_intervals.h"

void
log_intervals_init(struct log_intervals *s)
{
	memset(s, 0, sizeof(*s));
}

void
log_intervals_free(struct log_intervals *s)
{
	free(s->v);
	log_intervals_init(s);
}

void
log_intervals_clear(struct log_intervals *s)
{
	s->n = 0;
}

static int
reserve(struct log_intervals *s, size_t n)
{
	struct log_interval *v;
	size_t cap;

	if (n <= s->cap)
		return 0;
	cap = s->cap ? s->cap * 2 : 8;
	while (cap < n)
		cap *= 2;
	if ((v = reallocarray(s->v, cap, sizeof(*v))) == NULL)
		return -1;
	s->v = v;
	s->cap = cap;
	return 0;
}

int
log_intervals_add(struct log_intervals *s, uint64_t lo, uint64_t hi)
{
	size_t first, last, i;

	if (lo > hi)
		return 0;
	/* first: the first interval that touches or follows [lo, hi]. */
	for (first = 0; first < s->n; first++)
		if (s->v[first].hi == UINT64_MAX || s->v[first].hi + 1 >= lo)
			break;
	/* last: one past the last interval that touches [lo, hi]. */
	for (last = first; last < s->n; last++)
		if (hi != UINT64_MAX && s->v[last].lo > hi + 1)
			break;
	if (first == last) {
		if (reserve(s, s->n + 1) == -1)
			return -1;
		memmove(&s->v[first + 1], &s->v[first],
		    (s->n - first) * sizeof(s->v[0]));
		s->v[first].lo = lo;
		s->v[first].hi = hi;
		s->n++;
		return 0;
	}
	if (s->v[first].lo < lo)
		lo = s->v[first].lo;
	if (s->v[last - 1].hi > hi)
		hi = s->v[last - 1].hi;
	s->v[first].lo = lo;
	s->v[first].hi = hi;
	i = first + 1;
	memmove(&s->v[i], &s->v[last], (s->n - last) * sizeof(s->v[0]));
	s->n -= last - i;
	return 0;
}

int
log_intervals_copy(struct log_intervals *dst, const struct log_intervals *src)
{
	if (reserve(dst, src->n) == -1)
		return -1;
	if (src->n > 0)
		memcpy(dst->v, src->v, src->n * sizeof(src->v[0]));
	dst->n = src->n;
	return 0;
}

int
log_intervals_remove(struct log_intervals *s, uint64_t lo, uint64_t hi)
{
	size_t i;

	if (lo > hi)
		return 0;
	for (i = 0; i < s->n; ) {
		struct log_interval *iv = &s->v[i];

		if (iv->hi < lo) {
			i++;
			continue;
		}
		if (iv->lo > hi)
			break;
		if (iv->lo < lo && iv->hi > hi) {
			/* Splits one interval in two. */
			if (reserve(s, s->n + 1) == -1)
				return -1;
			iv = &s->v[i];
			memmove(&s->v[i + 1], &s->v[i],
			    (s->n - i) * sizeof(s->v[0]));
			s->n++;
			s->v[i].hi = lo - 1;
			s->v[i + 1].lo = hi + 1;
			return 0;
		}
		if (iv->lo < lo) {
			iv->hi = lo - 1;
			i++;
		} else if (iv->hi > hi) {
			iv->lo = hi + 1;
			break;
		} else {
			memmove(&s->v[i], &s->v[i + 1],
			    (s->n - i - 1) * sizeof(s->v[0]));
			s->n--;
		}
	}
	return 0;
}

int
log_intervals_contains(const struct log_intervals *s, uint64_t pos)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].hi < pos)
			lo = mid + 1;
		else if (s->v[mid].lo > pos)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

uint64_t
log_intervals_count(const struct log_intervals *s)
{
	uint64_t total = 0, len;

	for (size_t i = 0; i < s->n; i++) {
		len = s->v[i].hi - s->v[i].lo;
		if (len == UINT64_MAX || total > UINT64_MAX - len - 1)
			return UINT64_MAX;
		total += len + 1;
	}
	return total;
}

int
log_intervals_next(const struct log_intervals *s, uint64_t from,
    uint64_t *pos)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].hi < from)
			continue;
		*pos = s->v[i].lo > from ? s->v[i].lo : from;
		return 0;
	}
	return -1;
}
