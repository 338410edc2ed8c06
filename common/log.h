/*
 * Logging for every process of the scheduler. A line is written with one
 * write(2) to standard error, prefixed with a UTC timestamp, the level and
 * the process name and pid. master points each worker's standard error at a
 * pipe it reads, and writes those lines to the worker's own file in -log_dir
 * (or to its own standard error), so a chrooted worker needs no file of its
 * own and a crash report lands next to the worker's last words.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdarg.h>

#define LOG_LINE_MAX 4096

void	log_init(const char *procname);
const char *log_procname(void);
void	log_route_libevent(void);

void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends strerror(errno); log_warnx does not. */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
/* fatal exits 1 after logging (fatal with strerror(errno), fatalx without). */
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Exit with a given code, for "bad configuration" (see common/exitcodes.h). */
void	fatalx_code(int, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/* Formats one log line into buf (at most len bytes); returns its length. */
size_t	log_format(char *buf, size_t len, const char *level, const char *fmt,
	    va_list ap) __attribute__((format(printf, 4, 0)));

#endif
