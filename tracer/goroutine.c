// SPDX-License-Identifier: GPL-2.0
/*
 * goroutine: trace every goroutine state switch of a Go program from outside,
 * with a uprobe on runtime.casgstatus (libbpf, kernel uprobes).
 *
 * main() reads as the session's phases: the options; the targets (a binary's
 * processes, one PID, or a command); a plan per target (its binary opened
 * once, its profile given, resolved or the go1.17 default, checked against
 * the binary, its probe points chosen); the outputs, every one a consumer of
 * the one event stream (stream.h); the BPF program loaded for all targets and
 * attached; the poll loop; the reports. --report FILE replays a --record
 * file through the same outputs instead, with no BPF at all.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include <cjson/cJSON.h>

#include "dump.h"
#include "dumppprof.h"
#include "array.h"
#include "buildinfo.h"
#include "errors.h"
#include "follow.h"
#include "gobin.h"
#include "goroutine.h"
#include "loader.h"
#include "log.h"
#include "metricsd.h"
#include "names.h"
#include "plan.h"
#include "probepoint.h"
#include "procmem.h"
#include "profile.h"
#include "record.h"
#include "resolver.h"
#include "seed.h"
#include "snapshot.h"
#include "stream.h"
#include "summary.h"
#include "target.h"

#define VERSION "goroutine " GOTRACER_VERSION
#define DEFAULT_BINARY "./go-server-http/main"
#define LOST_REPORT_NS (2 * 1000000000ULL)
#define POLL_MS 5
/*
 * With no events to stream (--summary in the kernel, --count-only, --mode
 * snapshot) only the process ring is read, and it wakes the poll itself:
 * waking every 5 ms would be the tracer's main cost (0.7% of a CPU idle).
 */
#define IDLE_POLL_MS 100

struct env {
	const char *binary;
	const char *profile;
	const char *output;
	const char *record;
	const char *report;
	pid_t pid;
	long duration;
	int64_t goid;
	const char *state;
	bool use_default;
	bool force;
	bool json;
	bool count_only;   /* --mode count */
	bool probe_entry;  /* --probe entry */
	bool no_stacks;	   /* --no-stacks */
	bool summary;	   /* --summary */
	long interval;	   /* -i SECONDS, with --summary */
	double leak_after; /* --leak-after SECONDS */
	bool leak_given;
	const char *html;	/* --html FILE */
	const char *trace_json; /* --trace-json FILE */
	enum loader_config bpf_config;
	bool dump;   /* --dump: a snapshot of every goroutine, no BPF */
	bool group;  /* --group: identical stacks once, as debug=1 */
	bool system; /* --system: runtime frames and goroutines too */
	char **cmd;  /* -- CMD ARGS... */
	/* --pprof FILE: the dump as a pprof goroutine profile */
	const char *pprof;
	const char *pprof_sched; /* --pprof-sched FILE */
	const char *metrics;	 /* --metrics ADDR: serve /metrics while tracing */
	bool all;		 /* --all: every Go process on the host, now and later */
	bool snapshot;		 /* --mode snapshot: --metrics from snapshots alone, no probes */
	bool toolchain;		 /* --go-toolchain: the go command and its tools too */
	const char *comm;	 /* --comm PATTERN */
	const char *exe;	 /* --exe PATTERN */
	const char *cgroup;	 /* --cgroup PATTERN */
	long max_targets;	 /* --max-targets N */
};

/* One session: everything the phases hand each other. */
struct session {
	struct env env;
	struct target *targets[GOROUTINE_MAX_TARGETS];
	size_t ntargets;
	FILE *out;
	struct stream *stream;
	struct stream_kernel kernel;
	struct loader *loader;
	bool kernel_summary; /* --summary aggregated in the kernel: no events */
	struct stream_sites sites;
	struct stream_stacks stacks;
	struct stream_goids goids;
	struct seed_site *site_v; /* the last report's, from a snapshot then */
	size_t nsites;
	uint64_t started;
	struct metricsd *metricsd; /* --metrics: serving from attach to the end of run */
	/*
	 * Following (a command's process tree, or --all): the targets found
	 * while running, each attached as it execs. root is the command (in
	 * targets[0] too when it is itself a Go program, attached before it runs).
	 */
	uint32_t follow_mode; /* enum goroutine_follow_mode */
	struct follow *follow;
	struct target *root;
	bool root_is_target, root_exec_seen, limit_said;
	bool dropped[GOROUTINE_MAX_TARGETS]; /* its processes have ended: detached */
	/*
	 * --summary following: the shares of processes that ended, by their
	 * index in follow__procs() (the kernel's entry is taken out at the end).
	 */
	struct goroutine_procsum *shares;
	size_t nshares, shares_cap;
	struct names *default_names;		 /* for the outputs before any Go target */
	uint64_t attach_ns_max;			 /* the longest exec-to-attach, for -v */
	const char *exes[GOROUTINE_MAX_TARGETS]; /* each target's binary, for the events */
};

/* libbpf's and the resolver's messages go through callbacks without a context. */
static bool verbose;
static volatile sig_atomic_t exiting, exit_signal;

const char *argp_program_version = VERSION;
/* Every example line must fit argp's 79 columns: longer ones are reflowed. */
static const char doc[] =
	"Trace goroutine state switches of a Go program from outside, with a uprobe on\n"
	"runtime.casgstatus. Needs root (CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN).\n"
	"\n"
	"USAGE: goroutine [OPTIONS] [--binary PATH | -p PID | --all | -- CMD [ARGS...]]\n"
	"       goroutine --report FILE [--json | --summary | --html F | ...]\n"
	"       goroutine --dump -p PID [--group | --json | --pprof FILE] [--system]\n"
	"\n"
	"EXAMPLES:\n"
	"    goroutine                        # every process of ./go-server-http/main\n"
	"    goroutine --binary /usr/bin/app  # every process running /usr/bin/app\n"
	"    goroutine -p 1234 -d 10          # process 1234 only, for 10 seconds\n"
	"    goroutine --json -o ev.json -p 1234  # JSON lines into ev.json\n"
	"    goroutine --state WAITING -p 1234    # only switches to WAITING\n"
	"    goroutine -- ./app --flag        # start ./app, trace it from its first\n"
	"                                     # instruction, exit with its status\n"
	"    goroutine -- env X=1 ./app       # the Go programs a command runs: its\n"
	"    goroutine -- go run ./cmd/srv    # children, their execs (not the go tool)\n"
	"    goroutine --all --summary -d 30  # every Go process, now and later\n"
	"    goroutine --all --comm 'api*'    # only those whose comm matches\n"
	"    goroutine --summary -p 1234 -d 30    # scheduler latency, blocking, leaks\n"
	"    goroutine --leak-after 60 -p 1234    # goroutines WAITING over a minute\n"
	"    goroutine --metrics :9464 -p 1234    # Prometheus scrapes /metrics\n"
	"    goroutine --html r.html -p 1234      # a time line page, with the summary\n"
	"    goroutine --trace-json t.json -p 1234  # for Perfetto / chrome://tracing\n"
	"    goroutine --record r.rec -p 1234     # the raw events, for reports later\n"
	"    goroutine --report r.rec --summary   # any output, from a recording\n"
	"    goroutine --dump -p 1234         # every goroutine's stack, as debug=2\n"
	"    goroutine --dump --group -p 1234     # identical stacks once, as debug=1\n"
	"    goroutine --dump -p 1234 --pprof g.pb.gz  # go tool pprof -traces g.pb.gz\n"
	"    gooffsets app > app.json && goroutine --profile app.json -p 1234\n"
	"\n"
	"Without --profile the binary is resolved on the spot (DWARF, type descriptors,\n"
	"pclntab); --default uses the go1.17 hardcoded values instead.";

enum {
	OPT_PROFILE = 0x100,
	OPT_DEFAULT,
	OPT_FORCE,
	OPT_GOID,
	OPT_STATE,
	OPT_JSON,
	OPT_MODE,
	OPT_PROBE,
	OPT_NO_STACKS,
	OPT_SUMMARY,
	OPT_LEAK_AFTER,
	OPT_HTML,
	OPT_TRACE_JSON,
	OPT_RECORD,
	OPT_REPORT,
	OPT_BPF_CONFIG,
	OPT_DUMP,
	OPT_GROUP,
	OPT_SYSTEM,
	OPT_PPROF,
	OPT_PPROF_SCHED,
	OPT_METRICS,
	OPT_ALL,
	OPT_COMM,
	OPT_EXE,
	OPT_CGROUP,
	OPT_MAX_TARGETS,
	OPT_TOOLCHAIN,
};

