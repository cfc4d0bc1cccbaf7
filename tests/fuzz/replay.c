// SPDX-License-Identifier: GPL-2.0
/*
 * replay: a main() for a fuzz target outside libFuzzer. Runs the target on an
 * empty input, then on every file named on the command line or found in a
 * directory named there (a directory that does not exist counts as empty: git
 * keeps no empty ones). Each input is copied into a buffer of exactly its size,
 * as libFuzzer does, so that a sanitizer build sees any read past its end.
 * A crash or a sanitizer report ends the run with a non-zero status.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	uint8_t *buf;
	FILE *f;
	long n;

	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	/* malloc(0) may return NULL; a 1-byte allocation keeps the pointer valid. */
	buf = malloc(n ? n : 1);
	if (!buf || fread(buf, 1, n, f) != (size_t)n) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir in name order, so that runs are reproducible. */
static int run_dir(const char *dir, int *count)
{
	struct dirent *d;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	int err = 0;
	DIR *dp;

	dp = opendir(dir);
	if (!dp)
		return errno == ENOENT ? 0 : -1;
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **v = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*v));

			if (!v)
				abort();
			names = v;
		}
		names[n] = strdup(d->d_name);
		if (!names[n++])
			abort();
	}
	closedir(dp);
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!stat(path, &st) && S_ISREG(st.st_mode)) {
			if (run_file(path))
				err = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return err;
}

int main(int argc, char **argv)
{
	int count = 0, err = 0, i;
	struct stat st;

	LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
	for (i = 1; i < argc; i++) {
		if (!stat(argv[i], &st) && S_ISREG(st.st_mode)) {
			if (run_file(argv[i]))
				err = 1;
			else
				count++;
		} else if (run_dir(argv[i], &count)) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			err = 1;
		}
	}
	printf("replay: %d inputs (and the empty one) ran without a crash\n", count);
	return err;
}
