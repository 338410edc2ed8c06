/*
 * Fuzz target: HTTP request handling. Each input is sent as raw bytes over
 * a loopback TCP connection to libevent's HTTP server with httpd's real
 * router and limits; IPC peers are absent, so the endpoints that ask them
 * answer on timeout (which this target does not wait for).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>

#include "httpd/httpd.h"
#include "ipc/ipc.h"
#include "tests/fuzz/fuzz.h"

static struct event_base *base;
static struct sockaddr_in addr;

static void
setup(void)
{
	static struct httpd_peers peers;
	struct evhttp_bound_socket *bound;
	struct evhttp *http;
	socklen_t len = sizeof(addr);
	const char *none = "ipc:///nonexistent/aurora-fuzz.ipc";

	evthread_use_pthreads();
	base = event_base_new();
	http = evhttp_new(base);
	evhttp_set_max_headers_size(http, HTTPD_MAX_HEADERS);
	evhttp_set_max_body_size(http, HTTPD_MAX_BODY);
	ipc_init(base, ROLE__HTTPD);
	peers.master = ipc_client_dial(none);
	peers.replica = ipc_client_dial(none);
	peers.offerd = ipc_client_dial(none);
	httpd_routes_init(http, &peers);
	bound = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	if (bound == NULL || getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&addr, &len) == -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct pollfd pfd;
	char buf[4096];
	size_t off = 0;
	int s;

	if (base == NULL)
		setup();
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return 0;
	if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) == -1 &&
	    errno != EINPROGRESS) {
		close(s);
		return 0;
	}
	pfd.fd = s;
	for (int round = 0; round < 200; round++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (off < len) {
			ssize_t n = write(s, data + off, len - off);

			if (n > 0)
				off += (size_t)n;
			if (off == len)
				shutdown(s, SHUT_WR);
		}
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1) == 1) {
			ssize_t n = read(s, buf, sizeof(buf));

			if (n == 0 || (n == -1 && errno != EAGAIN))
				break;
		}
	}
	close(s);
	event_base_loop(base, EVLOOP_NONBLOCK);
	return 0;
}