static const struct argp_option opts[] = {
	{"binary", 'b', "PATH", 0, "Trace every process running PATH (default " DEFAULT_BINARY ")",
	 0},
	{"pid", 'p', "PID", 0, "Trace only process PID", 0},
	{"all", OPT_ALL, NULL, 0,
	 "Trace every Go process on the host, those running now and those started later "
	 "(each distinct binary resolved once)",
	 0},
	{"comm", OPT_COMM, "PATTERN", 0,
	 "With --all or a command: only processes whose comm matches (fnmatch)", 0},
	{"exe", OPT_EXE, "PATTERN", 0,
	 "With --all or a command: only binaries whose path matches (fnmatch)", 0},
	{"cgroup", OPT_CGROUP, "PATTERN", 0,
	 "With --all or a command: only processes whose cgroup path matches (fnmatch)", 0},
	{"max-targets", OPT_MAX_TARGETS, "N", 0,
	 "Attach to at most N binaries or processes (default and most: 64), then warn once", 0},
	{"go-toolchain", OPT_TOOLCHAIN, NULL, 0,
	 "With a command: trace the go command and its tools too, not only what go run runs", 0},
	{"profile", OPT_PROFILE, "FILE", 0, "Offsets and addresses from a gooffsets profile", 0},
	{"default", OPT_DEFAULT, NULL, 0,
	 "Use the go1.17 hardcoded default (goid at 152, register ABI)", 0},
	{"force", OPT_FORCE, NULL, 0, "Use a profile made for another build of the binary", 0},
	{"json", OPT_JSON, NULL, 0, "JSON lines instead of the table", 0},
	{"output", 'o', "FILE", 0, "Write events to FILE instead of stdout", 0},
	{"goid", OPT_GOID, "GOID", 0, "Only events of goroutine GOID", 0},
	{"state", OPT_STATE, "STATE", 0,
	 "Only switches to STATE (a name: WAITING, SYSCALL; or a number)", 0},
	{"duration", 'd', "SECONDS", 0, "Stop after SECONDS", 0},
	{"summary", OPT_SUMMARY, NULL, 0,
	 "Aggregate in the kernel; print states, scheduler latency, blocking on exit", 0},
	{"interval", 'i', "SECONDS", 0, "With --summary: also print it every SECONDS", 0},
	{"leak-after", OPT_LEAK_AFTER, "SECONDS", 0,
	 "Report goroutines WAITING longer than SECONDS as leak candidates (default 10; "
	 "implies --summary)",
	 0},
	{"html", OPT_HTML, "FILE", 0,
	 "Write a self-contained HTML time line with the summary to FILE; events are "
	 "analysed in user space, and the summary printed instead of them",
	 0},
	{"trace-json", OPT_TRACE_JSON, "FILE", 0,
	 "Write Chrome trace-event JSON (a track per goroutine) to FILE, as --html does", 0},
	{"record", OPT_RECORD, "FILE", 0,
	 "Write the raw events to FILE (no formatting while tracing; events are printed "
	 "only with --json); read it back with --report",
	 0},
	{"report", OPT_REPORT, "FILE", 0,
	 "Make the outputs asked for (table, --json, --summary, --html, --trace-json) "
	 "from a --record FILE instead of tracing",
	 0},
	{"dump", OPT_DUMP, NULL, 0,
	 "Print every goroutine of -p PID with its stack, as the Go runtime's traceback "
	 "(goroutine?debug=2), read from outside without stopping it; no BPF",
	 0},
	{"group", OPT_GROUP, NULL, 0,
	 "With --dump: each distinct stack once, with its count (debug=1)", 0},
	{"system", OPT_SYSTEM, NULL, 0,
	 "With --dump: runtime frames and system goroutines too (GOTRACEBACK=system)", 0},
	{"pprof", OPT_PPROF, "FILE", 0,
	 "With --dump: write the goroutine profile (pprof's proto, goroutine?debug=0) to FILE "
	 "(- for stdout) instead of printing the dump; when tracing: the block profile "
	 "(contentions, delay by stack) at the end",
	 0},
	{"pprof-sched", OPT_PPROF_SCHED, "FILE", 0,
	 "When tracing: write the scheduler-latency profile (time RUNNABLE, by the stack the "
	 "goroutine resumes at: where it waited, yielded or was preempted; as go tool trace "
	 "-pprof=sched) to FILE at the end",
	 0},
	{"metrics", OPT_METRICS, "ADDR", 0,
	 "Serve Prometheus metrics at http://ADDR/metrics while tracing (HOST:PORT, or :PORT "
	 "on 127.0.0.1); aggregates in the kernel as --summary does",
	 0},
	{"mode", OPT_MODE, "MODE", 0,
	 "events (default); count: only count probe hits; snapshot (with --metrics): no probes, "
	 "the gauges from snapshots at each scrape only",
	 0},
	{"probe", OPT_PROBE, "WHERE", 0,
	 "auto (default): the cheapest safe point in each function; entry: function entries", 0},
	{"no-stacks", OPT_NO_STACKS, NULL, 0,
	 "Do not walk blocked goroutines' stacks in the kernel (blocking by wait reason only)", 0},
	{"bpf-config", OPT_BPF_CONFIG, "HOW", 0,
	 "cookie (default): targets' values by attach cookie; rodata: in read-only data "
	 "(one target; kernels before 5.15)",
	 0},
	{"verbose", 'v', NULL, 0, "Show what was resolved, and libbpf's debug output", 0},
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
		argp_failure(state, 1, 0, "invalid %s: %s", what, arg);
	return v;
}

