/*
 * The flag table and its parser, used by master and every worker. Names,
 * defaults and help follow Aurora's scheduler (docs/reference/
 * scheduler-configuration.md); where our default differs, doc/flags.md says
 * why (Aurora requires some flags that a single local scheduler can default).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/flags.h"
#include "common/java_regex.h"
#include "common/tiers.h"
#include "common/mounts.h"
#include "common/netaddr.h"

static int	valid_port(const char *, char *, size_t);
static int	valid_quorum(const char *, char *, size_t);
static int	valid_mounts(const char *, char *, size_t);
static int	valid_abs_path(const char *, char *, size_t);
static int	valid_zk_endpoints(const char *, char *, size_t);
static int	valid_zk_path(const char *, char *, size_t);
static int	valid_master_address(const char *, char *, size_t);
static int	valid_not_empty(const char *, char *, size_t);
static int	valid_positive_int(const char *, char *, size_t);
static int	valid_not_negative_int(const char *, char *, size_t);
static int	valid_positive_duration(const char *, char *, size_t);
static int	valid_positive_data(const char *, char *, size_t);
static int	valid_entry_size(const char *, char *, size_t);
static int	valid_regex(const char *, char *, size_t);
static int	valid_offer_order(const char *, char *, size_t);
static int	valid_tier_config(const char *, char *, size_t);
static int	valid_executor_path(const char *, char *, size_t);
static int	valid_executor_resources(const char *, char *, size_t);

#define G_HTTP		"HTTP server"
#define G_PROC		"Processes, logs and privileges"
#define G_LOG		"Replicated log and storage"
#define G_ZK		"ZooKeeper"
#define G_MESOS		"Mesos"
#define G_EXEC		"Executor and containers"
#define G_JOBS		"Jobs and tasks"

const struct flag_def flag_defs[F_COUNT] = {
	[F_HTTP_PORT] = { "http_port", FLAG_INT, G_HTTP, "8081",
	    "The port to start an HTTP server on (0 chooses a random port).",
	    valid_port },
	[F_IP] = { "ip", FLAG_STRING, G_HTTP, "",
	    "The ip address to listen. If not set, the scheduler will listen "
	    "on all interfaces.", NULL },
	[F_HOSTNAME] = { "hostname", FLAG_STRING, G_HTTP, "",
	    "The hostname to advertise in ZooKeeper instead of the "
	    "locally-resolved hostname.", NULL },
	[F_CLUSTER_NAME] = { "cluster_name", FLAG_STRING, G_HTTP, "devcluster",
	    "Name to identify the cluster being served.", valid_not_empty },
	[F_LOG_DIR] = { "log_dir", FLAG_STRING, G_PROC, "",
	    "Directory for master.log, replica.log, offerd.log and httpd.log. "
	    "If not set, every process logs to standard error.",
	    valid_abs_path },
	[F_RUN_DIR] = { "run_dir", FLAG_STRING, G_PROC, "/run/aurora-scheduler",
	    "Directory for the IPC sockets and httpd's empty chroot; only the "
	    "scheduler's user and -user's group can reach it.",
	    valid_abs_path },
	[F_USER] = { "user", FLAG_STRING, G_PROC, "nobody",
	    "Unprivileged user the HTTP server runs as after binding its port.",
	    valid_not_empty },
	[F_WORKER_RESTART_BACKOFF] = { "worker_restart_backoff", FLAG_DURATION,
	    G_PROC, "100ms",
	    "Delay before a dead worker is restarted the first time; it doubles "
	    "with each quick death.", valid_positive_duration },
	[F_WORKER_RESTART_MAX_BACKOFF] = { "worker_restart_max_backoff",
	    FLAG_DURATION, G_PROC, "30secs",
	    "Longest delay before a dead worker is restarted.",
	    valid_positive_duration },
	[F_WORKER_CRASH_LIMIT] = { "worker_crash_limit", FLAG_INT, G_PROC, "10",
	    "A worker that dies this many times within -worker_crash_window "
	    "stops the scheduler (with exit code 1), so that monit or systemd "
	    "restarts it whole.", valid_positive_int },
	[F_WORKER_CRASH_WINDOW] = { "worker_crash_window", FLAG_DURATION,
	    G_PROC, "60secs",
	    "Window for -worker_crash_limit; a worker up this long is stable "
	    "again and its restart delay starts over.",
	    valid_positive_duration },
	[F_NATIVE_LOG_FILE_PATH] = { "native_log_file_path", FLAG_STRING,
	    G_LOG, "/var/lib/aurora/scheduler/db",
	    "Path to a file to store the native log data in. If the parent "
	    "directory does not exist it will be created.", valid_abs_path },
	[F_NATIVE_LOG_QUORUM_SIZE] = { "native_log_quorum_size", FLAG_INT,
	    G_LOG, "1",
	    "The size of the quorum required for all log mutations.",
	    valid_quorum },
	[F_NATIVE_LOG_ZK_GROUP_PATH] = { "native_log_zk_group_path",
	    FLAG_STRING, G_LOG, "",
	    "A zookeeper node for use by the native log to track the master "
	    "coordinator.", valid_zk_path },
	[F_NATIVE_LOG_ELECTION_TIMEOUT] = { "native_log_election_timeout",
	    FLAG_DURATION, G_LOG, "15secs",
	    "The timeout for a single attempt to obtain a new log writer.",
	    valid_positive_duration },
	[F_NATIVE_LOG_ELECTION_RETRIES] = { "native_log_election_retries",
	    FLAG_INT, G_LOG, "20",
	    "The maximum number of attempts to obtain a new log writer.",
	    valid_positive_int },
	[F_NATIVE_LOG_READ_TIMEOUT] = { "native_log_read_timeout",
	    FLAG_DURATION, G_LOG, "5secs",
	    "The timeout for doing log reads.", valid_positive_duration },
	[F_NATIVE_LOG_WRITE_TIMEOUT] = { "native_log_write_timeout",
	    FLAG_DURATION, G_LOG, "3secs",
	    "The timeout for doing log appends and truncations.",
	    valid_positive_duration },
	[F_NATIVE_LOG_MAP_SIZE] = { "native_log_map_size", FLAG_DATA, G_LOG,
	    "16GB",
	    "Largest size the log's LMDB file, and the store's, may each grow "
	    "to (address space reserved, not disk).", valid_positive_data },
	[F_DLOG_MAX_ENTRY_SIZE] = { "dlog_max_entry_size", FLAG_DATA, G_LOG,
	    "512KB",
	    "Specifies the maximum entry size to append to the log. Larger "
	    "entries will be split across entry Frames.", valid_entry_size },
	[F_DLOG_SNAPSHOT_INTERVAL] = { "dlog_snapshot_interval", FLAG_DURATION,
	    G_LOG, "1hrs",
	    "Specifies the frequency at which snapshots of local storage are "
	    "taken and written to the log.", valid_positive_duration },
	[F_BACKUP_DIR] = { "backup_dir", FLAG_STRING, G_LOG,
	    "/var/lib/aurora/scheduler/backups",
	    "Directory to store backups under. Will be created if it does not "
	    "exist.", valid_abs_path },
	[F_ZK_ENDPOINTS] = { "zk_endpoints", FLAG_LIST, G_ZK, "",
	    "Endpoint specification for the ZooKeeper servers (host:port,...). "
	    "If not set, one scheduler runs alone and the quorum must be 1.",
	    valid_zk_endpoints },
	[F_ZK_SESSION_TIMEOUT] = { "zk_session_timeout", FLAG_DURATION, G_ZK,
	    "15secs", "The ZooKeeper session timeout.", NULL },
	[F_ZK_CONNECTION_TIMEOUT] = { "zk_connection_timeout", FLAG_DURATION,
	    G_ZK, "10secs", "The ZooKeeper connection timeout.", NULL },
	[F_SERVERSET_PATH] = { "serverset_path", FLAG_STRING, G_ZK,
	    "/aurora/scheduler", "ZooKeeper ServerSet path to register at.",
	    valid_zk_path },
	[F_MESOS_MASTER_ADDRESS] = { "mesos_master_address", FLAG_STRING,
	    G_MESOS, "",
	    "Address for the mesos master, can be a socket address or "
	    "zookeeper path. If not set, the embedded local cluster is used.",
	    valid_master_address },
	[F_MESOS_ROLE] = { "mesos_role", FLAG_STRING, G_MESOS, "",
	    "The Mesos role this framework will register as. If empty, the "
	    "framework registers without any role and only receives "
	    "unreserved resources in offers.", NULL },
	[F_FRAMEWORK_NAME] = { "framework_name", FLAG_STRING, G_MESOS, "Aurora",
	    "Name used to register the Aurora framework with Mesos.",
	    valid_not_empty },
	[F_FRAMEWORK_FAILOVER_TIMEOUT] = { "framework_failover_timeout",
	    FLAG_DURATION, G_MESOS, "21days",
	    "Time after which a framework is considered deleted. SHOULD BE "
	    "VERY HIGH.", NULL },
	[F_MAX_REGISTRATION_DELAY] = { "max_registration_delay", FLAG_DURATION,
	    G_MESOS, "1mins",
	    "Max allowable delay to allow the driver to register before "
	    "aborting.", NULL },
	[F_EXECUTOR_USER] = { "executor_user", FLAG_STRING, G_MESOS, "root",
	    "User to start the executor. Defaults to \"root\".",
	    valid_not_empty },
	[F_PARTITION_AWARE] = { "partition_aware", FLAG_BOOL, G_MESOS,
	    "false", "Enable paritition-aware status updates.", NULL },
	[F_OFFER_FILTER_DURATION] = { "offer_filter_duration", FLAG_DURATION,
	    G_MESOS, "5secs",
	    "Duration after which we expect Mesos to re-offer unused "
	    "resources.", NULL },
	[F_MIN_OFFER_HOLD_TIME] = { "min_offer_hold_time", FLAG_DURATION,
	    G_MESOS, "5mins",
	    "Minimum amount of time to hold a resource offer before "
	    "declining.", NULL },
	[F_OFFER_HOLD_JITTER_WINDOW] = { "offer_hold_jitter_window",
	    FLAG_DURATION, G_MESOS, "1mins",
	    "Maximum amount of random jitter to add to the offer hold time "
	    "window.", NULL },
	[F_HOLD_OFFERS_FOREVER] = { "hold_offers_forever", FLAG_BOOL, G_MESOS,
	    "false", "Hold resource offers indefinitely, disabling automatic "
	    "offer decline settings.", NULL },
	[F_OFFER_ORDER] = { "offer_order", FLAG_LIST, G_MESOS, "RANDOM",
	    "Iteration order for offers, to influence task scheduling: "
	    "CPU, MEMORY, DISK, REVOCABLE_CPU, RANDOM; several are "
	    "compounded, e.g. CPU,MEMORY,RANDOM.", valid_offer_order },
	[F_INITIAL_TASK_KILL_RETRY_INTERVAL] = {
	    "initial_task_kill_retry_interval", FLAG_DURATION, G_MESOS,
	    "15secs", "When killing a task, retry after this delay if mesos "
	    "has not responded, backing off up to "
	    "transient_task_state_timeout", NULL },
	[F_FIRST_SCHEDULE_DELAY] = { "first_schedule_delay", FLAG_DURATION,
	    G_MESOS, "1ms", "Initial amount of time to wait before first "
	    "attempting to schedule a PENDING task.",
	    valid_positive_duration },
	[F_INITIAL_SCHEDULE_PENALTY] = { "initial_schedule_penalty",
	    FLAG_DURATION, G_MESOS, "1secs", "Initial amount of time to wait "
	    "before attempting to schedule a task that has failed to "
	    "schedule.", valid_positive_duration },
	[F_MAX_SCHEDULE_PENALTY] = { "max_schedule_penalty", FLAG_DURATION,
	    G_MESOS, "1mins", "Maximum delay between attempts to schedule a "
	    "PENDING tasks.", NULL },
	[F_LOCAL_CLUSTER_PORT] = { "local_cluster_port", FLAG_INT, G_MESOS,
	    "5050", "Loopback port of the embedded local cluster, started "
	    "when -mesos_master_address is not set.", valid_port },
	[F_LOCAL_CLUSTER_WORK_DIR] = { "local_cluster_work_dir", FLAG_STRING,
	    G_MESOS, "/var/lib/aurora-scheduler/local-cluster",
	    "Where the embedded local cluster keeps its tasks' sandboxes.",
	    valid_abs_path },
	[F_LOCAL_CLUSTER_FLAGS] = { "local_cluster_flags", FLAG_STRING,
	    G_MESOS, "", "Extra arguments for the embedded local cluster "
	    "(aurora-local-cluster), e.g. --simulate_agents=100.", NULL },
	[F_THERMOS_EXECUTOR_PATH] = { "thermos_executor_path", FLAG_STRING,
	    G_EXEC, "", "Path to the thermos executor entry point.",
	    valid_executor_path },
	[F_THERMOS_EXECUTOR_RESOURCES] = { "thermos_executor_resources",
	    FLAG_LIST, G_EXEC, "",
	    "A comma separated list of additional resources to copy into the "
	    "sandbox. If thermos_executor_path is not the executor itself, "
	    "this must include it.", valid_executor_resources },
	[F_THERMOS_EXECUTOR_FLAGS] = { "thermos_executor_flags", FLAG_STRING,
	    G_EXEC, "", "Extra arguments to be passed to the thermos executor.",
	    NULL },
	[F_GLOBAL_CONTAINER_MOUNTS] = { "global_container_mounts", FLAG_LIST,
	    G_EXEC, "",
	    "A comma separated list of mount points (host:container[:mode], "
	    "mode ro or rw) to mount into all (non-mesos) containers.",
	    valid_mounts },
	[F_MAX_TASKS_PER_JOB] = { "max_tasks_per_job", FLAG_INT, G_JOBS,
	    "4000", "Maximum number of allowed tasks in a single job.",
	    valid_positive_int },
	[F_ALLOWED_JOB_ENVIRONMENTS] = { "allowed_job_environments",
	    FLAG_STRING, G_JOBS, "^(prod|devel|test|staging\\d*)$",
	    "Regular expression describing the environments that are allowed "
	    "to be used by jobs.", valid_regex },
	[F_TIER_CONFIG] = { "tier_config", FLAG_STRING, G_JOBS, "",
	    "Configuration file defining supported task tiers, task traits "
	    "and behaviors. If not set, Aurora's tiers: preferred, "
	    "preemptible (the default) and revocable.", valid_tier_config },
	[F_FLAPPING_TASK_THRESHOLD] = { "flapping_task_threshold",
	    FLAG_DURATION, G_JOBS, "5mins",
	    "A task that repeatedly runs for less than this time is "
	    "considered to be flapping.", valid_positive_duration },
	[F_INITIAL_FLAPPING_TASK_DELAY] = { "initial_flapping_task_delay",
	    FLAG_DURATION, G_JOBS, "30secs",
	    "Initial amount of time to wait before attempting to schedule a "
	    "flapping task.", valid_positive_duration },
	[F_MAX_FLAPPING_TASK_DELAY] = { "max_flapping_task_delay",
	    FLAG_DURATION, G_JOBS, "5mins",
	    "Maximum delay between attempts to schedule a flapping task.",
	    valid_positive_duration },
	[F_TRANSIENT_TASK_STATE_TIMEOUT] = { "transient_task_state_timeout",
	    FLAG_DURATION, G_JOBS, "5mins",
	    "The amount of time after which to treat a task stuck in a "
	    "transient state as LOST.", valid_positive_duration },
	[F_HISTORY_PRUNE_THRESHOLD] = { "history_prune_threshold",
	    FLAG_DURATION, G_JOBS, "2days",
	    "Time after which the scheduler will prune terminated task "
	    "history.", valid_positive_duration },
	[F_HISTORY_MAX_PER_JOB_THRESHOLD] = { "history_max_per_job_threshold",
	    FLAG_INT, G_JOBS, "100",
	    "Maximum number of terminated tasks to retain in a job history.",
	    valid_not_negative_int },
	[F_HISTORY_MIN_RETENTION_THRESHOLD] = {
	    "history_min_retention_threshold", FLAG_DURATION, G_JOBS, "1hrs",
	    "Minimum guaranteed time for task history retention before any "
	    "pruning is attempted.", valid_positive_duration },
	[F_VIZ_JOB_URL_PREFIX] = { "viz_job_url_prefix", FLAG_STRING, G_HTTP,
	    "", "URL prefix for job container stats.", NULL },
};

struct flag_value {
	int	 set;
	char	*raw;
	long long i;	/* FLAG_INT, FLAG_BOOL, FLAG_DURATION (ns), FLAG_DATA */
};

