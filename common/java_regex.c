/*
 * common: Java regular expressions on POSIX regex (see java_regex.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/java_regex.h"

/* Appends s to out (of size len) at *n; -1 when it does not fit. */
static int
put(char *out, size_t len, size_t *n, const char *s)
{
	size_t l = strlen(s);

	if (*n + l >= len)
		return -1;
	memcpy(out + *n, s, l + 1);
	*n += l;
	return 0;
}

static const char *
class_of(char c)
{
	switch (c) {
	case 'd': return "[0-9]";
	case 'D': return "[^0-9]";
	case 'w': return "[A-Za-z0-9_]";
	case 'W': return "[^A-Za-z0-9_]";
	case 's': return "[ \t\n\v\f\r]";
	case 'S': return "[^ \t\n\v\f\r]";
	default: return NULL;
	}
}

/* Inside brackets the classes go without their own brackets. */
static const char *
bracket_class_of(char c)
{
	switch (c) {
	case 'd': return "0-9";
	case 'w': return "A-Za-z0-9_";
	case 's': return " \t\n\v\f\r";
	default: return NULL;
	}
}

static int
translate(const char *p, char *out, size_t len, char *err, size_t errlen)
{
	size_t n = 0;
	int in_bracket = 0;
	char lit[3];

	/* Java matches the whole input: anchor it, whatever it says. */
	if (put(out, len, &n, "^(") == -1)
		goto too_long;
	for (; *p != '\0'; p++) {
		if (*p == '\\') {
			const char *c;

			p++;
			if (*p == '\0') {
				snprintf(err, errlen, "ends with a backslash");
				return -1;
			}
			c = in_bracket ? bracket_class_of(*p) : class_of(*p);
			if (c != NULL) {
				if (put(out, len, &n, c) == -1)
					goto too_long;
				continue;
			}
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9')) {
				snprintf(err, errlen, "\\%c is not supported", *p);
				return -1;
			}
			/* Escaped punctuation is itself. */
			if (in_bracket)
				snprintf(lit, sizeof(lit), "%c", *p);
			else
				snprintf(lit, sizeof(lit), "\\%c", *p);
			if (put(out, len, &n, lit) == -1)
				goto too_long;
			continue;
		}
		if (!in_bracket && *p == '(' && p[1] == '?') {
			snprintf(err, errlen, "(?...) groups are not supported");
			return -1;
		}
		if (!in_bracket && (*p == '*' || *p == '+' || *p == '?' ||
		    *p == '}') && (p[1] == '?' || p[1] == '+')) {
			snprintf(err, errlen, "lazy and possessive quantifiers "
			    "are not supported");
			return -1;
		}
		if (*p == '[' && !in_bracket) {
			in_bracket = 1;
			if (put(out, len, &n, "[") == -1)
				goto too_long;
			if (p[1] == '^') {
				p++;
				if (put(out, len, &n, "^") == -1)
					goto too_long;
			}
			if (p[1] == ']') {	/* a leading ] is literal */
				p++;
				if (put(out, len, &n, "]") == -1)
					goto too_long;
			}
			continue;
		}
		if (*p == ']' && in_bracket)
			in_bracket = 0;
		snprintf(lit, sizeof(lit), "%c", *p);
		if (put(out, len, &n, lit) == -1)
			goto too_long;
	}
	if (in_bracket) {
		snprintf(err, errlen, "a [ is not closed");
		return -1;
	}
	if (put(out, len, &n, ")$") == -1)
		goto too_long;
	return 0;
too_long:
	snprintf(err, errlen, "too long");
	return -1;
}

int
java_regex_compile(regex_t *re, const char *pattern, char *err, size_t errlen)
{
	char posix[2048], why[256];
	int rc;

	if (translate(pattern, posix, sizeof(posix), err, errlen) == -1)
		return -1;
	if ((rc = regcomp(re, posix, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, re, why, sizeof(why));
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	return 0;
}

int
java_regex_matches(const regex_t *re, const char *s)
{
	return regexec(re, s, 0, NULL, 0) == 0;
}
