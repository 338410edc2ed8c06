/*
 * aurora-local-cluster: a single-machine stand-in for a Mesos master and
 * its agents. It speaks the Mesos v1 scheduler HTTP API (protobuf only) on
 * loopback to one or more schedulers (offerd, the tests), and runs tasks
 * as local processes in per-task sandboxes (real mode) or only pretends to
 * (simulation mode, thousands of fake agents). One process, one libevent
 * loop, no threads; it has no privileges of its own and runs tasks as the
 * user who started it. See doc/local-cluster.md.
 */
#ifndef LOCALCLUSTER_H
#define LOCALCLUSTER_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc/mesos.pb-c.h"

struct arena;
struct json_t;
struct event;
struct event_base;
struct evhttp;
struct evhttp_connection;
struct evhttp_request;
struct strmap;

#define LC_UUID_LEN		16
#define LC_UUID_STRLEN		37	/* 36 characters and the NUL */
#define LC_MAX_BODY		(16 * 1024 * 1024)
#define LC_OFFERS_PER_EVENT	1000
#define LC_RESEND_MS		10000	/* unacknowledged: again */
#define LC_COMPLETED_MAX	1000	/* ended tasks in /state.json */
#define LC_MAX_AGENTS		100000

/* Mesos's reasons that ipc/mesos.proto does not name. */
#define LC_REASON_INVALID_OFFERS		6
#define LC_REASON_CONTAINER_LAUNCH_FAILED	21

/* protobuf-c's strings are char *; the messages we build never change them. */
#define LC_UNCONST(s)	((char *)(uintptr_t)(s))

#define lc_debug(...) do {						\
	if (lc.conf.verbose)						\
		log_debug(__VA_ARGS__);					\
} while (0)

/* A task's launch and end: every one in real mode, only if verbose else. */
#define lc_task_log(...) do {						\
	if (!lc.simulate || lc.conf.verbose)				\
		log_info(__VA_ARGS__);					\
} while (0)

struct lc_attr {
	char	*name;
	char	*value;
};

struct lc_config {
	int		 port;
	const char	*ip;
	const char	*work_dir;
	double		 heartbeat_s;
	long		 allocation_ms;
	long		 kill_grace_ms;
	/* The agents' shape: detected (real mode) unless given. */
	double		 cpus, mem_mb, disk_mb;
	bool		 set_cpus, set_mem, set_disk, set_ports;
	uint64_t	 ports_begin, ports_end;
	bool		 set_attributes;
	struct lc_attr	*attributes;	/* {i} not yet expanded */
	size_t		 nattributes;
	long		 simulate_agents;	/* 0: real mode */
	long		 racks;
	long		 sim_task_ms;	/* 0: they never end */
	double		 sim_fail_ratio;
	pid_t		 parent_pid;	/* 0: none */
	bool		 verbose;
};

/*
 * Resources. Scalars are kept in thousandths, as Mesos keeps three
 * decimals, so that adding and taking back never drifts. Port ranges are
 * kept sorted, disjoint and merged.
 */
struct lc_range {
	uint64_t	 begin, end;
};

struct lc_ranges {
	struct lc_range	*v;
	size_t		 n, cap;
};

struct lc_res {
	int64_t		 cpus, mem, disk;
	struct lc_ranges ports;
};

struct lc_agent {
	size_t		 idx;
	char		*id;
	char		*hostname;
	struct lc_res	 total;
	struct lc_res	 used;		/* by tasks not ended */
	struct lc_attr	*attrs;
	size_t		 nattrs;
	struct lc_offer	*offer;		/* outstanding, if any */
	size_t		 ntasks;
};

/* What a framework declined or left unused on an agent, and until when. */
struct lc_filter {
	int64_t		 until_ms;	/* monotonic; 0: no filter */
	struct lc_res	 refused;
};

struct lc_offer {
	TAILQ_ENTRY(lc_offer) entry;	/* its framework's offers */
	char		 id[80];
	struct lc_framework *fw;
	struct lc_agent	*agent;
	struct lc_res	 res;
};
TAILQ_HEAD(lc_offers, lc_offer);

struct lc_stream {
	struct lc_framework *fw;
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	struct event	*heartbeat;
	char		 id[LC_UUID_STRLEN];
};

