/*
 * replica: Aurora's quota arithmetic (its QuotaManager and ResourceBag):
 * what a role's tasks consume, per category (production or not,
 * dedicated or not), and whether a role's quota allows more production
 * tasks. Cron jobs count as the larger of their template times their
 * instances and what they run.
 */
#ifndef REPLICA_API_QUOTA_H
#define REPLICA_API_QUOTA_H

#include <stddef.h>

#include "ipc/api.pb-c.h"

struct resource_bag {
	double	cpus, ram_mb, disk_mb;
};

enum quota_category {
	QUOTA_PROD_SHARED,
	QUOTA_PROD_DEDICATED,
	QUOTA_NON_PROD_SHARED,
	QUOTA_NON_PROD_DEDICATED,
	QUOTA_CATEGORIES
};

/* A task config's CPU, RAM and disk. */
struct resource_bag quota_task_bag(const TaskConfig *);
/* A stored quota as a bag (all zero when NULL). */
struct resource_bag quota_aggregate_bag(const ResourceAggregate *);
enum quota_category quota_category_of(const TaskConfig *);

/*
 * What a role consumes per category: its active tasks (tasks[n]) and its
 * cron jobs (crons[ncrons]).
 */
void	quota_consumption(const ScheduledTask *const *tasks, size_t n,
	    const JobConfiguration *const *crons, size_t ncrons,
	    struct resource_bag out[QUOTA_CATEGORIES]);

/* Adds a cron job's use: its template times its instances, or its tasks'. */
void	quota_cron_add(const JobConfiguration *,
	    const ScheduledTask *const *tasks, size_t n,
	    struct resource_bag out[QUOTA_CATEGORIES]);
/* Adds the active tasks' use, but for the jobs in crons. */
void	quota_tasks_add(const ScheduledTask *const *tasks, size_t n,
	    const JobKey *const *crons, size_t ncrons,
	    struct resource_bag out[QUOTA_CATEGORIES]);

/*
 * Whether quota covers used plus more; 0 when it does, else -1 with
 * Aurora's details ("CPU quota exceeded by 2.00 core(s); ...").
 */
int	quota_check(struct resource_bag quota, struct resource_bag wanted,
	    char *details, size_t len);
/* Aurora's ResourceBag text: ResourceBag{resourceVectors={CPUS=1.0, ...}}. */
void	quota_bag_string(struct resource_bag, char *out, size_t len);
/* Aurora's IResourceAggregate text, for setQuota's messages. */
void	quota_aggregate_string(const ResourceAggregate *, char *out,
	    size_t len);

#endif
