/*
 * Feeds files to a fuzz target's LLVMFuzzerTestOneInput() without
 * libFuzzer: every regular file of every directory named, or the files
 * named.  Built in every configuration, so that make check replays the
 * seed corpora (and the crashes kept there as regression seeds) under
 * plain builds, valgrind and the ASan/UBSan build alike.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX	(1 << 20)	/* the largest input we feed */

static int
replay_file(const char *path, size_t *count)
{
	FILE	*fp;
	uint8_t	*buf;
	size_t	 n;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(REPLAY_MAX)) == NULL) {
		fclose(fp);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX, fp);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	(*count)++;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_dir(const char *dir, size_t *count)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, path[4096];
	size_t		 n = 0, i;
	int		 rc = 0;

	if ((d = opendir(dir)) == NULL)
		return replay_file(dir, count);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((names = reallocarray(names, n + 1, sizeof(*names))) ==
		    NULL || (names[n] = strdup(de->d_name)) == NULL) {
			closedir(d);
			return -1;
		}
		n++;
	}
	closedir(d);
	/* In name order, so that a failure reproduces the same way. */
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (replay_file(path, count) == -1)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char *argv[])
{
	size_t	 count = 0;
	int	 i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s dir-or-file ...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (replay_dir(argv[i], &count) == -1)
			rc = 1;
	printf("%s: %zu inputs replayed\n", argv[0], count);
	return rc;
}
