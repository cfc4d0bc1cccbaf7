// SPDX-License-Identifier: GPL-2.0
/*
 * mkrecord: write a synthetic --record file of N events, for the report
 * benchmark (scripts/bench-tracer.sh): goroutines of one process created,
 * run, parked on a channel, woken and exited, a few hundred alive at once,
 * as the tracer records them (tracer/record.h), with a target described as
 * the tracer describes one (the built-in names, goids set at creation).
 *
 * usage: mkrecord FILE N
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goroutine.h"
#include "names.h"
#include "record.h"

#define LIVE 512 /* goroutines alive at once */

static const char meta[] = "{\"schema_version\":1,\"tool\":\"mkrecord\",\"hostname\":\"bench\","
			   "\"target\":\"synthetic\",\"pid\":4242,\"start_ns\":1000000000,"
			   "\"mono_to_real_ns\":\"1700000000000000000\"}";

int main(int argc, char **argv)
{
	/* One goroutine's life: each switch its (old, new) states. */
	static const uint32_t life[][2] = {
		{GOROUTINE_DEAD, GOROUTINE_RUNNABLE},	 {GOROUTINE_RUNNABLE, GOROUTINE_RUNNING},
		{GOROUTINE_RUNNING, GOROUTINE_WAITING},	 {GOROUTINE_WAITING, GOROUTINE_RUNNABLE},
		{GOROUTINE_RUNNABLE, GOROUTINE_RUNNING}, {GOROUTINE_RUNNING, GOROUTINE_SYSCALL},
		{GOROUTINE_SYSCALL, GOROUTINE_RUNNING},	 {GOROUTINE_RUNNING, GOROUTINE_DEAD},
	};
	const size_t nlife = sizeof(life) / sizeof(life[0]);
	uint64_t n, i, ts = 1000000000ULL, next_goid = 2;
	struct {
		uint64_t goid;
		size_t step;
	} g[LIVE];
	struct names *names = NULL;
	struct record *r = NULL;
	char *nj = NULL, *tj = NULL;
	size_t nlen;
	int err;

	if (argc != 3 || (n = strtoull(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "usage: mkrecord FILE N\n");
		return 1;
	}
	if (names__new(NULL, &names) || names__to_json(names, &nj, &nlen))
		return 1;
	tj = malloc(nlen + 256);
	if (!tj)
		return 1;
	snprintf(tj, nlen + 256,
		 "{\"id\":0,\"kind\":\"pid\",\"path\":\"synthetic\",\"pid\":4242,"
		 "\"goid_at_creation\":true,\"names\":%s,\"profile\":{}}",
		 nj);
	err = record__create(argv[1], meta, strlen(meta), &r);
	if (!err)
		err = record__add_target(r, 0, tj, strlen(tj));
	for (i = 0; i < LIVE; i++) {
		g[i].goid = next_goid++;
		g[i].step = i % nlife;
	}
	for (i = 0; !err && i < n; i++) {
		size_t k = (i * 2654435761u) % LIVE;
		struct goroutine_event e = {
			.ts_ns = ts += 1500,
			.goid = g[k].goid,
			.gp = 0xc000000000ULL + k * 0x400,
			.pid = 4242 + (uint32_t)(k % 4),
			.tgid = 4242,
			.old_state = life[g[k].step][0],
			.new_state = life[g[k].step][1],
			.cpu = (uint16_t)(i & 1),
		};

		if (e.new_state == GOROUTINE_WAITING) {
			e.waitreason = 7;
			e.flags |= GOROUTINE_EV_WAITREASON;
		}
		if (g[k].step == 0) {
			e.parent_goid = 1;
			e.flags |= GOROUTINE_EV_PARENT;
		}
		err = record__event(r, &e);
		if (++g[k].step == nlife) {
			g[k].step = 0;
			g[k].goid = next_goid++;
		}
	}
	if (!err) {
		char stats[160];

		snprintf(stats, sizeof(stats),
			 "{\"events\":%" PRIu64 ",\"lost\":0,\"evicted\":0,\"end_ns\":%" PRIu64 "}",
			 n, ts);
		err = record__finish(r, stats, strlen(stats));
		r = NULL;
	}
	record__discard(r);
	free(nj);
	free(tj);
	names__delete(names);
	if (err) {
		fprintf(stderr, "mkrecord: %s: %s\n", argv[1], strerror(err < 0 ? -err : err));
		return 1;
	}
	return 0;
}
