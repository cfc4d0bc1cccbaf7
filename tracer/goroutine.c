// SPDX-License-Identifier: GPL-2.0
/*
 * goroutine: trace every goroutine state switch of a Go program from outside,
 * with a uprobe on runtime.casgstatus (libbpf, kernel uprobes).
 *
 * What the probe must know about the binary (offsets in runtime.g, the ABI,
 * the function's file offset) comes from a profile: read with --profile,
 * resolved here from the binary by the resolver library, or the go1.17
 * hardcoded default with --default. Loader order as in libbpf-tools: open,
 * write the read-only globals, load, attach, then poll the ring buffer until
 * SIGINT/SIGTERM, the duration, or the traced process ends.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cjson/cJSON.h>

#include "analysis.h"
#include "elfbuf.h"
#include "errors.h"
#include "format.h"
#include "goroutine.h"
#include "goroutine.skel.h"
#include "log.h"
#include "names.h"
#include "output.h"
#include "profile.h"
#include "resolver.h"
#include "summary.h"
#include "timeline.h"

#define DEFAULT_BINARY "./go-server-http/main"
#define PROBED_FUNC "runtime.casgstatus"
#define LOST_REPORT_NS (2 * 1000000000ULL)
/* Creations held back for their goid longer than this are printed without it. */
#define PENDING_MAX_NS (30 * 1000000000ULL)
#define POLL_MS 5

static struct env {
	const char *binary;
	const char *profile;
	const char *output;
	pid_t pid;
	long duration;
	int64_t goid;
	const char *state;
	bool use_default;
	bool force;
	bool json;
	bool verbose;
	bool count_only;   /* --mode count */
	bool probe_entry;  /* --probe entry */
	bool summary;	   /* --summary */
	long interval;	   /* -i SECONDS, with --summary */
	double leak_after; /* --leak-after SECONDS */
	bool leak_given;
	const char *html;	/* --html FILE */
	const char *trace_json; /* --trace-json FILE */
	char **cmd;		/* -- CMD ARGS... */
} env = {
	.goid = -1,
	.leak_after = 10,
};

#define TOP_GOROUTINES 20

const char *argp_program_version = "goroutine 0.2";
static const char doc[] =
	"Trace goroutine state switches of a Go program from outside, with a uprobe on\n"
	"runtime.casgstatus. Needs root (CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN).\n"
	"\n"
	"USAGE: goroutine [OPTIONS] [--binary PATH | -p PID | -- CMD [ARGS...]]\n"
	"\n"
	"EXAMPLES:\n"
	"    goroutine                           # every process of ./go-server-http/main\n"
	"    goroutine --binary /usr/bin/app     # every process running /usr/bin/app\n"
	"    goroutine -p 1234 -d 10             # process 1234 only, for 10 seconds\n"
	"    goroutine --json -o ev.json -p 1234 # JSON lines into ev.json\n"
	"    goroutine --state WAITING -p 1234   # only switches to WAITING\n"
	"    goroutine -- ./app --flag           # start ./app, trace it from its first\n"
	"                                        # instruction, exit with its status\n"
	"    goroutine --summary -p 1234 -d 30   # scheduler latency, blocking, leaks\n"
	"    goroutine --leak-after 60 -p 1234   # goroutines WAITING for over a minute\n"
	"    goroutine --html r.html -p 1234     # a time line page, with the summary\n"
	"    goroutine --trace-json t.json -p 1234  # for Perfetto / chrome://tracing\n"
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
	OPT_SUMMARY,
	OPT_LEAK_AFTER,
	OPT_HTML,
	OPT_TRACE_JSON,
};

