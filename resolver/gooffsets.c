// SPDX-License-Identifier: GPL-2.0
/*
 * gooffsets: print the JSON profile of a Go binary — runtime.g field offsets,
 * the runtime.casgstatus address and file offset, the Go version, the ABI —
 * for `goroutine --profile`. A thin command line over the resolver library.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "probepoint.h"
#include "profile.h"
#include "resolver.h"

static struct env {
	const char *binary;
	long pid;
	bool verbose;
} env;

const char *argp_program_version = "gooffsets " GOTRACER_VERSION;
static const char doc[] =
	"Resolve the runtime.g offsets and the runtime.casgstatus address of a Go\n"
	"binary into a JSON profile for `goroutine --profile`.\n"
	"\n"
	"USAGE: gooffsets [-v] BINARY | -p PID\n"
	"\n"
	"EXAMPLES:\n"
	"    gooffsets ./server > server.json   # profile of a binary\n"
	"    gooffsets -p 1234 > app.json       # of the binary process 1234 runs\n"
	"    goroutine --profile app.json -p 1234\n"
	"\n"
	"Exit status is 0 only when the goid offset and runtime.casgstatus were both\n"
	"resolved; otherwise one line on stderr says what is missing.";

static const struct argp_option opts[] = {
	{"pid", 'p', "PID", 0, "Resolve the binary of process PID (/proc/PID/exe)", 0},
	{"verbose", 'v', NULL, 0, "Also print informational messages", 0},
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char *end;

	switch (key) {
	case 'p':
		errno = 0;
		env.pid = strtol(arg, &end, 10);
		if (errno || end == arg || *end || env.pid <= 0 || env.pid > INT_MAX)
			argp_failure(state, 1, 0, "invalid PID: %s", arg);
		break;
	case 'v':
		env.verbose = true;
		break;
	case ARGP_KEY_ARG:
		if (env.binary)
			argp_failure(state, 1, 0, "one binary at a time");
		env.binary = arg;
		break;
	case ARGP_KEY_END:
		if (!env.binary == !env.pid)
			argp_failure(state, 1, 0, "give a BINARY or -p PID");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/*
 * Library warnings are held until the outcome is known: a failure is one line,
 * a success shows them. With -v everything is shown at once.
 */
static char held[8][256];
static int nheld;

static void log_fn(enum log__level level, const char *fmt, va_list ap)
{
	if (env.verbose) {
		fputs("gooffsets: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else if (level == LOG__WARN && nheld < 8) {
		vsnprintf(held[nheld++], sizeof(held[0]), fmt, ap);
	}
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts, .parser = parse_arg, .args_doc = "BINARY\n-p PID", .doc = doc};
	struct profile *p;
	char path[64], what[256] = "", *json = NULL;
	const char *binary;
	int err, i;

	/* Usage errors are one line (argp_failure) and exit 1, like every other error. */
	argp_err_exit_status = 1;
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 1;
	log__set_fn(log_fn);
	binary = env.binary;
	if (env.pid) {
		snprintf(path, sizeof(path), "/proc/%ld/exe", env.pid);
		binary = path;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		fprintf(stderr, "gooffsets: out of memory\n");
		return 1;
	}
	/* The profile's probe points are chosen for the kernel gooffsets runs on. */
	struct resolver_kernel kernel = {.emulates_push = probepoint__kernel_emulates_push()};

	err = resolver__resolve_path(binary, &kernel, p, what, sizeof(what));
	if (err == -ENOENT && env.pid) {
		fprintf(stderr, "gooffsets: no process with PID %ld\n", env.pid);
		free(p);
		return 1;
	}
	if (err) {
		/* Never a partial profile on stdout: one line, exit 1. */
		fprintf(stderr, "gooffsets: %s: %s\n", binary, what[0] ? what : errors__str(err));
		free(p);
		return 1;
	}
	/* The profile names the binary the process runs, not the /proc link. */
	if (env.pid) {
		ssize_t n = readlink(path, p->path, sizeof(p->path) - 1);

		if (n > 0)
			p->path[n] = 0;
	}
	for (i = 0; i < nheld; i++)
		fprintf(stderr, "gooffsets: warning: %s: %s\n", binary, held[i]);
	for (i = 0; i < p->n_warnings; i++)
		fprintf(stderr, "gooffsets: warning: %s: %s\n", binary, p->warnings[i]);
	err = profile__to_json(p, &json);
	free(p);
	if (err) {
		fprintf(stderr, "gooffsets: %s\n", errors__str(err));
		return 1;
	}
	fputs(json, stdout);
	free(json);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "gooffsets: writing the profile: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
