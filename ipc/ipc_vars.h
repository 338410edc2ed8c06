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
/* Adds this process's IPC counters as ipc_<proc>_<counter>. */
void	ipc_vars_ipc_stats(struct ipc_vars *, const char *proc);
/* Answers req with a StatusResponse holding the vars, then frees them. */
int	ipc_vars_reply(struct ipc_request *, struct ipc_vars *);
void	ipc_vars_clear(struct ipc_vars *);

#endif
