/*
 * client: calls to the scheduler's Thrift API. A call is the Thrift binary
 * protocol over HTTP POST (as Aurora's Python client sends it) to "api"
 * joined onto the cluster's scheduler_uri, or /api on the leader the
 * ZooKeeper serverset names, following a follower's 307 to the leader.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "common/thrift_codec.h"

#define THRIFT_BINARY	"application/vnd.apache.thrift.binary"
#define MAX_REDIRECTS	2

int
client_connect(struct client_ctx *ctx, const char *name)
{
	const struct client_cluster *c;
	char err[CLIENT_ERR_LEN];

	if ((c = client_clusters_find(&ctx->clusters, name)) == NULL) {
		fprintf(stderr, "Unknown cluster: %s\n", name);
		return CLIENT_EXIT_INVALID_CONFIGURATION;
	}
	if (ctx->resolved && ctx->cluster == c)
		return 0;
	ctx->cluster = c;
	ctx->resolved = false;
	snprintf(ctx->base, sizeof(ctx->base), "/");
	if (c->auth_mechanism != NULL &&
	    strcmp(c->auth_mechanism, "UNAUTHENTICATED") != 0) {
		fprintf(stderr, "Error: cluster %s: auth_mechanism %s is not "
		    "supported by this client (only UNAUTHENTICATED)\n",
		    c->name, c->auth_mechanism);
		return CLIENT_EXIT_AUTH_ERROR;
	}
	if (c->zk != NULL && *c->zk != '\0') {
		if (client_zk_leader(c, ctx->timeout_ms, ctx->host,
		    sizeof(ctx->host), &ctx->port, err, sizeof(err)) == -1) {
			fprintf(stderr, "Error: cluster %s: %s\n", c->name, err);
			return CLIENT_EXIT_NETWORK_ERROR;
		}
	} else if (c->scheduler_uri != NULL) {
		if (client_url_parse(c->scheduler_uri, ctx->host,
		    sizeof(ctx->host), &ctx->port, ctx->base,
		    sizeof(ctx->base)) == -1) {
			fprintf(stderr, "Error: cluster %s: scheduler_uri: "
			    "not an http:// URL: %s\n", c->name,
			    c->scheduler_uri);
			return CLIENT_EXIT_INVALID_CONFIGURATION;
		}
	} else {
		fprintf(stderr, "Error: cluster %s does not specify zk or "
		    "scheduler_uri\n", c->name);
		return CLIENT_EXIT_INVALID_CONFIGURATION;
	}
	/* Aurora's urljoin(uri, 'api'): http://h/aurora/ -> /aurora/api */
	client_url_join(ctx->base, "api", ctx->api, sizeof(ctx->api));
	ctx->resolved = true;
	return 0;
}

static int
post(struct client_ctx *ctx, const unsigned char *req, size_t len,
    struct client_http_reply *rep)
{
	char err[CLIENT_ERR_LEN], host[sizeof(ctx->host)];
	char path[sizeof(ctx->api)];
	int hops, port, status;

	for (hops = 0;; hops++) {
		if (client_http_post(ctx->host, ctx->port, ctx->api,
		    THRIFT_BINARY, req, len, ctx->timeout_ms, rep, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "Error: could not reach the scheduler "
			    "of cluster %s: %s\n", ctx->cluster->name, err);
			return CLIENT_EXIT_NETWORK_ERROR;
		}
		if (rep->status != 307 && rep->status != 302)
			break;
		/* Into locals: a bad Location must not change the leader. */
		if (hops == MAX_REDIRECTS || client_url_parse(rep->location,
		    host, sizeof(host), &port, path, sizeof(path)) == -1) {
			fprintf(stderr, "Error: %s:%d redirected to '%s'; "
			    "giving up\n", ctx->host, ctx->port,
			    rep->location);
			client_http_reply_free(rep);
			return CLIENT_EXIT_NETWORK_ERROR;
		}
		memcpy(ctx->host, host, sizeof(host));
		ctx->port = port;
		memcpy(ctx->api, path, sizeof(path));
		client_http_reply_free(rep);
	}
	if ((status = rep->status) != 200) {
		fprintf(stderr, "Error: the scheduler at http://%s:%d%s answered "
		    "HTTP %d%s\n", ctx->host, ctx->port, ctx->api, status,
		    status == 503 ? " (no leading scheduler)" : "");
		client_http_reply_free(rep);
		return status == 401 || status == 403 ?
		    CLIENT_EXIT_AUTH_ERROR : CLIENT_EXIT_NETWORK_ERROR;
	}
	return 0;
}

