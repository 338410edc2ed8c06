/*
 * replica: Aurora's state manager, on a transaction being decided
 * (sched_tx.h): creates tasks, changes their states through the task
 * state machine (task_state.h) and carries out the side effects in
 * Aurora's order: count a failure, save the task with a TaskEvent,
 * reschedule it as a new task (THROTTLED when it flaps), mark a
 * partitioned task LOST, ask for a kill, delete it.
 */
#ifndef REPLICA_SCHED_STATE_H
#define REPLICA_SCHED_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "ipc/api.pb-c.h"
#include "replica/sched_tx.h"
#include "replica/task_state.h"

struct sched_settings {
	int64_t	flapping_threshold_ms;		/* -flapping_task_threshold */
	int64_t	initial_flapping_delay_ms;	/* -initial_flapping_task_delay */
	int64_t	max_flapping_delay_ms;		/* -max_flapping_task_delay */
	char	host[256];	/* TaskEvent.scheduler: this machine's name */
	int64_t	(*now_ms)(void);	/* wall clock, ms; tests fix it */
	double	(*random)(void);	/* [0, 1), for backoff and ids */
};

/* Before the sandbox: it reads the host name. */
void	 sched_state_init(const struct sched_settings *);
const struct sched_settings *sched_state_settings(void);

/*
 * Aurora's task id for an instance of a job:
 * role-env-name-instance-uuid, every character but [A-Za-z0-9_-]
 * replaced with '-'.
 */
void	 sched_task_id(const JobKey *, int32_t instance, char *out, size_t len);

/*
 * What every task id of a job starts with; other jobs' ids may too (a
 * role with a dash), so check the job of what a scan finds.
 */
void	 sched_job_task_prefix(const JobKey *, char *out, size_t len);
/* What every task id of a role starts with (and perhaps other roles'). */
void	 sched_role_task_prefix(const char *role, char *out, size_t len);
/* Whether a job key has its role, environment and name. */
int	 sched_job_key_complete(const JobKey *);
/* Whether two job keys are complete and the same. */
int	 sched_same_job(const JobKey *, const JobKey *);

/*
 * Creates a PENDING task for each instance of config. -1 with err when an
 * active task already has one of them ("Instance ID collision
 * detected.") or the store cannot be read.
 */
int	 sched_insert_pending(struct sched_tx *, const TaskConfig *,
	    const int32_t *instances, size_t n, char *err, size_t errlen);

/*
 * Asks for task_id to move to status (TASK_DELETED deletes it), only if
 * it is in state cas (-1: any). *result is the state machine's answer;
 * TASK_ILLEGAL also when the task is not in cas. message goes into the
 * TaskEvent (NULL: none). -1 with err when the store cannot be read or
 * memory runs out: the decision must be undone.
 */
int	 sched_change_state(struct sched_tx *, const char *task_id, int cas,
	    int status, const char *message, enum task_result *result,
	    char *err, size_t errlen);

/*
 * Aurora's assignTask: a PENDING task placed on an agent gets the agent's
 * id and host and its named ports, and moves to ASSIGNED. *assigned is 0
 * (and nothing changes) when the task is no longer PENDING. -1 with err
 * when the store cannot be read or memory runs out.
 */
int	 sched_assign_task(struct sched_tx *, const char *task_id,
	    const char *agent_id, const char *agent_host,
	    AssignedTask__AssignedPortsEntry *const *ports, size_t nports,
	    int *assigned, char *err, size_t errlen);

/* Removes tasks outright (pruneTasks, history pruning); -1 with err. */
int	 sched_delete_tasks(struct sched_tx *, const char *const *ids,
	    size_t n, char *err, size_t errlen);

/*
 * The flapping penalty of rescheduling task: the truncated binary
 * backoff, grown once per ancestor (newest first) that ran for less
 * than the threshold without being restarted, drained or killed.
 */
int64_t	 sched_flapping_penalty_ms(struct sched_tx *, const ScheduledTask *);

#endif