static struct flag_value values[F_COUNT];
static int initialized;

static const struct {
	const char *unit;
	int64_t	 ns;
} time_units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "ms", 1000000 },
	{ "secs", 1000000000LL },
	{ "mins", 60 * 1000000000LL },
	{ "hrs", 3600 * 1000000000LL },
	{ "days", 86400 * 1000000000LL },
};

/* Aurora's Data units; BITS counts bits, everything else bytes. */
static const struct {
	const char *unit;
	int64_t	 bytes;
} data_units[] = {
	{ "BITS", 0 },
	{ "BYTES", 1 },
	{ "KB", 1LL << 10 },
	{ "MB", 1LL << 20 },
	{ "GB", 1LL << 30 },
	{ "TB", 1LL << 40 },
	{ "PB", 1LL << 50 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Splits "123unit" as Aurora's (\d+)([A-Za-z]+) pattern does. */
static int
split_amount(const char *raw, long long *amount, const char **unit,
    const char *format, char *err, size_t errlen)
{
	const char *p = raw;
	char *end;

	while (isdigit((unsigned char)*p))
		p++;
	if (p == raw || *p == '\0') {
		snprintf(err, errlen, "must be of the format %s", format);
		return -1;
	}
	for (const char *q = p; *q; q++) {
		if (!isalpha((unsigned char)*q)) {
			snprintf(err, errlen, "must be of the format %s",
			    format);
			return -1;
		}
	}
	errno = 0;
	*amount = strtoll(raw, &end, 10);
	if (errno == ERANGE || end != p) {
		snprintf(err, errlen, "amount is too large");
		return -1;
	}
	*unit = p;
	return 0;
}

int
flags_parse_duration(const char *raw, int64_t *ns, char *err, size_t errlen)
{
	long long amount;
	const char *unit;

	if (split_amount(raw, &amount, &unit, "1ns, 2secs, etc.", err,
	    errlen) == -1)
		return -1;
	for (size_t i = 0; i < NELEM(time_units); i++) {
		if (strcmp(unit, time_units[i].unit) != 0)
			continue;
		if (amount > INT64_MAX / time_units[i].ns) {
			snprintf(err, errlen, "duration is too large");
			return -1;
		}
		*ns = amount * time_units[i].ns;
		return 0;
	}
	snprintf(err, errlen,
	    "unit '%s' must be one of [ns, us, ms, secs, mins, hrs, days]",
	    unit);
	return -1;
}

int
flags_parse_data(const char *raw, int64_t *bytes, char *err, size_t errlen)
{
	long long amount;
	const char *unit;

	if (split_amount(raw, &amount, &unit, "1KB, 2GB, etc.", err,
	    errlen) == -1)
		return -1;
	for (size_t i = 0; i < NELEM(data_units); i++) {
		if (strcmp(unit, data_units[i].unit) != 0)
			continue;
		if (data_units[i].bytes == 0) {
			*bytes = amount / 8;
			return 0;
		}
		if (amount > INT64_MAX / data_units[i].bytes) {
			snprintf(err, errlen, "size is too large");
			return -1;
		}
		*bytes = amount * data_units[i].bytes;
		return 0;
	}
	snprintf(err, errlen,
	    "unit '%s' must be one of [BITS, BYTES, KB, MB, GB, TB, PB]", unit);
	return -1;
}

int
flags_parse_int(const char *raw, long long *out, char *err, size_t errlen)
{
	char *end;

	errno = 0;
	if (*raw == '\0' || isspace((unsigned char)*raw)) {
		snprintf(err, errlen, "not an integer");
		return -1;
	}
	*out = strtoll(raw, &end, 10);
	if (*end != '\0') {
		snprintf(err, errlen, "not an integer");
		return -1;
	}
	if (errno == ERANGE) {
		snprintf(err, errlen, "integer out of range");
		return -1;
	}
	return 0;
}

int
flags_parse_bool(const char *raw, int *out, char *err, size_t errlen)
{
	if (strcmp(raw, "true") == 0) {
		*out = 1;
		return 0;
	}
	if (strcmp(raw, "false") == 0) {
		*out = 0;
		return 0;
	}
	snprintf(err, errlen, "must be true or false");
	return -1;
}

/* Parses raw for flag id into v; on error err says why (without the name). */
static int
parse_value(enum flag_id id, const char *raw, long long *v, char *err,
    size_t errlen)
{
	const struct flag_def *d = &flag_defs[id];
	int64_t n;
	int b;

	*v = 0;
	switch (d->type) {
	case FLAG_STRING:
	case FLAG_LIST:
		break;
	case FLAG_INT:
		if (flags_parse_int(raw, v, err, errlen) == -1)
			return -1;
		break;
	case FLAG_BOOL:
		if (flags_parse_bool(raw, &b, err, errlen) == -1)
			return -1;
		*v = b;
		break;
	case FLAG_DURATION:
		if (flags_parse_duration(raw, &n, err, errlen) == -1)
			return -1;
		*v = n;
		break;
	case FLAG_DATA:
		if (flags_parse_data(raw, &n, err, errlen) == -1)
			return -1;
		*v = n;
		break;
	}
	if (d->validate != NULL && d->validate(raw, err, errlen) == -1)
		return -1;
	return 0;
}

void
flags_reset(void)
{
	char err[256];

	for (int id = 0; id < F_COUNT; id++) {
		free(values[id].raw);
		values[id].raw = NULL;
		values[id].set = 0;
		/* Defaults are written by us: one that does not parse is a bug. */
		if (parse_value(id, flag_defs[id].def, &values[id].i, err,
		    sizeof(err)) == -1 && flag_defs[id].def[0] != '\0') {
			fprintf(stderr, "bad default for -%s: %s\n",
			    flag_defs[id].name, err);
			abort();
		}
	}
	initialized = 1;
}

static void
ensure_init(void)
{
	if (!initialized)
		flags_reset();
}

int
flag_set(enum flag_id id, const char *raw, char *err, size_t errlen)
{
	char why[256];
	long long v;
	char *copy;

	ensure_init();
	if (parse_value(id, raw, &v, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "-%s: invalid value '%s': %s",
		    flag_defs[id].name, raw, why);
		return -1;
	}
	if ((copy = strdup(raw)) == NULL) {
		snprintf(err, errlen, "-%s: out of memory", flag_defs[id].name);
		return -1;
	}
	free(values[id].raw);
	values[id].raw = copy;
	values[id].i = v;
	values[id].set = 1;
	return 0;
}

static int
lookup(const char *name, size_t len)
{
	for (int id = 0; id < F_COUNT; id++) {
		if (strlen(flag_defs[id].name) == len &&
		    strncmp(flag_defs[id].name, name, len) == 0)
			return id;
	}
	return -1;
}

int
flags_parse_arg(const char *arg, int *help, char *err, size_t errlen)
{
	const char *name, *eq;
	size_t len;
	int id;

	ensure_init();
	if (arg[0] != '-' || arg[1] == '\0') {
		snprintf(err, errlen, "unexpected argument '%s': flags are "
		    "written -name=value", arg);
		return -1;
	}
	name = arg + (arg[1] == '-' ? 2 : 1);
	eq = strchr(name, '=');
	len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	if (len == 4 && strncmp(name, "help", 4) == 0 && eq == NULL) {
		*help = 1;
		return 0;
	}
	if ((id = lookup(name, len)) == -1) {
		snprintf(err, errlen, "unknown flag -%.*s (see -help)",
		    (int)len, name);
		return -1;
	}
	if (eq == NULL) {
		if (flag_defs[id].type == FLAG_BOOL)
			return flag_set(id, "true", err, errlen);
		snprintf(err, errlen, "-%s: missing value (write -%s=VALUE)",
		    flag_defs[id].name, flag_defs[id].name);
		return -1;
	}
	return flag_set(id, eq + 1, err, errlen);
}

int
flags_parse(int argc, char *const argv[], int first, int *help, char *err,
    size_t errlen)
{
	*help = 0;
	ensure_init();
	for (int i = first; i < argc; i++) {
		if (flags_parse_arg(argv[i], help, err, errlen) == -1)
			return -1;
	}
	return 0;
}

const char *
flag_raw(enum flag_id id)
{
	ensure_init();
	return values[id].set ? values[id].raw : flag_defs[id].def;
}

const char *
flag_str(enum flag_id id)
{
	return flag_raw(id);
}

int
flag_is_set(enum flag_id id)
{
	ensure_init();
	return values[id].set;
}

long long
flag_int(enum flag_id id)
{
	ensure_init();
	return values[id].i;
}

int
flag_bool(enum flag_id id)
{
	ensure_init();
	return values[id].i != 0;
}

int64_t
flag_duration_ns(enum flag_id id)
{
	ensure_init();
	return values[id].i;
}

int64_t
flag_duration_ms(enum flag_id id)
{
	return flag_duration_ns(id) / 1000000;
}

int64_t
flag_bytes(enum flag_id id)
{
	ensure_init();
	return values[id].i;
}

static void
print_wrapped(FILE *fp, const char *text, int indent, int width)
{
	int col = indent;
	const char *p = text;

	fprintf(fp, "%*s", indent, "");
	while (*p) {
		const char *w = p;
		int wl;

		while (*w && *w != ' ')
			w++;
		wl = (int)(w - p);
		if (col > indent && col + 1 + wl > width) {
			fprintf(fp, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', fp);
			col++;
		}
		fprintf(fp, "%.*s", wl, p);
		col += wl;
		p = w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', fp);
}

void
flags_print_help(FILE *fp, const char *progname)
{
	const char *groups[F_COUNT];
	int ngroups = 0;

	fprintf(fp, "Usage: %s [-flag=value ...]\n", progname);
	for (int id = 0; id < F_COUNT; id++) {
		int seen = 0;

		for (int g = 0; g < ngroups; g++)
			seen |= strcmp(groups[g], flag_defs[id].group) == 0;
		if (!seen)
			groups[ngroups++] = flag_defs[id].group;
	}
	for (int g = 0; g < ngroups; g++) {
		fprintf(fp, "\n%s:\n", groups[g]);
		for (int id = 0; id < F_COUNT; id++) {
			const struct flag_def *d = &flag_defs[id];

			if (strcmp(d->group, groups[g]) != 0)
				continue;
			fprintf(fp, "  -%s\n", d->name);
			print_wrapped(fp, d->help, 6, 78);
			if (d->def[0] != '\0')
				fprintf(fp, "      Default: %s\n", d->def);
		}
	}
}

/* Validators: each writes why a value is wrong, without the flag's name. */

static int
valid_port(const char *raw, char *err, size_t errlen)
{
	long long v = strtoll(raw, NULL, 10);

	if (v < 0 || v > 65535) {
		snprintf(err, errlen, "port must be between 0 and 65535");
		return -1;
	}
	return 0;
}

static int
valid_quorum(const char *raw, char *err, size_t errlen)
{
	if (strtoll(raw, NULL, 10) < 1) {
		snprintf(err, errlen, "quorum size must be at least 1");
		return -1;
	}
	return 0;
}

static int
valid_positive_int(const char *raw, char *err, size_t errlen)
{
	if (strtoll(raw, NULL, 10) < 1) {
		snprintf(err, errlen, "must be at least 1");
		return -1;
	}
	return 0;
}

static int
valid_not_negative_int(const char *raw, char *err, size_t errlen)
{
	if (strtoll(raw, NULL, 10) < 0) {
		snprintf(err, errlen, "must not be negative");
		return -1;
	}
	return 0;
}

static int
valid_positive_duration(const char *raw, char *err, size_t errlen)
{
	int64_t ns;

	if (flags_parse_duration(raw, &ns, err, errlen) == 0 && ns <= 0) {
		snprintf(err, errlen, "must be longer than 0");
		return -1;
	}
	return 0;
}

static int
valid_positive_data(const char *raw, char *err, size_t errlen)
{
	int64_t bytes;

	if (flags_parse_data(raw, &bytes, err, errlen) == 0 &&
	    bytes < 1024 * 1024) {
		snprintf(err, errlen, "must be at least 1MB");
		return -1;
	}
	return 0;
}

/* A log entry travels in one message of the log's protocol (64MB at most). */
static int
valid_entry_size(const char *raw, char *err, size_t errlen)
{
	int64_t bytes;

	if (flags_parse_data(raw, &bytes, err, errlen) == 0 &&
	    (bytes < 1024 || bytes > 32 * 1024 * 1024)) {
		snprintf(err, errlen, "must be between 1KB and 32MB");
		return -1;
	}
	return 0;
}

static int
valid_not_empty(const char *raw, char *err, size_t errlen)
{
	if (raw[0] == '\0') {
		snprintf(err, errlen, "must not be empty");
		return -1;
	}
	return 0;
}

static int
valid_abs_path(const char *raw, char *err, size_t errlen)
{
	if (raw[0] != '\0' && raw[0] != '/') {
		snprintf(err, errlen, "must be an absolute path");
		return -1;
	}
	return 0;
}

static int
valid_zk_path(const char *raw, char *err, size_t errlen)
{
	size_t n = strlen(raw);

	if (n == 0)
		return 0;
	if (raw[0] != '/' || (n > 1 && raw[n - 1] == '/') ||
	    strstr(raw, "//") != NULL) {
		snprintf(err, errlen, "must be a ZooKeeper path such as "
		    "/aurora/scheduler");
		return -1;
	}
	return 0;
}

static int
valid_mounts(const char *raw, char *err, size_t errlen)
{
	struct mount_list *ml;

	if ((ml = mounts_parse(raw, err, errlen)) == NULL)
		return -1;
	mounts_free(ml);
	return 0;
}

static int
valid_zk_endpoints(const char *raw, char *err, size_t errlen)
{
	return netaddr_check_list(raw, err, errlen);
}

static int
valid_master_address(const char *raw, char *err, size_t errlen)
{
	if (raw[0] == '\0')
		return 0;
	if (strncmp(raw, "zk://", 5) == 0) {
		const char *slash = strchr(raw + 5, '/');
		char hosts[1024], path[1024];
		size_t n;

		if (slash == NULL || slash[1] == '\0') {
			snprintf(err, errlen, "a zk:// address needs a path, "
			    "as in zk://host:2181/mesos");
			return -1;
		}
		n = (size_t)(slash - (raw + 5));
		if (memchr(raw + 5, '@', n) != NULL) {
			snprintf(err, errlen, "ZooKeeper credentials "
			    "(user:password@) are not supported");
			return -1;
		}
		if (n == 0) {
			snprintf(err, errlen, "a zk:// address names its "
			    "ZooKeeper servers, as in zk://host:2181/mesos");
			return -1;
		}
		if (n >= sizeof(hosts)) {
			snprintf(err, errlen, "too long");
			return -1;
		}
		memcpy(hosts, raw + 5, n);
		hosts[n] = '\0';
		/* As Mesos, a slash at the end is no part of the path. */
		n = strlen(slash);
		if (n >= sizeof(path)) {
			snprintf(err, errlen, "too long");
			return -1;
		}
		memcpy(path, slash, n + 1);
		while (n > 1 && path[n - 1] == '/')
			path[--n] = '\0';
		if (n == 1 || valid_zk_path(path, err, errlen) == -1) {
			snprintf(err, errlen, "the path after the servers must "
			    "be a ZooKeeper path, as in zk://host:2181/mesos");
			return -1;
		}
		return netaddr_check_list(hosts, err, errlen);
	}
	return netaddr_check(raw, err, errlen);
}

static int
valid_offer_order(const char *raw, char *err, size_t errlen)
{
	static const char *const orders[] = { "CPU", "MEMORY", "DISK",
	    "REVOCABLE_CPU", "RANDOM" };
	const char *p = raw, *e;
	size_t n, i;

	while (*p != '\0') {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
			if (strlen(orders[i]) == n &&
			    strncmp(orders[i], p, n) == 0)
				break;
		if (i == sizeof(orders) / sizeof(orders[0])) {
			snprintf(err, errlen, "unknown offer order '%.*s' "
			    "(CPU, MEMORY, DISK, REVOCABLE_CPU, RANDOM)",
			    (int)n, p);
			return -1;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/*
 * A URI the Mesos fetcher takes (Fetcher::validateUri in Mesos's
 * src/slave/containerizer/fetcher.cpp): the agent refuses a launch with
 * any other, so every task would fail; Aurora passes them on, we stop.
 */
static int
fetcher_uri(const char *uri, size_t n, char *err, size_t errlen)
{
	const char *scheme = memmem(uri, n, "://", 3), *path, *slash;

	if (memchr(uri, '\\', n) != NULL || memchr(uri, '\'', n) != NULL) {
		snprintf(err, errlen, "illegal characters in URI (the Mesos "
		    "fetcher refuses \\ and ')");
		return -1;
	}
	if (scheme != NULL && scheme - uri > 1) {
		path = scheme + 3;
		slash = memchr(path, '/', (size_t)(uri + n - path));
		if (slash == NULL || slash + 1 == uri + n) {
			snprintf(err, errlen, "malformed URI (missing path)");
			return -1;
		}
	}
	return 0;
}

static int
valid_executor_path(const char *raw, char *err, size_t errlen)
{
	const char *base = strrchr(raw, '/');

	if (raw[0] == '\0')
		return 0;
	/* ExecutorModule.uriBasename: the executor runs by its basename. */
	for (base = base != NULL ? base + 1 : raw; *base != '\0'; base++)
		if (!isspace((unsigned char)*base))
			return fetcher_uri(raw, strlen(raw), err, errlen);
	snprintf(err, errlen, "URI must not end with a slash.");
	return -1;
}

/*
 * Split as Aurora's CommaSplitter ("" and "''" are no entry) and Java's
 * String.split (empty entries at the end are dropped); an empty entry
 * elsewhere would be an empty fetcher URI.
 */
static int
valid_executor_resources(const char *raw, char *err, size_t errlen)
{
	size_t end = strlen(raw), n;
	const char *p, *comma;
	char why[128];
	int i = 1;

	if (strcmp(raw, "''") == 0)
		return 0;
	while (end > 0 && raw[end - 1] == ',')
		end--;
	for (p = raw; p < raw + end; p = comma + 1, i++) {
		if ((comma = memchr(p, ',', (size_t)(raw + end - p))) == NULL)
			comma = raw + end;
		n = (size_t)(comma - p);
		if (n == 0) {
			snprintf(err, errlen, "entry %d is empty", i);
			return -1;
		}
		if (fetcher_uri(p, n, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "entry %d '%.*s': %s", i, (int)n,
			    p, why);
			return -1;
		}
	}
	return 0;
}

static int
valid_regex(const char *raw, char *err, size_t errlen)
{
	regex_t re;

	if (java_regex_compile(&re, raw, err, errlen) == -1)
		return -1;
	regfree(&re);
	return 0;
}

static int
valid_tier_config(const char *raw, char *err, size_t errlen)
{
	struct tiers t;

	return raw[0] == '\0' ? 0 : tiers_load(raw, &t, err, errlen);
}
