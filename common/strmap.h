/*
 * A chained hash table from strings to pointers: agents, offers, tasks and
 * hosts by name, where ten thousand of them make a linear search too slow.
 * Keys are copied; values belong to the caller.
 */
#ifndef COMMON_STRMAP_H
#define COMMON_STRMAP_H

#include <stddef.h>

struct strmap;

/* NULL when out of memory. */
struct strmap *strmap_new(void);
/* Frees the table (not the values). */
void	 strmap_free(struct strmap *);
void	*strmap_get(const struct strmap *, const char *key);
/* Adds or replaces; -1 when out of memory (the table is unchanged). */
int	 strmap_put(struct strmap *, const char *key, void *value);
/* Removes key; returns its value (NULL when absent). */
void	*strmap_del(struct strmap *, const char *key);
size_t	 strmap_count(const struct strmap *);
/*
 * Calls fn for each entry, in no order; stops when fn returns -1. fn may
 * delete the entry it is given, no other.
 */
void	 strmap_each(struct strmap *,
	    int (*fn)(const char *key, void *value, void *arg), void *arg);

#endif
