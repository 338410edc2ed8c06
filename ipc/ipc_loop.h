/*
 * Handing work from any thread to the process's event loop. Libraries
 * with their own threads (nng, libzookeeper-mt) complete on those threads;
 * their callbacks only queue an ipc_completion here, and its function then
 * runs on the loop thread, where all of the worker's state lives.
 * ipc_init() must have run.
 */
#ifndef IPC_IPC_LOOP_H
#define IPC_IPC_LOOP_H

struct ipc_completion {
	struct ipc_completion	*next;
	int			 queued;
	void			(*fn)(void *);
	void			*arg;
};

/* Queues c to run on the loop thread; callable from any thread. */
void	ipc_loop_post(struct ipc_completion *);
/* Takes c off the queue if it is there; loop thread only. */
void	ipc_loop_cancel(struct ipc_completion *);

#endif
