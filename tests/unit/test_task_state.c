/*
 * Unit test of replica/task_state.c: every (from, to) pair of Aurora's
 * task states, DELETED included, against a table written out from
 * Aurora's TaskStateMachine: the legal changes with their side effects,
 * and the illegal ones that still have side effects. Every pair not
 * listed must be illegal without side effects (or a no-op when from is
 * to). Side effects that depend on the task (service or batch, failures
 * left, a KILLING in its history) are listed per kind of task.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "replica/task_state.h"
#include "tests/unit/check.h"

/*
 * One line per pair: FROM TO RESULT then the side effects per kind of
 * task: "all=" for every kind, or "batch=" (batch task at its failure
 * limit), "retry=" (batch task below its limit), "service=" and
 * "killed=" (a task whose history has a KILLING event). Effects: I
 * (increment failures), S (save), R (reschedule), L (transition to
 * lost), K (kill), D (delete), - (none).
 */
static const char *const table[] = {
	"INIT PENDING ok all=S",
	"INIT THROTTLED ok all=S",
	"PENDING ASSIGNED ok all=S",
	"PENDING KILLING ok all=D",
	"THROTTLED PENDING ok all=S",
	"THROTTLED KILLING ok all=D",

	"PARTITIONED LOST ok batch=SRK retry=SRK service=SRK killed=SK",
	"PARTITIONED FAILED ok batch=IS retry=ISR service=ISR killed=IS",
	"PARTITIONED FINISHED ok all=S",
	"PARTITIONED RUNNING ok all=S",
	"PARTITIONED ASSIGNED ok all=S",
	"PARTITIONED STARTING ok all=S",
	"PARTITIONED RESTARTING ok all=SL",
	"PARTITIONED DRAINING ok all=SL",
	"PARTITIONED PREEMPTING ok all=SL",
	"PARTITIONED KILLING ok all=SL",

	"ASSIGNED STARTING ok all=S",
	"ASSIGNED RUNNING ok all=S",
	"ASSIGNED FINISHED ok batch=S retry=S service=SR killed=S",
	"ASSIGNED FAILED ok batch=IS retry=ISR service=ISR killed=IS",
	"ASSIGNED RESTARTING ok all=SK",
	"ASSIGNED DRAINING ok all=SK",
	"ASSIGNED KILLED ok all=SR",
	"ASSIGNED KILLING ok all=SK",
	"ASSIGNED LOST ok all=SRK",
	"ASSIGNED PREEMPTING ok all=SK",

	"STARTING RUNNING ok all=S",
	"STARTING FINISHED ok batch=S retry=S service=SR killed=S",
	"STARTING FAILED ok batch=IS retry=ISR service=ISR killed=IS",
	"STARTING RESTARTING ok all=SK",
	"STARTING DRAINING ok all=SK",
	"STARTING KILLING ok all=SK",
	"STARTING KILLED ok all=SR",
	"STARTING LOST ok all=SR",
	"STARTING PREEMPTING ok all=SK",
	"STARTING PARTITIONED ok all=S",

	"RUNNING FINISHED ok batch=S retry=S service=SR killed=S",
	"RUNNING RESTARTING ok all=SK",
	"RUNNING DRAINING ok all=SK",
	"RUNNING FAILED ok batch=IS retry=ISR service=ISR killed=IS",
	"RUNNING KILLING ok all=SK",
	"RUNNING KILLED ok all=SR",
	"RUNNING LOST ok all=SR",
	"RUNNING PREEMPTING ok all=SK",
	"RUNNING PARTITIONED ok all=S",

	"PREEMPTING FINISHED ok all=SR",
	"PREEMPTING FAILED ok all=SR",
	"PREEMPTING KILLING ok all=S",
	"PREEMPTING KILLED ok all=SR",
	"PREEMPTING LOST ok all=SRK",
	"PREEMPTING PARTITIONED ok all=SL",
	"PREEMPTING ASSIGNED illegal all=K",
	"PREEMPTING STARTING illegal all=K",
	"PREEMPTING RUNNING illegal all=K",
	"RESTARTING FINISHED ok all=SR",
	"RESTARTING FAILED ok all=SR",
	"RESTARTING KILLING ok all=S",
	"RESTARTING KILLED ok all=SR",
	"RESTARTING LOST ok all=SRK",
	"RESTARTING PARTITIONED ok all=SL",
	"RESTARTING ASSIGNED illegal all=K",
	"RESTARTING STARTING illegal all=K",
	"RESTARTING RUNNING illegal all=K",
	"DRAINING FINISHED ok all=SR",
	"DRAINING FAILED ok all=SR",
	"DRAINING KILLING ok all=S",
	"DRAINING KILLED ok all=SR",
	"DRAINING LOST ok all=SRK",
	"DRAINING PARTITIONED ok all=SL",
	"DRAINING ASSIGNED illegal all=K",
	"DRAINING STARTING illegal all=K",
	"DRAINING RUNNING illegal all=K",

	"FINISHED DELETED ok all=D",
	"FINISHED ASSIGNED illegal all=K",
	"FINISHED STARTING illegal all=K",
	"FINISHED RUNNING illegal all=K",
	"FAILED DELETED ok all=D",
	"FAILED ASSIGNED illegal all=K",
	"FAILED STARTING illegal all=K",
	"FAILED RUNNING illegal all=K",
	"KILLED DELETED ok all=D",
	"KILLED ASSIGNED illegal all=K",
	"KILLED STARTING illegal all=K",
	"KILLED RUNNING illegal all=K",
	"LOST DELETED ok all=D",
	"LOST ASSIGNED illegal all=K",
	"LOST STARTING illegal all=K",
	"LOST RUNNING illegal all=K",

	"KILLING FINISHED ok all=S",
	"KILLING FAILED ok all=S",
	"KILLING KILLED ok all=S",
	"KILLING LOST ok all=S",
	"KILLING DELETED ok all=D",
	"KILLING PARTITIONED ok all=SL",
	"KILLING ASSIGNED illegal all=K",
	"KILLING STARTING illegal all=K",
	"KILLING RUNNING illegal all=K",

	"DELETED ASSIGNED illegal all=K",
	"DELETED STARTING illegal all=K",
	"DELETED RUNNING illegal all=K",
};