int
client_call(struct client_ctx *ctx, const char *cluster, const char *method,
    const ProtobufCMessage *args, Response **resp)
{
	static int32_t seqid;
	struct client_http_reply rep;
	struct thrift_writer w;
	struct thrift_reader r;
	struct bytebuf out;
	int code, exc;

	*resp = NULL;
	if ((code = client_connect(ctx, cluster)) != 0)
		return code;
	bytebuf_init(&out);
	thrift_binary_writer_init(&w, &out);
	thrift_write_call(&w, method, ++seqid, args);
	if (thrift_writer_finish(&w) == -1 || out.failed) {
		bytebuf_free(&out);
		fprintf(stderr, "Error: could not encode %s\n", method);
		return CLIENT_EXIT_UNKNOWN_ERROR;
	}
	code = post(ctx, out.data, out.len, &rep);
	bytebuf_free(&out);
	if (code != 0)
		return code;
	if (thrift_binary_reader_init(&r, rep.body, rep.len) == -1 ||
	    (*resp = (Response *)thrift_read_reply(&r, &response__descriptor,
	    &exc)) == NULL) {
		fprintf(stderr, "Error during thrift call %s to %s:%d: %s\n",
		    method, ctx->host, ctx->port, thrift_reader_error(&r));
		thrift_reader_free(&r);
		client_http_reply_free(&rep);
		return CLIENT_EXIT_API_ERROR;
	}
	thrift_reader_free(&r);
	client_http_reply_free(&rep);
	return 0;
}

void
client_response_free(Response *r)
{
	if (r != NULL)
		protobuf_c_message_free_unpacked(&r->base, NULL);
}

void
client_combine_messages(const Response *resp, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < resp->n_details && off < len; i++) {
		const char *m = resp->details[i]->message;

		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i > 0 ? ", " : "", m != NULL && *m != '\0' ? m :
		    "Unknown error");
	}
}

int
client_check_response(const Response *resp, int code, const char *msg)
{
	char details[4096];

	if (resp->has_responsecode &&
	    resp->responsecode == RESPONSE_CODE__OK)
		return 0;
	client_combine_messages(resp, details, sizeof(details));
	fprintf(stderr, "%s\n\t%s\n", msg, details);
	if (resp->responsecode == RESPONSE_CODE__JOB_UPDATING_ERROR)
		fprintf(stderr, "\tError: job is locked by an active update.\n"
		    "      Run 'aurora update abort' or wait for the active "
		    "update to finish.\n");
	if (resp->responsecode == RESPONSE_CODE__AUTH_FAILED)
		return CLIENT_EXIT_AUTH_ERROR;
	return code;
}

void
client_job_url(const struct client_ctx *ctx, const struct client_jobkey *k,
    char *buf, size_t len)
{
	char path[sizeof(ctx->base) + 16];

	/* Aurora's urljoin(uri, 'scheduler') + /role/env/name */
	client_url_join(ctx->base, "scheduler", path, sizeof(path));
	snprintf(buf, len, "http://%s:%d%s/%s/%s/%s", ctx->host, ctx->port,
	    path, k->role, k->env, k->name);
}

int
client_query_tasks(struct client_ctx *ctx, const struct client_jobkey *k,
    const int32_t *instances, size_t ninstances, bool active_only,
    Response **resp)
{
	GetTasksWithoutConfigsArgs args = GET_TASKS_WITHOUT_CONFIGS_ARGS__INIT;
	TaskQuery q = TASK_QUERY__INIT;
	JobKey jk, *jks[1];

	client_jobkey_thrift(k, &jk);
	jks[0] = &jk;
	q.n_jobkeys = 1;
	q.jobkeys = jks;
	if (active_only) {
		q.n_statuses = client_nactive_states;
		q.statuses = (ScheduleStatus *)(uintptr_t)client_active_states;
	}
	if (instances != NULL) {
		q.n_instanceids = ninstances;
		q.instanceids = (int32_t *)(uintptr_t)instances;
	}
	args.query = &q;
	return client_call(ctx, k->cluster, "getTasksWithoutConfigs",
	    &args.base, resp);
}

int
client_query_tasks_ok(struct client_ctx *ctx, const struct client_jobkey *k,
    const int32_t *instances, size_t ninstances, bool active_only,
    int code_if_not_ok, const char *msg, Response **resp)
{
	int code;

	if ((code = client_query_tasks(ctx, k, instances, ninstances,
	    active_only, resp)) != 0)
		return code;
	if ((code = client_check_response(*resp, code_if_not_ok, msg)) != 0) {
		client_response_free(*resp);
		*resp = NULL;
	}
	return code;
}
