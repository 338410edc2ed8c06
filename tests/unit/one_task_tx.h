/*
 * A transaction that saves one PENDING task, built in storage the caller
 * owns (no allocation): what the store tests, the store client and the
 * store benchmark write.
 */
#ifndef TESTS_UNIT_ONE_TASK_TX_H
#define TESTS_UNIT_ONE_TASK_TX_H

#include "ipc/storage.pb-c.h"

struct one_task_tx {
	ScheduledTask	 task, *tasks[1];
	AssignedTask	 at;
	SaveTasks	 st;
	Op		 op, *ops[1];
	Transaction	 tx;
};

static inline Transaction *
one_task_tx(struct one_task_tx *t, char *id, char *host)
{
	scheduled_task__init(&t->task);
	assigned_task__init(&t->at);
	save_tasks__init(&t->st);
	op__init(&t->op);
	transaction__init(&t->tx);
	t->at.taskid = id;
	t->at.slavehost = host;
	t->task.assignedtask = &t->at;
	t->task.has_status = 1;
	t->task.status = SCHEDULE_STATUS__PENDING;
	t->tasks[0] = &t->task;
	t->st.n_tasks = 1;
	t->st.tasks = t->tasks;
	t->op.kind_case = OP__KIND_SAVE_TASKS;
	t->op.savetasks = &t->st;
	t->ops[0] = &t->op;
	t->tx.n_ops = 1;
	t->tx.ops = t->ops;
	return &t->tx;
}

#endif
