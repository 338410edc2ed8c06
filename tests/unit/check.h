/*
 * A minimal assertion kit for the unit test programs: each CHECK prints a
 * line on failure; the program exits 1 if any check failed.
 */
#ifndef TESTS_UNIT_CHECK_H
#define TESTS_UNIT_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond) do {						\
	check_count++;							\
	if (!(cond)) {							\
		check_failures++;					\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	check_count++;							\
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {		\
		check_failures++;					\
		fprintf(stderr, "%s:%d: '%s' != '%s'\n", __FILE__,	\
		    __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)");	\
	}								\
} while (0)

#define CHECK_CONTAINS(hay, needle) do {				\
	const char *h_ = (hay), *n_ = (needle);				\
	check_count++;							\
	if (h_ == NULL || strstr(h_, n_) == NULL) {			\
		check_failures++;					\
		fprintf(stderr, "%s:%d: '%s' does not contain '%s'\n",	\
		    __FILE__, __LINE__, h_ ? h_ : "(null)", n_);	\
	}								\
} while (0)

static inline int
check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count,
	    check_failures);
	return check_failures == 0 ? 0 : 1;
}

#endif
