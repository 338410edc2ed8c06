/*
 * The process table's decisions: backoff doubling and its cap, the reset
 * after a stable run, the crash-loop limit, and bad configuration.
 */
#include "config.h"

#include <sys/wait.h>

#include "common/exitcodes.h"
#include "master/master.h"
#include "tests/unit/check.h"

/* A wait status as the kernel builds it. */
#define EXITED(code)	((code) << 8)
#define SIGNALED(sig)	(sig)

static const struct proc_policy policy = {
	.backoff_initial_ms = 100,
	.backoff_max_ms = 30000,
	.crash_limit = 10,
	.crash_window_ms = 60000,
};

static void
test_backoff(void)
{
	struct proc_entry e = { .name = "httpd" };
	int64_t expect[] = { 100, 200, 400, 800, 1600, 3200, 6400, 12800,
	    25600, 30000, 30000 };
	int64_t delay, now = 0;
	char why[128];

	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		proctab_started(&e, 100 + (pid_t)i, now);
		/* Forget earlier deaths: this tests the delay alone. */
		now += 1000;
		e.nexits = 0;
		CHECK(proctab_exited(&e, &policy, now, SIGNALED(9), &delay,
		    why, sizeof(why)) == PROC_RESPAWN);
		CHECK(delay == expect[i]);
		CHECK(e.state == PROC_BACKOFF);
		CHECK(e.pid == 0);
	}
	CHECK(e.restarts == (int)(sizeof(expect) / sizeof(expect[0])));
	CHECK_CONTAINS(why, "restarting httpd in 30000 ms");

	/* Up for a whole window: the delay starts over. */
	proctab_started(&e, 200, now);
	now += 60000;
	CHECK(proctab_exited(&e, &policy, now, EXITED(1), &delay, why,
	    sizeof(why)) == PROC_RESPAWN);
	CHECK(delay == 100);
}

static void
test_crash_loop(void)
{
	struct proc_entry e = { .name = "httpd" };
	int64_t delay, now = 1000000;
	char why[128];
	enum proc_decision d = PROC_RESPAWN;
	int deaths = 0;

	while (d == PROC_RESPAWN && deaths < 20) {
		proctab_started(&e, 300, now);
		now += 500;
		d = proctab_exited(&e, &policy, now, SIGNALED(11), &delay, why,
		    sizeof(why));
		deaths++;
	}
	CHECK(d == PROC_GIVE_UP);
	CHECK(deaths == 10);
	CHECK(e.state == PROC_STOPPED);
	CHECK_CONTAINS(why, "httpd died 10 times within 60000 ms");

	/* Nine quick deaths, then a pause longer than the window: no loop. */
	struct proc_entry f = { .name = "replica" };
	for (int i = 0; i < 9; i++) {
		proctab_started(&f, 400, now);
		now += 100;
		CHECK(proctab_exited(&f, &policy, now, EXITED(1), &delay, why,
		    sizeof(why)) == PROC_RESPAWN);
	}
	now += 61000;
	proctab_started(&f, 401, now);
	CHECK(proctab_exited(&f, &policy, now + 10, EXITED(1), &delay, why,
	    sizeof(why)) == PROC_RESPAWN);
}

static void
test_bad_config(void)
{
	struct proc_entry e = { .name = "httpd" };
	int64_t delay;
	char why[128];

	proctab_started(&e, 500, 0);
	CHECK(proctab_exited(&e, &policy, 10, EXITED(EXIT_CONFIG), &delay, why,
	    sizeof(why)) == PROC_NO_RESPAWN);
	CHECK(e.state == PROC_STOPPED);
	CHECK_CONTAINS(why, "bad configuration");
}

static void
test_describe(void)
{
	char buf[64];

	proctab_describe_exit(SIGNALED(9), buf, sizeof(buf));
	CHECK_STR(buf, "exited on signal 9");
	proctab_describe_exit(EXITED(3), buf, sizeof(buf));
	CHECK_STR(buf, "exited with code 3");
	CHECK_STR(proctab_state_name(PROC_RUNNING), "running");
	CHECK_STR(proctab_state_name(PROC_BACKOFF), "backoff");
}

int
main(void)
{
	test_backoff();
	test_crash_loop();
	test_bad_config();
	test_describe();
	return check_done("test_proctab");
}