/* The combinations that cannot work, each refused in one line. */
static void check_options(struct env *env, struct argp_state *state)
{
	bool analyse = env->html || env->trace_json;

	if (!!env->cmd + !!env->pid + !!env->binary + env->all > 1)
		argp_failure(state, 1, 0, "give one of --binary, -p, --all and a command");
	if ((env->comm || env->exe || env->cgroup) && !env->cmd && !env->all)
		argp_failure(state, 1, 0, "--comm, --exe and --cgroup go with --all or a command");
	/* Targets found while running have their own binaries: one profile cannot fit them. */
	if (env->all &&
	    (env->profile || env->record || env->report || env->bpf_config == LOADER_CONFIG_RODATA))
		argp_failure(state, 1, 0,
			     "--all excludes --profile, --record and --bpf-config rodata");
	if (env->cmd && (env->comm || env->exe || env->cgroup) &&
	    (env->profile || env->record || env->bpf_config == LOADER_CONFIG_RODATA))
		argp_failure(state, 1, 0,
			     "--comm, --exe and --cgroup follow a command's children: not with "
			     "--profile, --record or --bpf-config rodata (the command only)");
	if (env->use_default && env->profile)
		argp_failure(state, 1, 0, "--default and --profile exclude each other");
	if (env->leak_given && !analyse)
		env->summary = true;
	if (env->metrics && (analyse || env->record || env->report || env->dump ||
			     env->count_only || env->interval))
		argp_failure(state, 1, 0,
			     "--metrics excludes --html, --trace-json, --record, --report, --dump, "
			     "--mode count and -i");
	if (env->snapshot && (!env->metrics || env->count_only))
		argp_failure(state, 1, 0, "--mode snapshot serves --metrics alone: give --metrics");
	if (env->metrics)
		env->summary = true;
	if ((env->summary || analyse || env->record) && env->count_only)
		argp_failure(state, 1, 0,
			     "--mode count excludes --summary, --html, --trace-json and --record");
	if (env->interval && !env->summary && !analyse)
		argp_failure(state, 1, 0, "-i goes with --summary");
	if ((env->group || env->system) && !env->dump)
		argp_failure(state, 1, 0, "--group and --system go with --dump");
	if (env->pprof && !env->dump && (env->report || env->no_stacks || env->count_only))
		argp_failure(state, 1, 0,
			     "--pprof FILE writes a goroutine profile with --dump, else a block "
			     "profile of the stacks traced: not with --report, --no-stacks or "
			     "--mode count");
	if (env->pprof_sched && (env->dump || env->report || env->no_stacks || env->count_only))
		argp_failure(state, 1, 0,
			     "--pprof-sched FILE profiles the stacks traced: not with --dump, "
			     "--report, --no-stacks or --mode count");
	if (env->pprof && env->dump && (env->group || env->json || env->output))
		argp_failure(state, 1, 0, "--dump --pprof FILE excludes --group, --json and -o");
	if (env->dump && !env->pid && !env->all)
		argp_failure(state, 1, 0, "--dump reads one process, or all: give -p PID or --all");
	if (env->dump && env->all && env->pprof)
		argp_failure(state, 1, 0, "--dump --all writes every process's dump: not --pprof");
	if (env->dump && (env->cmd || env->binary || env->report || env->record || env->summary ||
			  analyse || env->duration || env->interval || env->count_only ||
			  env->probe_entry || env->state || env->goid >= 0))
		argp_failure(
			state, 1, 0,
			"--dump takes only -p, --profile, --default, --force, --json, --group, "
			"--system, --pprof and -o");
	if (env->dump && env->group && env->json)
		argp_failure(state, 1, 0, "--group and --json exclude each other");
	if (env->report && (env->cmd || env->pid || env->binary || env->profile ||
			    env->use_default || env->force || env->duration || env->interval ||
			    env->count_only || env->probe_entry || env->record))
		argp_failure(state, 1, 0,
			     "--report reads a recording: it takes only output options (--json, "
			     "-o, --summary, --leak-after, --html, --trace-json, --state, --goid)");
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct env *env = state->input;

	switch (key) {
	case 'b':
		env->binary = arg;
		break;
	case 'p':
		env->pid = parse_long(arg, "PID", 1, INT_MAX, state);
		break;
	case OPT_PROFILE:
		env->profile = arg;
		break;
	case OPT_DEFAULT:
		env->use_default = true;
		break;
	case OPT_FORCE:
		env->force = true;
		break;
	case OPT_JSON:
		env->json = true;
		break;
	case 'o':
		env->output = arg;
		break;
	case OPT_GOID:
		env->goid = parse_long(arg, "goid", 0, LONG_MAX, state);
		break;
	case OPT_STATE:
		env->state = arg;
		break;
	case 'd':
		env->duration = parse_long(arg, "duration", 1, LONG_MAX / 1000000000L, state);
		break;
	case 'v':
		verbose = true;
		break;
	case OPT_MODE:
		if (!strcmp(arg, "count"))
			env->count_only = true;
		else if (!strcmp(arg, "snapshot"))
			env->snapshot = true;
		else if (strcmp(arg, "events"))
			argp_failure(state, 1, 0, "unknown mode %s (events, count, snapshot)", arg);
		break;
	case OPT_SUMMARY:
		env->summary = true;
		break;
	case 'i':
		env->interval = parse_long(arg, "interval", 1, LONG_MAX / 1000000000L, state);
		break;
	case OPT_LEAK_AFTER: {
		char *end;

		errno = 0;
		env->leak_after = strtod(arg, &end);
		if (errno || end == arg || *end || !(env->leak_after >= 0) || env->leak_after > 1e9)
			argp_failure(state, 1, 0, "invalid --leak-after: %s", arg);
		env->leak_given = true;
		break;
	}
	case OPT_HTML:
		env->html = arg;
		break;
	case OPT_TRACE_JSON:
		env->trace_json = arg;
		break;
	case OPT_RECORD:
		env->record = arg;
		break;
	case OPT_REPORT:
		env->report = arg;
		break;
	case OPT_PROBE:
		if (!strcmp(arg, "entry"))
			env->probe_entry = true;
		else if (strcmp(arg, "auto"))
			argp_failure(state, 1, 0, "unknown probe placement %s (auto, entry)", arg);
		break;
	case OPT_NO_STACKS:
		env->no_stacks = true;
		break;
	case OPT_BPF_CONFIG:
		if (!strcmp(arg, "rodata"))
			env->bpf_config = LOADER_CONFIG_RODATA;
		else if (strcmp(arg, "cookie"))
			argp_failure(state, 1, 0, "unknown --bpf-config %s (cookie, rodata)", arg);
		break;
	case OPT_DUMP:
		env->dump = true;
		break;
	case OPT_GROUP:
		env->group = true;
		break;
	case OPT_SYSTEM:
		env->system = true;
		break;
	case OPT_METRICS: {
		/* The syntax now, in one line; the host is resolved when it is bound. */
		const char *port = strrchr(arg, ':');

		if (!port || !port[1] || strspn(port + 1, "0123456789") != strlen(port + 1) ||
		    strlen(port + 1) > 5 || atol(port + 1) > 65535)
			argp_failure(state, 1, 0, "--metrics %s: not HOST:PORT or :PORT", arg);
		env->metrics = arg;
		break;
	}
	case OPT_PPROF:
		if (!*arg)
			argp_failure(state, 1, 0, "--pprof needs a file name");
		env->pprof = arg;
		break;
	case OPT_PPROF_SCHED:
		if (!*arg)
			argp_failure(state, 1, 0, "--pprof-sched needs a file name");
		env->pprof_sched = arg;
		break;
	case OPT_ALL:
		env->all = true;
		break;
	case OPT_COMM:
		env->comm = arg;
		break;
	case OPT_EXE:
		env->exe = arg;
		break;
	case OPT_CGROUP:
		env->cgroup = arg;
		break;
	case OPT_MAX_TARGETS:
		env->max_targets =
			parse_long(arg, "--max-targets", 1, GOROUTINE_MAX_TARGETS, state);
		break;
	case OPT_TOOLCHAIN:
		env->toolchain = true;
		break;
	case ARGP_KEY_ARGS:
		env->cmd = state->argv + state->next;
		break;
	case ARGP_KEY_END:
		check_options(env, state);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *format, va_list args)
{
	/* libbpf's own messages are several lines per failure: only with -v. */
	if (!verbose)
		return 0;
	(void)level;
	return vfprintf(stderr, format, args);
}

/* Resolver messages only with -v: a failure is reported in one line anyway. */
static void resolver_log(enum log__level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!verbose)
		return;
	fputs("goroutine: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void sig_handler(int sig)
{
	exiting = 1;
	exit_signal = sig;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int64_t mono_to_real(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return (r.tv_sec - m.tv_sec) * 1000000000LL + (r.tv_nsec - m.tv_nsec);
}

/* The options, into s->env. 0, or 1 after argp's one line. */
static int parse(struct session *s, int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts, .parser = parse_arg, .args_doc = "[-- CMD [ARGS...]]", .doc = doc};

	s->env.goid = -1;
	s->env.leak_after = 10;
	s->env.bpf_config = LOADER_CONFIG_COOKIE;
	s->env.max_targets = GOROUTINE_MAX_TARGETS;
	/* Usage errors are one line (argp_failure) and exit 1, like every other error. */
	argp_err_exit_status = 1;
	if (argp_parse(&argp, argc, argv, 0, NULL, &s->env))
		return 1;
	libbpf_set_print(libbpf_print_fn);
	log__set_fn(resolver_log);
	return 0;
}

/*
 * Whether a command's file is a Go program to attach to before it runs: not
 * a wrapper (env, sh, make: their children are followed), nor the go command
 * (what it builds and runs is), unless --go-toolchain; --comm and --exe
 * apply to it as to its children.
 */
static bool command_is_go(const struct env *env, const struct target *t)
{
	const struct buildinfo *bi;
	const struct pclntab *pt;
	struct gobin *b = NULL;
	const char *base = strrchr(t->path, '/');
	bool go;

	if (gobin__open_path(t->path, &b) || gobin__pclntab(b, &pt, NULL)) {
		gobin__delete(b);
		return false;
	}
	bi = gobin__buildinfo(b);
	go = env->toolchain || !bi || strncmp(bi->path, "cmd/", 4);
	gobin__delete(b);
	base = base ? base + 1 : t->path;
	/* The comm the kernel gives it at exec: the file's name, cut to 15 bytes. */
	return go && (!env->exe || !fnmatch(env->exe, t->path, 0)) &&
	       (!env->comm || !fnmatch(env->comm, strndupa(base, 15), 0)) && !env->cgroup;
}

/*
 * A command: followed through its process tree; attached before it runs
 * when it is a Go program itself (complete from its first instruction).
 */
static int find_command(struct session *s)
{
	char why[PATH_MAX + 64];

	if (target__command(s->env.cmd, &s->root, why, sizeof(why))) {
		fprintf(stderr, "goroutine: %s\n", why);
		return 1;
	}
	/*
	 * A profile (one binary's), a recording (its targets written at the
	 * start) or read-only config (one target): the command itself only,
	 * which must be a Go program, as before following.
	 */
	if (s->env.profile || s->env.record || s->env.bpf_config == LOADER_CONFIG_RODATA) {
		s->targets[s->ntargets++] = s->root;
		s->root = NULL;
		return 0;
	}
	s->follow_mode = GOROUTINE_FOLLOW_TREE;
	if (!command_is_go(&s->env, s->root))
		return 0;
	s->root_is_target = true;
	s->exes[0] = s->root->shown;
	s->targets[s->ntargets++] = s->root;
	return 0;
}

/* The target the options name: one process, a command, or a binary's processes. */
static int find_targets(struct session *s)
{
	const struct env *env = &s->env;
	struct target *t;
	char why[PATH_MAX + 64];
	int err;

	if (env->cmd)
		return find_command(s);
	if (env->all) {
		s->follow_mode = GOROUTINE_FOLLOW_ALL;
		return 0;
	}
	if (env->pid)
		err = target__pid(env->pid, &t, why, sizeof(why));
	else
		err = target__binary(env->binary ? env->binary : DEFAULT_BINARY, &t, why,
				     sizeof(why));
	if (err) {
		fprintf(stderr, "goroutine: %s\n", why);
		return 1;
	}
	t->id = s->ntargets;
	s->targets[s->ntargets++] = t;
	return 0;
}

/* A --profile file: read whole (at most 1 MiB), parsed and validated. 0, or 1 after one line. */
static int read_profile(const char *path, struct profile *prof)
{
	char why[256] = "";
	struct stat st;
	char *buf;
	FILE *f;
	int err;

	f = fopen(path, "r");
	if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
		fprintf(stderr, "goroutine: %s: %s\n", path,
			!f ? strerror(errno) : "not a regular file of at most 1 MiB");
		if (f)
			fclose(f);
		return 1;
	}
	buf = malloc(st.st_size + 1);
	if (!buf || fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
		fprintf(stderr, "goroutine: %s: cannot read\n", path);
		free(buf);
		fclose(f);
		return 1;
	}
	fclose(f);
	err = profile__from_json(buf, st.st_size, prof, why, sizeof(why));
	free(buf);
	if (err) {
		fprintf(stderr, "goroutine: %s: %s: %s\n", path, errors__str(err), why);
		return 1;
	}
	return 0;
}

/* t's profile: the go1.17 default, the --profile file, or resolved from t's binary. */
static int find_profile(const struct env *env, const struct resolver_kernel *k, struct target *t)
{
	char why[256] = "";
	int err;

	if (env->use_default) {
		plan__default_profile(t->prof, t->path);
		return 0;
	}
	if (env->profile)
		return read_profile(env->profile, t->prof);
	err = resolver__resolve(t->bin, t->path, k, t->prof, why, sizeof(why));
	if (err) {
		/* Only a Go binary with unknown offsets has a use for the default. */
		fprintf(stderr, "goroutine: %s: %s%s\n", t->path, why[0] ? why : errors__str(err),
			err == -ERRORS__NO_FIELD ? " (--default uses the go1.17 defaults)" : "");
		return 1;
	}
	return 0;
}

/* Each target's binary opened once, its profile found and checked, its probes chosen. */
static int plan_targets(struct session *s)
{
	const struct env *env = &s->env;
	struct plan_opts po = {
		.profile_path = env->profile,
		.force = env->force,
		.probe_entry = env->probe_entry,
		.no_stacks = env->no_stacks,
		.kernel = {.emulates_push = probepoint__kernel_emulates_push()},
	};
	char why[1024];
	size_t i;
	int err, k;

	for (i = 0; i < s->ntargets; i++) {
		struct target *t = s->targets[i];

		err = gobin__open_path(t->path, &t->bin);
		if (err) {
			fprintf(stderr, "goroutine: %s: %s\n", t->path, errors__str(err));
			return 1;
		}
		t->prof = calloc(1, sizeof(*t->prof));
		if (!t->prof || find_profile(env, &po.kernel, t))
			return 1;
		po.path = t->path;
		err = plan__make(t->bin, t->prof, &po, &t->plan, why, sizeof(why));
		for (k = 0; k < t->plan.nnotes; k++)
			fprintf(stderr, "goroutine: %s\n", t->plan.notes[k]);
		if (err) {
			fprintf(stderr, "goroutine: %s\n", why);
			return 1;
		}
		for (k = 0; verbose && k < t->plan.nprobes; k++) {
			const struct plan_probe *p = &t->plan.probes[k];

			fprintf(stderr, "goroutine: %s: probe at +0x%" PRIx64 " (%s, %s)\n",
				p->name, p->address - p->entry, p->emulated ? "emulated" : "entry",
				p->insn);
		}
		if (names__new(t->prof, &t->names)) {
			fprintf(stderr, "goroutine: %s\n", strerror(ENOMEM));
			return 1;
		}
	}
	return 0;
}

/*
 * The targets' aggregates added up (one, but for following), each target's
 * wait reasons at the session's index for their name (stream__reason_map()):
 * a go1.24 "sleep" and a go1.26 one are one reason, at different numbers.
 */
static int kernel_summary(void *ctx, struct goroutine_summary *sum)
{
	const struct session *s = ctx;
	struct goroutine_summary *each;
	int err = 0;

	if (!s->follow_mode)
		return loader__summary(s->loader, 0, sum);
	each = malloc(sizeof(*each));
	if (!each)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	for (size_t i = 0; !err && i < s->ntargets; i++) {
		uint32_t id = s->targets[i]->id;

		err = loader__summary(s->loader, id, each);
		if (!err)
			summary__add(sum, each, stream__reason_map(s->stream, id));
	}
	free(each);
	return err;
}

/* The target a process is (or was) of, following; 0 otherwise. */
static uint32_t target_of(const struct session *s, uint32_t tgid)
{
	const struct follow_proc *p = s->follow ? follow__proc(s->follow, (pid_t)tgid) : NULL;

	if (!p)
		return 0;
	return p->pid < 0 ? p->ended_target : p->target;
}

/*
 * Following, --summary: each process's share, for the per-process lines: the
 * living and the last ENDED_LISTED that ended, the earlier ones folded into
 * one row.
 */
#define ENDED_LISTED 256
static int kernel_procs(void *ctx, struct summary_proc **out, size_t *nout)
{
	const struct session *s = ctx;
	const struct follow_proc *p;
	struct summary_proc *v, *rest;
	size_t n, k, ended = 0, seen = 0, m = 0;

	*out = NULL;
	*nout = 0;
	if (!s->follow)
		return 0;
	p = follow__procs(s->follow, &n);
	for (k = 0; k < n; k++)
		ended += p[k].pid < 0;
	v = calloc(n + 2, sizeof(*v));
	if (!v)
		return -ENOMEM;
	rest = &v[n + 1];
	for (k = 0; k < n; k++) {
		bool gone = p[k].pid < 0;
		uint32_t id = gone ? p[k].ended_target : p[k].target;
		const struct target *t = NULL;
		struct goroutine_procsum q = {0};

		for (size_t i = 0; i < s->ntargets && !t; i++)
			if (s->targets[i]->id == id)
				t = s->targets[i];
		if (!t)
			continue;
		if (gone && k < s->nshares)
			q = s->shares[k];
		else if (!gone)
			loader__procsum(s->loader, (uint32_t)p[k].pid, &q);
		if (gone && ended - seen++ > ENDED_LISTED) {
			rest->folded++;
			rest->sum.switches += q.switches;
			rest->sum.created += q.created;
			rest->sum.exited += q.exited;
			rest->sum.schedlat_count += q.schedlat_count;
			rest->sum.schedlat_ns += q.schedlat_ns;
			if (q.schedlat_max_ns > rest->sum.schedlat_max_ns)
				rest->sum.schedlat_max_ns = q.schedlat_max_ns;
			continue;
		}
		v[m++] = (struct summary_proc){
			.pid = gone ? -p[k].pid : p[k].pid,
			.ended = gone,
			.exe = t->shown,
			.comm = p[k].comm,
			.container = p[k].container,
			.go_version = t->prof->go_version,
			.sum = q,
		};
	}
	if (rest->folded)
		v[m++] = *rest;
	*out = v;
	*nout = m;
	return 0;
}

static uint32_t kernel_target_of(void *ctx, uint32_t tgid)
{
	return target_of(ctx, tgid);
}

static int kernel_live(void *ctx, struct goroutine_gkey **keys, struct goroutine_gval **vals,
		       size_t *n)
{
	const struct session *s = ctx;
	uint32_t tgid = 0, target = 0;
	const uint8_t *map = NULL;
	int err;

	/*
	 * A command's processes (the ones it ran, followed) keep what they had
	 * when they ended: its goroutines still blocked at its exit are the
	 * leak candidates it is run for. --all and --binary drop processes gone.
	 */
	err = loader__live(s->loader,
			   s->follow_mode == GOROUTINE_FOLLOW_ALL ||
				   s->targets[0]->kind == TARGET_BINARY,
			   keys, vals, n);
	if (err || !s->follow_mode)
		return err;
	/* Each process's wait reasons in the session's numbering, as the totals'. */
	for (size_t i = 0; i < *n; i++) {
		struct goroutine_gval *v = &(*vals)[i];

		if ((*keys)[i].tgid != tgid || !tgid) {
			tgid = (*keys)[i].tgid;
			target = target_of(s, tgid);
			map = stream__reason_map(s->stream, target);
		}
		if (map)
			v->waitreason = map[v->waitreason % GOROUTINE_NREASONS];
	}
	return 0;
}

static int kernel_blocking(void *ctx, struct goroutine_bkey **keys, struct goroutine_bval **vals,
			   size_t *n)
{
	const struct session *s = ctx;

	return loader__blocking(s->loader, keys, vals, n);
}

static int kernel_stack(void *ctx, uint64_t id, struct goroutine_stack *out)
{
	const struct session *s = ctx;

	return s->loader ? loader__stack(s->loader, id, out) : -ENOENT;
}

/*
 * A fresh g's goid, read from its process as the probes read it (the
 * target's goid offset): process_vm_readv, which neither stops nor writes
 * the process.
 */
static int read_goid(void *ctx, uint32_t target, uint32_t tgid, uint64_t gp, uint64_t *goid)
{
	const struct session *s = ctx;
	const struct target *t = NULL;
	struct procmem *m;
	int err;

	for (size_t i = 0; i < s->ntargets && !t; i++)
		if (s->targets[i]->id == target)
			t = s->targets[i];
	if (!t || !gp)
		return -ENOENT;
	err = procmem__open((pid_t)tgid, &m);
	if (err)
		return err;
	err = procmem__read(m, gp + t->plan.config.goid_offset, goid, sizeof(*goid));
	procmem__delete(m);
	return err;
}

/* The output file: stdout or -o (close-on-exec: a traced command must not inherit it). */
static FILE *open_out(const char *path)
{
	FILE *f = path ? fopen(path, "we") : stdout;

	if (!f) {
		fprintf(stderr, "goroutine: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	/* One write per poll, not per line: events come in bursts. */
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

/* A snapshot of one process of a target, quietly: NULL when it cannot be read. */
static struct snapshot *quiet_snapshot(struct target *t, pid_t pid, bool stacks)
{
	/* As many frames as the kernel's walk keeps, and one more to tell a cut. */
	struct snapshot_opts o = {.no_stacks = !stacks, .max_frames = GOROUTINE_STACK_DEPTH + 1};
	struct snapshot *snap = NULL;
	char why[512] = "";

	if (!pid || !t->bin || !t->prof ||
	    snapshot__take(t->bin, t->prof, pid, &o, &snap, why, sizeof(why))) {
		if (verbose && pid)
			fprintf(stderr, "goroutine: process %d: no snapshot: %s\n", (int)pid, why);
		return NULL;
	}
	return snap;
}

/*
 * Each live goroutine's start function and creation site, for the leak
 * candidates: from a snapshot of each process of the (first) target taken
 * now, at the report.
 */
static int report_sites(void *ctx, const struct seed_site **sites, size_t *n)
{
	struct session *s = ctx;
	struct seed_site *all = NULL, *one;
	size_t nall = 0, none, npids = 0;
	pid_t *pids = NULL;

	free(s->site_v);
	s->site_v = NULL;
	s->nsites = 0;
	*sites = NULL;
	*n = 0;
	/*
	 * A recording holds events only: what a live report adds from the
	 * process (origins of goroutines that are not in the record) its
	 * --report could not.
	 */
	if (!s->ntargets || s->env.record || s->follow_mode ||
	    target__processes(s->targets[0], &pids, &npids))
		return 0;
	for (size_t i = 0; i < npids; i++) {
		struct snapshot *snap = quiet_snapshot(s->targets[0], pids[i], false);
		struct seed_site *v;

		if (!snap || seed__sites(s->targets[0]->bin, snap, &one, &none)) {
			snapshot__delete(snap);
			continue;
		}
		snapshot__delete(snap);
		v = realloc(all, (nall + none + 1) * sizeof(*v));
		if (!v) {
			free(one);
			break;
		}
		all = v;
		memcpy(all + nall, one, none * sizeof(*one));
		nall += none;
		free(one);
	}
	free(pids);
	/* Each process's are sorted, and processes come in no order. */
	if (nall)
		qsort(all, nall, sizeof(*all), seed__cmp);
	s->site_v = all;
	s->nsites = nall;
	*sites = s->site_v;
	*n = s->nsites;
	return 0;
}

/* One process's goroutines from before tracing into the kernel's records or the analysis. */
static int seed_process(struct session *s, struct target *t, pid_t pid)
{
	struct goroutine_gentry *e = NULL;
	uint64_t(*pcs)[2] = NULL;
	struct goroutine_stack *st = NULL;
	/* Where they wait, as the kernel's walks would have it, so leak candidates show it. */
	bool stacks = t->plan.config.stacks;
	struct snapshot *snap;
	size_t n = 0, placed = 0;
	int err;

	snap = quiet_snapshot(t, pid, stacks);
	if (!snap) {
		fprintf(stderr,
			"goroutine: process %d: its goroutines could not be read before "
			"tracing: only those that switch state are seen\n",
			(int)pid);
		return 0;
	}
	err = seed__entries(snap, &e, s->kernel_summary ? NULL : &pcs, stacks ? &st : NULL, &n);
	for (size_t i = 0; !err && st && i < n; i++)
		if (e[i].val.flags & GOROUTINE_G_HAS_STACK)
			err = stream__stack(s->stream, t->id, e[i].val.wait_stack, &st[i]);
	if (!err && s->kernel_summary)
		err = loader__seed(s->loader, e, n, &placed);
	else if (!err)
		err = stream__seed(s->stream, t->id, e, (const uint64_t(*)[2])pcs, n);
	if (!err && !s->kernel_summary)
		placed = n;
	if (!err && placed < n)
		fprintf(stderr,
			"goroutine: process %d: %zu of its %zu goroutines did not fit the "
			"kernel's table and are followed only once they switch state\n",
			(int)pid, n - placed, n);
	if (!err && verbose)
		fprintf(stderr,
			"goroutine: process %d: %zu goroutines existed before tracing "
			"(%zu followed; read in %.1f ms)\n",
			(int)pid, n, placed, snap->read_ms);
	free(e);
	free(pcs);
	free(st);
	snapshot__delete(snap);
	if (err)
		fprintf(stderr, "goroutine: seeding: %s\n", strerror(-err));
	return err ? 1 : 0;
}

/*
 * The goroutines that existed before tracing, from a snapshot of each
 * process of each target taken just before attach (-p PID's, and every
 * process already running a --binary), into the kernel's records
 * (--summary) or the analysis; what a switch during tracing changes, its
 * events change. A command needs none: it is held before exec until the
 * probes are attached, so every goroutine it has is seen being created.
 * A --record session records what it seeded (stream.h), so that its
 * --report gives what the live outputs gave.
 */
static int seed(struct session *s)
{
	/* Printing events only: nothing would hold them; --mode snapshot: no probes to add to them. */
	if (s->env.snapshot || (!s->kernel_summary && !stream__wants_seed(s->stream)))
		return 0;
	for (size_t i = 0; i < s->ntargets; i++) {
		struct target *t = s->targets[i];
		size_t npids = 0;
		pid_t *pids = NULL;
		int rc = 0;

		stream__bind(s->stream, t);
		if (target__processes(t, &pids, &npids)) {
			fprintf(stderr,
				"goroutine: %s: its processes could not be listed: only "
				"goroutines that switch state are seen\n",
				t->shown);
			continue;
		}
		for (size_t k = 0; !rc && k < npids; k++)
			rc = seed_process(s, t, pids[k]);
		free(pids);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * The outputs the options ask for, as consumers of the one event stream,
 * every file opened now so a bad path fails before anything is traced.
 * The first target names states and wait reasons (one per session today).
 */
static int open_outputs(struct session *s, const struct names *names, bool goid_at_creation,
			const char *shown, uint32_t pid, uint64_t start_ns, int64_t clock)
{
	const struct env *env = &s->env;
	bool analyse = env->html || env->trace_json;
	struct stream_opts so = {
		.json = env->json,
		.goid = env->goid,
		.summary = env->summary || analyse,
		.leak_after_s = env->leak_after,
		.html = env->html,
		.trace_json = env->trace_json,
		.record = env->record,
		.version = VERSION,
		.shown = shown,
		.pid = pid,
		.names = names,
		.goid_at_creation = goid_at_creation,
		.start_ns = start_ns,
		.mono_to_real_ns = clock,
	};
	char why[PATH_MAX + 128];

	/* --summary aggregates in the kernel, unless the events are wanted anyway. */
	s->kernel_summary = env->summary && !analyse && !env->record && !env->report;
	so.print_events =
		!env->summary && !env->count_only && !analyse && (!env->record || env->json);
	if (s->kernel_summary) {
		s->kernel = (struct stream_kernel){kernel_summary,   kernel_live,  kernel_blocking,
						   kernel_target_of, kernel_procs, s};
		so.kernel = &s->kernel;
	}
	s->sites = (struct stream_sites){report_sites, s};
	so.sites = &s->sites;
	so.pprof = env->pprof;
	so.pprof_sched = env->pprof_sched;
	so.exe = s->ntargets ? s->targets[0]->shown : NULL;
	so.exes = s->follow_mode ? s->exes : NULL;
	/* The report (--report) has no kernel: its stacks come from the record. */
	if (!env->report && !env->no_stacks) {
		s->stacks = (struct stream_stacks){kernel_stack, s};
		so.stacks = &s->stacks;
	}
	/* Live only: a report has the record's GOIDS. */
	if (!env->report) {
		s->goids = (struct stream_goids){read_goid, s};
		so.goids = &s->goids;
	}
	so.state = env->state ? names__state_value(names, env->state) : -1;
	if (env->state && so.state < 0) {
		fprintf(stderr, "goroutine: unknown state %s\n", env->state);
		return 1;
	}
	s->out = open_out(env->output);
	if (!s->out)
		return 1;
	so.out = s->out;
	if (stream__new(&so, &s->stream, why, sizeof(why))) {
		fprintf(stderr, "goroutine: %s\n", why);
		return 1;
	}
	return 0;
}

/*
 * The outputs, named by the first target; following, targets come later, and
 * their states and wait reasons are named by the built-in table.
 */
static int open_session_outputs(struct session *s)
{
	const struct target *t = s->ntargets ? s->targets[0] : NULL;

	if (!t && names__new(NULL, &s->default_names)) {
		fprintf(stderr, "goroutine: %s\n", strerror(ENOMEM));
		return 1;
	}
	if (!t)
		return open_outputs(s, s->default_names, false,
				    s->root ? s->root->shown : "every Go process", 0, 0,
				    mono_to_real());
	/* Following from a Go command: creations are held for their goid (see output.h). */
	return open_outputs(s, t->names, s->follow_mode ? false : t->prof->goid_at_creation,
			    t->shown, s->follow_mode ? 0 : t->pid, 0, mono_to_real());
}

/* Commands started (stopped before exec), then the BPF program loaded for every target. */
static int load(struct session *s)
{
	struct loader_opts lo = {
		.config = s->env.bpf_config,
		.count_only = s->env.count_only,
		.summary = s->kernel_summary,
		.follow = s->follow_mode,
		.no_probes = s->env.snapshot,
	};
	struct follow_opts fo = {
		.follow_only =
			s->follow_mode == GOROUTINE_FOLLOW_TREE || s->env.comm || s->env.cgroup,
		.drop_when_done = s->follow_mode == GOROUTINE_FOLLOW_ALL,
		.toolchain = s->env.toolchain,
		.use_default = s->env.use_default,
		.comm = s->env.comm,
		.exe = s->env.exe,
		.cgroup = s->env.cgroup,
		.plan = {.force = s->env.force,
			 .probe_entry = s->env.probe_entry,
			 .no_stacks = s->env.no_stacks,
			 .kernel = {.emulates_push = probepoint__kernel_emulates_push()}},
	};
	char why[PATH_MAX + 128];
	size_t i;

	for (i = 0; i < s->ntargets; i++)
		if (target__spawn(s->targets[i], why, sizeof(why))) {
			fprintf(stderr, "goroutine: %s\n", why);
			return 1;
		}
	if (s->root && !s->root_is_target && target__spawn(s->root, why, sizeof(why))) {
		fprintf(stderr, "goroutine: %s\n", why);
		return 1;
	}
	if (s->follow_mode && follow__new(&fo, &s->follow)) {
		fprintf(stderr, "goroutine: %s\n", strerror(ENOMEM));
		return 1;
	}
	if (loader__load(&lo, s->targets, s->ntargets, &s->loader, why, sizeof(why)) &&
	    s->root_is_target && lo.follow) {
		/*
		 * The follow programs need the kernel's BTF (tp_btf): without it, a
		 * Go command is still traced, alone, as before following.
		 */
		fprintf(stderr, "goroutine: %s: the command's children are not followed\n", why);
		s->follow_mode = lo.follow = GOROUTINE_FOLLOW_NONE;
		follow__delete(s->follow);
		s->follow = NULL;
	}
	if (!s->loader &&
	    loader__load(&lo, s->targets, s->ntargets, &s->loader, why, sizeof(why))) {
		fprintf(stderr, "goroutine: %s\n", why);
		return 1;
	}
	/* The command's process, held before its exec: its descendants are followed. */
	if (s->follow_mode && s->root && loader__follow_pid(s->loader, (uint32_t)s->root->pid)) {
		fprintf(stderr, "goroutine: cannot follow process %d\n", (int)s->root->pid);
		return 1;
	}
	return 0;
}

/* A process traced, for stderr: "tracing process 123 (/usr/bin/app, go1.24.1, ...)". */
static void say_process(const struct session *s, pid_t pid, const char *how)
{
	const struct follow_proc *p = follow__proc(s->follow, pid);
	const struct target *t = p && p->target < s->ntargets ? s->targets[p->target] : NULL;

	if (!t)
		return;
	fprintf(stderr, "goroutine: tracing process %d (%s, %s, comm %s%s%s%s%s)\n", (int)pid,
		t->shown, t->prof->go_version[0] ? t->prof->go_version : "Go version unknown",
		p->comm, p->container[0] ? ", container " : "", p->container, how ? ", " : "",
		how ? how : "");
}

/*
 * Following: a process found running with its binary probed already (--all's
 * scan): its goroutines so far. The kernel may be writing the table for
 * other processes meanwhile; a slot taken between the check and the store
 * loses one goroutine's record to the other (counted as an eviction would).
 */
static void seed_late(struct session *s, uint32_t id, pid_t pid)
{
	if (id < s->ntargets && !s->env.snapshot &&
	    (s->kernel_summary || stream__wants_seed(s->stream)))
		seed_process(s, s->targets[id], pid);
}

/* A binary probed before the command runs (follow__prepare()). */
static void add_prepared(struct session *s, struct target *t)
{
	char why[PATH_MAX + 128];

	t->id = (uint32_t)s->ntargets;
	if (loader__add_target(s->loader, t, why, sizeof(why))) {
		fprintf(stderr, "goroutine: %s\n", why);
		loader__detach(s->loader, t->id);
		target__delete(t);
		return;
	}
	stream__bind(s->stream, t);
	s->exes[t->id] = t->shown;
	if (!s->ntargets && s->default_names)
		names__set(s->default_names, t->prof);
	s->targets[s->ntargets++] = t;
	follow__bind(s->follow, 0, t);
	if (verbose)
		fprintf(stderr, "goroutine: %s: probed before the command runs\n", t->shown);
}

/* A target's process or binary, for stderr: "process 123 (/usr/bin/app, go1.24.1)". */
static void say_target(const struct session *s, const struct target *t, const char *what, double ms)
{
	const struct follow_proc *p = s->follow ? follow__proc(s->follow, t->pid) : NULL;

	if (t->kind == TARGET_BINARY)
		fprintf(stderr, "goroutine: %s every process of %s (%s)", what, t->shown,
			t->prof->go_version[0] ? t->prof->go_version : "Go version unknown");
	else
		fprintf(stderr, "goroutine: %s process %d (%s, %s%s%s)", what, (int)t->pid,
			t->shown,
			t->prof->go_version[0] ? t->prof->go_version : "Go version unknown",
			p && p->container[0] ? ", container " : "",
			p && p->container[0] ? p->container : "");
	if (ms >= 0)
		fprintf(stderr, ", attached %.1f ms after its exec", ms);
	fputc('\n', stderr);
}

/*
 * Following: a binary whose processes had all ended runs again: its target,
 * kept with its id, attached again (a service restarted, a crash loop: no
 * new target each time, no resolution either).
 */
static void revive(struct session *s, pid_t pid, uint64_t exec_ns)
{
	const struct follow_proc *p = follow__proc(s->follow, pid);
	char why[PATH_MAX + 512], when[64];
	struct target *t;

	if (!p || p->target >= s->ntargets || !s->dropped[p->target]) {
		follow__exit(s->follow, pid);
		return;
	}
	t = s->targets[p->target];
	loader__follow_pid(s->loader, (uint32_t)pid);
	if (!s->env.snapshot && (s->kernel_summary || stream__wants_seed(s->stream)))
		seed_process(s, t, pid);
	if (loader__add_target(s->loader, t, why, sizeof(why))) {
		if (verbose)
			fprintf(stderr, "goroutine: process %d: %s\n", (int)pid, why);
		loader__detach(s->loader, t->id);
		follow__exit(s->follow, pid);
		return;
	}
	s->dropped[t->id] = false;
	if (exec_ns)
		snprintf(when, sizeof(when), "attached again %.1f ms after its exec",
			 (now_ns() - exec_ns) / 1e6);
	say_process(s, pid, exec_ns ? when : "attached again");
}

/*
 * Following: process pid has exec'd (exec_ns, CLOCK_MONOTONIC; 0 when found
 * by the scan): attach to its binary if it is a new Go one of ours. The
 * probes are in place only once this returns: what the process did since
 * its exec is not seen (the window says on stderr with -v).
 */
static void add_process(struct session *s, pid_t pid, uint64_t exec_ns)
{
	char why[PATH_MAX + 512], procexe[64];
	struct target *t;
	size_t id;

	switch (follow__process(s->follow, pid, &t, why, sizeof(why))) {
	case FOLLOW_REFUSED:
		fprintf(stderr, "goroutine: %s\n", why);
		return;
	case FOLLOW_NEW:
		break;
	case FOLLOW_REVIVED:
		revive(s, pid, exec_ns);
		return;
	case FOLLOW_JOINED:
		/* Its binary is probed already: from its exec on, if it was in the follow map then. */
		loader__follow_pid(s->loader, (uint32_t)pid);
		if (!exec_ns)
			seed_late(s, follow__proc(s->follow, pid)->target, pid);
		say_process(s, pid, exec_ns ? "probed before its exec" : NULL);
		return;
	default:
		return;
	}
	id = s->ntargets;
	if (id >= (size_t)s->env.max_targets) {
		if (!s->limit_said)
			fprintf(stderr,
				"goroutine: %zu targets traced already (--max-targets): no more "
				"attaches; process %d and later ones are not traced\n",
				id, (int)pid);
		s->limit_said = true;
		target__delete(t);
		return;
	}
	t->id = (uint32_t)id;
	snprintf(procexe, sizeof(procexe), "/proc/%d/exe", (int)pid);
	/* In the follow map before its binary's probes: its events pass the filter at once. */
	loader__follow_pid(s->loader, (uint32_t)pid);
	/* What it has already, read before its probes fire, so that they add to it. */
	stream__bind(s->stream, t);
	if (!s->env.snapshot && (s->kernel_summary || stream__wants_seed(s->stream)))
		seed_process(s, t, pid);
	if (loader__add_target(s->loader, t, why, sizeof(why))) {
		/* Gone meanwhile (its /proc/PID/exe went with it): nothing to say. */
		if (verbose || !access(procexe, F_OK))
			fprintf(stderr, "goroutine: process %d: %s\n", (int)pid, why);
		loader__detach(s->loader, t->id);
		target__delete(t);
		return;
	}
	s->exes[t->id] = t->shown;
	/* The outputs name states and wait reasons as the first Go program found does. */
	if (!s->ntargets && s->default_names)
		names__set(s->default_names, t->prof);
	s->targets[s->ntargets++] = t;
	follow__bind(s->follow, pid, t);
	if (exec_ns) {
		uint64_t d = now_ns() - exec_ns;
		char when[64];

		if (d > s->attach_ns_max)
			s->attach_ns_max = d;
		/* Its binary stays probed for the next ones; this one ran whole in the window. */
		if (access(procexe, F_OK) && (s->follow_mode == GOROUTINE_FOLLOW_TREE || verbose)) {
			fprintf(stderr,
				"goroutine: process %d (%s) ended before its probes were in place "
				"(%.1f ms after its exec): not traced\n",
				(int)pid, t->shown, d / 1e6);
			return;
		}
		snprintf(when, sizeof(when), "attached %.1f ms after its exec", d / 1e6);
		say_process(s, pid, when);
	} else {
		say_process(s, pid, NULL);
	}
}

/*
 * A command's words that name Go programs (`env X=1 ./app`, `sh -c 'app
 * -v'`): their binaries probed before the command runs, so that their
 * processes are traced from their first instruction (the follow map lets
 * only the command's descendants through). Others are found at their exec.
 */
static void prepare_words(struct session *s)
{
	char why[PATH_MAX + 512], path[PATH_MAX], word[PATH_MAX];

	/* A Go command itself is attached as its own process already. */
	for (char **a = s->env.cmd + s->root_is_target; *a; a++) {
		const char *p = *a;

		while (*p) {
			size_t n = strcspn(p, " \t\n;&|()<>'\"`=");
			struct target *t;

			if (n && n < sizeof(word)) {
				memcpy(word, p, n);
				word[n] = 0;
				if (!target__find_command(word, path, sizeof(path)) &&
				    s->ntargets < (size_t)s->env.max_targets) {
					enum follow_verdict v = follow__prepare(s->follow, path, &t,
										why, sizeof(why));

					if (v == FOLLOW_REFUSED)
						fprintf(stderr, "goroutine: %s\n", why);
					if (v == FOLLOW_NEW)
						add_prepared(s, t);
				}
			}
			p += n;
			p += *p != 0;
		}
	}
}

/*
 * Following, --summary: an ended process's share, kept here (by its index
 * among follow's processes) and taken out of the kernel's map, so that the
 * map holds only the living.
 */
static void keep_share(struct session *s, pid_t pid)
{
	const struct follow_proc *p = follow__proc(s->follow, pid), *all;
	size_t n, k;

	if (!s->kernel_summary || !p || p->pid != pid)
		return;
	all = follow__procs(s->follow, &n);
	k = (size_t)(p - all);
	if (array__reserve(&s->shares, &s->shares_cap, k + 1, sizeof(*s->shares), 64, 0))
		return;
	if (k >= s->nshares) {
		memset(s->shares + s->nshares, 0, (k + 1 - s->nshares) * sizeof(*s->shares));
		s->nshares = k + 1;
	}
	loader__procsum(s->loader, (uint32_t)pid, &s->shares[k]);
	loader__procsum_drop(s->loader, (uint32_t)pid);
}

/* Following: a process's end; a target none of whose processes are left is detached. */
static void end_process(struct session *s, pid_t pid)
{
	int id;

	keep_share(s, pid);
	id = follow__exit(s->follow, pid);

	if (id < 0 || (size_t)id >= s->ntargets || s->dropped[id])
		return;
	s->dropped[id] = true;
	loader__detach(s->loader, (uint32_t)id);
	if (verbose)
		say_target(s, s->targets[id], "done with", -1);
}

static void on_proc_locked(struct session *s, const struct goroutine_proc_event *e);

static int on_proc(void *ctx, void *data, size_t size)
{
	const struct goroutine_proc_event *e = data;
	struct session *s = ctx;

	if (size < sizeof(*e))
		return 0;
	/* A scrape reads the targets and the processes: not while they change. */
	metricsd__lock(s->metricsd);
	on_proc_locked(s, e);
	metricsd__set_ntargets(s->metricsd, s->ntargets);
	metricsd__unlock(s->metricsd);
	return 0;
}

static void on_proc_locked(struct session *s, const struct goroutine_proc_event *e)
{
	if (e->kind == GOROUTINE_PROC_EXIT) {
		end_process(s, (pid_t)e->tgid);
		return;
	}
	/* The command's own exec into the Go program it was attached to before it ran. */
	if (s->root_is_target && !s->root_exec_seen && (pid_t)e->tgid == s->root->pid) {
		s->root_exec_seen = true;
		return;
	}
	add_process(s, (pid_t)e->tgid, e->ts_ns);
}

static int scan_one(void *ctx, pid_t pid)
{
	struct session *s = ctx;

	add_process(s, pid, 0);
	return 0;
}

/*
 * Following: the tracepoints attached first, so that no exec falls between
 * the scan and them; then, for --all, every process running now.
 */
static int follow_start(struct session *s)
{
	char why[256];
	int err;

	if (!s->follow_mode)
		return 0;
	err = loader__open_procs(s->loader, on_proc, s);
	if (!err)
		err = loader__follow_start(s->loader, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "cannot read process events: %s", strerror(-err));
	if (err) {
		fprintf(stderr, "goroutine: %s\n", why);
		return 1;
	}
	if (s->follow_mode == GOROUTINE_FOLLOW_TREE)
		prepare_words(s);
	if (s->follow_mode == GOROUTINE_FOLLOW_ALL && follow__scan(scan_one, s)) {
		fprintf(stderr, "goroutine: /proc: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct stream *stream = ctx;

	if (size < sizeof(struct goroutine_event))
		return 0;
	return stream__event(stream, data);
}

/* Every probe of every target attached; the events flow; commands may run. */
static int attach(struct session *s)
{
	const struct target *t0 = s->targets[0];
	char why[PATH_MAX + 128];
	size_t i;
	int err;

	for (i = 0; i < s->ntargets; i++)
		if (loader__attach(s->loader, s->targets[i], why, sizeof(why))) {
			fprintf(stderr, "goroutine: %s\n", why);
			return 1;
		}
	err = loader__open_events(s->loader, on_event, s->stream);
	if (err) {
		fprintf(stderr, "goroutine: cannot create ring buffer: %s\n", strerror(-err));
		return 1;
	}
	if (follow_start(s))
		return 1;
	if (verbose && t0)
		fprintf(stderr,
			"goroutine: %s: %s, %s at file offset 0x%" PRIx64 ", goid at %u (%s), "
			"%s ABI, BPF prog id %u\n",
			t0->path,
			t0->prof->go_version[0] ? t0->prof->go_version : "Go version unknown",
			t0->plan.probes[0].name, t0->plan.probes[0].file_offset,
			t0->plan.config.goid_offset, profile__source_name(t0->prof->g_goid.source),
			t0->plan.config.abi == GOROUTINE_ABI_REGISTER ? "register" : "stack",
			loader__prog_id(s->loader));
	/* Time 0: the probes can fire. */
	s->started = now_ns();
	if (stream__start(s->stream, s->started, s->targets, s->ntargets, why, sizeof(why))) {
		fprintf(stderr, "goroutine: %s\n", why);
		return 1;
	}
	if (s->follow_mode == GOROUTINE_FOLLOW_ALL)
		fprintf(stderr, "goroutine: tracing every Go process (%zu now); Ctrl-C to stop\n",
			s->ntargets);
	else if (s->root_is_target)
		say_target(s, t0, "tracing", -1);
	else if (s->root)
		fprintf(stderr, "goroutine: following %s (process %d) and its children\n",
			s->root->path, (int)s->root->pid);
	else
		fprintf(stderr, "goroutine: tracing %s%s; Ctrl-C to stop\n", t0->path,
			s->env.use_default ? " with the go1.17 default" : "");
	for (i = 0; i < s->ntargets; i++)
		if (target__release(s->targets[i]))
			fprintf(stderr, "goroutine: cannot start %s\n", s->targets[i]->path);
	if (s->root && !s->root_is_target && target__release(s->root))
		fprintf(stderr, "goroutine: cannot start %s\n", s->root->path);
	return 0;
}

static struct stream_stats live_stats(const struct session *s)
{
	return (struct stream_stats){
		.events = loader__counter(s->loader, GOROUTINE_CNT_EVENTS),
		.lost = loader__counter(s->loader, GOROUTINE_CNT_LOST),
		.evicted = loader__counter(s->loader, GOROUTINE_CNT_EVICTED),
		.end_ns = now_ns(),
	};
}

/*
 * Whether every traced process has ended (never, for a binary's processes);
 * following a command, whether it has (its status is the tracer's).
 */
static bool targets_gone(struct session *s)
{
	size_t i;

	if (s->follow_mode == GOROUTINE_FOLLOW_ALL)
		return false;
	if (s->root)
		return target__gone(s->root);

	for (i = 0; i < s->ntargets; i++)
		if (!target__gone(s->targets[i]))
			return false;
	return true;
}

/*
 * Poll the ring buffer until SIGINT/SIGTERM, the duration, or the traced
 * processes end. Events are submitted without wake-ups: sleep at most
 * POLL_MS (the BPF side wakes us early when the ring fills), then take all.
 */
static int run(struct session *s)
{
	const struct env *env = &s->env;
	uint64_t deadline = 0, next_report, next_summary, lost_seen = 0, lost, now;
	int poll_ms =
		env->snapshot || s->kernel_summary || env->count_only ? IDLE_POLL_MS : POLL_MS;
	int err;

	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);
	if (env->duration)
		deadline = s->started + env->duration * 1000000000ULL;
	next_report = s->started + LOST_REPORT_NS;
	next_summary = s->started + env->interval * 1000000000ULL;
	while (!exiting) {
		err = loader__poll(s->loader, poll_ms);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "goroutine: polling the ring buffer: %s\n", strerror(-err));
			return 1;
		}
		now = now_ns();
		stream__tick(s->stream);
		if (targets_gone(s))
			break;
		if (now >= next_report) {
			lost = loader__counter(s->loader, GOROUTINE_CNT_LOST);
			if (lost > lost_seen)
				fprintf(stderr,
					"goroutine: %" PRIu64 " events lost in the last %llu s "
					"(ring buffer full)\n",
					lost - lost_seen, LOST_REPORT_NS / 1000000000ULL);
			lost_seen = lost;
			next_report = now + LOST_REPORT_NS;
		}
		if (env->interval && now >= next_summary) {
			struct stream_stats st = live_stats(s);

			stream__interval(s->stream, &st);
			next_summary += env->interval * 1000000000ULL;
		}
		if (deadline && now >= deadline)
			break;
	}
	/* Drain what is left so the final counts match what was printed. */
	loader__drain(s->loader);
	return 0;
}

/* Following: target t's processes as the session knows them (for a scrape). */
static int follow_processes(void *ctx, const struct target *t, pid_t **pids, size_t *n)
{
	const struct session *s = ctx;
	const struct follow_proc *p;
	size_t np, i, k = 0;
	pid_t *v;

	p = follow__procs(s->follow, &np);
	v = calloc(np + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < np; i++)
		if (p[i].pid > 0 && p[i].target == t->id)
			v[k++] = p[i].pid;
	*pids = v;
	*n = k;
	return 0;
}

/*
 * --metrics ADDR: the endpoint, once the probes are attached. Its scrapes
 * read the targets' binaries on their own thread: nothing else may until
 * metricsd__stop() (so -i, whose reports read them too, is refused).
 */
static int start_metrics(struct session *s)
{
	struct metricsd_opts o = {
		.addr = s->env.metrics,
		.loader = s->loader,
		.targets = s->targets,
		.ntargets = s->ntargets,
		.leak_after_s = s->env.leak_after,
		.version = VERSION,
		.processes = s->follow ? follow_processes : NULL,
		.ctx = s,
		.snapshot_only = s->env.snapshot,
		.per_process = s->follow_mode && s->kernel_summary,
	};
	char why[PATH_MAX + 128], bound[128];

	if (!s->env.metrics)
		return 0;
	if (metricsd__start(&o, &s->metricsd, bound, sizeof(bound), why, sizeof(why))) {
		fprintf(stderr, "goroutine: %s\n", why);
		return 1;
	}
	fprintf(stderr, "goroutine: metrics at http://%s/metrics\n", bound);
	return 0;
}

/*
 * A name from a process (a path, a comm: anyone's bytes in a container) for
 * a terminal line: a newline or an escape sequence must not forge lines, so
 * anything below 0x20 and 0x7f is printed as '?'.
 */
static const char *printable(const char *in, char *out, size_t len)
{
	snprintf(out, len, "%s", in);
	for (char *c = out; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return out;
}

/* The reports the outputs make at the end, and the counts on stderr. */
static int report(struct session *s)
{
	struct stream_stats st = live_stats(s);
	char why[PATH_MAX + 128];
	int rc = 0;

	if (stream__finish(s->stream, &st, why, sizeof(why))) {
		fprintf(stderr, "goroutine: %s\n", why);
		rc = 1;
	}
	if (s->kernel_summary && s->follow_mode && s->loader &&
	    loader__counter(s->loader, GOROUTINE_CNT_PROCS_FULL))
		fprintf(stderr,
			"goroutine: more than %d processes at once: the switches of some are in "
			"the total but not on a line of their own (%" PRIu64 " switches)\n",
			GOROUTINE_PROCS_MAX, loader__counter(s->loader, GOROUTINE_CNT_PROCS_FULL));
	if (s->root && !s->ntargets)
		fprintf(stderr, "goroutine: %s ran no Go program\n", s->root->path);
	else if (s->follow_mode && verbose)
		fprintf(stderr,
			"goroutine: %zu targets, %zu binaries resolved; the longest exec to "
			"attach %.1f ms\n",
			s->ntargets, follow__binaries(s->follow), s->attach_ns_max / 1e6);
	fprintf(stderr, "goroutine: %" PRIu64 " events, %" PRIu64 " lost\n", st.events, st.lost);
	return rc;
}

/* Everything released; a command's exit status is the tracer's when all went well. */
static int cleanup(struct session *s, int rc)
{
	int status = -1;
	size_t i;

	stream__delete(s->stream);
	loader__delete(s->loader);
	free(s->site_v);
	free(s->shares);
	for (i = 0; i < s->ntargets; i++) {
		int st = target__finish(s->targets[i], exiting ? exit_signal : 0);

		if (st >= 0)
			status = st;
		target__delete(s->targets[i]);
	}
	/* A wrapper command, not a target itself: its status just the same. */
	if (s->root && !s->root_is_target) {
		int st = target__finish(s->root, exiting ? exit_signal : 0);

		if (st >= 0)
			status = st;
		target__delete(s->root);
	}
	follow__delete(s->follow);
	names__delete(s->default_names);
	if (s->out && s->out != stdout)
		fclose(s->out);
	else if (s->out)
		fflush(s->out);
	return status >= 0 && !rc ? status : rc;
}

/* --report: a recording's targets and clock, then its events, through the outputs. */
struct replay {
	struct session *s;
	const char *path;
	struct names *names[GOROUTINE_MAX_TARGETS];
	bool goid_at_creation[GOROUTINE_MAX_TARGETS];
	char shown[PATH_MAX];
	uint32_t pid;
	uint64_t start_ns;
	int64_t clock;
	struct stream_stats st;
	bool have_meta;
};

static double json_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static int replay_meta(void *ctx, const char *json, size_t len)
{
	struct replay *r = ctx;
	cJSON *j = cJSON_ParseWithLength(json, len);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "target");

	if (!cJSON_IsObject(j) || json_num(j, "schema_version") != 1) {
		cJSON_Delete(j);
		return -ERRORS__FORMAT;
	}
	snprintf(r->shown, sizeof(r->shown), "%s", cJSON_IsString(t) ? t->valuestring : "");
	r->pid = json_num(j, "pid");
	r->start_ns = json_num(j, "start_ns");
	t = cJSON_GetObjectItemCaseSensitive(j, "mono_to_real_ns");
	r->clock = cJSON_IsString(t) ? strtoll(t->valuestring, NULL, 10) : 0;
	r->have_meta = true;
	cJSON_Delete(j);
	return 0;
}

static int replay_target(void *ctx, uint32_t id, const char *json, size_t len)
{
	struct replay *r = ctx;
	cJSON *j = cJSON_ParseWithLength(json, len);
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(j, "names");
	char *text = names ? cJSON_PrintUnformatted(names) : NULL;
	int err = -ERRORS__CORRUPT;

	if (id < GOROUTINE_MAX_TARGETS && text && !r->names[id]) {
		err = names__from_json(text, strlen(text), &r->names[id]);
		r->goid_at_creation[id] =
			cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "goid_at_creation"));
		if (!err && r->s->stream)
			stream__reasons(r->s->stream, id, r->names[id]);
	}
	free(text);
	cJSON_Delete(j);
	return err ? -ERRORS__CORRUPT : 0;
}

/* The stream, once the recording's META and first TARGET are known. */
static int replay_open(struct replay *r)
{
	if (r->s->stream)
		return 0;
	if (!r->names[0] && names__new(NULL, &r->names[0]))
		return -ENOMEM;
	char why[64];

	if (open_outputs(r->s, r->names[0], r->goid_at_creation[0], r->shown, r->pid, r->start_ns,
			 r->clock) ||
	    stream__start(r->s->stream, r->start_ns, NULL, 0, why, sizeof(why)))
		return -EIO;
	/* Each program's wait reasons in the session's numbering, as when tracing. */
	for (uint32_t id = 0; id < GOROUTINE_MAX_TARGETS; id++)
		if (r->names[id])
			stream__reasons(r->s->stream, id, r->names[id]);
	return 0;
}

static int replay_events(void *ctx, const struct goroutine_event *ev, size_t n)
{
	struct replay *r = ctx;
	size_t i;
	int err = replay_open(r);

	for (i = 0; !err && i < n; i++)
		stream__event(r->s->stream, &ev[i]);
	stream__tick(r->s->stream);
	return err;
}

static int replay_sites(void *ctx, uint32_t id, const char *json, size_t len)
{
	struct replay *r = ctx;
	int err = replay_open(r);

	if (!err)
		err = stream__sites(r->s->stream, id, json, len);
	return err == -ENOMEM || err == -EIO ? err : err ? -ERRORS__CORRUPT : 0;
}

static int replay_stacks(void *ctx, uint32_t id, const char *json, size_t len)
{
	struct replay *r = ctx;
	int err = replay_open(r);

	if (!err)
		err = stream__stacks(r->s->stream, id, json, len);
	return err == -ENOMEM || err == -EIO ? err : err ? -ERRORS__CORRUPT : 0;
}

static int replay_seed(void *ctx, uint32_t id, const struct record_seed *v, size_t n)
{
	struct replay *r = ctx;
	struct goroutine_gentry *e = malloc((n + 1) * sizeof(*e));
	uint64_t(*pcs)[2] = malloc((n + 1) * sizeof(*pcs));
	int err = e && pcs ? replay_open(r) : -ENOMEM;

	for (size_t i = 0; !err && i < n; i++) {
		e[i] = v[i].g;
		pcs[i][0] = v[i].startpc;
		pcs[i][1] = v[i].gopc;
	}
	if (!err)
		err = stream__seed(r->s->stream, id, e, (const uint64_t(*)[2])pcs, n);
	free(e);
	free(pcs);
	return err;
}

static int replay_goids(void *ctx, uint32_t id, const struct record_goid *v, size_t n)
{
	struct replay *r = ctx;
	int err = replay_open(r);

	for (size_t i = 0; !err && i < n; i++)
		stream__goid(r->s->stream, id, v[i].tgid, v[i].gp, v[i].goid);
	return err;
}

static int replay_stats(void *ctx, const char *json, size_t len)
{
	struct replay *r = ctx;
	cJSON *j = cJSON_ParseWithLength(json, len);

	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return -ERRORS__CORRUPT;
	}
	r->st.events = json_num(j, "events");
	r->st.lost = json_num(j, "lost");
	r->st.evicted = json_num(j, "evicted");
	r->st.end_ns = json_num(j, "end_ns");
	cJSON_Delete(j);
	return 0;
}

/* --report FILE: the recording validated whole, then replayed. Exit status 0 or 1. */
static int replay(struct session *s)
{
	static const struct record_ops ops = {
		.meta = replay_meta,
		.target = replay_target,
		.events = replay_events,
		.sites = replay_sites,
		.stacks = replay_stacks,
		.seed = replay_seed,
		.goids = replay_goids,
		.stats = replay_stats,
	};
	struct replay *r = calloc(1, sizeof(*r));
	char why[512] = "";
	const void *buf = NULL;
	size_t len = 0, i;
	int err, rc = 1;

	if (!r) {
		fprintf(stderr, "goroutine: %s\n", strerror(ENOMEM));
		return 1;
	}
	r->s = s;
	err = record__map_path(s->env.report, &buf, &len);
	if (err) {
		fprintf(stderr, "goroutine: %s: %s\n", s->env.report,
			err == -EINVAL ? "not a regular file" : record__strerror(err));
		goto out;
	}
	err = record__read(buf, len, &ops, r, why, sizeof(why));
	if (!err)
		err = replay_open(r);
	if (err) {
		/* A failure of our own outputs was said already. */
		if (err != -EIO)
			fprintf(stderr, "goroutine: %s: %s\n", s->env.report,
				why[0] ? why : record__strerror(err));
		goto out;
	}
	rc = 0;
	if (stream__finish(s->stream, &r->st, why, sizeof(why))) {
		fprintf(stderr, "goroutine: %s\n", why);
		rc = 1;
	}
	fprintf(stderr, "goroutine: %" PRIu64 " events, %" PRIu64 " lost (recorded)\n",
		r->st.events, r->st.lost);
out:
	stream__delete(s->stream);
	s->stream = NULL;
	if (buf)
		record__unmap(buf, len);
	for (i = 0; i < GOROUTINE_MAX_TARGETS; i++)
		names__delete(r->names[i]);
	free(r);
	if (s->out && s->out != stdout)
		fclose(s->out);
	else if (s->out)
		fflush(s->out);
	return rc;
}

/* --dump --pprof FILE: the snapshot as the runtime's goroutine profile, FILE whole or absent. */
static int pprof_dump(struct session *s, struct target *t, const struct snapshot *snap)
{
	struct dumppprof_stats st;
	int err = dumppprof__write_file(s->env.pprof, t->bin, t->path, snap, s->env.system, &st);

	if (err) {
		fprintf(stderr, "goroutine: %s: %s\n", s->env.pprof, strerror(-err));
		return err;
	}
	fprintf(stderr,
		"goroutine: process %d: %zu goroutines in %zu stacks written to %s (%zu without "
		"a stack left out); read in %.1f ms\n",
		(int)t->pid, st.goroutines, st.samples,
		strcmp(s->env.pprof, "-") ? s->env.pprof : "stdout", st.no_stack, snap->read_ms);
	return 0;
}

/*
 * Whether process pid has exited or begun to (PF_EXITING in /proc/PID/stat):
 * its /proc/PID/exe goes with its memory, before the pidfd says it is gone.
 */
static bool process_exiting(struct target *t)
{
	unsigned int flags = 0;
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;

	if (target__gone(t))
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)t->pid);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT || errno == ESRCH;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* The flags are the 9th field, the 6th after the ")" that ends the command name. */
	p = strrchr(buf, ')');
	return p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %u", &flags) == 1 && (flags & 0x4);
}

