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
 * framework_id when it is not NULL; reconnects until mesos_stop. host NULL:
 * no master is known yet; mesos_set_master names one.
 */
int	mesos_start(const char *host, int port, const char *framework_id,
	    const struct mesos_events *);
/*
 * Another master leads (ZooKeeper says so): leaves the one talked to now
 * and subscribes to host:port at once, as the same framework; host NULL:
 * none leads, wait. Does nothing unless started.
 */
void	mesos_set_master(const char *host, int port);
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
	struct ogroup	*group;		/* PENDING: its task group, once known */
};
/* Loads every task from replica, then follows its STORE_APPLIED. */
void	offerd_tasks_load(void);
void	offerd_tasks_clear(void);
void	offerd_tasks_applied(const StoreApplied *);
int	offerd_tasks_loaded(void);
struct otask *offerd_task(const char *id);
/* replica assigned it to host: not to be placed again, whatever comes
 * first. */
void	offerd_task_assigned(struct otask *, const char *host);
/* Calls fn for each task; stops when fn returns -1. */
void	offerd_tasks_each(int (*fn)(struct otask *, void *), void *arg);
size_t	offerd_tasks_count(void);
/* A task changed in a way placement or kills care about. */
void	offerd_tasks_on_change(void (*fn)(struct otask *));
/* Called each time a load has read every page (reconcile, place). */
void	offerd_tasks_on_loaded(void (*fn)(void));

/* offerd_scan.c: pages through a table of replica's store. */
typedef void (*offerd_scan_record_fn)(const StoreRecord *, uint64_t applied,
	    void *arg);
struct store_scan;
/* record for each record, then done; NULL when out of memory. */
struct store_scan *offerd_scan(StoreTable, offerd_scan_record_fn,
	    void (*done)(void *), void *arg);
/* Neither record nor done is called again. */
void	offerd_scan_cancel(struct store_scan *);

/* offerd_hosts.c: the agents' attributes (Aurora's attribute store). */
void	offerd_hosts_load(void);
void	offerd_hosts_clear(void);
int	offerd_hosts_loaded(void);
void	offerd_hosts_applied(const StoreApplied *);
const HostAttributes *offerd_host(const char *host);
/* The attribute of that name, or NULL. */
const Attribute *offerd_attribute(const HostAttributes *, const char *name);
/* An offer's agent as Aurora stores it (its mode kept); NULL on ENOMEM. */
HostAttributes *offerd_host_attributes_of(const Mesos__V1__Offer *);
/* Saves those whose attributes, agent id or mode changed. */
void	offerd_hosts_offered(HostAttributes *const *, size_t);
void	offerd_hosts_vars(struct ipc_vars *);

/* What a task asks of an offer, and what an offer has left. */
struct needs {
	double		 cpus, mem, disk;
	size_t		 nports;
	const char	*ports[64];
};
struct avail {
	double		 cpus, mem, disk;
	size_t		 nports;
};
/* An offer's agent as placement sees it. */
struct agent_view {
	const HostAttributes *attrs;	/* the offer's, in Aurora's form */
	int		 mode;		/* MaintenanceMode, as stored */
};

/* offerd_vetoes.c: Aurora's scheduling filter. */
#define VETO_MAX	5
struct veto_set {
	int		 n, score;
	char		 reason[VETO_MAX][96];
};
struct job_load;
struct ogroup;
/* Fills v; 1 when the group may not go on the offer. */
int	offerd_vetoes(const struct ogroup *, const struct agent_view *,
	    const struct avail *, const struct job_load *, struct veto_set *);
/* Aurora's pending reason: the vetoes joined by ",". */
void	offerd_veto_join(const struct veto_set *, char *out, size_t len);
/* A job's tasks on agents per attribute value of their hosts (limits). */
struct job_load *job_load_new(void);
void	job_load_free(struct job_load *);
void	job_load_add_host(struct job_load *, const HostAttributes *);
long	job_load_count(const struct job_load *, const char *name,
	    const char *value);

