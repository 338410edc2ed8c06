/*
 * replica: Aurora's Thrift API, the trusted side (see replica_api.h). The
 * methods this scheduler does not implement yet answer INVALID_REQUEST
 * naming the method; doc/api.md lists them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aurora_api.h"
#include "common/log.h"
#include "common/monotonic.h"
#include "ipc/api_calls.pb-c.h"
#include "ipc/api_ipc.pb-c.h"
#include "ipc/ipc_vars.h"
#include "replica/replica.h"
#include "replica/replica_api.h"
#include "replica/replica_log.h"

/* Aurora's ResponseCode names, for scheduler_thrift_response_<CODE>. */
static const char *const code_names[] = {
	[RESPONSE_CODE__INVALID_REQUEST] = "INVALID_REQUEST",
	[RESPONSE_CODE__OK] = "OK",
	[RESPONSE_CODE__RESPONSE_CODE_ERROR] = "ERROR",
	[RESPONSE_CODE__WARNING] = "WARNING",
	[RESPONSE_CODE__AUTH_FAILED] = "AUTH_FAILED",
	[RESPONSE_CODE__JOB_UPDATING_ERROR] = "JOB_UPDATING_ERROR",
	[RESPONSE_CODE__ERROR_TRANSIENT] = "ERROR_TRANSIENT",
};
#define NCODES	(sizeof(code_names) / sizeof(code_names[0]))

#define NMETHODS	64	/* more than api.thrift's 45 */

static struct {
	uint64_t	responses[NCODES];
	uint64_t	events[NMETHODS];
	uint64_t	nanos[NMETHODS];
} stats;

/* Aurora's default tiers (its tiers.json): the default is preemptible. */
static void
get_tier_configs(struct aurora_api_answer *a, const ProtobufCMessage *args)
{
	static const struct {
		const char	*name;
		const char	*preemptible;
		const char	*revocable;
	} tiers[] = {
		{ "preferred", "false", "false" },
		{ "preemptible", "true", "false" },
		{ "revocable", "true", "true" },
	};
	/* Static: the answer points into them until it is sent. */
	static TierConfig configs[3], *config_ptrs[3];
	static TierConfig__SettingsEntry entries[3][2], *entry_ptrs[3][2];
	static GetTierConfigResult tr = GET_TIER_CONFIG_RESULT__INIT;
	size_t i;

	(void)args;
	if (tr.n_tiers == 0) {
		for (i = 0; i < 3; i++) {
			tier_config__init(&configs[i]);
			configs[i].name = (char *)(uintptr_t)tiers[i].name;
			tier_config__settings_entry__init(&entries[i][0]);
			entries[i][0].key = (char *)(uintptr_t)"preemptible";
			entries[i][0].value =
			    (char *)(uintptr_t)tiers[i].preemptible;
			tier_config__settings_entry__init(&entries[i][1]);
			entries[i][1].key = (char *)(uintptr_t)"revocable";
			entries[i][1].value = (char *)(uintptr_t)tiers[i].revocable;
			entry_ptrs[i][0] = &entries[i][0];
			entry_ptrs[i][1] = &entries[i][1];
			configs[i].settings = entry_ptrs[i];
			configs[i].n_settings = 2;
			config_ptrs[i] = &configs[i];
		}
		tr.defaulttiername = (char *)(uintptr_t)"preemptible";
		tr.tiers = config_ptrs;
		tr.n_tiers = 3;
	}
	aurora_api_answer_init(a, RESPONSE_CODE__OK);
	a->result.kind_case = RESULT__KIND_GET_TIER_CONFIG_RESULT;
	a->result.gettierconfigresult = &tr;
	a->resp.result = &a->result;
}

static const struct {
	const char	*method;
	void		(*fn)(struct aurora_api_answer *, const ProtobufCMessage *args);
} handlers[] = {
	{ "getTierConfigs", get_tier_configs },
};

