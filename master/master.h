/*
 * master: the privileged parent. It checks the flags, prepares -run_dir and
 * -log_dir, starts replica, offerd and httpd (fork + exec of its own binary
 * with a hidden --worker= argument), writes their logs, restarts them when
 * they die and stops them all on SIGTERM. It talks to no network peer.
 */
#ifndef MASTER_MASTER_H
#define MASTER_MASTER_H

#include <stdint.h>
#include <sys/types.h>

#include <event2/event.h>

#include "ipc/ipc_vars.h"

/* The process table's name for the embedded local cluster. */
#define MASTER_LOCAL_CLUSTER	"local_cluster"
#define MASTER_LOCAL_CLUSTER_BIN	"aurora-local-cluster"

enum proc_state {
	PROC_STARTING,	/* forked, not ready yet */
	PROC_RUNNING,	/* told master it is ready */
	PROC_BACKOFF,	/* dead, waiting to be restarted */
	PROC_STOPPED,	/* dead for good (stopping, or bad configuration) */
};

#define PROC_MAX_CRASHES 64

struct proc_policy {
	int64_t	backoff_initial_ms;
	int64_t	backoff_max_ms;
	int	crash_limit;
	int64_t	crash_window_ms;
};

/* One row of the process table; the pure part lives in master_proctab.c. */
struct proc_entry {
	const char	*name;
	pid_t		 pid;
	enum proc_state	 state;
	int		 restarts;
	int64_t		 started_ms;
	int64_t		 backoff_ms;
	int64_t		 exits[PROC_MAX_CRASHES];	/* ring of exit times */
	int		 nexits;

	/* Run-time plumbing, owned by master.c and master_spawn.c. */
	int		 ctl_fd;
	int		 log_fd;	/* where this worker's lines go */
	struct event	*ctl_ev;
	struct event	*restart_ev;
	struct bufferevent *log_bev;
};

enum proc_decision {
	PROC_RESPAWN,		/* restart after *delay_ms */
	PROC_NO_RESPAWN,	/* exited with EXIT_CONFIG */
	PROC_GIVE_UP,		/* crash loop: stop the scheduler */
};

void	proctab_started(struct proc_entry *, pid_t, int64_t now_ms);
enum proc_decision proctab_exited(struct proc_entry *,
	    const struct proc_policy *, int64_t now_ms, int wait_status,
	    int64_t *delay_ms, char *why, size_t whylen);
/* "exited on signal 9" / "exited with code 1" */
void	proctab_describe_exit(int wait_status, char *buf, size_t len);
const char *proctab_state_name(enum proc_state);

/* master_setup.c: checks and directories, before anything starts. */
int	master_check_config(char *err, size_t errlen);
int	master_prepare_dirs(char *err, size_t errlen);
int	master_open_logs(struct proc_entry *, int nprocs, char *err,
	    size_t errlen);
int	master_reopen_logs(struct proc_entry *, int nprocs);

/* master_spawn.c: fork + exec of one worker and its log pipe. */
int	master_spawn_prepare(int argc, char *argv[]);
pid_t	master_spawn(struct event_base *, struct proc_entry *);

/* master_status.c: the IPC server answering httpd's status requests. */
int	master_status_start(struct proc_entry *, int nprocs, int argc,
	    char *argv[]);

#endif