struct lc_framework {
	TAILQ_ENTRY(lc_framework) entry;
	char		*id;
	char		*name;
	char		*user;
	char		*role;
	bool		 partition_aware;
	bool		 killing_state;	/* TASK_KILLING_STATE */
	bool		 suppressed;
	struct lc_stream *stream;	/* NULL while disconnected */
	struct lc_offers offers;
	struct lc_filter *filters;	/* one per agent, once one is set */
};
TAILQ_HEAD(lc_frameworks, lc_framework);

/* The latest status update of a task that waits for its acknowledgement. */
struct lc_update {
	bool		 pending;
	uint8_t		 uuid[LC_UUID_LEN];
	Mesos__V1__TaskState state;
	Mesos__V1__TaskStatus__Source source;
	int		 reason;	/* -1: none */
	char		*message;
	double		 timestamp;
	int64_t		 sent_ms;	/* monotonic; 0: not sent yet */
};

struct lc_volume {
	char		*container_path;
	char		*host_path;
	bool		 ro;
};

struct lc_task {
	TAILQ_ENTRY(lc_task) entry;	/* lc.active or lc.completed */
	TAILQ_ENTRY(lc_task) unacked;	/* lc.unacked if update.pending */
	char		*key;		/* "<fw id>\n<task id>" */
	char		*id;
	char		*name;
	char		*fw_id;
	struct lc_framework *fw;	/* NULL once the framework is gone */
	struct lc_agent	*agent;
	char		*executor_id;	/* NULL for a command task */
	/* /state.json's executor and data of the TaskInfo, or NULL. */
	struct json_t	*launch;
	struct lc_res	 res;		/* used until it ends */
	Mesos__V1__TaskState state;
	char		*message;	/* of the latest state */
	bool		 terminal;
	bool		 completed;	/* terminal and acknowledged */
	struct lc_update update;
	/* What runs. */
	char		*command;	/* for /state.json */
	char		*sandbox;
	pid_t		 pid;		/* 0 when no process runs */
	bool		 kill_asked;
	int64_t		 grace_ms;	/* kill policy; -1: none */
	struct event	*timer;		/* SIGKILL; sim end */
	bool		 docker;
	char		*image;
	int		 container_type;	/* 0: none */
	struct lc_volume *volumes;
	size_t		 nvolumes;
};
TAILQ_HEAD(lc_tasks, lc_task);

struct lc_counters {
	uint64_t	 launched, finished, failed, killed, lost, errors;
	uint64_t	 offers_sent, declines, accepts;
};

struct lc {
	struct lc_config conf;
	struct event_base *base;
	struct evhttp	*http;
	char		 master_id[LC_UUID_STRLEN];
	char		 hostname[256];
	bool		 simulate;
	struct lc_agent	*agents;
	size_t		 nagents;
	struct strmap	*agent_ids;
	struct lc_frameworks frameworks;
	unsigned	 next_framework;
	struct strmap	*offers;	/* offer id -> struct lc_offer */
	uint64_t	 next_offer;
	struct strmap	*tasks;		/* not completed, by key */
	struct lc_tasks	 active, completed, unacked;
	size_t		 ncompleted;
	uint64_t	 sim_ended;	/* for --sim_fail_ratio */
	struct lc_counters counters;
	bool		 shutting_down;
};

extern struct lc lc;

/* localcluster.c */
void	 lc_shutdown(const char *why);
void	 lc_exit_if_done(void);

/* lc_flags.c: exits 2 with a message naming the flag on a bad one. */
void	 lc_flags_parse(struct lc_config *, int argc, char **argv);

/* lc_util.c */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 lc_uuid(uint8_t out[LC_UUID_LEN]);
void	 lc_uuid_str(char out[LC_UUID_STRLEN]);
int64_t	 lc_now_ms(void);
double	 lc_wall(void);
const char *lc_state_name(Mesos__V1__TaskState);
bool	 lc_state_terminal(Mesos__V1__TaskState);

/* lc_util.c: common/strmap.h's tables, exiting when out of memory. */
struct strmap *xstrmap_new(void);
void	 xstrmap_put(struct strmap *, const char *, void *);

