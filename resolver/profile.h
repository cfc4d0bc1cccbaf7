/* SPDX-License-Identifier: GPL-2.0 */
/*
 * profile: what the resolver found out about one Go binary, and its JSON form.
 *
 * The profile is the contract between the two tools: `gooffsets` fills it and
 * writes it as JSON; `goroutine` reads the JSON back (or gets it filled
 * in-process) and writes its values into BPF global data. Every value records
 * its source (dwarf, typedesc, table, pclntab, symtab, default) so a user can
 * tell a fact from a guess.
 */
#ifndef GOTRACER_PROFILE_H
#define GOTRACER_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROFILE_SCHEMA_VERSION 1
/* runtime.g is a few hundred bytes in every Go release: an offset past this is bogus. */
#define PROFILE_MAX_G_OFFSET 1024
#define PROFILE_MAX_WAITREASONS 64
#define PROFILE_MAX_GSTATUS 16
#define PROFILE_MAX_WARNINGS 8
#define PROFILE_NAME_LEN 40

enum profile_source {
	PROFILE_SRC_NONE = 0,
	PROFILE_SRC_DWARF,
	PROFILE_SRC_TYPEDESC, /* the Go runtime's own type descriptors */
	PROFILE_SRC_TABLE,    /* offsets/ per-Go-version table */
	PROFILE_SRC_DEFAULT,  /* the go1.17 hardcoded default */
	PROFILE_SRC_PCLNTAB,
	PROFILE_SRC_SYMTAB,
	PROFILE_SRC_BINARY, /* read from the binary's data (e.g. runtime.waitReasonStrings) */
	PROFILE_SRC_CODE,   /* decoded from the machine code that uses it */
};

enum profile_abi {
	PROFILE_ABI_REGISTER = 0,
	PROFILE_ABI_STACK = 1,
};

/* How the Go version was found (debug/buildinfo's order, then fallbacks). */
enum profile_version_source {
	PROFILE_VER_NONE = 0,
	PROFILE_VER_BUILDINFO_SECTION,	 /* .go.buildinfo */
	PROFILE_VER_BUILDINFO_SEGMENT,	 /* first writable non-exec PT_LOAD */
	PROFILE_VER_BUILDVERSION_SYMBOL, /* runtime.buildVersion via .symtab */
	PROFILE_VER_BUILDVERSION_SCAN,	 /* a Go string header pointing at "go1.N..." */
};

struct profile_offset {
	int64_t value; /* bytes into runtime.g; -1 when the field does not exist */
	enum profile_source source;
	uint32_t size; /* field size in bytes when known, else 0 */
};

/* A runtime global variable: its link-time address, 0 when not found. */
struct profile_var {
	uint64_t address;
	enum profile_source source; /* symtab, or code (decoded from functions that use it) */
};

/* The runtime functions the tracer probes (entry probes only). */
enum profile_func_id {
	PROFILE_FUNC_CASGSTATUS, /* every goroutine state switch, but see below */
	PROFILE_FUNC_NEWPROC,	 /* the creating goroutine, for parent goids before go1.21 */
	/* go1.26+ switch _Grunning <-> _Gsyscall with a raw CAS in these two: */
	PROFILE_FUNC_REENTERSYSCALL,
	PROFILE_FUNC_EXITSYSCALL,
	/*
	 * A goroutine parked for a GC stack scan (suspendG -> preemptPark) and
	 * let out again: _Grunning -> _Gscan|_Gpreempted and _Gpreempted ->
	 * _Gwaiting, each a raw CAS in these two, never through casgstatus.
	 */
	PROFILE_FUNC_PREEMPT_PARK,
	PROFILE_FUNC_PREEMPT_RESUME,
	/*
	 * Coroutine switches (iter.Pull, 1.23+): a raw CAS in coroswitch_m for
	 * both goroutines, decided at the entries of coroswitch and of the
	 * closure that runs coroexit (inlined there), runtime.corostart.deferwrap1
	 * (linked only into programs that use coroutines).
	 */
	PROFILE_FUNC_COROSWITCH,
	PROFILE_FUNC_COROEXIT,
	PROFILE_FUNC_MAX,
};

