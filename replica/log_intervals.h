/*
 * replica: a set of log positions kept as sorted, disjoint, closed
 * intervals. The log uses it for the positions a replica has not learned
 * (holes and unlearned writes), which an elected coordinator must fill.
 */
#ifndef REPLICA_LOG_INTERVALS_H
#define REPLICA_LOG_INTERVALS_H

#include <stddef.h>
#include <stdint.h>

struct log_interval {
	uint64_t	lo, hi;		/* both included */
};

struct log_intervals {
	struct log_interval	*v;
	size_t			 n, cap;
};

void	log_intervals_init(struct log_intervals *);
void	log_intervals_free(struct log_intervals *);
void	log_intervals_clear(struct log_intervals *);
/* Adds [lo, hi]; -1 if memory runs out (the set is unchanged). */
int	log_intervals_add(struct log_intervals *, uint64_t lo, uint64_t hi);
/* Makes dst (initialised) a copy of src; -1 if memory runs out. */
int	log_intervals_copy(struct log_intervals *dst,
	    const struct log_intervals *src);
/* Removes [lo, hi]; -1 if memory runs out (the set is unchanged). */
int	log_intervals_remove(struct log_intervals *, uint64_t lo, uint64_t hi);
int	log_intervals_contains(const struct log_intervals *, uint64_t);
/* Number of positions in the set, saturating at UINT64_MAX. */
uint64_t log_intervals_count(const struct log_intervals *);
/* The first position >= from in the set; -1 if there is none. */
int	log_intervals_next(const struct log_intervals *, uint64_t from,
	    uint64_t *pos);

#endif