static void
decide(struct aurora_api_answer *a, const struct aurora_api_method *m,
    const ProtobufCMessage *args)
{
	size_t i;

	if (!replica_log_ready()) {
		aurora_api_answer_message(a, RESPONSE_CODE__ERROR_TRANSIENT,
		    "Storage is not READY");
		return;
	}
	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (strcmp(handlers[i].method, m->name) == 0) {
			handlers[i].fn(a, args);
			return;
		}
	aurora_api_answer_message(a, RESPONSE_CODE__INVALID_REQUEST,
	    "%s is not supported by this scheduler yet", m->name);
}

static void
reply_outcome(struct ipc_request *req, ApiCallResponse__Outcome outcome,
    Response *resp, char *leader)
{
	ApiCallResponse r = API_CALL_RESPONSE__INIT;

	r.outcome = outcome;
	r.response = resp;
	r.leader_http_address = leader;
	ipc_reply(req, MSG_TYPE__API_CALL_RESPONSE, &r.base);
}

void
replica_api_call(struct ipc_request *req)
{
	const struct aurora_api_method *m;
	ProtobufCMessage *args = NULL;
	ApiCallRequest *call;
	struct aurora_api_answer a;
	char leader[320];
	int64_t start = monotonic_ns();
	size_t idx;

	call = (ApiCallRequest *)ipc_body_decode(ipc_request_envelope(req),
	    &api_call_request__descriptor);
	if (call == NULL) {
		ipc_reply_error(req, IPC_ERROR_CODE__MALFORMED,
		    "not an API call");
		return;
	}
	/* httpd checked both; a peer that did not is not trusted. */
	if ((m = aurora_api_method(call->method)) == NULL ||
	    (args = protobuf_c_message_unpack(m->args, NULL,
	    call->has_args ? call->args.len : 0,
	    call->has_args ? call->args.data : NULL)) == NULL) {
		log_warnx("api: a malformed call to %.64s from httpd",
		    call->method);
		ipc_reply_error(req, IPC_ERROR_CODE__MALFORMED,
		    "unknown method or malformed arguments");
		goto out;
	}
	if (!call->bypass_leader_redirect) {
		switch (replica_leadership(leader, sizeof(leader))) {
		case LEADER_STATUS__LEADING:
			break;
		case LEADER_STATUS__NOT_LEADING:
			if (leader[0] != '\0') {
				reply_outcome(req,
				    API_CALL_RESPONSE__OUTCOME__NOT_LEADING,
				    NULL, leader);
				goto out;
			}
			/* FALLTHROUGH */
		default:
			reply_outcome(req, API_CALL_RESPONSE__OUTCOME__NO_LEADER,
			    NULL, NULL);
			goto out;
		}
	}
	decide(&a, m, args);
	reply_outcome(req, API_CALL_RESPONSE__OUTCOME__ANSWERED, &a.resp, NULL);
	if ((size_t)a.resp.responsecode < NCODES)
		stats.responses[a.resp.responsecode]++;
	idx = (size_t)(m - aurora_api_methods);
	if (idx < NMETHODS) {
		stats.events[idx]++;
		stats.nanos[idx] += (uint64_t)(monotonic_ns() - start);
	}
out:
	if (args != NULL)
		protobuf_c_message_free_unpacked(args, NULL);
	api_call_request__free_unpacked(call, NULL);
}

void
replica_api_vars(struct ipc_vars *v)
{
	char name[128];
	size_t i;

	for (i = 0; i < NCODES; i++) {
		if (code_names[i] == NULL)
			continue;
		snprintf(name, sizeof(name), "scheduler_thrift_response_%s",
		    code_names[i]);
		ipc_vars_int(v, name, (int64_t)stats.responses[i]);
	}
	for (i = 0; aurora_api_methods[i].name != NULL && i < NMETHODS; i++) {
		snprintf(name, sizeof(name), "scheduler_thrift_%s",
		    aurora_api_methods[i].name);
		ipc_vars_timed(v, name, stats.events[i], stats.nanos[i]);
	}
}
