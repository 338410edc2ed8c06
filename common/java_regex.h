/*
 * common: the Java regular expressions Aurora's flags take (such as
 * -allowed_job_environments, "^(prod|devel|test|staging\d*)$"), matched
 * as Java's Pattern.matches does: against the whole string. The common
 * subset is translated to POSIX extended syntax (\d \w \s and their
 * negations, escaped punctuation); what has no translation (lookaround,
 * backreferences, lazy quantifiers) is refused with a reason.
 */
#ifndef COMMON_JAVA_REGEX_H
#define COMMON_JAVA_REGEX_H

#include <regex.h>
#include <stddef.h>

/* Compiles pattern into re; -1 with err saying what is wrong. */
int	java_regex_compile(regex_t *re, const char *pattern, char *err,
	    size_t errlen);
/* Whether the whole of s matches. */
int	java_regex_matches(const regex_t *re, const char *s);

#endif
