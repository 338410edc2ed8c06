/*
 * replica: Aurora's task state machine (its TaskStateMachine), as a pure
 * table: given a task's state, the state asked for and a few facts about
 * the task, whether the change is legal and which side effects follow.
 * The scheduler core (sched_state.c) performs the side effects, in
 * Aurora's order, inside one transaction. Nothing here touches the store.
 */
#ifndef REPLICA_TASK_STATE_H
#define REPLICA_TASK_STATE_H

#include "ipc/api.pb-c.h"

/* A task that is not in the store: Aurora's DELETED pseudo-state. */
#define TASK_DELETED	((int)100)

/*
 * Side effects, as bits in Aurora's order of execution: failures are
 * counted before the task is saved, saved before it is copied for
 * rescheduling, and deleted last.
 */
enum task_action {
	TASK_INCREMENT_FAILURES = 1 << 0,
	TASK_SAVE_STATE = 1 << 1,
	TASK_RESCHEDULE = 1 << 2,
	TASK_TRANSITION_TO_LOST = 1 << 3,
	TASK_KILL = 1 << 4,
	TASK_DELETE = 1 << 5,
};
#define TASK_ACTIONS	6

enum task_result {
	TASK_SUCCESS,
	TASK_ILLEGAL,
	TASK_ILLEGAL_WITH_SIDE_EFFECTS,
	TASK_NOOP,
};

/* What the side effects depend on, read from the task before the change. */
struct task_facts {
	int	is_service;
	int	max_task_failures;	/* -1: no limit */
	int	failure_count;
	int	was_killing;		/* a KILLING event in its history */
};

/*
 * The change from -> to (ScheduleStatus values or TASK_DELETED). *actions
 * gets the side effects' bits, which an illegal change may have too (a
 * task the scheduler thinks dead reported RUNNING is killed).
 */
enum task_result task_state_change(int from, int to,
	    const struct task_facts *, unsigned *actions);
/* Whether from -> to is in Aurora's table. */
int	 task_state_legal(int from, int to);

/* "RUNNING", "DRAINING", "DELETED"...; NULL for a number that is none. */
const char *task_status_name(int status);
/* Reads a name as task_status_name writes it; -1 when it is none. */
int	 task_status_parse(const char *name);
/* Aurora's ACTIVE_STATES, TERMINAL_STATES and SLAVE_ASSIGNED_STATES. */
int	 task_status_active(int status);
int	 task_status_terminal(int status);
int	 task_status_on_agent(int status);
/* The statuses in api.thrift's order (INIT ... PARTITIONED), n of them. */
extern const int task_statuses[];
extern const size_t task_nstatuses;

#endif
