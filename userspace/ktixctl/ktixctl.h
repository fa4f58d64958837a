/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KTIXCTL_H
#define KTIXCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct ktix_nl;

struct subcommand {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *help;
};

extern const char *prog;
extern bool json;

int version_main(int argc, char **argv);
int policy_main(int argc, char **argv);
int key_main(int argc, char **argv);
int monitor_main(int argc, char **argv);
/* Print one object (JSON: no newline after it); 0 or a negative errno. */
int version_show(struct ktix_nl *nl);
int policy_show(struct ktix_nl *nl);
int key_show(struct ktix_nl *nl);

/* Opens the netlink client or says why not; NULL after the message. */
struct ktix_nl *ctl_open(void);
/* Prints "ktixctl: WHAT: strerror[: kernel message]" for a failed request. */
void ctl_error(struct ktix_nl *nl, const char *what, int err);
bool is_help(const char *arg);

void json_string(FILE *f, const char *s);

#endif /* KTIXCTL_H */
