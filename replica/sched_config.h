/*
 * replica: Aurora's job configuration rules (its ConfigurationManager):
 * checks a JobConfiguration from a client and fills in what Aurora fills
 * in (the tier and its production flag, the default Mesos container,
 * health and http links), with Aurora's messages. Pure: no store.
 */
#ifndef REPLICA_SCHED_CONFIG_H
#define REPLICA_SCHED_CONFIG_H

#include <regex.h>
#include <stddef.h>

#include "common/tiers.h"
#include "ipc/api.pb-c.h"

#define AURORA_EXECUTOR_NAME	"AuroraExecutor"

struct sched_config_settings {
	struct tiers	tiers;			/* -tier_config */
	regex_t		environments;		/* -allowed_job_environments */
	char		environments_src[512];	/* as given, for messages */
	int		max_tasks_per_job;	/* -max_tasks_per_job */
};

/* From the flags, before the sandbox (reads -tier_config); -1 with err. */
int	 sched_config_init(char *err, size_t errlen);
/* For tests: settings made by hand. */
void	 sched_config_set(const struct sched_config_settings *);
const struct sched_config_settings *sched_config(void);

/*
 * Checks job and returns a populated copy (free with
 * job_configuration__free_unpacked), or NULL with Aurora's message in err.
 */
JobConfiguration *sched_config_validate_job(const JobConfiguration *,
	    char *err, size_t errlen);
/* The same for one task config, for instance_count instances. */
TaskConfig *sched_config_validate_task(const TaskConfig *,
	    int instance_count, char *err, size_t errlen);

/* Aurora's GOOD_IDENTIFIER: [\w\-\.]+, at most 255 characters. */
int	 sched_good_identifier(const char *);
/* Every part of the key a good identifier. */
int	 sched_job_key_valid(const JobKey *);
/* "IJobKey{role=a, environment=b, name=c}" or "null", as Aurora prints. */
void	 sched_job_key_string(const JobKey *, char *out, size_t len);

/* Whether a task has a constraint named "dedicated". */
int	 sched_task_dedicated(const TaskConfig *);

#endif
