/*
 * Aurora's command-line flags: one table (flags.c) gives every flag its
 * name, type, default, group and help text. Syntax is Aurora's: -name=value
 * (or --name=value), booleans as -flag or -flag=true|false, durations with
 * Aurora's units (15secs, 1hrs, 21days) and data sizes (128MB, 1GB).
 * Parsed once by master and again by each worker from the same argv.
 */
#ifndef COMMON_FLAGS_H
#define COMMON_FLAGS_H

#include <stdint.h>
#include <stdio.h>

enum flag_type {
	FLAG_STRING,
	FLAG_INT,
	FLAG_BOOL,
	FLAG_DURATION,	/* stored in nanoseconds */
	FLAG_DATA,	/* stored in bytes */
	FLAG_LIST,	/* comma-separated, stored as given */
};

enum flag_id {
	F_HTTP_PORT,
	F_IP,
	F_HOSTNAME,
	F_CLUSTER_NAME,
	F_LOG_DIR,
	F_RUN_DIR,
	F_USER,
	F_WORKER_RESTART_BACKOFF,
	F_WORKER_RESTART_MAX_BACKOFF,
	F_WORKER_CRASH_LIMIT,
	F_WORKER_CRASH_WINDOW,
	F_NATIVE_LOG_FILE_PATH,
	F_NATIVE_LOG_QUORUM_SIZE,
	F_NATIVE_LOG_ZK_GROUP_PATH,
	F_NATIVE_LOG_ELECTION_TIMEOUT,
	F_NATIVE_LOG_ELECTION_RETRIES,
	F_NATIVE_LOG_READ_TIMEOUT,
	F_NATIVE_LOG_WRITE_TIMEOUT,
	F_NATIVE_LOG_MAP_SIZE,
	F_DLOG_MAX_ENTRY_SIZE,
	F_DLOG_SNAPSHOT_INTERVAL,
	F_BACKUP_DIR,
	F_ZK_ENDPOINTS,
	F_ZK_SESSION_TIMEOUT,
	F_ZK_CONNECTION_TIMEOUT,
	F_SERVERSET_PATH,
	F_MESOS_MASTER_ADDRESS,
	F_MESOS_ROLE,
	F_FRAMEWORK_NAME,
	F_FRAMEWORK_FAILOVER_TIMEOUT,
	F_MAX_REGISTRATION_DELAY,
	F_EXECUTOR_USER,
	F_PARTITION_AWARE,
	F_OFFER_FILTER_DURATION,
	F_MIN_OFFER_HOLD_TIME,
	F_OFFER_HOLD_JITTER_WINDOW,
	F_HOLD_OFFERS_FOREVER,
	F_OFFER_ORDER,
	F_INITIAL_TASK_KILL_RETRY_INTERVAL,
	F_FIRST_SCHEDULE_DELAY,
	F_INITIAL_SCHEDULE_PENALTY,
	F_MAX_SCHEDULE_PENALTY,
	F_LOCAL_CLUSTER_PORT,
	F_LOCAL_CLUSTER_WORK_DIR,
	F_LOCAL_CLUSTER_FLAGS,
	F_THERMOS_EXECUTOR_PATH,
	F_THERMOS_EXECUTOR_RESOURCES,
	F_THERMOS_EXECUTOR_FLAGS,
	F_GLOBAL_CONTAINER_MOUNTS,
	F_MAX_TASKS_PER_JOB,
	F_ALLOWED_JOB_ENVIRONMENTS,
	F_TIER_CONFIG,
	F_FLAPPING_TASK_THRESHOLD,
	F_INITIAL_FLAPPING_TASK_DELAY,
	F_MAX_FLAPPING_TASK_DELAY,
	F_TRANSIENT_TASK_STATE_TIMEOUT,
	F_HISTORY_PRUNE_THRESHOLD,
	F_HISTORY_MAX_PER_JOB_THRESHOLD,
	F_HISTORY_MIN_RETENTION_THRESHOLD,
	F_VIZ_JOB_URL_PREFIX,
	F_COUNT
};

struct flag_def {
	const char	*name;
	enum flag_type	 type;
	const char	*group;
	const char	*def;	/* default as it would be written on the command line */
	const char	*help;
	/* Extra check on a parsed value; writes why it is wrong into err. */
	int		(*validate)(const char *raw, char *err, size_t errlen);
};

extern const struct flag_def flag_defs[F_COUNT];

/* Resets every flag to its default. */
void	 flags_reset(void);
/*
 * Parses argv[first..argc-1]. On error returns -1 with one line in err
 * naming the flag and what is wrong. *help is set when -help was given.
 */
int	 flags_parse(int argc, char *const argv[], int first, int *help,
	    char *err, size_t errlen);
/* Parses one "-name=value" argument. */
int	 flags_parse_arg(const char *arg, int *help, char *err, size_t errlen);

const char *flag_str(enum flag_id);
long long flag_int(enum flag_id);
int	 flag_bool(enum flag_id);
int64_t	 flag_duration_ns(enum flag_id);
int64_t	 flag_duration_ms(enum flag_id);
int64_t	 flag_bytes(enum flag_id);
int	 flag_is_set(enum flag_id);
/* The value as it would be written on the command line (default if unset). */
const char *flag_raw(enum flag_id);
/* Sets a flag from code (tests, environment); same checks as the parser. */
int	 flag_set(enum flag_id, const char *raw, char *err, size_t errlen);

/* Unit parsers, exposed for tests. Return 0 or -1 with err filled. */
int	 flags_parse_duration(const char *raw, int64_t *ns, char *err, size_t errlen);
int	 flags_parse_data(const char *raw, int64_t *bytes, char *err, size_t errlen);
int	 flags_parse_int(const char *raw, long long *out, char *err, size_t errlen);
int	 flags_parse_bool(const char *raw, int *out, char *err, size_t errlen);

void	 flags_print_help(FILE *, const char *progname);

#endif