/*
 * --dump: every goroutine of the process, read from outside (no BPF, no
 * stop), printed as the runtime prints them; what could not be read
 * consistently is counted on stderr, and a snapshot with none is an error.
 */
static int dump(struct session *s)
{
	struct resolver_kernel k = {.emulates_push = probepoint__kernel_emulates_push()};
	struct dump_opts o = {.format = s->env.json  ? DUMP_JSON :
					s->env.group ? DUMP_GROUP :
						       DUMP_TEXT,
			      .system = s->env.system};
	struct target *t = s->targets[0];
	struct snapshot *snap = NULL;
	char why[512];
	int err;

	/* --dump --all: the binary is opened and resolved once for all its processes. */
	if (t->bin)
		goto snap;
	err = gobin__open_path(t->path, &t->bin);
	/* Gone since it was found: /proc/PID/exe went with it, say so rather than ENOENT. */
	if (err && process_exiting(t)) {
		fprintf(stderr, "goroutine: process %d: the process exited before it was read\n",
			(int)t->pid);
		return 1;
	}
	if (err == -EACCES || err == -EPERM) {
		fprintf(stderr,
			"goroutine: process %d: not allowed to read it (run as root, or as its "
			"owner where kernel.yama.ptrace_scope allows)\n",
			(int)t->pid);
		return 1;
	}
	if (err) {
		fprintf(stderr, "goroutine: %s: %s\n", t->path, errors__str(err));
		return 1;
	}
	t->prof = calloc(1, sizeof(*t->prof));
	if (!t->prof || find_profile(&s->env, &k, t))
		return 1;
snap:
	err = snapshot__take(t->bin, t->prof, t->pid, NULL, &snap, why, sizeof(why));
	if (err) {
		fprintf(stderr, "goroutine: process %d: %s\n", (int)t->pid, why);
		return 1;
	}
	if (s->env.pprof) {
		err = pprof_dump(s, t, snap);
		snapshot__delete(snap);
		return err ? 1 : 0;
	}
	if (!s->out)
		s->out = open_out(s->env.output);
	if (!s->out) {
		snapshot__delete(snap);
		return 1;
	}
	err = dump__write(s->out, t->bin, t->prof, snap, &o);
	if (err)
		fprintf(stderr, "goroutine: %s: %s\n", s->env.output ? s->env.output : "stdout",
			strerror(-err));
	fprintf(stderr,
		"goroutine: process %d: %zu goroutines read in %.1f ms (%lu reads): %zu "
		"consistent, "
		"%zu changed while read, %zu with bad stack bounds\n",
		(int)t->pid, snap->n, snap->read_ms, snap->syscalls, snap->n_consistent,
		snap->n_changed, snap->n_bad);
	snapshot__delete(snap);
	return err ? 1 : 0;
}

