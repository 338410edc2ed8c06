/*
 * aurora-local-cluster: a chained hash table from strings to pointers, for
 * agents, offers and tasks by id (ten thousand simulated agents make a
 * linear search per call too slow). Keys are copied; values are the
 * caller's.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "localcluster/localcluster.h"

struct lc_hash_entry {
	struct lc_hash_entry *next;
	void		*val;
	char		 key[];
};

struct lc_hash {
	struct lc_hash_entry **b;
	size_t		 nb;
	size_t		 count;
};

static size_t
hash(const char *s)
{
	size_t h = 14695981039346656037ULL;	/* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

struct lc_hash *
lc_hash_new(void)
{
	struct lc_hash *h = xcalloc(1, sizeof(*h));

	h->nb = 64;
	h->b = xcalloc(h->nb, sizeof(*h->b));
	return h;
}

void
lc_hash_free(struct lc_hash *h)
{
	struct lc_hash_entry *e, *next;
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nb; i++)
		for (e = h->b[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(h->b);
	free(h);
}

static struct lc_hash_entry **
slot(const struct lc_hash *h, const char *key)
{
	struct lc_hash_entry **pe;

	for (pe = &h->b[hash(key) & (h->nb - 1)]; *pe != NULL;
	    pe = &(*pe)->next)
		if (strcmp((*pe)->key, key) == 0)
			break;
	return pe;
}

static void
grow(struct lc_hash *h)
{
	struct lc_hash_entry **nb, *e, *next;
	size_t i, n = h->nb * 2, j;

	nb = xcalloc(n, sizeof(*nb));
	for (i = 0; i < h->nb; i++)
		for (e = h->b[i]; e != NULL; e = next) {
			next = e->next;
			j = hash(e->key) & (n - 1);
			e->next = nb[j];
			nb[j] = e;
		}
	free(h->b);
	h->b = nb;
	h->nb = n;
}

void *
lc_hash_get(const struct lc_hash *h, const char *key)
{
	struct lc_hash_entry *e = *slot(h, key);

	return e != NULL ? e->val : NULL;
}

void
lc_hash_put(struct lc_hash *h, const char *key, void *val)
{
	struct lc_hash_entry **pe = slot(h, key), *e;
	size_t len;

	if (*pe != NULL) {
		(*pe)->val = val;
		return;
	}
	len = strlen(key) + 1;
	e = xmalloc(sizeof(*e) + len);
	memcpy(e->key, key, len);
	e->val = val;
	e->next = NULL;
	*pe = e;
	if (++h->count > h->nb)
		grow(h);
}

void *
lc_hash_del(struct lc_hash *h, const char *key)
{
	struct lc_hash_entry **pe = slot(h, key), *e = *pe;
	void *val;

	if (e == NULL)
		return NULL;
	*pe = e->next;
	val = e->val;
	free(e);
	h->count--;
	return val;
}
