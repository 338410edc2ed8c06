/*
 * aurora-local-cluster: the command line. One table gives each flag its
 * name, kind, bounds and help; a bad flag ends the program with exit code
 * 2 and one line naming the flag, as a bad configuration does elsewhere in
 * the project (common/exitcodes.h).
 */
#include "config.h"

#include <arpa/inet.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/exitcodes.h"
#include "localcluster/localcluster.h"

enum flag_kind { K_INT, K_NUM, K_STR, K_BOOL, K_PORTS, K_ATTRS, K_IP };

enum flag_id {
	FL_PORT, FL_IP, FL_WORK_DIR, FL_HEARTBEAT, FL_ALLOCATION,
	FL_KILL_GRACE, FL_CPUS, FL_MEM, FL_DISK, FL_PORTS, FL_ATTRIBUTES,
	FL_SIMULATE, FL_RACKS, FL_SIM_TASK_MS, FL_SIM_FAIL_RATIO,
	FL_PARENT_PID, FL_VERBOSE, FL_HELP
};

static const struct flag {
	enum flag_id	 id;
	const char	*name;
	enum flag_kind	 kind;
	double		 min, max;
	const char	*help;
} flags[] = {
	{ FL_PORT, "port", K_INT, 1, 65535,
	    "TCP port of the scheduler API (required)" },
	{ FL_IP, "ip", K_IP, 0, 0,
	    "IPv4 address to listen on (default 127.0.0.1)" },
	{ FL_WORK_DIR, "work_dir", K_STR, 0, 0,
	    "directory of the task sandboxes, DIR/sandboxes/<task id> "
	    "(required)" },
	{ FL_HEARTBEAT, "heartbeat_interval", K_NUM, 0.001, 86400,
	    "seconds between HEARTBEAT events (default 15)" },
	{ FL_ALLOCATION, "allocation_interval_ms", K_INT, 1, 3600000,
	    "how often freed and declined resources are offered "
	    "(default 1000)" },
	{ FL_KILL_GRACE, "kill_grace_ms", K_INT, 0, 3600000,
	    "SIGTERM to SIGKILL when a KILL has no kill policy "
	    "(default 3000)" },
	{ FL_CPUS, "cpus", K_NUM, 0.01, 1e6, "cpus of each agent" },
	{ FL_MEM, "mem_mb", K_NUM, 1, 1e9, "memory of each agent, MB" },
	{ FL_DISK, "disk_mb", K_NUM, 0, 1e9, "disk of each agent, MB" },
	{ FL_PORTS, "ports", K_PORTS, 0, 0,
	    "port range of each agent, BEGIN-END (default 31000-32000)" },
	{ FL_ATTRIBUTES, "attributes", K_ATTRS, 0, 0,
	    "name:value;... replaces the agents' attributes; {i} is the "
	    "agent's index" },
	{ FL_SIMULATE, "simulate_agents", K_INT, 0, LC_MAX_AGENTS,
	    "simulate N agents; their tasks run no process (default 0)" },
	{ FL_RACKS, "racks", K_INT, 1, LC_MAX_AGENTS,
	    "racks the simulated agents spread over (default 10)" },
	{ FL_SIM_TASK_MS, "sim_task_ms", K_INT, 0, 86400000,
	    "simulated tasks end after M ms (default 0: they keep running)" },
	{ FL_SIM_FAIL_RATIO, "sim_fail_ratio", K_NUM, 0, 1,
	    "fraction of simulated tasks that end FAILED (default 0)" },
	{ FL_PARENT_PID, "parent_pid", K_INT, 1, 2147483647,
	    "stop when this process is gone" },
	{ FL_VERBOSE, "verbose", K_BOOL, 0, 0, "log every call and event" },
	{ FL_HELP, "help", K_BOOL, 0, 0, "this text" },
};

static void usage(FILE *);
static void bad(const char *, const char *, ...)
    __attribute__((format(printf, 2, 3), noreturn));

static void
bad(const char *name, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "aurora-local-cluster: --%s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(EXIT_CONFIG);
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: aurora-local-cluster --port=N --work_dir=DIR "
	    "[--name=value ...]\n");
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		fprintf(f, "  --%-24s %s\n", flags[i].name, flags[i].help);
}

static double
number(const struct flag *f, const char *v)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || errno != 0 || !isfinite(d))
		bad(f->name, "expected a number, got '%s'", v);
	if (f->kind == K_INT && d != floor(d))
		bad(f->name, "expected a whole number, got '%s'", v);
	if (d < f->min || d > f->max)
		bad(f->name, "%s is out of range [%g, %g]", v, f->min, f->max);
	return d;
}

static void
ports(struct lc_config *c, const char *v)
{
	unsigned long b, e;
	char *end;

	errno = 0;
	b = strtoul(v, &end, 10);
	if (end == v || *end != '-')
		bad("ports", "expected BEGIN-END, got '%s'", v);
	v = end + 1;
	e = strtoul(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 || b < 1 || b > e ||
	    e > 65535)
		bad("ports", "expected BEGIN-END within 1-65535, BEGIN <= END");
	c->ports_begin = b;
	c->ports_end = e;
	c->set_ports = true;
}