static const struct {
	const char		*name;
	struct task_facts	 facts;
} kinds[] = {
	{ "batch", { 0, 1, 0, 0 } },	/* its one allowed failure */
	{ "retry", { 0, 3, 1, 0 } },	/* a failure left */
	{ "service", { 1, 1, 5, 0 } },	/* limits do not apply */
	{ "killed", { 0, 1, 0, 1 } },
};
#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

static unsigned
parse_effects(const char *s, size_t len)
{
	unsigned a = 0;

	for (size_t i = 0; i < len; i++)
		switch (s[i]) {
		case 'I': a |= TASK_INCREMENT_FAILURES; break;
		case 'S': a |= TASK_SAVE_STATE; break;
		case 'R': a |= TASK_RESCHEDULE; break;
		case 'L': a |= TASK_TRANSITION_TO_LOST; break;
		case 'K': a |= TASK_KILL; break;
		case 'D': a |= TASK_DELETE; break;
		default: break;
		}
	return a;
}

/* The expected effects for a kind of task on a table line. */
static unsigned
effects_for(const char *line, const char *kind)
{
	char key[32];
	const char *p, *end;

	if ((p = strstr(line, "all=")) != NULL)
		p += 4;
	else {
		snprintf(key, sizeof(key), " %s=", kind);
		if ((p = strstr(line, key)) == NULL)
			return 0;
		p += strlen(key);
	}
	end = p + strcspn(p, " ");
	return parse_effects(p, (size_t)(end - p));
}