/* lc_res.c */
int64_t	 lc_res_scalar(double);
double	 lc_res_double(int64_t);
void	 lc_res_init(struct lc_res *);
void	 lc_res_free(struct lc_res *);
void	 lc_res_copy(struct lc_res *, const struct lc_res *);
void	 lc_res_add(struct lc_res *, const struct lc_res *);
void	 lc_res_sub(struct lc_res *, const struct lc_res *);
bool	 lc_res_contains(const struct lc_res *, const struct lc_res *);
bool	 lc_res_offerable(const struct lc_res *);
bool	 lc_res_empty(const struct lc_res *);
void	 lc_ranges_add(struct lc_ranges *, uint64_t, uint64_t);
void	 lc_ranges_format(const struct lc_ranges *, char *, size_t);
void	 lc_res_format(const struct lc_res *, char *, size_t);
/* Adds resources from a TaskInfo or ExecutorInfo; -1 with err if bad. */
int	 lc_res_parse(struct lc_res *, Mesos__V1__Resource *const *, size_t,
	    char *err, size_t errlen);
Mesos__V1__Resource **lc_res_proto(const struct lc_res *, struct arena *,
	    size_t *n);

/* lc_agents.c */
void	 lc_agents_init(void);
void	 lc_agents_free(void);
struct lc_agent *lc_agent_find(const char *id);
void	 lc_agent_free_res(const struct lc_agent *, struct lc_res *);

/* lc_offers.c */
void	 lc_offers_init(void);
void	 lc_offers_free(void);
void	 lc_allocate_soon(void);
void	 lc_offers_rescind(struct lc_framework *);
void	 lc_offers_accept(struct lc_framework *,
	    const Mesos__V1__Call__Accept *);
void	 lc_offers_decline(struct lc_framework *,
	    const Mesos__V1__Call__Decline *);
void	 lc_offers_revive(struct lc_framework *);
void	 lc_offers_suppress(struct lc_framework *);

/* lc_framework.c */
struct lc_framework *lc_framework_find(const char *id);
struct lc_framework *lc_framework_get(const Mesos__V1__FrameworkInfo *);
void	 lc_framework_teardown(struct lc_framework *);
void	 lc_frameworks_free(void);

/* lc_stream.c */
void	 lc_stream_subscribe(struct evhttp_request *,
	    const Mesos__V1__Call *);
void	 lc_stream_close(struct lc_stream *);
/* Queues one event on the framework's stream; -1 if it has none. */
int	 lc_stream_send(struct lc_framework *, const Mesos__V1__Event *);

/* lc_http.c */
void	 lc_http_init(void);
void	 lc_http_free(void);

/* lc_tasks.c */
void	 lc_tasks_init(void);
void	 lc_tasks_free(void);
struct lc_task *lc_task_find(const struct lc_framework *, const char *id);
int	 lc_task_check(struct lc_framework *, struct lc_agent *,
	    const Mesos__V1__TaskInfo *, struct lc_res *, char *, size_t);
void	 lc_task_launch(struct lc_framework *, struct lc_agent *,
	    const Mesos__V1__TaskInfo *, const struct lc_res *);
void	 lc_task_update(struct lc_task *, Mesos__V1__TaskState,
	    Mesos__V1__TaskStatus__Source, int reason, const char *message);
void	 lc_task_status(struct lc_framework *, const char *task_id,
	    const char *agent_id, Mesos__V1__TaskState,
	    Mesos__V1__TaskStatus__Source, int reason, const char *message);
void	 lc_task_kill(struct lc_task *, int64_t grace_ms);
void	 lc_tasks_kill_call(struct lc_framework *,
	    const Mesos__V1__Call__Kill *);
void	 lc_tasks_ack(struct lc_framework *,
	    const Mesos__V1__Call__Acknowledge *);
void	 lc_tasks_reconcile(struct lc_framework *,
	    const Mesos__V1__Call__Reconcile *);
void	 lc_tasks_resend(struct lc_framework *);
void	 lc_tasks_orphan(struct lc_framework *);

/* lc_exec.c */
void	 lc_exec_init(void);
void	 lc_exec_free(void);
int	 lc_exec_start(struct lc_task *, const Mesos__V1__TaskInfo *,
	    char *err, size_t errlen);
void	 lc_exec_kill(struct lc_task *);
size_t	 lc_exec_signal_all(int sig);

/* lc_sim.c */
void	 lc_sim_start(struct lc_task *);
void	 lc_sim_kill(struct lc_task *);

/* lc_state.c */
void	 lc_state_reply(struct evhttp_request *);
/* What /state.json shows of a launch's ExecutorInfo and data; NULL if none. */
struct json_t *lc_state_launch(const Mesos__V1__TaskInfo *);
void	 lc_state_launch_free(struct json_t *);

#endif
