/*
 * offerd: the Mesos side of the scheduler (Mesos v1 scheduler API, offers,
 * placement). For now it runs as a worker that reports its status and
 * follows replica's lifecycle events.
 */
#ifndef OFFERD_OFFERD_H
#define OFFERD_OFFERD_H

#include <stddef.h>

int	offerd_main(int argc, char *argv[]);
int	offerd_sandbox_apply(char *err, size_t errlen);

#endif
