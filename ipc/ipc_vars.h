/*
 * Building the /vars lines a process reports in its StatusResponse.
 */
#ifndef IPC_IPC_VARS_H
#define IPC_IPC_VARS_H

#include <stdint.h>

#include "ipc/ipc.h"

struct ipc_vars {
	size_t	 n, cap;
	Var	**items;
};

void	ipc_vars_int(struct ipc_vars *, const char *name, int64_t);
void	ipc_vars_double(struct ipc_vars *, const char *name, double);
void	ipc_vars_str(struct ipc_vars *, const char *name, const char *);
/*
 * Aurora's timed stat: <prefix>_events, <prefix>_nanos_total and
 * <prefix>_nanos_per_event (0 before the first event).
 */
void	ipc_vars_timed(struct ipc_vars *, const char *prefix, uint64_t events,
	    uint64_t nanos);
/* Adds this process's IPC counters as ipc_<proc>_<counter>. */
void	ipc_vars_ipc_stats(struct ipc_vars *, const char *proc);
/* Answers req with a StatusResponse holding the vars, then frees them. */
int	ipc_vars_reply(struct ipc_request *, struct ipc_vars *);
void	ipc_vars_clear(struct ipc_vars *);

#endif
