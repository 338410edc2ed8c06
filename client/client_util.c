/*
 * client: small helpers shared by the commands: allocation, error
 * formatting, Python-like number printing, task states.
 */
#include "config.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/client.h"

void *
client_xcalloc(size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL) {
		fprintf(stderr, "aurora: out of memory\n");
		exit(CLIENT_EXIT_UNKNOWN_ERROR);
	}
	return p;
}

char *
client_xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL) {
		fprintf(stderr, "aurora: out of memory\n");
		exit(CLIENT_EXIT_UNKNOWN_ERROR);
	}
	return p;
}

int
client_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
client_fail_got(char *err, size_t errlen, json_t *v, const char *fmt, ...)
{
	char *text = v != NULL ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) :
	    NULL;
	va_list ap;
	size_t off;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	off = strlen(err);
	snprintf(err + off, errlen - off, ", got %s", text != NULL ? text :
	    v != NULL ? "?" : "nothing");
	free(text);
	return -1;
}

void
client_fmt_double(char *buf, size_t len, double d)
{
	int prec;

	/* The shortest form that reads back the same, as repr() does. */
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (strpbrk(buf, ".eni") == NULL && strlen(buf) + 3 <= len)
		strcat(buf, ".0");
}

const char *
client_username(void)
{
	const struct passwd *pw;
	const char *u;

	/* getpass.getuser(): LOGNAME, USER, LNAME, USERNAME, then passwd. */
	if ((u = getenv("LOGNAME")) != NULL && *u != '\0')
		return u;
	if ((u = getenv("USER")) != NULL && *u != '\0')
		return u;
	if ((pw = getpwuid(getuid())) != NULL)
		return pw->pw_name;
	return "unknown";
}

static const struct {
	int		 status;
	const char	*name;
} statuses[] = {
	{ SCHEDULE_STATUS__INIT, "INIT" },
	{ SCHEDULE_STATUS__THROTTLED, "THROTTLED" },
	{ SCHEDULE_STATUS__PENDING, "PENDING" },
	{ SCHEDULE_STATUS__ASSIGNED, "ASSIGNED" },
	{ SCHEDULE_STATUS__STARTING, "STARTING" },
	{ SCHEDULE_STATUS__RUNNING, "RUNNING" },
	{ SCHEDULE_STATUS__FINISHED, "FINISHED" },
	{ SCHEDULE_STATUS__PREEMPTING, "PREEMPTING" },
	{ SCHEDULE_STATUS__RESTARTING, "RESTARTING" },
	{ SCHEDULE_STATUS__SCHEDULE_STATUS_DRAINING, "DRAINING" },
	{ SCHEDULE_STATUS__SCHEDULE_STATUS_FAILED, "FAILED" },
	{ SCHEDULE_STATUS__KILLED, "KILLED" },
	{ SCHEDULE_STATUS__KILLING, "KILLING" },
	{ SCHEDULE_STATUS__LOST, "LOST" },
	{ SCHEDULE_STATUS__PARTITIONED, "PARTITIONED" },
};

const char *
client_status_name(int status)
{
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			return statuses[i].name;
	return "UNKNOWN";
}

int
client_status_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcasecmp(statuses[i].name, name) == 0)
			return statuses[i].status;
	return -1;
}

/* api.thrift's ACTIVE_STATES, LIVE_STATES and TERMINAL_STATES. */
const ScheduleStatus client_active_states[] = {
	SCHEDULE_STATUS__ASSIGNED, SCHEDULE_STATUS__SCHEDULE_STATUS_DRAINING,
	SCHEDULE_STATUS__KILLING, SCHEDULE_STATUS__PENDING,
	SCHEDULE_STATUS__PREEMPTING, SCHEDULE_STATUS__RESTARTING,
	SCHEDULE_STATUS__RUNNING, SCHEDULE_STATUS__STARTING,
	SCHEDULE_STATUS__PARTITIONED, SCHEDULE_STATUS__THROTTLED,
};
const size_t client_nactive_states = sizeof(client_active_states) /
    sizeof(client_active_states[0]);

bool
client_status_active(int s)
{
	size_t i;

	for (i = 0; i < client_nactive_states; i++)
		if ((int)client_active_states[i] == s)
			return true;
	return false;
}

bool
client_status_live(int s)
{
	switch (s) {
	case SCHEDULE_STATUS__KILLING:
	case SCHEDULE_STATUS__PREEMPTING:
	case SCHEDULE_STATUS__RESTARTING:
	case SCHEDULE_STATUS__SCHEDULE_STATUS_DRAINING:
	case SCHEDULE_STATUS__PARTITIONED:
	case SCHEDULE_STATUS__RUNNING:
		return true;
	default:
		return false;
	}
}

bool
client_status_terminal(int s)
{
	switch (s) {
	case SCHEDULE_STATUS__SCHEDULE_STATUS_FAILED:
	case SCHEDULE_STATUS__FINISHED:
	case SCHEDULE_STATUS__KILLED:
	case SCHEDULE_STATUS__LOST:
		return true;
	default:
		return false;
	}
}
