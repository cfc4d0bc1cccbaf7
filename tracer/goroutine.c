// SPDX-License-Identifier: GPL-2.0
/*
 * goroutine: trace every goroutine state switch of a Go program with a uprobe
 * on runtime.casgstatus (libbpf, kernel uprobes).
 *
 * Loader order as in libbpf-tools: open, write the read-only globals (goid
 * offset, ABI, pid filter), load, attach, then poll the ring buffer until
 * SIGINT/SIGTERM, the duration, or the traced process ends.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "elfbuf.h"
#include "errors.h"
#include "format.h"
#include "goroutine.h"
#include "goroutine.skel.h"

#define DEFAULT_BINARY "./go-server-http/main"
#define PROBED_FUNC "runtime.casgstatus"

static struct env {
	const char *binary;
	pid_t pid;
	long duration;
	bool verbose;
} env = {
	.binary = NULL,
};

const char *argp_program_version = "goroutine 0.1";
static const char doc[] =
	"Trace goroutine state switches of a Go program from outside, with a uprobe on\n"
	"runtime.casgstatus.\n"
	"\n"
	"USAGE: goroutine [--binary PATH] [-p PID] [-d SECONDS] [-v]\n"
	"\n"
	"EXAMPLES:\n"
	"    goroutine                         # trace ./go-server-http/main (every process)\n"
	"    goroutine --binary /usr/bin/app   # trace every process running /usr/bin/app\n"
	"    goroutine -p 1234                 # trace only process 1234\n"
	"    goroutine -p 1234 -d 10           # ... for 10 seconds\n";

static const struct argp_option opts[] = {
	{ "binary", 'b', "PATH", 0, "Go binary to trace (default " DEFAULT_BINARY ")", 0 },
	{ "pid", 'p', "PID", 0, "Trace only this process (its binary is /proc/PID/exe)", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS", 0 },
	{ "verbose", 'v', NULL, 0, "Show libbpf debug output", 0 },
	{},
};

static long parse_long(const char *arg, const char *what, long min, long max,
		       struct argp_state *state)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		argp_error(state, "invalid %s: %s", what, arg);
	return v;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'b':
		env.binary = arg;
		break;
	case 'p':
		env.pid = parse_long(arg, "PID", 1, INT_MAX, state);
		break;
	case 'd':
		env.duration = parse_long(arg, "duration", 1, LONG_MAX / 1000, state);
		break;
	case 'v':
		env.verbose = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument: %s", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *format, va_list args)
{
	/* libbpf's own messages are several lines per failure: only with -v. */
	if (!env.verbose)
		return 0;
	(void)level;
	return vfprintf(stderr, format, args);
}

static volatile sig_atomic_t exiting;

static void sig_handler(int sig)
{
	(void)sig;
	exiting = 1;
}

struct output {
	struct format_clock clock;
	FILE *out;
};

static int handle_event(void *ctx, void *data, size_t size)
{
	struct output *o = ctx;
	char line[160];

	if (size < sizeof(struct goroutine_event))
		return 0;
	format__event(&o->clock, data, line, sizeof(line));
	fputs(line, o->out);
	fputc('\n', o->out);
	return 0;
}

/* The file offset of runtime.casgstatus in the binary: what a uprobe attaches at. */
static int resolve_probe(const char *path, uint64_t *offset)
{
	struct elfbuf *e;
	uint64_t vaddr;
	int err;

	err = elfbuf__open_path(path, &e);
	if (err) {
		fprintf(stderr, "goroutine: %s: %s\n", path, errors__str(err));
		return err;
	}
	err = elfbuf__symbol(e, PROBED_FUNC, &vaddr, NULL);
	if (err) {
		fprintf(stderr, "goroutine: %s: %s not found (not a Go program, or stripped)\n",
			path, PROBED_FUNC);
		goto out;
	}
	err = elfbuf__vaddr_to_offset(e, vaddr, offset);
	if (err)
		fprintf(stderr, "goroutine: %s: %s at 0x%" PRIx64 " is outside the file\n", path,
			PROBED_FUNC, vaddr);
out:
	elfbuf__delete(e);
	return err;
}

