/*
 * client: the `aurora` command-line client (and `aurora_admin`, the same
 * binary under another name). It reads clusters.json, finds the leading
 * scheduler (scheduler_uri or the ZooKeeper serverset), and calls the
 * scheduler's Thrift API over HTTP in the binary protocol, as Aurora's
 * Python client does.
 *
 * Library-like helpers (clusters, keys, config translation, HTTP) report
 * errors in a caller's buffer and return -1; commands print and return one
 * of the exit codes below.
 */
#ifndef CLIENT_CLIENT_H
#define CLIENT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ipc/api.pb-c.h"
#include "ipc/api_calls.pb-c.h"

/* Aurora's exit codes (client/cli/__init__.py). */
enum client_exit {
	CLIENT_EXIT_OK = 0,
	CLIENT_EXIT_INVALID_CONFIGURATION = 3,
	CLIENT_EXIT_COMMAND_FAILURE = 4,
	CLIENT_EXIT_INVALID_COMMAND = 5,
	CLIENT_EXIT_INVALID_PARAMETER = 6,
	CLIENT_EXIT_NETWORK_ERROR = 7,
	CLIENT_EXIT_TIMEOUT = 9,
	CLIENT_EXIT_API_ERROR = 10,
	CLIENT_EXIT_UNKNOWN_ERROR = 20,
	CLIENT_EXIT_AUTH_ERROR = 30,
};

#define CLIENT_ERR_LEN	1024
#define CLIENT_ID_LEN	256
#define NOPTS(o)	(sizeof(o) / sizeof((o)[0]))

