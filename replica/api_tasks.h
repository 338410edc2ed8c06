/*
 * replica: finding tasks for the API. Aurora's TaskQuery rules: every
 * field set narrows the answer, a set field matches any of its values,
 * an empty or missing one does not narrow, a blank role is no role.
 * Answers come in task id order (Aurora gives no order at all).
 */
#ifndef REPLICA_API_TASKS_H
#define REPLICA_API_TASKS_H

#include <stddef.h>

#include "common/arena.h"
#include "ipc/api.pb-c.h"
#include "ipc/ipc_vars.h"
#include "replica/sched_tx.h"
#include "replica/store.h"

struct task_list {
	ScheduledTask	**t;	/* unpacked into the arena */
	size_t		  n, cap;
	struct arena	 *arena;	/* the list's own */
};

/* Room for every ScheduleStatus. */
#define API_MAX_STATUSES	16
/* Aurora's ACTIVE_STATES into out; how many. */
size_t	 api_active_statuses(ScheduleStatus out[API_MAX_STATUSES]);
/* Aurora's blank: NULL, empty, or only white space. */
int	 api_blank(const char *);
/* Whether a task matches the query (offset and limit aside). */
int	 api_task_matches(const TaskQuery *, const ScheduledTask *);
/*
 * Every task of the store matching the query, offset and limit aside.
 * -1 with err when the store cannot be read.
 */
int	 api_tasks_fetch(struct store *, const TaskQuery *, struct task_list *,
	    char *err, size_t errlen);
/* The same through a transaction being decided: ids of matching tasks. */
int	 api_tx_task_ids(struct sched_tx *, const TaskQuery *, char ***ids,
	    size_t *n, char *err, size_t errlen);
void	 api_task_ids_free(char **ids, size_t n);
void	 task_list_free(struct task_list *);

/* /vars: task_store_<STATUS>, the tasks in each state (a scan). */
void	 api_task_store_vars(struct store *, struct ipc_vars *);

/* A query for a job's tasks, optionally some instances, in given statuses. */
struct job_query {
	TaskQuery	q;
	JobKey		key, *keys[1];
};
void	 api_job_query(struct job_query *, const JobKey *,
	    const int32_t *instances, size_t ninstances);

#endif
