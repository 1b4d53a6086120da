/* SPDX-License-Identifier: ISC */
/*
 * replay.c - a fuzz target without libFuzzer: the main the normal test
 * suite links with a target's LLVMFuzzerTestOneInput (fuzz/CMakeLists.txt)
 * to run it once on each seed and regression input.
 *
 * replay_<target> PATH...: each PATH is a file or a directory whose files
 * (not dot files, not subdirectories) are inputs, in name order.  A path
 * that does not exist is an error, and so is finding no input at all: a
 * corpus that vanished must not pass.  A fault found aborts (the target's
 * rules, or the sanitizers in the ASan tree) with the input's name on
 * stderr first.  Exit 0 when every input ran, 2 on a usage or I/O error.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define INPUT_MAX	(16u << 20)	/* bytes; larger inputs are an error */

/* a target may have no LLVMFuzzerInitialize */
int LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));

static int
run_file(const char *path)
{
	uint8_t	*buf, *in;
	size_t	 n;
	FILE	*f;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(INPUT_MAX + 1)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, INPUT_MAX + 1, f);
	fclose(f);
	if (n > INPUT_MAX) {
		fprintf(stderr, "replay: %s: larger than %u bytes\n", path,
		    INPUT_MAX);
		free(buf);
		return -1;
	}
	/* exactly sized, so that ASan sees any read past the end */
	if ((in = realloc(buf, n ? n : 1)) == NULL) {
		free(buf);
		return -1;
	}
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
	LLVMFuzzerTestOneInput(in, n);
	free(in);
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the files of a directory, in name order; -1 on error, else how many */
static int
run_dir(const char *path)
{
	struct dirent	 *de;
	struct stat	  st;
	char		**names = NULL, file[PATH_MAX];
	size_t		  n = 0, cap = 0, i;
	DIR		 *d;
	int		  ret = 0;

	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn;

			cap = cap ? 2 * cap : 64;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL) {
				ret = -1;
				break;
			}
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			ret = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		if (ret != -1) {
			snprintf(file, sizeof(file), "%s/%s", path, names[i]);
			if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
				if (run_file(file) == -1)
					ret = -1;
				else
					ret++;
			}
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int
main(int argc, char **argv)
{
	struct stat	st;
	int		i, r, total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			return 2;
		}
		r = S_ISDIR(st.st_mode) ? run_dir(argv[i]) :
		    run_file(argv[i]) == 0 ? 1 : -1;
		if (r == -1)
			return 2;
		total += r;
	}
	if (total == 0) {
		fprintf(stderr, "replay: no inputs\n");
		return 2;
	}
	printf("replay: %d inputs, no fault\n", total);
	return 0;
}