/* client_util.c: allocation that exits on failure (a CLI has no plan B). */
void	*client_xcalloc(size_t, size_t);
char	*client_xstrdup(const char *);
/* printf into err, for the error paths; returns -1. */
int	 client_fail(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* The same, then ", got <v as JSON>" ("nothing" when v is NULL). */
int	 client_fail_got(char *err, size_t errlen, json_t *v,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A double as Python's repr() prints it: 1.0, 0.5, 1e-05. */
void	 client_fmt_double(char *buf, size_t len, double);
/* The user running the client (Aurora's getpass.getuser()). */
const char *client_username(void);
/* A ScheduleStatus's Aurora name ("FAILED", "RUNNING"), or "UNKNOWN". */
const char *client_status_name(int);
/* A status name to the enum; -1 if none. */
int	 client_status_parse(const char *);
/* api.thrift's ACTIVE_STATES. */
extern const ScheduleStatus client_active_states[];
extern const size_t client_nactive_states;
bool	 client_status_active(int);
bool	 client_status_terminal(int);
bool	 client_status_live(int);

/* client_clusters.c */
struct client_cluster {
	char	*name;
	char	*zk;
	int	 zk_port;		/* default 2181 */
	char	*scheduler_zk_path;	/* default /aurora/scheduler */
	char	*scheduler_uri;
	char	*auth_mechanism;	/* default UNAUTHENTICATED */
};

struct client_clusters {
	struct client_cluster	*v;
	size_t			 n;
};

/* Adds the clusters of one file (a later one of the same name wins). */
int	client_clusters_load_file(struct client_clusters *, const char *path,
	    char *err, size_t errlen);
/*
 * Aurora's search path: $AURORA_CONFIG_ROOT/clusters.json (or
 * /etc/aurora/clusters.json), then ~/.aurora/clusters.json; a missing
 * file is skipped.
 */
int	client_clusters_load(struct client_clusters *, char *err,
	    size_t errlen);
const struct client_cluster *client_clusters_find(
	    const struct client_clusters *, const char *name);
void	client_clusters_free(struct client_clusters *);

/* client_key.c */
struct client_jobkey {
	char	cluster[CLIENT_ID_LEN];
	char	role[CLIENT_ID_LEN];
	char	env[CLIENT_ID_LEN];
	char	name[CLIENT_ID_LEN];
};

/* Aurora's identifier rule: ^[\w\-\.]+$ */
bool	client_identifier_ok(const char *);
/* CLUSTER/ROLE/ENV/NAME; role, env and name valid identifiers. */
int	client_jobkey_parse(const char *, struct client_jobkey *, char *err,
	    size_t errlen);
/* CLUSTER[/ROLE[/ENV[/NAME]]], missing parts "*"; globs allowed. */
int	client_jobkey_parse_partial(const char *, struct client_jobkey *,
	    char *err, size_t errlen);
/* "cluster/role/env/name" */
void	client_jobkey_str(const struct client_jobkey *, char *, size_t);
bool	client_jobkey_bound(const struct client_jobkey *);
/* "0,2-4" -> sorted, unique ids (malloc'ed). */
int	client_instances_parse(const char *, int32_t **ids, size_t *n,
	    char *err, size_t errlen);
/* KEY or KEY/INSTANCES; *all when no instances were named. */
int	client_instance_spec_parse(const char *, struct client_jobkey *,
	    int32_t **ids, size_t *n, bool *all, char *err, size_t errlen);
/* KEY/INSTANCE, exactly one instance. */
int	client_task_instance_parse(const char *, struct client_jobkey *,
	    int32_t *instance, char *err, size_t errlen);
/* Sorts ids and drops repeats; *n is the new count. */
void	client_ids_sort_unique(int32_t *ids, size_t *n);
/* Whether sorted ids hold id. */
bool	client_ids_contains(const int32_t *ids, size_t n, int32_t id);
/*
 * The count ids after last (last+1, ...), malloc'ed into *ids unless ids
 * is NULL; -1 if they would pass INT32_MAX.
 */
int	client_instance_range(int32_t last, int count, int32_t **ids,
	    char *err, size_t errlen);
/* "[0, 2, 3]", as Python prints a list. */
void	client_instances_str(const int32_t *, size_t, char *, size_t);
/* A JobKey message pointing into key (not to be freed). */
void	client_jobkey_thrift(const struct client_jobkey *, JobKey *);

/* client_config.c: job configs in the JSON shape of Aurora's --read-json. */
/*
 * Reads path and picks the job matching key (or, key NULL, the only job).
 * Returns a new JobConfiguration (protobuf_c_message_free_unpacked), or
 * NULL with an error naming the file, the field and the value.
 */
JobConfiguration *client_config_load(const char *path,
	    const struct client_jobkey *key, char *err, size_t errlen);
/* The same from a parsed document; file only names it in errors. */
JobConfiguration *client_config_from_json(json_t *doc, const char *file,
	    const struct client_jobkey *key, char *err, size_t errlen);
/* Aurora's tier/production back-fill from the scheduler's tiers. */
void	client_config_backfill_tier(JobConfiguration *,
	    const GetTierConfigResult *);

/* client_http.c: one HTTP/1.1 POST, no keep-alive. */
struct client_http_reply {
	int		 status;
	char		 location[1024];	/* of a redirect */
	char		 content_type[256];
	unsigned char	*body;
	size_t		 len;
};

int	client_http_post(const char *host, int port, const char *path,
	    const char *content_type, const void *body, size_t len,
	    int timeout_ms, struct client_http_reply *, char *err,
	    size_t errlen);
void	client_http_reply_free(struct client_http_reply *);
/*
 * http://host[:port][/path] -> parts; -1 if not an http URL (the outputs
 * may then be partly written).
 */
int	client_url_parse(const char *url, char *host, size_t hostlen,
	    int *port, char *path, size_t pathlen);
/* Python's urljoin(base, ref) for a URL path and a relative ref. */
void	client_url_join(const char *base, const char *ref, char *out,
	    size_t len);

/* client_zk.c: the leader from the ZooKeeper serverset. */
int	client_zk_leader(const struct client_cluster *, int timeout_ms,
	    char *host, size_t hostlen, int *port, char *err, size_t errlen);

/* client_api.c */
struct client_ctx {
	struct client_clusters		 clusters;
	const struct client_cluster	*cluster;	/* of the last call */
	char				 host[256];	/* its leader */
	int				 port;
	char				 base[512];	/* scheduler_uri's path */
	char				 api[512];	/* the path calls go to */
	bool				 resolved;
	int				 timeout_ms;
	const char			*prog;		/* for messages */
};

/* Finds cluster name's leader (cached); an exit code. */
int	client_connect(struct client_ctx *, const char *cluster);
/*
 * Calls method on cluster's leader. On a network error, prints it and
 * returns CLIENT_EXIT_NETWORK_ERROR; on success *resp is the answer
 * (client_response_free), whatever its responseCode.
 */
int	client_call(struct client_ctx *, const char *cluster,
	    const char *method, const ProtobufCMessage *args, Response **resp);
void	client_response_free(Response *);
/* The details' messages joined with ", " (Aurora's combine_messages). */
void	client_combine_messages(const Response *, char *, size_t);
/* Aurora's log_response_and_raise: OK -> 0, else prints and returns code. */
int	client_check_response(const Response *, int code, const char *msg);
/* "http://host:port/scheduler/role/env/name" (scheduler joined to base) */
void	client_job_url(const struct client_ctx *,
	    const struct client_jobkey *, char *, size_t);
/* getTasksWithoutConfigs for key (statuses may be NULL: all). */
int	client_query_tasks(struct client_ctx *, const struct client_jobkey *,
	    const int32_t *instances, size_t ninstances, bool active_only,
	    Response **resp);
/*
 * The same, and the answer must be OK: else it is printed with msg as
 * client_check_response does, freed, and code_if_not_ok returned.
 */
int	client_query_tasks_ok(struct client_ctx *, const struct client_jobkey *,
	    const int32_t *instances, size_t ninstances, bool active_only,
	    int code_if_not_ok, const char *msg, Response **resp);

/*
 * client_status.c. The jobs a partial key names: the key itself when bound, else getJobs
 * on each matching cluster, filtered by the key's globs. A cluster without
 * glob characters must be known. An exit code; *out is malloc'ed.
 */
int	client_jobs_matching(struct client_ctx *, const struct client_jobkey *,
	    struct client_jobkey **out, size_t *n);

/* client_render.c: Thrift-like JSON (TSimpleJSONProtocol) of a message. */
json_t	*client_message_json(const ProtobufCMessage *);
/* "CPU: 1.0 core(s), RAM: 128 MB, Disk: 256 MB" */
void	client_resources_str(Resource *const *, size_t, const char *sep,
	    const char *indent, char *, size_t);

/* client_wait.c: --wait-until and waiting for kills. */
struct client_opt;
enum client_wait_for {
	CLIENT_WAIT_PENDING,	/* no wait */
	CLIENT_WAIT_RUNNING,	/* running or finished */
	CLIENT_WAIT_FINISHED,	/* terminal */
};
int	client_wait_parse(const char *, enum client_wait_for *);
/*
 * --wait-until (unset: PENDING) and --wait-timeout (unset: 0, no limit,
 * as Aurora waits); prints the error and returns an exit code.
 */
int	client_wait_opts(const struct client_opt *until,
	    const struct client_opt *timeout, enum client_wait_for *,
	    int *secs);
/*
 * Polls every second until each instance (ids sorted; NULL: all) is
 * there; timeout_secs 0 waits without limit. On a timeout it returns
 * CLIENT_EXIT_TIMEOUT, saying so unless quiet.
 */
int	client_wait_until(struct client_ctx *, const struct client_jobkey *,
	    enum client_wait_for, const int32_t *ids, size_t n,
	    int timeout_secs, bool quiet);

/* Commands: argc/argv after the verb; an exit code. */
int	client_job_main(struct client_ctx *, int argc, char **argv);
int	client_status_main(struct client_ctx *, int argc, char **argv);
int	client_quota_main(struct client_ctx *, int argc, char **argv);
int	client_admin_main(struct client_ctx *, int argc, char **argv);

/* client_opts.c: --name=value / --name value / --flag options. */
struct client_opt {
	const char	*name;		/* "--message" */
	const char	*alias;		/* "-m" or NULL */
	bool		 has_value;
	const char	*value;		/* out: the value, or "" for a flag */
	bool		 set;
};
/* Moves positional arguments to args; an exit code (5 on bad option). */
int	client_opts_parse(int argc, char **argv, struct client_opt *,
	    size_t nopts, char **args, size_t *nargs, size_t maxargs,
	    const char *usage);
/* The same, with exactly n positional arguments (else usage, exit 5). */
int	client_opts_exact(int argc, char **argv, struct client_opt *,
	    size_t nopts, char **args, size_t n, const char *usage);
int	client_opt_int(const struct client_opt *, const char *what, int *out);

#endif
