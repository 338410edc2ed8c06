/*
 * Flags: Aurora's syntax, every time and data unit, every kind of bad
 * value, and the one-line errors that name the flag.
 */
#include "config.h"

#include <stdint.h>

#include "common/flags.h"
#include "tests/unit/check.h"

static int
parse1(const char *arg, char *err, size_t errlen)
{
	int help = 0;

	return flags_parse_arg(arg, &help, err, errlen);
}

static void
test_durations(void)
{
	static const struct {
		const char *raw;
		int64_t ns;
	} good[] = {
		{ "1ns", 1 }, { "2us", 2000 }, { "3ms", 3000000 },
		{ "15secs", 15000000000LL }, { "5mins", 300000000000LL },
		{ "1hrs", 3600000000000LL }, { "21days", 1814400000000000LL },
		{ "0secs", 0 },
	};
	static const char *const bad[] = {
		"", "15", "secs", "15 secs", "15sec", "1.5secs", "-1secs",
		"15SECS", "15s", "1hrs2", "99999999999999999999days",
		"200000days",
	};
	char err[256];
	int64_t ns;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(flags_parse_duration(good[i].raw, &ns, err,
		    sizeof(err)) == 0);
		CHECK(ns == good[i].ns);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK(flags_parse_duration(bad[i], &ns, err, sizeof(err)) == -1);
		CHECK(err[0] != '\0');
	}
	CHECK(flags_parse_duration("15sec", &ns, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "[ns, us, ms, secs, mins, hrs, days]");
	CHECK(flags_parse_duration("abc", &ns, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "1ns, 2secs, etc.");
}

static void
test_data(void)
{
	static const struct {
		const char *raw;
		int64_t bytes;
	} good[] = {
		{ "16BITS", 2 }, { "3BYTES", 3 }, { "1KB", 1024 },
		{ "128MB", 128LL << 20 }, { "2GB", 2LL << 30 },
		{ "1TB", 1LL << 40 }, { "1PB", 1LL << 50 },
	};
	static const char *const bad[] = {
		"", "1", "KB", "1kb", "1.5GB", "-1MB", "1 MB", "1KiB",
		"99999999PB",
	};
	char err[256];
	int64_t bytes;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(flags_parse_data(good[i].raw, &bytes, err,
		    sizeof(err)) == 0);
		CHECK(bytes == good[i].bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(flags_parse_data(bad[i], &bytes, err, sizeof(err)) == -1);
	CHECK(flags_parse_data("1kb", &bytes, err, sizeof(err)) == -1);
	CHECK_CONTAINS(err, "[BITS, BYTES, KB, MB, GB, TB, PB]");
}

static void
test_scalars(void)
{
	char err[256];
	long long v;
	int b;

	CHECK(flags_parse_int("8081", &v, err, sizeof(err)) == 0 && v == 8081);
	CHECK(flags_parse_int("-3", &v, err, sizeof(err)) == 0 && v == -3);
	CHECK(flags_parse_int("", &v, err, sizeof(err)) == -1);
	CHECK(flags_parse_int("12x", &v, err, sizeof(err)) == -1);
	CHECK(flags_parse_int(" 1", &v, err, sizeof(err)) == -1);
	CHECK(flags_parse_int("99999999999999999999", &v, err,
	    sizeof(err)) == -1);
	CHECK_CONTAINS(err, "out of range");
	CHECK(flags_parse_bool("true", &b, err, sizeof(err)) == 0 && b == 1);
	CHECK(flags_parse_bool("false", &b, err, sizeof(err)) == 0 && b == 0);
	CHECK(flags_parse_bool("yes", &b, err, sizeof(err)) == -1);
	CHECK(flags_parse_bool("", &b, err, sizeof(err)) == -1);
}

static void
test_defaults(void)
{
	flags_reset();
	CHECK(flag_int(F_HTTP_PORT) == 8081);
	CHECK_STR(flag_str(F_FRAMEWORK_NAME), "Aurora");
	CHECK(flag_int(F_NATIVE_LOG_QUORUM_SIZE) == 1);
	CHECK(flag_duration_ms(F_ZK_SESSION_TIMEOUT) == 15000);
	CHECK(flag_duration_ms(F_DLOG_SNAPSHOT_INTERVAL) == 3600000);
	CHECK(flag_duration_ms(F_MAX_REGISTRATION_DELAY) == 60000);
	CHECK(flag_duration_ns(F_FRAMEWORK_FAILOVER_TIMEOUT) ==
	    21LL * 86400 * 1000000000LL);
	CHECK_STR(flag_str(F_USER), "nobody");
	CHECK(!flag_is_set(F_HTTP_PORT));
}

static void
test_command_line(void)
{
	const char *const args[] = {
		"aurora-scheduler", "-http_port=9090", "--cluster_name=west",
		"-zk_session_timeout=30secs", "-zk_endpoints=zk1:2181,zk2:2181",
		"-mesos_master_address=zk://zk1:2181,zk2:2181/mesos",
		"-global_container_mounts=/etc/ssl:/etc/ssl:ro,/tmp:/tmp",
	};
	char *argv[7];
	char err[256];
	int help;

	/* argv as main() gets it: writable strings. */
	for (int i = 0; i < 7; i++)
		argv[i] = strdup(args[i]);

	flags_reset();
	CHECK(flags_parse(7, argv, 1, &help, err, sizeof(err)) == 0);
	CHECK(help == 0);
	CHECK(flag_int(F_HTTP_PORT) == 9090);
	CHECK(flag_is_set(F_HTTP_PORT));
	CHECK_STR(flag_str(F_CLUSTER_NAME), "west");
	CHECK(flag_duration_ms(F_ZK_SESSION_TIMEOUT) == 30000);
	CHECK_STR(flag_raw(F_ZK_SESSION_TIMEOUT), "30secs");
	CHECK(parse1("-help", err, sizeof(err)) == 0);
	free(argv[1]);
	argv[1] = strdup("-help");
	CHECK(flags_parse(2, argv, 1, &help, err, sizeof(err)) == 0);
	CHECK(help == 1);
	/* Later values win, as on Aurora's command line. */
	CHECK(parse1("-http_port=1", err, sizeof(err)) == 0);
	CHECK(flag_int(F_HTTP_PORT) == 1);
	for (int i = 0; i < 7; i++)
		free(argv[i]);
}

static void
test_bad_values(void)
{
	static const struct {
		const char *arg;
		const char *says;
	} bad[] = {
		{ "-nope=1", "unknown flag -nope" },
		{ "-http_port", "-http_port: missing value" },
		{ "-http_port=abc", "-http_port: invalid value 'abc': not an integer" },
		{ "-http_port=65536", "-http_port: invalid value '65536'" },
		{ "-http_port=-1", "port must be between 0 and 65535" },
		{ "-native_log_quorum_size=0", "-native_log_quorum_size" },
		{ "-zk_session_timeout=15", "-zk_session_timeout: invalid value '15'" },
		{ "-max_registration_delay=1minute", "unit 'minute'" },
		{ "-log_dir=relative/logs", "-log_dir: invalid value 'relative/logs': must be an absolute path" },
		{ "-run_dir=run", "-run_dir" },
		{ "-cluster_name=", "-cluster_name: invalid value '': must not be empty" },
		{ "-zk_endpoints=zk1", "'zk1' must be host:port" },
		{ "-zk_endpoints=zk1:0", "port must be a number from 1 to 65535" },
		{ "-zk_endpoints=zk1:2181,,zk2:2181", "empty entry" },
		{ "-zk_endpoints=zk1:99999", "-zk_endpoints" },
		{ "-mesos_master_address=zk://zk1:2181", "needs a path" },
		{ "-mesos_master_address=master", "'master' must be host:port" },
		{ "-serverset_path=aurora", "-serverset_path" },
		{ "-serverset_path=/aurora/", "-serverset_path" },
		{ "-global_container_mounts=/a:/b:rx", "mode 'rx' must be ro or rw" },
		{ "-worker_crash_limit=0", "-worker_crash_limit" },
		{ "-worker_restart_backoff=0ms", "must be longer than 0" },
		{ "positional", "unexpected argument 'positional'" },
		{ "-", "unexpected argument '-'" },
	};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		flags_reset();
		err[0] = '\0';
		CHECK(parse1(bad[i].arg, err, sizeof(err)) == -1);
		CHECK_CONTAINS(err, bad[i].says);
		/* One line, and the stored value is untouched. */
		CHECK(strchr(err, '\n') == NULL);
	}
	flags_reset();
	CHECK(parse1("-http_port=abc", err, sizeof(err)) == -1);
	CHECK(flag_int(F_HTTP_PORT) == 8081);
	CHECK(!flag_is_set(F_HTTP_PORT));
}

static void
test_help(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	flags_print_help(fp, "aurora-scheduler");
	fclose(fp);
	for (int id = 0; id < F_COUNT; id++) {
		char line[128];

		snprintf(line, sizeof(line), "\n  -%s\n", flag_defs[id].name);
		CHECK_CONTAINS(buf, line);
	}
	CHECK_CONTAINS(buf, "Default: 8081");
	CHECK_CONTAINS(buf, "Default: 21days");
	CHECK_CONTAINS(buf, "ZooKeeper:");
	free(buf);
}

int
main(void)
{
	test_durations();
	test_data();
	test_scalars();
	test_defaults();
	test_command_line();
	test_bad_values();
	test_help();
	return check_done("test_flags");
}
