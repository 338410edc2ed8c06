/*
 * client: a minimal HTTP/1.1 client for the scheduler's /api: one POST per
 * connection (Connection: close), every step bounded by one deadline. It
 * reads a body sized by Content-Length, chunked, or ended by the close.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"

#define MAX_REPLY	(64u << 20)

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to be ready for events before deadline; 0, or -1 + errno. */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { fd, events, 0 };
	long long left;
	int r;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

static int
dial(const char *host, int port, long long deadline, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	char service[16];
	int fd = -1, r, saved = 0;
	socklen_t len;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%d", port);
	if ((r = getaddrinfo(host, service, &hints, &res)) != 0)
		return client_fail(err, errlen, "%s:%d: %s", host, port,
		    gai_strerror(r));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 0) {
			len = sizeof(r);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &r, &len) == 0 &&
			    r == 0)
				break;
			errno = r;
		}
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		return client_fail(err, errlen, "%s:%d: %s", host, port,
		    strerror(saved));
	return fd;
}

static int
send_all(int fd, const void *buf, size_t len, long long deadline)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		if (wait_fd(fd, POLLOUT, deadline) == -1)
			return -1;
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

struct rbuf {
	unsigned char	*d;
	size_t		 len;
	size_t		 cap;
};

/* Reads until the peer closes (or the reply is too big). */
static int
recv_all(int fd, struct rbuf *b, long long deadline)
{
	ssize_t n;

	for (;;) {
		if (b->cap - b->len < 4096) {
			unsigned char *nd;

			if (b->cap >= MAX_REPLY) {
				errno = EMSGSIZE;
				return -1;
			}
			b->cap = b->cap == 0 ? 16384 : b->cap * 2;
			if ((nd = realloc(b->d, b->cap + 1)) == NULL)
				return -1;
			b->d = nd;
		}
		if (wait_fd(fd, POLLIN, deadline) == -1)
			return -1;
		n = recv(fd, b->d + b->len, b->cap - b->len, 0);
		if (n == 0)
			return 0;
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		b->len += (size_t)n;
	}
}

static const char *
header(const char *hdrs, const char *end, const char *name)
{
	size_t nl = strlen(name);
	const char *p = hdrs;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 &&
		    p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			return p;
		}
		p = eol + 1;
	}
	return NULL;
}

static void
copy_header(char *out, size_t len, const char *v)
{
	size_t n = 0;

	if (v != NULL)
		while (v[n] != '\r' && v[n] != '\n' && v[n] != '\0' &&
		    n + 1 < len)
			n++;
	memcpy(out, v != NULL ? v : "", n);
	out[n] = '\0';
}

/* Decodes a chunked body in place; its length, or -1. */
static long long
dechunk(unsigned char *b, size_t len)
{
	size_t in = 0, out = 0;

	for (;;) {
		char *end;
		unsigned long long sz;
		const unsigned char *eol;

		eol = memchr(b + in, '\n', len - in);
		if (eol == NULL)
			return -1;
		sz = strtoull((const char *)b + in, &end, 16);
		if (end == (const char *)b + in)
			return -1;
		in = (size_t)(eol - b) + 1;
		if (sz == 0)
			return (long long)out;
		if (sz > len - in)
			return -1;
		memmove(b + out, b + in, sz);
		out += sz;
		in += sz;
		if (in < len && b[in] == '\r')
			in++;
		if (in < len && b[in] == '\n')
			in++;
	}
}

int
client_http_post(const char *host, int port, const char *path,
    const char *content_type, const void *body, size_t len, int timeout_ms,
    struct client_http_reply *reply, char *err, size_t errlen)
{
	struct rbuf b = { NULL, 0, 0 };
	long long deadline = now_ms() + timeout_ms;
	char req[1024];
	const char *hend, *cl, *te;
	unsigned char *start;
	size_t hlen, blen;
	int fd, n;

