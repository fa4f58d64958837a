// SPDX-License-Identifier: GPL-2.0
/*
 * What ktixd's objects need from its main.c, for the benchmarks that link
 * them: log_msg() to standard error, warnings and worse only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "ktixd.h"

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio > LOG_WARNING)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