static uint64_t read_counter(struct goroutine_bpf *skel, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum = 0;
	uint64_t *vals;
	int i;

	if (ncpu <= 0)
		return 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.counters), &idx, vals))
		for (i = 0; i < ncpu; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

static bool process_gone(pid_t pid)
{
	return pid && kill(pid, 0) && errno == ESRCH;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { .options = opts, .parser = parse_arg, .doc = doc };
	LIBBPF_OPTS(bpf_uprobe_opts, uopts);
	struct goroutine_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct output out = { .out = stdout };
	char exe[64], header[160];
	const char *binary;
	uint64_t offset, deadline = 0;
	struct timespec now;
	int err;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return 1;
	libbpf_set_print(libbpf_print_fn);

	if (env.pid && !env.binary) {
		snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)env.pid);
		binary = exe;
	} else {
		binary = env.binary ? env.binary : DEFAULT_BINARY;
	}
	if (env.pid && kill(env.pid, 0) && errno == ESRCH) {
		fprintf(stderr, "goroutine: no process with PID %d\n", (int)env.pid);
		return 1;
	}
	if (resolve_probe(binary, &offset))
		return 1;

	skel = goroutine_bpf__open();
	if (!skel) {
		fprintf(stderr, "goroutine: cannot open BPF object: %s\n", strerror(errno));
		return 1;
	}
	/* No profile yet: the go1.17 hardcoded default (goroutine.h). */
	skel->rodata->goid_offset = GOROUTINE_DEFAULT_GOID_OFFSET;
	skel->rodata->abi = GOROUTINE_DEFAULT_ABI;
	skel->rodata->target_tgid = env.pid;

	err = goroutine_bpf__load(skel);
	if (err) {
		fprintf(stderr, "goroutine: cannot load BPF program: %s%s\n", strerror(-err),
			err == -EPERM ? " (run as root, or with CAP_BPF and CAP_PERFMON)" : "");
		goto cleanup;
	}

	uopts.retprobe = false; /* never a uretprobe on Go code: Go moves stacks */
	skel->links.casgstatus = bpf_program__attach_uprobe_opts(
		skel->progs.casgstatus, env.pid ? env.pid : -1, binary, offset, &uopts);
	if (!skel->links.casgstatus) {
		err = -errno;
		fprintf(stderr, "goroutine: cannot attach uprobe to %s:%s: %s\n", binary,
			PROBED_FUNC, strerror(-err));
		goto cleanup;
	}

	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event, &out, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "goroutine: cannot create ring buffer: %s\n", strerror(-err));
		goto cleanup;
	}
	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);
	format__clock_init(&out.clock);
	if (env.duration) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		deadline = now.tv_sec + env.duration;
	}
	if (env.verbose) {
		struct bpf_prog_info info = {};
		__u32 info_len = sizeof(info);

		bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.casgstatus), &info, &info_len);
		fprintf(stderr,
			"goroutine: %s: %s at file offset 0x%" PRIx64
			", goid offset %u (go1.17 default), %s ABI, BPF prog id %u\n",
			binary, PROBED_FUNC, offset, skel->rodata->goid_offset,
			skel->rodata->abi == GOROUTINE_ABI_REGISTER ? "register" : "stack", info.id);
	}
	format__header(header, sizeof(header));
	printf("%s\n", header);
	fflush(stdout);

	while (!exiting) {
		err = ring_buffer__poll(rb, 100);
		if (err == -EINTR) {
			err = 0;
			break;
		}
		if (err < 0) {
			fprintf(stderr, "goroutine: polling the ring buffer: %s\n", strerror(-err));
			break;
		}
		err = 0;
		fflush(stdout);
		if (process_gone(env.pid))
			break;
		if (deadline) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if ((uint64_t)now.tv_sec >= deadline)
				break;
		}
	}
	/* Drain what is left so the final counts match what was printed. */
	ring_buffer__consume(rb);
	fflush(stdout);
	fprintf(stderr, "goroutine: %" PRIu64 " events, %" PRIu64 " lost\n",
		read_counter(skel, GOROUTINE_CNT_EVENTS), read_counter(skel, GOROUTINE_CNT_LOST));

cleanup:
	ring_buffer__free(rb);
	goroutine_bpf__destroy(skel);
	return err ? 1 : 0;
}
