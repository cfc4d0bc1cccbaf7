// SPDX-License-Identifier: GPL-2.0
/*
 * offtable: look-ups in the embedded offsets/ tables (see offtable.h).
 *
 * The tables are small TSV texts (a few hundred rows), so each look-up scans
 * the text: no parse step to get wrong, no state to free. Rows are
 * "go_min <TAB> go_max <TAB> columns..."; '#' lines are comments.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offtable.h"

extern const char offsets_runtime_g_tsv[];
extern const char offsets_gstatus_tsv[];
extern const char offsets_waitreasons_tsv[];

#define MAX_COLS 20

/*
 * Split the next data line of *pos into at most MAX_COLS tab-separated columns
 * (in line, a copy). Returns the column count, 0 at the end of the table.
 */
static int next_row(const char **pos, char *line, size_t len, char *cols[MAX_COLS])
{
	while (**pos) {
		const char *nl = strchr(*pos, '\n');
		size_t n = nl ? (size_t)(nl - *pos) : strlen(*pos);
		int ncols = 0;
		char *p;

		const char *start = *pos;
		*pos = nl ? nl + 1 : start + n;
		if (n == 0 || start[0] == '#' || n >= len)
			continue;
		memcpy(line, start, n);
		line[n] = 0;
		if (n && line[n - 1] == '\r')
			line[n - 1] = 0;
		for (p = line; p && ncols < MAX_COLS; ncols++) {
			cols[ncols] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = 0;
		}
		return ncols;
	}
	return 0;
}

/* Table versions are written "1.21.0"; goversion wants the "go" prefix. */
static int table_version(const char *col, struct goversion *v)
{
	char buf[32];

	if (snprintf(buf, sizeof(buf), "go%s", col) >= (int)sizeof(buf))
		return -EINVAL;
	return goversion__parse(buf, v);
}

static bool row_covers(char **cols, const struct goversion *v)
{
	struct goversion lo, hi, rel = *v;

	if (table_version(cols[0], &lo) || table_version(cols[1], &hi))
		return false;
	/* A beta or rc has the runtime layout of its release. */
	if (rel.kind != GOVERSION_DEVEL)
		rel.kind = GOVERSION_RELEASE;
	return goversion__cmp(&lo, &rel) <= 0 && goversion__cmp(&rel, &hi) <= 0;
}

static int col_int(const char *s)
{
	char *end;
	long n;

	if (!strcmp(s, "-") || !*s)
		return -1;
	n = strtol(s, &end, 10);
	if (*end || n < 0 || n > 1 << 20)
		return -1;
	return (int)n;
}

int offtable__g(const struct goversion *v, struct offtable_g *out)
{
	const char *pos = offsets_runtime_g_tsv;
	char line[1024], *cols[MAX_COLS];
	int n;

	while ((n = next_row(&pos, line, sizeof(line), cols))) {
		if (n < 17 || !row_covers(cols, v))
			continue;
		out->goid = col_int(cols[2]);
		out->atomicstatus = col_int(cols[3]);
		out->waitreason = col_int(cols[4]);
		out->parent_goid = col_int(cols[5]);
		out->m = col_int(cols[6]);
		out->sched = col_int(cols[7]);
		out->stack = col_int(cols[8]);
		out->waitsince = col_int(cols[9]);
		out->gopc = col_int(cols[10]);
		out->startpc = col_int(cols[11]);
		out->lockedm = col_int(cols[12]);
		out->syscallsp = col_int(cols[13]);
		out->syscallpc = col_int(cols[14]);
		out->syscallbp = col_int(cols[15]);
		out->gobuf_bp = col_int(cols[16]);
		snprintf(out->source, sizeof(out->source), "%s", n > 17 ? cols[17] : "");
		return 0;
	}
	return -ENOENT;
}

static int name_of(const char *table, const struct goversion *v, unsigned int value, char *buf,
		   size_t len)
{
	const char *pos = table;
	char line[1024], *cols[MAX_COLS];
	int n;

	while ((n = next_row(&pos, line, sizeof(line), cols))) {
		if (n < 4 || !row_covers(cols, v) || col_int(cols[2]) != (int)value)
			continue;
		if (strlen(cols[3]) >= len)
			return -ENOSPC;
		strcpy(buf, cols[3]);
		return 0;
	}
	return -ENOENT;
}

int offtable__gstatus_name(const struct goversion *v, unsigned int value, char *buf, size_t len)
{
	return name_of(offsets_gstatus_tsv, v, value, buf, len);
}

int offtable__waitreason_name(const struct goversion *v, unsigned int value, char *buf, size_t len)
{
	return name_of(offsets_waitreasons_tsv, v, value, buf, len);
}

int offtable__waitreason_max(const struct goversion *v)
{
	const char *pos = offsets_waitreasons_tsv;
	char line[1024], *cols[MAX_COLS];
	int n, max = -ENOENT;

	while ((n = next_row(&pos, line, sizeof(line), cols)))
		if (n >= 4 && row_covers(cols, v) && col_int(cols[2]) > max)
			max = col_int(cols[2]);
	return max;
}
