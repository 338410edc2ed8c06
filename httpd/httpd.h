/*
 * httpd: the unprivileged HTTP front end. It holds no state of its own
 * beyond its response counters: every number it shows comes from master
 * and the workers over IPC.
 */
#ifndef HTTPD_HTTPD_H
#define HTTPD_HTTPD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/http.h>

#include "ipc/ipc.h"

#define HTTPD_MAX_HEADERS	(16 * 1024)	/* bytes of request headers */
#define HTTPD_MAX_BODY		(4 * 1024 * 1024)	/* bytes of request body */
#define HTTPD_IO_TIMEOUT_SECS	10	/* idle or stalled connection */
#define HTTPD_IPC_TIMEOUT_MS	1000

struct httpd_peers {
	struct ipc_client	*master;
	struct ipc_client	*replica;
	struct ipc_client	*offerd;
};

int	httpd_main(int argc, char *argv[]);
int	httpd_sandbox_apply(char *err, size_t errlen);

/* Routes requests; peers are the IPC clients to ask. */
void	httpd_routes_init(struct evhttp *, struct httpd_peers *);

/* Answers and counts it in the response counters. */
struct evbuffer;
void	httpd_reply(struct evhttp_request *, const struct timespec *start,
	    int code, const char *reason, const char *ctype, struct evbuffer *);
void	httpd_reply_text(struct evhttp_request *, const struct timespec *start,
	    int code, const char *reason, const char *text);

/* POST /api: Aurora's Thrift API (httpd_api.c). */
#define HTTPD_API_TIMEOUT_MS	30000
void	httpd_api_init(struct ipc_client *replica);
void	httpd_api(struct evhttp_request *, const struct timespec *start);

/* GET /offers and /pendingtasks, asked of offerd (httpd_offers.c). */
void	httpd_offers_init(struct ipc_client *offerd);
void	httpd_offers(struct evhttp_request *, const struct timespec *start);
void	httpd_pending_tasks(struct evhttp_request *,
	    const struct timespec *start);

/* Response counters (http_<code>_responses_*), kept per status code. */
void	httpd_stats_count(int code, uint64_t nanos);
struct ipc_vars;
void	httpd_stats_vars(struct ipc_vars *);

/* /vars rendering: sorts the vars and writes text or JSON. */
void	httpd_vars_text(struct evbuffer *, Var **, size_t);
int	httpd_vars_json(struct evbuffer *, Var **, size_t);
void	httpd_vars_sort(Var **, size_t);

#endif