static const struct argp_option opts[] = {
	{"binary", 'b', "PATH", 0, "Trace every process running PATH (default " DEFAULT_BINARY ")",
	 0},
	{"pid", 'p', "PID", 0, "Trace only process PID", 0},
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
	{"mode", OPT_MODE, "MODE", 0, "events (default), or count: only count probe hits", 0},
	{"probe", OPT_PROBE, "WHERE", 0,
	 "auto (default): the cheapest safe point in each function; entry: function entries", 0},
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

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'b':
		env.binary = arg;
		break;
	case 'p':
		env.pid = parse_long(arg, "PID", 1, INT_MAX, state);
		break;
	case OPT_PROFILE:
		env.profile = arg;
		break;
	case OPT_DEFAULT:
		env.use_default = true;
		break;
	case OPT_FORCE:
		env.force = true;
		break;
	case OPT_JSON:
		env.json = true;
		break;
	case 'o':
		env.output = arg;
		break;
	case OPT_GOID:
		env.goid = parse_long(arg, "goid", 0, LONG_MAX, state);
		break;
	case OPT_STATE:
		env.state = arg;
		break;
	case 'd':
		env.duration = parse_long(arg, "duration", 1, LONG_MAX / 1000000000L, state);
		break;
	case 'v':
		env.verbose = true;
		break;
	case OPT_MODE:
		if (!strcmp(arg, "count"))
			env.count_only = true;
		else if (strcmp(arg, "events"))
			argp_failure(state, 1, 0, "unknown mode %s (events, count)", arg);
		break;
	case OPT_SUMMARY:
		env.summary = true;
		break;
	case 'i':
		env.interval = parse_long(arg, "interval", 1, LONG_MAX / 1000000000L, state);
		break;
	case OPT_LEAK_AFTER: {
		char *end;

		errno = 0;
		env.leak_after = strtod(arg, &end);
		if (errno || end == arg || *end || !(env.leak_after >= 0) || env.leak_after > 1e9)
			argp_failure(state, 1, 0, "invalid --leak-after: %s", arg);
		env.leak_given = true;
		break;
	}
	case OPT_HTML:
		env.html = arg;
		break;
	case OPT_TRACE_JSON:
		env.trace_json = arg;
		break;
	case OPT_PROBE:
		if (!strcmp(arg, "entry"))
			env.probe_entry = true;
		else if (strcmp(arg, "auto"))
			argp_failure(state, 1, 0, "unknown probe placement %s (auto, entry)", arg);
		break;
	case ARGP_KEY_ARGS:
		env.cmd = state->argv + state->next;
		break;
	case ARGP_KEY_END:
		if (!!env.cmd + !!env.pid + !!env.binary > 1)
			argp_failure(state, 1, 0, "give one of --binary, -p and a command");
		if (env.use_default && env.profile)
			argp_failure(state, 1, 0, "--default and --profile exclude each other");
		if (env.leak_given && !env.html && !env.trace_json)
			env.summary = true;
		if ((env.summary || env.html || env.trace_json) && env.count_only)
			argp_failure(state, 1, 0,
				     "--mode count excludes --summary, --html and --trace-json");
		if (env.interval && !env.summary && !env.html && !env.trace_json)
			argp_failure(state, 1, 0, "-i goes with --summary");
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

/* Resolver messages only with -v: a failure is reported in one line anyway. */
static void resolver_log(enum log__level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!env.verbose)
		return;
	fputs("goroutine: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static volatile sig_atomic_t exiting, exit_signal;

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

/* PATH look-up as execvp does it, so the probed file is the one that runs. */
static int find_command(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return access(out, X_OK) ? -errno : 0;
	}
	for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		snprintf(out, len, "%.*s/%s", (int)(end - p), end == p ? "." : p, name);
		if (!access(out, X_OK))
			return 0;
	}
	return -ENOENT;
}

/*
 * Fill prof for the target e: from the profile file, by resolving e, or the
 * go1.17 default. Returns 0, or 1 after printing one line.
 */
