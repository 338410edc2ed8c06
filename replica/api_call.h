/*
 * replica: one API call in progress, shared by replica_api.c (receiving
 * and answering), api_read.c (ReadOnlyScheduler) and api_write.c (the
 * calls that change something, decided in the scheduler core's rounds).
 * What an answer points to is allocated on the call and freed once the
 * answer is sent.
 */
#ifndef REPLICA_API_CALL_H
#define REPLICA_API_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/aurora_api.h"
#include "ipc/ipc.h"
#include "replica/sched_tx.h"

struct api_call {
	struct ipc_request		*req;
	const struct aurora_api_method	*m;
	ProtobufCMessage		*args;
	struct aurora_api_answer	 a;
	int64_t				 start_ns;
	/* What the answer points to. */
	void				**blocks;
	size_t				  nblocks, capblocks;
	ProtobufCMessage		**msgs;
	size_t				  nmsgs, capmsgs;
	struct arena			**arenas;
	size_t				  narenas;
	int				  oom;	/* an allocation failed */
	int				  deferred; /* answered later */
};

/* Zeroed memory that lives until the answer is sent; NULL sets oom. */
void	*api_alloc(struct api_call *, size_t);
char	*api_strdup(struct api_call *, const char *);
/* Keeps an unpacked message until the answer is sent. */
void	 api_keep(struct api_call *, ProtobufCMessage *);
/* Keeps an arena (what was unpacked into it) until the answer is sent. */
void	 api_keep_arena(struct api_call *, struct arena *);
/* Sets the answer's result. */
void	 api_ok_result(struct api_call *, Result__KindCase, void *result);
/* Appends a detail message to the answer. */
void	 api_add_message(struct api_call *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * ERROR with one detail without a message: Aurora's answer to a check
 * that throws without one (an invalid job key, a missing argument).
 */
void	 api_error_bare(struct api_call *);

/* Sends the answer of a deferred call and ends it. */
void	 api_answer(struct api_call *);

/* A method answered from the store, at once unless it sets deferred. */
typedef void (*api_read_fn)(struct api_call *);
/*
 * A method that changes something: checks the call, then decides on the
 * transaction. Sets the answer; -1 when nothing of it may be kept.
 */
typedef int (*api_decide_fn)(struct sched_tx *, struct api_call *);

api_read_fn	api_read_method(const char *name);
/* Whether two task configs are the same, field for field. */
int	api_same_config(const TaskConfig *, const TaskConfig *);
/*
 * Instances (ids ascending) grouped by identical config, each group's
 * instances as contiguous ranges: Aurora's ConfigGroups. -1: no memory.
 */
int	api_config_groups(struct api_call *, const int32_t *ids,
	    const TaskConfig *const *configs, size_t n, ConfigGroup ***groups,
	    size_t *ngroups);
/*
 * The instance ids (ascending) and configs of a job's active tasks, kept
 * by the call. -1 when the answer is already set (the store failed).
 */
int	api_active_configs(struct api_call *, const JobKey *, int32_t **ids,
	    const TaskConfig ***configs, size_t *n);
/* The job update reads (api_updates.c). */
void	api_get_job_update_summaries(struct api_call *);
void	api_get_job_update_details(struct api_call *);
void	api_get_job_update_diff(struct api_call *);
api_decide_fn	api_write_method(const char *name);

/* Aurora's name of the caller, for audit messages: no authentication. */
#define API_USER	"UNSECURE"

#endif