struct pids {
	pid_t *v;
	size_t n, cap;
};

static int collect_pid(void *ctx, pid_t pid)
{
	struct pids *p = ctx;

	if (array__reserve(&p->v, &p->cap, p->n + 1, sizeof(*p->v), 256, 0))
		return -ENOMEM;
	p->v[p->n++] = pid;
	return 0;
}

/*
 * --dump --all: every Go process (the filters apply), each binary resolved
 * once, each process dumped as --dump -p would, a header line before each
 * (text) or one JSON document each; a process that cannot be read is said
 * and the others dumped. 0, or 1 when any failed.
 */
static int dump_all(struct session *s)
{
	struct follow_opts fo = {
		.use_default = s->env.use_default,
		.comm = s->env.comm,
		.exe = s->env.exe,
		.cgroup = s->env.cgroup,
		.plan = {.kernel = {.emulates_push = probepoint__kernel_emulates_push()}},
	};
	struct target *bins[GOROUTINE_MAX_TARGETS] = {};
	struct pids pids = {};
	size_t nbins = 0, i, dumped = 0;
	char why[PATH_MAX + 512];
	int rc = 0;

	if (follow__new(&fo, &s->follow) || follow__scan(collect_pid, &pids)) {
		fprintf(stderr, "goroutine: /proc: %s\n", strerror(errno));
		free(pids.v);
		return 1;
	}
	for (i = 0; i < pids.n; i++) {
		const struct follow_proc *fp;
		struct target *bt = NULL, *t;

		switch (follow__process(s->follow, pids.v[i], &bt, why, sizeof(why))) {
		case FOLLOW_REFUSED:
			fprintf(stderr, "goroutine: %s\n", why);
			rc = 1;
			continue;
		case FOLLOW_NEW:
			if (nbins == GOROUTINE_MAX_TARGETS) {
				target__delete(bt);
				continue;
			}
			bt->id = nbins;
			bins[nbins++] = bt;
			follow__bind(s->follow, pids.v[i], bt);
			break;
		case FOLLOW_JOINED:
			break;
		default:
			continue;
		}
		fp = follow__proc(s->follow, pids.v[i]);
		if (!fp || fp->target >= nbins || target__pid(pids.v[i], &t, why, sizeof(why)))
			continue;
		target__borrow(t, bins[fp->target]->bin, bins[fp->target]->prof,
			       bins[fp->target]->names);
		s->targets[0] = t;
		s->ntargets = 1;
		if (!s->env.json) {
			if (!s->out)
				s->out = open_out(s->env.output);
			if (!s->out) {
				target__delete(t);
				rc = 1;
				break;
			}
			fprintf(s->out, "%s==> process %d (%s, %s) <==\n", dumped ? "\n" : "",
				(int)t->pid, printable(bins[fp->target]->shown, why, sizeof(why)),
				t->prof->go_version[0] ? t->prof->go_version :
							 "Go version unknown");
		}
		rc |= dump(s);
		dumped++;
		target__delete(t);
		s->targets[0] = NULL;
		s->ntargets = 0;
	}
	fprintf(stderr, "goroutine: %zu Go processes dumped, %zu binaries\n", dumped, nbins);
	for (i = 0; i < nbins; i++)
		target__delete(bins[i]);
	free(pids.v);
	return rc;
}