static const char *
find_line(const char *from, const char *to)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s %s ", from, to);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strncmp(table[i], prefix, strlen(prefix)) == 0)
			return table[i];
	return NULL;
}

static void
test_every_pair(void)
{
	int states[32];
	size_t n = 0, i, j, k, pairs = 0;

	for (i = 0; i < task_nstatuses; i++)
		states[n++] = task_statuses[i];
	states[n++] = TASK_DELETED;
	CHECK(n == 16);
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			const char *from = task_status_name(states[i]);
			const char *to = task_status_name(states[j]);
			const char *line = find_line(from, to);

			pairs++;
			for (k = 0; k < NKINDS; k++) {
				unsigned got, want = 0;
				enum task_result r, want_r;

				r = task_state_change(states[i], states[j],
				    &kinds[k].facts, &got);
				if (i == j)
					want_r = TASK_NOOP;
				else if (line == NULL)
					want_r = TASK_ILLEGAL;
				else {
					want = effects_for(line, kinds[k].name);
					want_r = strstr(line, " ok ") != NULL ?
					    TASK_SUCCESS : want != 0 ?
					    TASK_ILLEGAL_WITH_SIDE_EFFECTS :
					    TASK_ILLEGAL;
				}
				CHECK(r == want_r && got == want);
				if (r != want_r || got != want)
					fprintf(stderr, "  %s -> %s (%s): "
					    "result %d effects %#x, want %d "
					    "%#x\n", from, to, kinds[k].name,
					    r, got, want_r, want);
				CHECK(task_state_legal(states[i], states[j]) ==
				    (line != NULL && strstr(line, " ok ") != NULL));
			}
		}
	CHECK(pairs == 256);
	/* Every table line names real states. */
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		char from[32], to[32];

		CHECK(sscanf(table[i], "%31s %31s", from, to) == 2);
		CHECK(task_status_parse(from) != -1);
		CHECK(task_status_parse(to) != -1);
	}
}

static void
test_names_and_sets(void)
{
	size_t i, active = 0, terminal = 0, on_agent = 0;

	CHECK_STR(task_status_name(SCHEDULE_STATUS__SCHEDULE_STATUS_DRAINING),
	    "DRAINING");
	CHECK_STR(task_status_name(SCHEDULE_STATUS__SCHEDULE_STATUS_FAILED),
	    "FAILED");
	CHECK(task_status_name(99) == NULL);
	CHECK(task_status_name(-1) == NULL);
	CHECK(task_status_parse("FAILED") ==
	    SCHEDULE_STATUS__SCHEDULE_STATUS_FAILED);
	CHECK(task_status_parse("failed") == -1);
	CHECK(task_status_parse("") == -1);
	CHECK(task_status_parse("DELETED") == TASK_DELETED);
	/* An unknown state is never legal, from or to. */
	CHECK(!task_state_legal(99, SCHEDULE_STATUS__PENDING));
	CHECK(!task_state_legal(SCHEDULE_STATUS__INIT, 99));
	for (i = 0; i < task_nstatuses; i++) {
		int s = task_statuses[i];

		active += (size_t)task_status_active(s);
		terminal += (size_t)task_status_terminal(s);
		on_agent += (size_t)task_status_on_agent(s);
		/* Only INIT is neither active nor terminal. */
		CHECK(task_status_active(s) + task_status_terminal(s) ==
		    (s == SCHEDULE_STATUS__INIT ? 0 : 1));
		if (task_status_on_agent(s))
			CHECK(task_status_active(s));
	}
	CHECK(active == 10);
	CHECK(terminal == 4);
	CHECK(on_agent == 8);
	CHECK(!task_status_on_agent(SCHEDULE_STATUS__PENDING));
	CHECK(!task_status_on_agent(SCHEDULE_STATUS__THROTTLED));
}

int
main(void)
{
	test_every_pair();
	test_names_and_sets();
	return check_done("test_task_state");
}