static int load_profile(const struct elfbuf *e, const char *path, struct profile *prof)
{
	struct profile *id;
	char why[256] = "";
	struct stat st;
	char *buf;
	FILE *f;
	int err;

	if (env.use_default) {
		memset(prof, 0, sizeof(*prof));
		snprintf(prof->path, sizeof(prof->path), "%s", path);
		prof->g_goid.value = GOROUTINE_DEFAULT_GOID_OFFSET;
		prof->g_goid.source = PROFILE_SRC_DEFAULT;
		prof->abi = GOROUTINE_DEFAULT_ABI == GOROUTINE_ABI_REGISTER ? PROFILE_ABI_REGISTER :
									      PROFILE_ABI_STACK;
		prof->g_waitreason.value = prof->g_parent_goid.value = prof->g_m.value = -1;
		prof->g_atomicstatus.value = -1;
		return 0;
	}
	if (!env.profile) {
		err = resolver__resolve(e, path, prof, why, sizeof(why));
		if (err) {
			/* Only a Go binary with unknown offsets has a use for the default. */
			fprintf(stderr, "goroutine: %s: %s%s\n", path,
				why[0] ? why : errors__str(err),
				err == -ERRORS__NO_FIELD ? " (--default uses the go1.17 defaults)" :
							   "");
			return 1;
		}
		return 0;
	}
	f = fopen(env.profile, "r");
	if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
		fprintf(stderr, "goroutine: %s: %s\n", env.profile,
			!f ? strerror(errno) : "not a regular file of at most 1 MiB");
		if (f)
			fclose(f);
		return 1;
	}
	buf = malloc(st.st_size + 1);
	if (!buf || fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
		fprintf(stderr, "goroutine: %s: cannot read\n", env.profile);
		free(buf);
		fclose(f);
		return 1;
	}
	fclose(f);
	err = profile__from_json(buf, st.st_size, prof, why, sizeof(why));
	free(buf);
	if (err) {
		fprintf(stderr, "goroutine: %s: %s: %s\n", env.profile, errors__str(err), why);
		return 1;
	}
	/* A profile is for one build: refuse another's unless told otherwise. */
	id = calloc(1, sizeof(*id));
	if (!id)
		return 1;
	resolver__identify(e, path, id);
	/* Either difference is another build: same build id and another Go version is a forgery. */
	bool id_differs =
		prof->build_id[0] && id->build_id[0] && strcmp(prof->build_id, id->build_id);
	bool version_differs = (prof->go_version[0] || id->go_version[0]) &&
			       strcmp(prof->go_version, id->go_version);
	if (id_differs || version_differs) {
		bool by_id = id_differs;

		fprintf(stderr, "goroutine: %s: %s was made for %s %s, the binary has %s%s\n",
			env.profile, env.force ? "warning: profile" : "profile does not match:",
			by_id ? "build id" : "Go version",
			by_id ? prof->build_id : prof->go_version,
			by_id ? id->build_id : id->go_version,
			env.force ? " (--force)" : " (--force to use it anyway)");
		if (!env.force) {
			free(id);
			return 1;
		}
	}
	free(id);
	return 0;
}

/*
 * A profile's address (and file offset) of a function must be the binary's
 * own: otherwise the profile describes another build, whatever its ids say.
 * 0, or 1 after one line (a warning and 0 with --force).
 */
static int check_entry(const char *path, enum profile_func_id id, const struct profile_func *f,
		       const struct profile_func *own)
{
	const char *name = profile__func_names[id];

	if (!f->address || (f->address == own->address && f->file_offset == own->file_offset))
		return 0;
	fprintf(stderr,
		"goroutine: %s: %s%s at 0x%" PRIx64 " (file offset 0x%" PRIx64 ") is not its entry "
		"in %s (0x%" PRIx64 ", file offset 0x%" PRIx64 ")%s\n",
		env.profile ? env.profile : path,
		env.force ? "warning: the profile's " : "the profile's ", name, f->address,
		f->file_offset, path, own->address, own->file_offset,
		env.force ? "; using the binary's own" : "; refusing to probe");
	return env.force ? 0 : 1;
}

/*
 * The probe address must be the function's entry in the binary we attach to,
 * whatever the profile says: a uprobe in the middle of an instruction would
 * crash the traced program.
 */
static int check_func(const struct elfbuf *e, const char *path, enum profile_func_id id,
		      const struct profile *prof, struct profile_func *f)
{
	const char *name = profile__func_names[id];
	bool required = id == PROFILE_FUNC_CASGSTATUS;
	struct profile_func own;
	int err;

	err = resolver__find_func(e, name, &own);
	if (err) {
		if (required)
			fprintf(stderr, "goroutine: %s: %s not found: %s\n", path, name,
				errors__str(err));
		return required ? 1 : -1;
	}
	if (check_entry(path, id, f, &own))
		return 1;
	/*
	 * The probe point is chosen here, on the bytes of the binary we attach to
	 * and for this kernel's uprobe emulation, whatever a profile says.
	 */
	resolver__choose_probe(e, id, prof->abi, &own);
	if (env.probe_entry) {
		own.probe.address = own.address;
		own.probe.file_offset = own.file_offset;
		own.probe.emulated = false;
		own.probe.sp_delta = 0;
		snprintf(own.probe.insn, sizeof(own.probe.insn), "forced");
	}
	if (env.verbose)
		fprintf(stderr, "goroutine: %s: probe at +0x%" PRIx64 " (%s, %s)\n", name,
			own.probe.address - own.address, own.probe.emulated ? "emulated" : "entry",
			own.probe.insn);
	*f = own;
	return 0;
}