/* "name:value;name:value"; the empty string is no attribute at all. */
static void
attributes(struct lc_config *c, const char *v)
{
	char *copy = xstrdup(v), *p = copy, *tok, *colon;
	size_t i;

	c->set_attributes = true;
	while ((tok = strsep(&p, ";")) != NULL) {
		if (*tok == '\0')
			continue;
		if ((colon = strchr(tok, ':')) == NULL || colon == tok)
			bad("attributes", "expected name:value, got '%s'", tok);
		*colon = '\0';
		for (i = 0; i < c->nattributes; i++)
			if (strcmp(c->attributes[i].name, tok) == 0)
				bad("attributes", "'%s' is given twice", tok);
		c->attributes = xreallocarray(c->attributes,
		    c->nattributes + 1, sizeof(*c->attributes));
		c->attributes[c->nattributes].name = xstrdup(tok);
		c->attributes[c->nattributes].value = xstrdup(colon + 1);
		c->nattributes++;
	}
	free(copy);
}

static void
set(struct lc_config *c, const struct flag *f, const char *v)
{
	struct in_addr in;
	double d = 0;

	if (f->kind == K_INT || f->kind == K_NUM)
		d = number(f, v);
	switch (f->id) {
	case FL_PORT:
		c->port = (int)d;
		break;
	case FL_IP:
		if (inet_pton(AF_INET, v, &in) != 1)
			bad(f->name, "expected an IPv4 address, got '%s'", v);
		c->ip = v;
		break;
	case FL_WORK_DIR:
		if (*v == '\0')
			bad(f->name, "must not be empty");
		c->work_dir = v;
		break;
	case FL_HEARTBEAT:
		c->heartbeat_s = d;
		break;
	case FL_ALLOCATION:
		c->allocation_ms = (long)d;
		break;
	case FL_KILL_GRACE:
		c->kill_grace_ms = (long)d;
		break;
	case FL_CPUS:
		c->cpus = d;
		c->set_cpus = true;
		break;
	case FL_MEM:
		c->mem_mb = d;
		c->set_mem = true;
		break;
	case FL_DISK:
		c->disk_mb = d;
		c->set_disk = true;
		break;
	case FL_PORTS:
		ports(c, v);
		break;
	case FL_ATTRIBUTES:
		attributes(c, v);
		break;
	case FL_SIMULATE:
		c->simulate_agents = (long)d;
		break;
	case FL_RACKS:
		c->racks = (long)d;
		break;
	case FL_SIM_TASK_MS:
		c->sim_task_ms = (long)d;
		break;
	case FL_SIM_FAIL_RATIO:
		c->sim_fail_ratio = d;
		break;
	case FL_PARENT_PID:
		c->parent_pid = (pid_t)d;
		break;
	case FL_VERBOSE:
		c->verbose = true;
		break;
	case FL_HELP:
		usage(stdout);
		exit(0);
	}
}

static bool
boolean(const struct flag *f, const char *v)
{
	if (v == NULL || strcmp(v, "true") == 0)
		return true;
	if (strcmp(v, "false") == 0)
		return false;
	bad(f->name, "expected true or false, got '%s'", v);
}

void
lc_flags_parse(struct lc_config *c, int argc, char **argv)
{
	const struct flag *f;
	char *arg, *eq;
	size_t i, len;
	int a;

	memset(c, 0, sizeof(*c));
	c->ip = "127.0.0.1";
	c->heartbeat_s = 15;
	c->allocation_ms = 1000;
	c->kill_grace_ms = 3000;
	c->racks = 10;
	c->ports_begin = 31000;
	c->ports_end = 32000;
	for (a = 1; a < argc; a++) {
		arg = argv[a];
		if (strncmp(arg, "--", 2) != 0) {
			fprintf(stderr, "aurora-local-cluster: unexpected "
			    "argument '%s' (flags are --name=value)\n", arg);
			usage(stderr);
			exit(EXIT_CONFIG);
		}
		arg += 2;
		eq = strchr(arg, '=');
		len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		for (i = 0, f = NULL; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (strlen(flags[i].name) == len &&
			    strncmp(flags[i].name, arg, len) == 0)
				f = &flags[i];
		if (f == NULL) {
			fprintf(stderr, "aurora-local-cluster: unknown flag "
			    "--%.*s (see --help)\n", (int)len, arg);
			exit(EXIT_CONFIG);
		}
		if (f->kind == K_BOOL) {
			if (boolean(f, eq != NULL ? eq + 1 : NULL))
				set(c, f, "true");
			continue;
		}
		if (eq == NULL)
			bad(f->name, "needs a value (--%s=...)", f->name);
		set(c, f, eq + 1);
	}
	if (c->port == 0)
		bad("port", "is required");
	if (c->work_dir == NULL)
		bad("work_dir", "is required");
	if (c->simulate_agents == 0 && (c->sim_task_ms != 0 ||
	    c->sim_fail_ratio != 0))
		bad(c->sim_task_ms != 0 ? "sim_task_ms" : "sim_fail_ratio",
		    "only applies with --simulate_agents");
}