/* offerd_groups.c: PENDING tasks by task group (their TaskConfig). */
struct ogroup {
	char		*key;		/* job#hash#n */
	char		*job;		/* role/env/name */
	TaskConfig	*config;
	uint8_t		*packed;	/* the config packed: the identity */
	size_t		 packed_len;
	struct needs	 needs;
	int		 dedicated;	/* has a dedicated constraint */
	int		 limits;	/* has limit constraints */
	struct veto_set	 fit;		/* the nearest fit (Aurora's) */
	int64_t		 fit_ms;	/* when it was set; 0: none */
	uint64_t	 seen;		/* the last round that saw it */
	int64_t		 penalty_ms;	/* Aurora's backoff after failing */
	int64_t		 next_try_ms;	/* not placed before */
	/* Its tasks waiting for this round. */
	struct otask	**tasks;
	size_t		 ntasks, cap;
};
/* t's group (t PENDING and whole); NULL when out of memory. */
struct ogroup *offerd_group_of(struct otask *);
/* A new round: each group's task list starts empty. */
void	offerd_groups_begin(void);
int	offerd_group_add(struct ogroup *, struct otask *);
/* Forgets the groups the round did not see. */
void	offerd_groups_sweep(uint64_t round);
void	offerd_groups_each(int (*fn)(struct ogroup *, void *), void *arg);
size_t	offerd_groups_count(void);
/* Keeps v if it is nearer than the group's nearest fit. */
void	offerd_group_vetoed(struct ogroup *, const struct veto_set *);
/* A task of the group left PENDING: its nearest fit starts again. */
void	offerd_group_placed(struct ogroup *);
/* The pending reason now ("" when none); out has len bytes. */
void	offerd_group_reason(struct ogroup *, char *out, size_t len);
void	offerd_groups_clear(void);
/* IPC: PENDING_REASONS_REQUEST and PENDING_TASKS_REQUEST. */
void	offerd_pending_reasons(struct ipc_request *);
void	offerd_pending_tasks(struct ipc_request *);

/* offerd_offers.c: offers held and placement. */
void	offerd_offers_add(Mesos__V1__Offer **, size_t);
void	offerd_offers_rescind(const char *offer_id);
/* Drops every offer (the subscription ended: they are gone). */
void	offerd_offers_clear(void);
/* IPC: OFFERS_REQUEST (GET /offers). */
void	offerd_offers_list(struct ipc_request *);
/* Something may be placeable: place soon. */
void	offerd_offers_kick(void);
void	offerd_offers_vars(struct ipc_vars *);

/* offerd_launch.c: the TaskInfo Mesos launches for an assigned task. */
Mesos__V1__TaskInfo *offerd_task_info(const AssignedTask *,
	    const char *agent_id);
void	offerd_task_info_free(Mesos__V1__TaskInfo *);
/* A SCALAR resource of role *, malloc'ed; NULL when out of memory. */
Mesos__V1__Resource *offerd_scalar_resource(const char *name, double v);

/* offerd_updates.c: status updates to replica, kills to Mesos. */
int	offerd_updates_init(void);
void	offerd_updates_status(const Mesos__V1__TaskStatus *);
/* Tells replica a task is LOST (its launch failed), with message. */
void	offerd_updates_lost(const char *task_id, const char *message);
/* Kill a task now and retry until it ends (ends: offerd_tasks says). */
void	offerd_updates_kill(const char *task_id, const char *agent_id);
void	offerd_updates_task_changed(struct otask *);
void	offerd_updates_clear(void);
void	offerd_updates_vars(struct ipc_vars *);

/*
 * offerd_executor.c: Aurora's Thermos executor (-thermos_executor_path).
 * Without the flag nothing runs under it, and its overhead is zero.
 */
int	offerd_executor_enabled(void);
/* The task runs under the executor: enabled, and it has an executor config. */
int	offerd_executor_runs(const TaskConfig *);
/*
 * What the executor takes of an offer besides its task (cpus, MB, MB);
 * zeros without -thermos_executor_path. The per-task form is Aurora's
 * exact rule: zeros for a task that does not run under the executor.
 */
void	offerd_executor_overhead(double *cpus, double *mem_mb, double *disk_mb);
void	offerd_executor_task_overhead(const TaskConfig *, double *cpus,
	    double *mem_mb, double *disk_mb);
/* The ExecutorInfo for the task (malloc'ed throughout), or NULL. */
Mesos__V1__ExecutorInfo *offerd_executor_info(const AssignedTask *);
/* The TaskInfo's data: the AssignedTask in Thrift's binary protocol. */
int	offerd_executor_data(const AssignedTask *, ProtobufCBinaryData *);
/* The command's value, as ExecutorModule.makeExecutorCommand; malloc'ed. */
char	*offerd_executor_command_value(const char *path, const char *flags,
	    int home_in_sandbox);

#endif