/* Which probes this binary needs, besides casgstatus. */
/*
 * A pidfd becomes readable when the process exits, zombie or not, and keeps
 * naming the same process if its PID is reused; kill(pid, 0) can do neither.
 */
static int watch_pid(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static bool process_gone(pid_t pid, int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	if (pidfd >= 0)
		return poll(&p, 1, 0) > 0;
	return kill(pid, 0) && errno == ESRCH;
}

static bool wanted(const struct profile *p, enum profile_func_id f)
{
	switch (f) {
	case PROFILE_FUNC_CASGSTATUS:
		return true;
	case PROFILE_FUNC_NEWPROC:
		/* Parent goids before go1.21 (no g.parentGoid): register ABI only. */
		return p->g_parent_goid.value < 0 && p->abi == PROFILE_ABI_REGISTER &&
		       !env.use_default;
	case PROFILE_FUNC_REENTERSYSCALL:
	case PROFILE_FUNC_EXITSYSCALL:
		return p->syscall_bypasses_casgstatus && p->abi == PROFILE_ABI_REGISTER;
	default:
		return false;
	}
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

/*
 * The live goroutines the BPF program follows in --summary mode: the slots
 * in use of its array, read through a mapping of it (no syscall per slot).
 * With --binary, slots of processes that ended without their goroutines
 * exiting are left out.
 */
static int kernel_live(struct goroutine_bpf *skel, struct goroutine_gkey **keys,
		       struct goroutine_gval **vals, size_t *n)
{
	size_t len = (size_t)GOROUTINE_GSLOTS * sizeof(struct goroutine_gentry), i, k = 0, cap = 0;
	const struct goroutine_gentry *slots;
	struct goroutine_gkey *kk = NULL;
	struct goroutine_gval *vv = NULL;
	uint32_t dead = 0;

	slots = mmap(NULL, len, PROT_READ, MAP_SHARED, bpf_map__fd(skel->maps.gstate), 0);
	if (slots == MAP_FAILED)
		return -errno;
	for (i = 0; i < GOROUTINE_GSLOTS; i++) {
		struct goroutine_gentry s = slots[i]; /* a copy: the kernel may be writing it */

		if (!s.key.gp || s.key.tgid == dead)
			continue;
		if (!skel->rodata->target_tgid && kill(s.key.tgid, 0) && errno == ESRCH) {
			dead = s.key.tgid;
			continue;
		}
		if (k == cap) {
			size_t c = cap ? cap * 2 : 1024;
			struct goroutine_gkey *nk = realloc(kk, c * sizeof(*kk));
			struct goroutine_gval *nv = nk ? realloc(vv, c * sizeof(*vv)) : NULL;

			if (nk)
				kk = nk;
			if (!nv) {
				free(kk);
				free(vv);
				munmap((void *)slots, len);
				return -ENOMEM;
			}
			vv = nv;
			cap = c;
		}
		kk[k] = s.key;
		vv[k++] = s.val;
	}
	munmap((void *)slots, len);
	*keys = kk;
	*vals = vv;
	*n = k;
	return 0;
}

/*
 * The summary, from the BPF maps (--summary) or from the analysis of events
 * (an): printed to f as a table or a JSON line, or returned as JSON when
 * json_out is given (for the HTML page).
 */
static void report_summary(struct goroutine_bpf *skel, struct analysis *an, FILE *f,
			   const struct names *names, uint64_t since, cJSON **json_out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct goroutine_summary *percpu = NULL, total;
	struct summary_input in = {
		.now_ns = now_ns(),
		.elapsed_s = (now_ns() - since) / 1e9,
		.lost = read_counter(skel, GOROUTINE_CNT_LOST),
		.evicted = an ? 0 : read_counter(skel, GOROUTINE_CNT_EVICTED),
		.source = an ? "events" : "kernel",
		.leak_after_s = env.leak_after,
		.top = TOP_GOROUTINES,
		.names = names,
	};
	struct goroutine_gkey *keys = NULL;
	struct goroutine_gval *vals = NULL;
	__u32 zero = 0;

	if (an) {
		in.sum = analysis__summary(an);
		if (analysis__live(an, &keys, &vals, &in.n))
			return;
	} else {
		if (ncpu <= 0 || !(percpu = calloc(ncpu, sizeof(*percpu))))
			return;
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.summary), &zero, percpu) ||
		    kernel_live(skel, &keys, &vals, &in.n)) {
			free(percpu);
			return;
		}
		summary__sum(percpu, ncpu, &total);
		in.sum = &total;
	}
	in.keys = keys;
	in.vals = vals;
	if (json_out) {
		*json_out = summary__json(&in);
	} else if (env.json) {
		summary__print_json(f, &in);
	} else {
		summary__print(f, &in);
	}
	fflush(f);
	free(keys);
	free(vals);
	free(percpu);
}

