/*
 * httpd: the HTTP front end (libevent evhttp). Started as root only to bind
 * -ip:-http_port; before it reads one byte from the network it chroots into
 * <run_dir>/httpd (which holds nothing but the IPC socket directory), drops
 * to -user, sets no_new_privs and loads its seccomp filter
 * (httpd_sandbox.c). Peers: master, replica and offerd, asked over IPC.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <event2/http.h>

#include "common/exitcodes.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/privdrop.h"
#include "common/sandbox.h"
#include "common/worker.h"
#include "httpd/httpd.h"
#include "ipc/ipc.h"

static struct ipc_client *
dial(const char *name)
{
	struct ipc_client *c;
	char url[256];

	/* After the chroot, the socket directory is /ipc. */
	if (ipc_url(url, sizeof(url), "", name) == -1 ||
	    (c = ipc_client_dial(url)) == NULL)
		fatalx("cannot dial %s", name);
	return c;
}

int
httpd_main(int argc, char *argv[])
{
	static struct httpd_peers peers;
	struct worker w;
	struct evhttp *http;
	struct timeval io_timeout = { HTTPD_IO_TIMEOUT_SECS, 0 };
	const char *ip;
	char root[512], err[512];
	uid_t uid;
	gid_t gid;
	int port;

	worker_init(&w, "httpd", argc, argv);
	if (privdrop_lookup(flag_str(F_USER), &uid, &gid, err,
	    sizeof(err)) == -1)
		fatalx_code(EXIT_CONFIG, "%s", err);
	if ((http = evhttp_new(w.base)) == NULL)
		fatalx("cannot create the HTTP server");
	evhttp_set_max_headers_size(http, HTTPD_MAX_HEADERS);
	evhttp_set_max_body_size(http, HTTPD_MAX_BODY);
	evhttp_set_timeout_tv(http, &io_timeout);
	/* Other methods reach the routes too, to be answered 405. */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH);

	ip = flag_str(F_IP)[0] != '\0' ? flag_str(F_IP) : "0.0.0.0";
	port = (int)flag_int(F_HTTP_PORT);
	if (evhttp_bind_socket_with_handle(http, ip, (ev_uint16_t)port) == NULL)
		fatal("cannot listen on %s:%d", ip, port);
	log_info("listening on %s:%d", ip, port);

	snprintf(root, sizeof(root), "%s/httpd", flag_str(F_RUN_DIR));
	if (privdrop(root, uid, gid, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (privdrop_no_new_privs() == -1)
		fatal("no_new_privs");

	if (ipc_init(w.base, ROLE__HTTPD) == -1)
		fatalx("cannot start ipc");
	peers.master = dial("master");
	peers.replica = dial("replica");
	peers.offerd = dial("offerd");
	httpd_routes_init(http, &peers);

	if (sandbox_enabled() && httpd_sandbox_apply(err, sizeof(err)) == -1)
		fatalx("sandbox: %s", err);
	log_info("serving as uid %u in %s", (unsigned)uid, root);
	worker_ready(&w);
	return worker_loop(&w);
}
