/*
 * replica: the process that owns the replicated log and the store. For now
 * it serves its status and leadership over IPC and publishes its lifecycle.
 */
#ifndef REPLICA_REPLICA_H
#define REPLICA_REPLICA_H

int	replica_main(int argc, char *argv[]);
/* Loads replica's seccomp filter; -1 with err on failure. */
int	replica_sandbox_apply(char *err, size_t errlen);

#endif
