/*
 * Logging, shared by every process. See log.h for where the lines go.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"

static char procname[32] = "aurora-scheduler";

void
log_init(const char *name)
{
	snprintf(procname, sizeof(procname), "%s", name);
}

const char *
log_procname(void)
{
	return procname;
}

size_t
log_format(char *buf, size_t len, const char *level, const char *fmt,
    va_list ap)
{
	struct timespec ts;
	struct tm tm;
	size_t n;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(buf + n, len - n, ".%03ldZ %s %s[%ld]: ",
	    ts.tv_nsec / 1000000, level, procname, (long)getpid());
	if (r > 0)
		n += (size_t)r < len - n ? (size_t)r : len - n - 1;
	r = vsnprintf(buf + n, len - n, fmt, ap);
	if (r > 0)
		n += (size_t)r < len - n ? (size_t)r : len - n - 1;
	return n;
}

static void vlog(const char *, int, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static void
vlog(const char *level, int with_errno, const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX];
	int saved = errno;
	size_t n;

	n = log_format(buf, sizeof(buf) - 1, level, fmt, ap);
	if (with_errno) {
		int r = snprintf(buf + n, sizeof(buf) - 1 - n, ": %s",
		    strerror(saved));
		if (r > 0)
			n += (size_t)r < sizeof(buf) - 1 - n ? (size_t)r :
			    sizeof(buf) - 2 - n;
	}
	buf[n++] = '\n';
	/* One write per line: lines from several threads never interleave. */
	(void)!write(STDERR_FILENO, buf, n);
	errno = saved;
}

#define LOG_FN(fn, level, with_errno)			\
void							\
fn(const char *fmt, ...)				\
{							\
	va_list ap;					\
	va_start(ap, fmt);				\
	vlog(level, with_errno, fmt, ap);		\
	va_end(ap);					\
}

LOG_FN(log_info, "INFO", 0)
LOG_FN(log_debug, "DEBUG", 0)
LOG_FN(log_warn, "WARN", 1)
LOG_FN(log_warnx, "WARN", 0)
LOG_FN(log_error, "ERROR", 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("FATAL", 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("FATAL", 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx_code(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("FATAL", 0, fmt, ap);
	va_end(ap);
	exit(code);
}

static void
libevent_log(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		log_debug("libevent: %s", msg);
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	case EVENT_LOG_WARN:
		log_warnx("libevent: %s", msg);
		break;
	default:
		log_error("libevent: %s", msg);
		break;
	}
}

static void
libevent_fatal(int err)
{
	fatalx("libevent fatal error %d", err);
}

void
log_route_libevent(void)
{
	event_set_log_callback(libevent_log);
	event_set_fatal_callback(libevent_fatal);
}
