/*
 * client: command-line options in the forms Aurora's argparse accepts:
 * --name=value, --name value, -m value, --flag; everything else is a
 * positional argument. "--" ends the options.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"

static struct client_opt *
find(struct client_opt *opts, size_t n, const char *arg, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strlen(opts[i].name) == len &&
		    strncmp(opts[i].name, arg, len) == 0)
			return &opts[i];
		if (opts[i].alias != NULL && strlen(opts[i].alias) == len &&
		    strncmp(opts[i].alias, arg, len) == 0)
			return &opts[i];
	}
	return NULL;
}

int
client_opts_exact(int argc, char **argv, struct client_opt *opts,
    size_t nopts, char **args, size_t n, const char *usage)
{
	size_t nargs;
	int code;

	if ((code = client_opts_parse(argc, argv, opts, nopts, args, &nargs, n,
	    usage)) != 0)
		return code;
	if (nargs != n) {
		fprintf(stderr, "usage: %s\n", usage);
		return CLIENT_EXIT_INVALID_COMMAND;
	}
	return 0;
}

int
client_opts_parse(int argc, char **argv, struct client_opt *opts,
    size_t nopts, char **args, size_t *nargs, size_t maxargs,
    const char *usage)
{
	struct client_opt *o;
	const char *eq;
	bool dashdash = false;
	size_t len;
	int i;

	*nargs = 0;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (dashdash || a[0] != '-' || a[1] == '\0' ||
		    (a[1] >= '0' && a[1] <= '9')) {
			if (*nargs == maxargs) {
				fprintf(stderr, "unrecognized arguments: %s\n"
				    "usage: %s\n", a, usage);
				return CLIENT_EXIT_INVALID_COMMAND;
			}
			args[(*nargs)++] = argv[i];
			continue;
		}
		eq = strchr(a, '=');
		len = eq != NULL ? (size_t)(eq - a) : strlen(a);
		if ((o = find(opts, nopts, a, len)) == NULL) {
			fprintf(stderr, "unrecognized arguments: %s\n"
			    "usage: %s\n", a, usage);
			return CLIENT_EXIT_INVALID_COMMAND;
		}
		o->set = true;
		if (!o->has_value) {
			if (eq != NULL) {
				fprintf(stderr, "argument %s: ignored explicit "
				    "argument '%s'\n", o->name, eq + 1);
				return CLIENT_EXIT_INVALID_COMMAND;
			}
			o->value = "";
		} else if (eq != NULL) {
			o->value = eq + 1;
		} else if (i + 1 < argc) {
			o->value = argv[++i];
		} else {
			fprintf(stderr, "argument %s: expected one argument\n"
			    "usage: %s\n", o->name, usage);
			return CLIENT_EXIT_INVALID_COMMAND;
		}
	}
	return 0;
}

int
client_opt_int(const struct client_opt *o, const char *what, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(o->value, &end, 10);
	if (*o->value == '\0' || *end != '\0' || errno != 0 || v < INT_MIN ||
	    v > INT_MAX) {
		fprintf(stderr, "argument %s: invalid int value: '%s'\n",
		    what, o->value);
		return CLIENT_EXIT_INVALID_PARAMETER;
	}
	*out = (int)v;
	return 0;
}