/* Where events go: the printed stream, the analysis (--html, --trace-json), or both. */
struct sink {
	struct output *out; /* NULL: events are not printed */
	struct analysis *an;
};

static int handle_event(void *ctx, void *data, size_t size)
{
	struct sink *sink = ctx;

	if (size < sizeof(struct goroutine_event))
		return 0;
	if (sink->an)
		analysis__event(sink->an, data);
	return sink->out ? output__event(sink->out, data) : 0;
}

static int64_t mono_to_real(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return (r.tv_sec - m.tv_sec) * 1000000000LL + (r.tv_nsec - m.tv_nsec);
}

/* Fork the command, stopped before exec until the probes are attached. */
static pid_t spawn(char **argv, int *go_fd)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char c;

		close(fds[1]);
		/* EOF without a byte: the tracer gave up, do not run untraced. */
		if (read(fds[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "goroutine: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	*go_fd = fds[1];
	return pid;
}

static struct bpf_link *attach(struct bpf_program *prog, pid_t pid, const char *path,
			       const struct profile_func *f, const char *name)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uopts);
	struct bpf_link *link;

	uopts.retprobe = false; /* never a uretprobe on Go code: Go moves stacks */
	link = bpf_program__attach_uprobe_opts(prog, pid ? pid : -1, path, f->probe.file_offset,
					       &uopts);
	/* Loading needs CAP_BPF, but the kernel creates a uprobe only for CAP_SYS_ADMIN. */
	if (!link) {
		int e = errno;

		fprintf(stderr, "goroutine: cannot attach uprobe to %s:%s: %s%s\n", path, name,
			strerror(e),
			e == EACCES || e == EPERM ? " (uprobes need root or CAP_SYS_ADMIN)" : "");
	}
	return link;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {.options = opts, .parser = parse_arg, .doc = doc};
	struct output_opts oo = {.out = stdout};
	struct goroutine_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct output *out = NULL;
	struct sink sink = {};
	struct timeline *tl = NULL;
	/* --html/--trace-json: events analysed here, the summary printed instead of them. */
	bool analyse = env.html || env.trace_json, print_events;
	struct profile *prof = NULL;
	struct names *names = NULL;
	struct elfbuf *e = NULL;
	char path[PATH_MAX], header[160];
	uint64_t deadline = 0, next_report, next_summary, started = 0, lost_seen = 0, lost;
	pid_t child = 0, target;
	int go_fd = -1, pidfd = -1, status = 0, rc = 1, err, i;
	bool child_done = false;

	argp_err_exit_status = 1;
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 1;
	analyse = env.html || env.trace_json;
	print_events = !env.summary && !env.count_only && !analyse;
	libbpf_set_print(libbpf_print_fn);
	log__set_fn(resolver_log);

	if (env.cmd) {
		err = find_command(env.cmd[0], path, sizeof(path));
		if (err) {
			fprintf(stderr, "goroutine: %s: %s\n", env.cmd[0], strerror(-err));
			return 1;
		}
	} else if (env.pid) {
		/* The kernel follows this link into the process's own mount namespace. */
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)env.pid);
		pidfd = watch_pid(env.pid);
		if (pidfd < 0 && errno == ESRCH) {
			fprintf(stderr, "goroutine: no process with PID %d\n", (int)env.pid);
			return 1;
		}
		if (process_gone(env.pid, pidfd)) {
			fprintf(stderr, "goroutine: process %d has exited\n", (int)env.pid);
			return 1;
		}
	} else {
		snprintf(path, sizeof(path), "%s", env.binary ? env.binary : DEFAULT_BINARY);
	}
	err = elfbuf__open_path(path, &e);
	if (err) {
		fprintf(stderr, "goroutine: %s: %s\n", path, errors__str(err));
		return 1;
	}
	prof = calloc(1, sizeof(*prof));
	if (!prof || load_profile(e, path, prof))
		goto cleanup;
	for (i = 0; i < PROFILE_FUNC_MAX; i++) {
		if (!wanted(prof, i)) {
			struct profile_func own;

			/* Not probed, but a profile that misplaces it is not this binary's. */
			if (prof->funcs[i].address &&
			    !resolver__find_func(e, profile__func_names[i], &own) &&
			    check_entry(path, i, &prof->funcs[i], &own))
				goto cleanup;
			prof->funcs[i].address = 0;
			continue;
		}
		err = check_func(e, path, i, prof, &prof->funcs[i]);
		if (err > 0)
			goto cleanup;
		if (err < 0) {
			fprintf(stderr, "goroutine: warning: %s: %s not found: %s\n", path,
				profile__func_names[i],
				i == PROFILE_FUNC_NEWPROC ? "no parent goids" :
							    "SYSCALL switches will not be seen");
			prof->funcs[i].address = 0;
		}
	}
	if (names__new(prof, &names)) {
		fprintf(stderr, "goroutine: out of memory\n");
		goto cleanup;
	}
	if (env.state) {
		oo.state = names__state_value(names, env.state);
		if (oo.state < 0) {
			fprintf(stderr, "goroutine: unknown state %s\n", env.state);
			goto cleanup;
		}
	} else {
		oo.state = -1;
	}
	if (env.output) {
		/* Close-on-exec: a traced command must not inherit the events file. */
		oo.out = fopen(env.output, "we");
		if (!oo.out) {
			fprintf(stderr, "goroutine: %s: %s\n", env.output, strerror(errno));
			goto cleanup;
		}
	}
	/* One write per poll, not per line: events come in bursts. */
	setvbuf(oo.out, NULL, _IOFBF, 1 << 20);
	oo.json = env.json;
	oo.goid = env.goid;
	oo.goid_at_creation = prof->goid_at_creation;
	oo.names = names;

	if (env.cmd) {
		child = spawn(env.cmd, &go_fd);
		if (child < 0) {
			fprintf(stderr, "goroutine: cannot start %s: %s\n", env.cmd[0],
				strerror(errno));
			goto cleanup;
		}
	}
	target = child ? child : env.pid;
	if (analyse) {
		char shown[PATH_MAX];
		ssize_t n = -1;

		/* For the page: the binary's own path, not /proc/PID/exe. */
		if (env.pid)
			n = readlink(path, shown, sizeof(shown) - 1);
		if (n > 0)
			shown[n] = 0;
		else
			snprintf(shown, sizeof(shown), "%s", path);
		struct timeline_opts to = {
			.html_path = env.html,
			.trace_path = env.trace_json,
			.target = shown,
			.pid = target,
			.names = names,
			.start_ns = now_ns(),
			.mono_to_real_ns = mono_to_real(),
		};

		err = timeline__new(&to, &tl);
		if (!err)
			err = analysis__new(prof->goid_at_creation, timeline__slice, tl, &sink.an);
		if (err) {
			fprintf(stderr, "goroutine: %s: %s\n",
				tl || err == -ENOMEM ? "cannot start the analysis" :
						       "cannot write the report",
				strerror(-err));
			goto cleanup;
		}
	}

	skel = goroutine_bpf__open();
	if (!skel) {
		fprintf(stderr, "goroutine: cannot open BPF object: %s\n", strerror(errno));
		goto cleanup;
	}
	struct bpf_program **progs[PROFILE_FUNC_MAX] = {
		[PROFILE_FUNC_CASGSTATUS] = &skel->progs.casgstatus,
		[PROFILE_FUNC_NEWPROC] = &skel->progs.newproc,
		[PROFILE_FUNC_REENTERSYSCALL] = &skel->progs.entersyscall,
		[PROFILE_FUNC_EXITSYSCALL] = &skel->progs.exitsyscall,
	};
	struct bpf_link **links[PROFILE_FUNC_MAX] = {
		[PROFILE_FUNC_CASGSTATUS] = &skel->links.casgstatus,
		[PROFILE_FUNC_NEWPROC] = &skel->links.newproc,
		[PROFILE_FUNC_REENTERSYSCALL] = &skel->links.entersyscall,
		[PROFILE_FUNC_EXITSYSCALL] = &skel->links.exitsyscall,
	};
	skel->rodata->goid_offset = prof->g_goid.value;
	skel->rodata->waitreason_offset = prof->g_waitreason.value;
	skel->rodata->parent_goid_offset = prof->g_parent_goid.value;
	skel->rodata->abi =
		prof->abi == PROFILE_ABI_STACK ? GOROUTINE_ABI_STACK : GOROUTINE_ABI_REGISTER;
	skel->rodata->target_tgid = target;
	skel->rodata->count_only = env.count_only;
	skel->rodata->summary_mode = env.summary && !analyse;
	skel->rodata->goid_at_creation = prof->goid_at_creation;
	skel->rodata->stack_args_offset = 8 + prof->funcs[PROFILE_FUNC_CASGSTATUS].probe.sp_delta;
	if (prof->funcs[PROFILE_FUNC_REENTERSYSCALL].address &&
	    prof->funcs[PROFILE_FUNC_EXITSYSCALL].address) {
		const struct profile_func *re = &prof->funcs[PROFILE_FUNC_REENTERSYSCALL];
		const struct profile_func *ex = &prof->funcs[PROFILE_FUNC_EXITSYSCALL];

		skel->rodata->syscall_probes = 1;
		skel->rodata->casgstatus_probe_addr =
			prof->funcs[PROFILE_FUNC_CASGSTATUS].probe.address;
		skel->rodata->reentersyscall_lo = re->address;
		skel->rodata->reentersyscall_hi = re->end;
		skel->rodata->exitsyscall_lo = ex->address;
		skel->rodata->exitsyscall_hi = ex->end;
	}
	for (i = 0; i < PROFILE_FUNC_MAX; i++)
		if (!prof->funcs[i].address)
			bpf_program__set_autoload(*progs[i], false);

	err = goroutine_bpf__load(skel);
	if (err) {
		fprintf(stderr, "goroutine: cannot load BPF program: %s%s\n", strerror(-err),
			err == -EPERM ? " (run as root: CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)" :
					"");
		goto cleanup;
	}
	/* The time line starts when the first probe can fire, not when the files were opened. */
	if (tl)
		timeline__start(tl, now_ns());
	for (i = 0; i < PROFILE_FUNC_MAX; i++) {
		if (!prof->funcs[i].address)
			continue;
		*links[i] =
			attach(*progs[i], target, path, &prof->funcs[i], profile__func_names[i]);
		if (!*links[i])
			goto cleanup;
	}

	out = output__new(&oo);
	sink.out = print_events ? out : NULL;
	rb = out ? ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event, &sink, NULL) :
		   NULL;
	if (!rb) {
		fprintf(stderr, "goroutine: cannot create ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);
	if (env.duration)
		deadline = now_ns() + env.duration * 1000000000ULL;
	if (env.verbose) {
		struct bpf_prog_info info = {};
		__u32 info_len = sizeof(info);

		bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.casgstatus), &info, &info_len);
		fprintf(stderr,
			"goroutine: %s: %s, %s at file offset 0x%" PRIx64 ", goid at %u (%s), "
			"%s ABI, BPF prog id %u\n",
			path, prof->go_version[0] ? prof->go_version : "Go version unknown",
			PROBED_FUNC, prof->funcs[PROFILE_FUNC_CASGSTATUS].probe.file_offset,
			skel->rodata->goid_offset, profile__source_name(prof->g_goid.source),
			skel->rodata->abi == GOROUTINE_ABI_REGISTER ? "register" : "stack",
			info.id);
	}
	if (!env.json && print_events) {
		format__header(header, sizeof(header));
		fprintf(oo.out, "%s\n", header);
	}
	fflush(oo.out);
	fprintf(stderr, "goroutine: tracing %s%s; Ctrl-C to stop\n", path,
		env.use_default ? " with the go1.17 default" : "");
	if (child) {
		/* Attached: let the command run. */
		if (write(go_fd, "g", 1) != 1)
			fprintf(stderr, "goroutine: cannot start %s\n", env.cmd[0]);
		close(go_fd);
		go_fd = -1;
	}

	started = now_ns();
	next_report = started + LOST_REPORT_NS;
	next_summary = started + env.interval * 1000000000ULL;
	rc = 0;
	while (!exiting) {
		/*
		 * Events are submitted without wake-ups: sleep at most POLL_MS (the
		 * BPF side wakes us early when the ring fills), then take all.
		 */
		err = ring_buffer__poll(rb, POLL_MS);
		if (err >= 0 || err == -EINTR)
			err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "goroutine: polling the ring buffer: %s\n", strerror(-err));
			rc = 1;
			break;
		}
		output__flush(out);
		if (child && waitpid(child, &status, WNOHANG) == child) {
			child_done = true;
			break;
		}
		if (env.pid && process_gone(env.pid, pidfd))
			break;
		if (now_ns() >= next_report) {
			lost = read_counter(skel, GOROUTINE_CNT_LOST);
			if (lost > lost_seen)
				fprintf(stderr,
					"goroutine: %" PRIu64 " events lost in the last %llu s "
					"(ring buffer full)\n",
					lost - lost_seen, LOST_REPORT_NS / 1000000000ULL);
			lost_seen = lost;
			next_report = now_ns() + LOST_REPORT_NS;
			if (now_ns() > PENDING_MAX_NS)
				output__expire(out, now_ns() - PENDING_MAX_NS);
		}
		if (env.interval && now_ns() >= next_summary) {
			report_summary(skel, sink.an, oo.out, names, started, NULL);
			if (!env.json)
				fputc('\n', oo.out);
			next_summary += env.interval * 1000000000ULL;
		}
		if (deadline && now_ns() >= deadline)
			break;
	}
	/* Drain what is left so the final counts match what was printed. */
	ring_buffer__consume(rb);