	memset(reply, 0, sizeof(*reply));
	if ((fd = dial(host, port, deadline, err, errlen)) == -1)
		return -1;
	n = snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\n"
	    "Host: %s:%d\r\n"
	    "User-Agent: Aurora V2 C client\r\n"
	    "Content-Type: %s\r\nAccept: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    path, host, port, content_type, content_type, len);
	if (n < 0 || (size_t)n >= sizeof(req)) {
		close(fd);
		return client_fail(err, errlen, "%s:%d: request too long",
		    host, port);
	}
	if (send_all(fd, req, (size_t)n, deadline) == -1 ||
	    send_all(fd, body, len, deadline) == -1 ||
	    recv_all(fd, &b, deadline) == -1) {
		client_fail(err, errlen, "%s:%d: %s", host, port,
		    strerror(errno));
		close(fd);
		free(b.d);
		return -1;
	}
	close(fd);
	if (b.d == NULL)
		goto bad;
	b.d[b.len] = '\0';
	if (sscanf((const char *)b.d, "HTTP/1.%*d %d", &reply->status) != 1)
		goto bad;
	if ((hend = strstr((const char *)b.d, "\r\n\r\n")) == NULL)
		goto bad;
	hlen = (size_t)(hend - (const char *)b.d) + 4;
	copy_header(reply->location, sizeof(reply->location),
	    header((const char *)b.d, hend, "Location"));
	copy_header(reply->content_type, sizeof(reply->content_type),
	    header((const char *)b.d, hend, "Content-Type"));
	start = b.d + hlen;
	blen = b.len - hlen;
	te = header((const char *)b.d, hend, "Transfer-Encoding");
	cl = header((const char *)b.d, hend, "Content-Length");
	if (te != NULL && strncasecmp(te, "chunked", 7) == 0) {
		long long l = dechunk(start, blen);

		if (l < 0)
			goto bad;
		blen = (size_t)l;
	} else if (cl != NULL) {
		unsigned long long l = strtoull(cl, NULL, 10);

		if (l > blen) {
			client_fail(err, errlen, "%s:%d: the answer was cut "
			    "short (%zu of %llu bytes)", host, port, blen, l);
			free(b.d);
			return -1;
		}
		blen = (size_t)l;
	}
	memmove(b.d, start, blen);
	reply->body = b.d;
	reply->len = blen;
	return 0;
bad:
	free(b.d);
	return client_fail(err, errlen, "%s:%d: not an HTTP answer", host,
	    port);
}

void
client_http_reply_free(struct client_http_reply *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

int
client_url_parse(const char *url, char *host, size_t hostlen, int *port,
    char *path, size_t pathlen)
{
	const char *p, *hs, *he, *slash;
	size_t len;

	if (strncasecmp(url, "http://", 7) != 0)
		return -1;
	hs = url + 7;
	slash = strchr(hs, '/');
	he = slash != NULL ? slash : hs + strlen(hs);
	*port = 80;
	if (*hs == '[') {		/* [v6]:port */
		if ((p = memchr(hs, ']', (size_t)(he - hs))) == NULL)
			return -1;
		len = (size_t)(p - hs - 1);
		hs++;
		p++;
	} else {
		p = memchr(hs, ':', (size_t)(he - hs));
		len = (size_t)((p != NULL ? p : he) - hs);
	}
	if (len == 0 || len >= hostlen)
		return -1;
	memcpy(host, hs, len);
	host[len] = '\0';
	if (p != NULL && p < he && *p == ':') {
		char *end;
		long v = strtol(p + 1, &end, 10);

		if (end != he || v <= 0 || v > 65535)
			return -1;
		*port = (int)v;
	}
	snprintf(path, pathlen, "%s", slash != NULL ? slash : "/");
	return 0;
}

void
client_url_join(const char *base, const char *ref, char *out, size_t len)
{
	size_t n = strcspn(base, "?#");

	/* The base's last segment (after its last '/') gives way to ref. */
	while (n > 0 && base[n - 1] != '/')
		n--;
	if (n == 0)
		snprintf(out, len, "/%s", ref);
	else
		snprintf(out, len, "%.*s%s", (int)n, base, ref);
}
