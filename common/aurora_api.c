/*
 * common: the methods of Aurora's scheduler API (see aurora_api.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/aurora_api.h"
#include "common/flags.h"
#include "ipc/api_calls.pb-c.h"

const struct aurora_api_method aurora_api_methods[] = {
	/* ReadOnlyScheduler */
	{ "getRoleSummary", &get_role_summary_args__descriptor,
	    AURORA_API_READ_ONLY },
	{ "getJobSummary", &get_job_summary_args__descriptor,
	    AURORA_API_READ_ONLY },
	{ "getTasksStatus", &get_tasks_status_args__descriptor,
	    AURORA_API_READ_ONLY },
	{ "getTasksWithoutConfigs", &get_tasks_without_configs_args__descriptor,
	    AURORA_API_READ_ONLY },
	{ "getPendingReason", &get_pending_reason_args__descriptor,
	    AURORA_API_READ_ONLY },
	{ "getConfigSummary", &get_config_summary_args__descriptor,
	    AURORA_API_READ_ONLY },
	{ "getJobs", &get_jobs_args__descriptor,
	    AURORA_API_READ_ONLY },
	{ "getQuota", &get_quota_args__descriptor,
	    AURORA_API_READ_ONLY },
	{ "populateJobConfig", &populate_job_config_args__descriptor,
	    AURORA_API_READ_ONLY },
	{ "getJobUpdateSummaries", &get_job_update_summaries_args__descriptor,
	    AURORA_API_READ_ONLY },
	{ "getJobUpdateDetails", &get_job_update_details_args__descriptor,
	    AURORA_API_READ_ONLY },
	{ "getJobUpdateDiff", &get_job_update_diff_args__descriptor,
	    AURORA_API_READ_ONLY },
	{ "getTierConfigs", &get_tier_configs_args__descriptor,
	    AURORA_API_READ_ONLY },
	/* AuroraSchedulerManager */
	{ "createJob", &create_job_args__descriptor,
	    AURORA_API_MANAGER },
	{ "scheduleCronJob", &schedule_cron_job_args__descriptor,
	    AURORA_API_MANAGER },
	{ "descheduleCronJob", &deschedule_cron_job_args__descriptor,
	    AURORA_API_MANAGER },
	{ "startCronJob", &start_cron_job_args__descriptor,
	    AURORA_API_MANAGER },
	{ "restartShards", &restart_shards_args__descriptor,
	    AURORA_API_MANAGER },
	{ "killTasks", &kill_tasks_args__descriptor,
	    AURORA_API_MANAGER },
	{ "addInstances", &add_instances_args__descriptor,
	    AURORA_API_MANAGER },
	{ "replaceCronTemplate", &replace_cron_template_args__descriptor,
	    AURORA_API_MANAGER },
	{ "startJobUpdate", &start_job_update_args__descriptor,
	    AURORA_API_MANAGER },
	{ "pauseJobUpdate", &pause_job_update_args__descriptor,
	    AURORA_API_MANAGER },
	{ "resumeJobUpdate", &resume_job_update_args__descriptor,
	    AURORA_API_MANAGER },
	{ "abortJobUpdate", &abort_job_update_args__descriptor,
	    AURORA_API_MANAGER },
	{ "rollbackJobUpdate", &rollback_job_update_args__descriptor,
	    AURORA_API_MANAGER },
	{ "pulseJobUpdate", &pulse_job_update_args__descriptor,
	    AURORA_API_MANAGER },
	/* AuroraAdmin */
	{ "setQuota", &set_quota_args__descriptor,
	    AURORA_API_ADMIN },
	{ "forceTaskState", &force_task_state_args__descriptor,
	    AURORA_API_ADMIN },
	{ "performBackup", &perform_backup_args__descriptor,
	    AURORA_API_ADMIN },
	{ "listBackups", &list_backups_args__descriptor,
	    AURORA_API_ADMIN },
	{ "stageRecovery", &stage_recovery_args__descriptor,
	    AURORA_API_ADMIN },
	{ "queryRecovery", &query_recovery_args__descriptor,
	    AURORA_API_ADMIN },
	{ "deleteRecoveryTasks", &delete_recovery_tasks_args__descriptor,
	    AURORA_API_ADMIN },
	{ "commitRecovery", &commit_recovery_args__descriptor,
	    AURORA_API_ADMIN },
	{ "unloadRecovery", &unload_recovery_args__descriptor,
	    AURORA_API_ADMIN },
	{ "startMaintenance", &start_maintenance_args__descriptor,
	    AURORA_API_ADMIN },
	{ "drainHosts", &drain_hosts_args__descriptor,
	    AURORA_API_ADMIN },
	{ "maintenanceStatus", &maintenance_status_args__descriptor,
	    AURORA_API_ADMIN },
	{ "endMaintenance", &end_maintenance_args__descriptor,
	    AURORA_API_ADMIN },
	{ "slaDrainHosts", &sla_drain_hosts_args__descriptor,
	    AURORA_API_ADMIN },
	{ "snapshot", &snapshot_args__descriptor,
	    AURORA_API_ADMIN },
	{ "triggerExplicitTaskReconciliation", &trigger_explicit_task_reconciliation_args__descriptor,
	    AURORA_API_ADMIN },
	{ "triggerImplicitTaskReconciliation", &trigger_implicit_task_reconciliation_args__descriptor,
	    AURORA_API_ADMIN },
	{ "pruneTasks", &prune_tasks_args__descriptor,
	    AURORA_API_ADMIN },
	{ NULL, NULL, AURORA_API_READ_ONLY },
};

const struct aurora_api_method *
aurora_api_method(const char *name)
{
	const struct aurora_api_method *m;

	for (m = aurora_api_methods; m->name != NULL; m++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

void
aurora_api_answer_init(struct aurora_api_answer *a, ResponseCode code)
{
	response__init(&a->resp);
	server_info__init(&a->info);
	result__init(&a->result);
	a->resp.has_responsecode = 1;
	a->resp.responsecode = code;
	a->info.clustername = (char *)(uintptr_t)flag_str(F_CLUSTER_NAME);
	a->info.statsurlprefix =
	    (char *)(uintptr_t)flag_str(F_VIZ_JOB_URL_PREFIX);
	a->resp.serverinfo = &a->info;
}

void
aurora_api_answer_message(struct aurora_api_answer *a, ResponseCode code,
    const char *fmt, ...)
{
	va_list ap;

	aurora_api_answer_init(a, code);
	va_start(ap, fmt);
	vsnprintf(a->message, sizeof(a->message), fmt, ap);
	va_end(ap);
	response_detail__init(&a->detail);
	a->detail.message = a->message;
	a->details[0] = &a->detail;
	a->resp.details = a->details;
	a->resp.n_details = 1;
}