cleanup:
	if (out && sink.an) {
		uint64_t end = now_ns();
		cJSON *j = NULL;

		analysis__finish(sink.an, end);
		if (env.html)
			report_summary(skel, sink.an, oo.out, names, started, &j);
		err = timeline__finish(tl, end, j, read_counter(skel, GOROUTINE_CNT_EVENTS),
				       read_counter(skel, GOROUTINE_CNT_LOST));
		cJSON_Delete(j);
		if (err) {
			fprintf(stderr, "goroutine: writing %s: %s\n",
				env.html ? env.html : env.trace_json, strerror(-err));
			rc = 1;
		}
	}
	if (out && (env.summary || sink.an))
		report_summary(skel, sink.an, oo.out, names, started, NULL);
	if (out) {
		output__delete(out);
		fprintf(stderr, "goroutine: %" PRIu64 " events, %" PRIu64 " lost\n",
			read_counter(skel, GOROUTINE_CNT_EVENTS),
			read_counter(skel, GOROUTINE_CNT_LOST));
	}
	ring_buffer__free(rb);
	analysis__delete(sink.an);
	timeline__delete(tl);
	names__delete(names);
	goroutine_bpf__destroy(skel);
	if (go_fd >= 0)
		close(go_fd); /* the child exits 127 without running the command */
	if (child && !child_done) {
		if (exiting && exit_signal)
			kill(child, exit_signal);
		if (waitpid(child, &status, 0) == child)
			child_done = true;
	}
	if (oo.out && oo.out != stdout)
		fclose(oo.out);
	free(prof);
	elfbuf__delete(e);
	if (pidfd >= 0)
		close(pidfd);
	if (child_done && !rc)
		return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return rc;
}
