/*
 * offerd: the Mesos side of the leader. offerd.c runs the process and
 * follows replica's lifecycle; offerd_mesos.c is the v1 scheduler API
 * connection; offerd_tasks.c mirrors the store's tasks; offerd_offers.c
 * holds offers and places pending tasks on them; offerd_launch.c turns an
 * assigned task into a Mesos TaskInfo; offerd_updates.c carries status
 * updates and kills between Mesos and replica.
 */
#ifndef OFFERD_OFFERD_H
#define OFFERD_OFFERD_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "ipc/api.pb-c.h"
#include "ipc/ipc.h"
#include "ipc/ipc_vars.h"
#include "ipc/mesos.pb-c.h"
#include "ipc/store.pb-c.h"

int	offerd_main(int argc, char *argv[]);
/* Loads offerd's seccomp filter; -1 with err on failure. */
int	offerd_sandbox_apply(char *err, size_t errlen);

/* offerd.c: what the modules share. */
struct event_base *offerd_base(void);
struct ipc_client *offerd_replica(void);

/* offerd_mesos.c: one subscription to the leading Mesos master. */
struct mesos_events {
	void	(*subscribed)(const char *framework_id);
	void	(*offers)(Mesos__V1__Offer **, size_t);
	void	(*rescind)(const char *offer_id);
	void	(*update)(const Mesos__V1__TaskStatus *);
	void	(*disconnected)(void);
};
/*
 * Subscribes to the master at host:port (and follows its redirects), as
 * framework_id when it is not NULL; reconnects until mesos_stop.
 */
int	mesos_start(const char *host, int port, const char *framework_id,
	    const struct mesos_events *);
void	mesos_stop(void);
int	mesos_registered(void);
/* The framework id Mesos gave (or NULL before the first SUBSCRIBED). */
const char *mesos_framework_id(void);
/*
 * Sends a call (its framework_id is filled in); -1 when not subscribed.
 * The answer is only logged: Mesos says what happened through events.
 */
int	mesos_call(Mesos__V1__Call *);
void	mesos_vars(struct ipc_vars *);

/* offerd_tasks.c: the store's tasks as offerd needs them. */
struct otask {
	char		*id;
	int		 status;	/* ScheduleStatus */
	char		*agent_id;	/* on an agent: where */
	char		*host;
	char		*job;		/* role/env/name */
	ScheduledTask	*pending;	/* PENDING: the whole task, to place */
	int		 placing;	/* asked replica to assign it */
	int64_t		 kill_next_ms;	/* killing: when to ask again */
	int64_t		 kill_backoff_ms;
	struct otask	*next;		/* hash chain */
};
/* Loads every task from replica, then follows its STORE_APPLIED. */
void	offerd_tasks_load(void);
void	offerd_tasks_clear(void);
void	offerd_tasks_applied(const StoreApplied *);
int	offerd_tasks_loaded(void);
struct otask *offerd_task(const char *id);
/* replica assigned it: not to be placed again, whatever comes first. */
void	offerd_task_assigned(struct otask *);
/* Calls fn for each task; stops when fn returns -1. */
void	offerd_tasks_each(int (*fn)(struct otask *, void *), void *arg);
size_t	offerd_tasks_count(void);
/* A task changed in a way placement or kills care about. */
void	offerd_tasks_on_change(void (*fn)(struct otask *));

/* offerd_offers.c: offers held and placement. */
void	offerd_offers_add(Mesos__V1__Offer **, size_t);
void	offerd_offers_rescind(const char *offer_id);
/* Drops every offer (the subscription ended: they are gone). */
void	offerd_offers_clear(void);
/* Something may be placeable: place soon. */
void	offerd_offers_kick(void);
void	offerd_offers_vars(struct ipc_vars *);

/* offerd_launch.c: the TaskInfo Mesos launches for an assigned task. */
Mesos__V1__TaskInfo *offerd_task_info(const AssignedTask *,
	    const char *agent_id);
void	offerd_task_info_free(Mesos__V1__TaskInfo *);

/* offerd_updates.c: status updates to replica, kills to Mesos. */
int	offerd_updates_init(void);
void	offerd_updates_status(const Mesos__V1__TaskStatus *);
/* Kill a task now and retry until it ends (ends: offerd_tasks says). */
void	offerd_updates_kill(const char *task_id, const char *agent_id);
void	offerd_updates_task_changed(struct otask *);
void	offerd_updates_clear(void);
void	offerd_updates_vars(struct ipc_vars *);

#endif
