/*
 * A chained hash table from strings to pointers (strmap.h). The bucket
 * count is a power of two and doubles when the entries outnumber it.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strmap.h"

#define FIRST_BUCKETS	64

struct strmap_entry {
	struct strmap_entry *next;
	void		*value;
	char		 key[];
};

struct strmap {
	struct strmap_entry **b;
	size_t		 nb, count;
};

static size_t
hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

struct strmap *
strmap_new(void)
{
	struct strmap *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->nb = FIRST_BUCKETS;
	if ((m->b = calloc(m->nb, sizeof(*m->b))) == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void
strmap_free(struct strmap *m)
{
	struct strmap_entry *e, *next;

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nb; i++)
		for (e = m->b[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(m->b);
	free(m);
}

static struct strmap_entry **
slot(const struct strmap *m, const char *key)
{
	struct strmap_entry **pe;

	for (pe = &m->b[hash(key) & (m->nb - 1)]; *pe != NULL;
	    pe = &(*pe)->next)
		if (strcmp((*pe)->key, key) == 0)
			break;
	return pe;
}

/* A table that cannot grow still works, only slower. */
static void
grow(struct strmap *m)
{
	struct strmap_entry **nb, *e, *next;
	size_t n = m->nb * 2, j;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (size_t i = 0; i < m->nb; i++)
		for (e = m->b[i]; e != NULL; e = next) {
			next = e->next;
			j = hash(e->key) & (n - 1);
			e->next = nb[j];
			nb[j] = e;
		}
	free(m->b);
	m->b = nb;
	m->nb = n;
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_entry *e = *slot(m, key);

	return e != NULL ? e->value : NULL;
}

int
strmap_put(struct strmap *m, const char *key, void *value)
{
	struct strmap_entry **pe = slot(m, key), *e;
	size_t len;

	if (*pe != NULL) {
		(*pe)->value = value;
		return 0;
	}
	len = strlen(key) + 1;
	if ((e = malloc(sizeof(*e) + len)) == NULL)
		return -1;
	memcpy(e->key, key, len);
	e->value = value;
	e->next = NULL;
	*pe = e;
	if (++m->count > m->nb)
		grow(m);
	return 0;
}

void *
strmap_del(struct strmap *m, const char *key)
{
	struct strmap_entry **pe = slot(m, key), *e = *pe;
	void *value;

	if (e == NULL)
		return NULL;
	*pe = e->next;
	value = e->value;
	free(e);
	m->count--;
	return value;
}

size_t
strmap_count(const struct strmap *m)
{
	return m->count;
}

void
strmap_each(struct strmap *m, int (*fn)(const char *, void *, void *),
    void *arg)
{
	struct strmap_entry *e, *next;

	for (size_t i = 0; i < m->nb; i++)
		for (e = m->b[i]; e != NULL; e = next) {
			next = e->next;
			if (fn(e->key, e->value, arg) == -1)
				return;
		}
}
