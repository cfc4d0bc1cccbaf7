/* SPDX-License-Identifier: GPL-2.0 */
/*
 * summary: the report of --summary, from the aggregate the BPF program keeps
 * per CPU (struct goroutine_summary): goroutines created and exited, switches
 * by kind, time in each state, scheduler latency as a log2 histogram in the
 * style of libbpf-tools' runqlat, and blocking time by wait reason.
 */
#ifndef GOTRACER_SUMMARY_H
#define GOTRACER_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "goroutine.h"

struct profile;

/* Sum the per-CPU copies (ncpu of them, as the map lookup returns them) into out. */
void summary__sum(const struct goroutine_summary *percpu, int ncpu, struct goroutine_summary *out);

/* The report; names (may be NULL) give the Go version's state and wait-reason names. */
void summary__print(FILE *f, const struct goroutine_summary *s, const struct profile *names,
		    double seconds, uint64_t lost);

#endif /* GOTRACER_SUMMARY_H */