int main(int argc, char **argv)
{
	struct session s = {};
	int rc = 1;

	/* parse: the options into s.env; a usage error is one line and exit 1 */
	if (parse(&s, argc, argv))
		return 1;
	/* report: --report FILE replays a recording through the same outputs, no BPF */
	if (s.env.report)
		return replay(&s);
	/* targets: what to trace (a binary's processes, one process, or a command) */
	if (find_targets(&s))
		goto cleanup;
	/* dump: --dump reads the process's goroutines instead of tracing them */
	if (s.env.dump) {
		rc = s.env.all ? dump_all(&s) : dump(&s);
		goto cleanup;
	}
	/* plan: each target's binary opened once, its profile checked, its probes chosen */
	if (plan_targets(&s))
		goto cleanup;
	/* outputs: every consumer of the event stream, its files opened before tracing */
	if (open_session_outputs(&s))
		goto cleanup;
	/* load: a command started but held before exec; the BPF program for all targets */
	if (load(&s))
		goto cleanup;
	/* seed: the goroutines that existed before tracing, from a snapshot of each process */
	if (seed(&s))
		goto cleanup;
	/* attach: every probe of every target; then the command may run */
	if (attach(&s))
		goto cleanup;
	/* metrics: --metrics ADDR serves /metrics from here to the end of run */
	if (start_metrics(&s))
		goto cleanup;
	/* run: events to the outputs until the duration, a signal, or the targets end */
	rc = run(&s);
	/* metrics: stopped before the reports read the targets' binaries again */
	metricsd__stop(s.metricsd);
	/* report: the summaries and files the outputs make at the end (none without probes) */
	if (!s.env.snapshot)
		rc |= report(&s);
	else
		fprintf(stderr, "goroutine: --mode snapshot: no probes, no events\n");
cleanup:
	/* cleanup: probes detached, the command waited for: its exit status is ours */
	return cleanup(&s, rc);
}