/* "runtime.casgstatus", ... */
extern const char *const profile__func_names[PROFILE_FUNC_MAX];

/*
 * Where the uprobe goes: the entry, or the first instruction inside the
 * function the kernel emulates rather than single-steps (≈0.6 µs instead of
 * ≈11 µs a hit) that every call passes once with the arguments intact.
 */
struct profile_probe {
	uint64_t address;
	uint64_t file_offset;
	bool emulated;
	int64_t sp_delta; /* stack pushed since the entry: stack-ABI arguments at SP + 8 + this */
	char insn[48];
};

struct profile_func {
	uint64_t address; /* virtual address of the entry */
	uint64_t file_offset;
	uint64_t end;
	enum profile_source source;
	struct profile_probe probe;
};

struct profile {
	char path[4096];
	char build_id[128]; /* GNU build id as hex, else the Go build id */
	bool build_id_is_gnu;
	char go_version[48]; /* "go1.21.13"; "" when unknown */
	enum profile_version_source go_version_source;
	char arch[16]; /* "x86_64", "aarch64" */
	bool pie, is_static, stripped, has_dwarf;
	enum profile_abi abi;

	struct profile_offset g_goid, g_atomicstatus, g_waitreason, g_parent_goid, g_m;
	/*
	 * What a snapshot reads of each g (absent from profiles written before
	 * snapshots: -1 then). g.stack is a {lo, hi} pair in every release;
	 * gobuf_* are offsets inside g.sched, not inside g.
	 */
	struct profile_offset g_waitsince, g_gopc, g_startpc, g_lockedm, g_sched, g_stack;
	struct profile_offset g_syscallsp, g_syscallpc, g_syscallbp; /* syscallbp: go1.23+ */
	struct profile_offset gobuf_sp, gobuf_pc, gobuf_bp;
	/* The goroutine list: runtime.allgs ([]*g) and runtime.allglen (uintptr). */
	struct profile_var allgs, allglen;

	/* Probed functions; address 0 when absent (only casgstatus is required). */
	struct profile_func funcs[PROFILE_FUNC_MAX];

	/* pclntab header version: 12, 116, 118 or 120. */
	int pclntab_version;
	uint64_t text_start;

	/*
	 * Before go1.24 casgstatus(newg, _Gdead, _Grunnable) runs before newg.goid
	 * is set, so the goid read there is stale.
	 */
	bool goid_at_creation;
	/* go1.26+: syscall enter/exit bypass casgstatus (probe the two functions above). */
	bool syscall_bypasses_casgstatus;
	/*
	 * Before go1.21 the runtime's waits outside gopark (stopTheWorld,
	 * gcMarkTermination, gcBgMarkWorker, gcAssistAlloc1, markroot) switch to
	 * _Gwaiting first and set g.waitreason after, or never: only park_m's
	 * switch finds the reason final.
	 */
	bool waitreason_after_switch;
	char gstatus[PROFILE_MAX_GSTATUS][PROFILE_NAME_LEN];
	int n_gstatus;
	char waitreasons[PROFILE_MAX_WAITREASONS][PROFILE_NAME_LEN];
	int n_waitreasons;
	enum profile_source waitreasons_source;

	char warnings[PROFILE_MAX_WARNINGS][200];
	int n_warnings;
};

/* An empty profile: all zero, every offset -1 (no such field). */
void profile__init(struct profile *p);

/* Name of a source or version source as written in the JSON. */
const char *profile__source_name(enum profile_source s);
const char *profile__version_source_name(enum profile_version_source s);

/* Add a warning (kept in the profile, also written to the JSON). */
void profile__add_warning(struct profile *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The profile as JSON text (malloc'd, ends with a newline): 0 or -ENOMEM. */
int profile__to_json(const struct profile *p, char **json);
/*
 * Parse and validate JSON text into p: 0 or -ERRORS__PROFILE (with a reason in
 * why, which is always set on failure).
 */
int profile__from_json(const char *buf, size_t len, struct profile *p, char *why, size_t whylen);

#endif /* GOTRACER_PROFILE_H */
