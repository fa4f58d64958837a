// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-serve: HTTP/1.1, on plaintext: a request parsed with http-parser,
 * one at a time, and its answer (GET and HEAD of a file under the root,
 * 400, 404, 405) as a head to send and a file for sendfile(2).  No path
 * leaves the root (path.c).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"
#include "serve.h"

static int on_url(http_parser *p, const char *at, size_t len)
{
	struct conn *c = p->data;

	if (c->url_len + len >= sizeof(c->url)) {
		c->url_too_long = true;
		return 0;
	}
	memcpy(c->url + c->url_len, at, len);
	c->url_len += len;
	c->url[c->url_len] = '\0';
	return 0;
}

static int on_complete(http_parser *p)
{
	struct conn *c = p->data;

	c->complete = true;
	c->keep_alive = http_should_keep_alive(p);
	http_parser_pause(p, 1);	/* one request at a time */
	return 0;
}

const http_parser_settings http_settings = {
	.on_url = on_url,
	.on_message_complete = on_complete,
};

static void set_head(struct conn *c, int code, const char *reason,
		     off_t len, const char *type)
{
	c->head_len = (size_t)snprintf(c->head, sizeof(c->head),
		"HTTP/1.1 %d %s\r\nServer: ktix-serve\r\nContent-Length: %lld\r\n"
		"Content-Type: %s\r\nConnection: %s\r\n\r\n",
		code, reason, (long long)len, type,
		c->keep_alive ? "keep-alive" : "close");
	c->head_off = 0;
}

void http_error_page(struct conn *c, int code, const char *reason)
{
	char body[128];
	int n = snprintf(body, sizeof(body), "%d %s\n", code, reason);

	set_head(c, code, reason, n, "text/plain");
	if (c->head_len + (size_t)n < sizeof(c->head) &&
	    c->parser.method != HTTP_HEAD) {
		memcpy(c->head + c->head_len, body, (size_t)n);
		c->head_len += (size_t)n;
	}
}

static const char *mime_type(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot)
		return "application/octet-stream";
	if (!strcmp(dot, ".html") || !strcmp(dot, ".htm"))
		return "text/html";
	if (!strcmp(dot, ".txt"))
		return "text/plain";
	if (!strcmp(dot, ".css"))
		return "text/css";
	if (!strcmp(dot, ".js"))
		return "text/javascript";
	if (!strcmp(dot, ".json"))
		return "application/json";
	if (!strcmp(dot, ".png"))
		return "image/png";
	return "application/octet-stream";
}

/* Turns the parsed request into the answer to send, a file of root_fd. */
void http_answer(struct conn *c, int root_fd)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	c->file = -1;
	c->file_off = c->file_len = 0;
	if (c->parser.method != HTTP_GET && c->parser.method != HTTP_HEAD) {
		http_error_page(c, 405, "Method Not Allowed");
		return;
	}
	if (c->url_too_long || url_to_path(c->url, path, sizeof(path))) {
		http_error_page(c, 400, "Bad Request");
		return;
	}
	if (!*path || path[strlen(path) - 1] == '/')
		strncat(path, "index.html", sizeof(path) - strlen(path) - 1);
	/* O_NOFOLLOW on the last part; ".." is refused above. */
	fd = openat(root_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		http_error_page(c, 404, "Not Found");
		return;
	}
	set_head(c, 200, "OK", st.st_size, mime_type(path));
	if (c->parser.method == HTTP_HEAD) {
		close(fd);
		return;
	}
	c->file = fd;
	c->file_len = st.st_size;
}
