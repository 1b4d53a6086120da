/* SPDX-License-Identifier: ISC */
/*
 * test_log.c - log.c's line format: the journal's priority prefixes
 * (issue 10: every line reached the journal at priority 6) and the
 * $JOURNAL_STREAM check that decides them.
 */
#include <sys/stat.h>

#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit.h"
#include "log.h"

/* log_format() into buf as a NUL-terminated string */
static size_t
fmt(char *buf, size_t len, int prio, int err, const char *f, ...)
{
	va_list	ap;
	size_t	n;

	va_start(ap, f);
	n = log_format(buf, len - 1, prio, err, f, ap);
	va_end(ap);
	buf[n] = '\0';
	return n;
}

static void
test_journal_prefixes(void)
{
	static const struct {
		int		 prio;
		const char	*want;
	} cases[] = {
		{ LOG_PRIO_ERR, "<3>netd[%ld]: fatal: x 1\n" },
		{ LOG_PRIO_WARNING, "<4>netd[%ld]: warning: x 1\n" },
		{ LOG_PRIO_INFO, "<6>netd[%ld]: x 1\n" },
		{ LOG_PRIO_DEBUG, "<7>netd[%ld]: debug: x 1\n" },
	};
	char	buf[256], want[128];
	size_t	i;

	log_init("netd", 1);
	log_set_journal(1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(want, sizeof(want), cases[i].want, (long)getpid());
		fmt(buf, sizeof(buf), cases[i].prio, 0, "x %d", 1);
		CU_ASSERT_STRING_EQUAL(buf, want);
	}
	/* errno text after the message */
	fmt(buf, sizeof(buf), LOG_PRIO_WARNING, ENOENT, "open %s", "f");
	snprintf(want, sizeof(want), "<4>netd[%ld]: warning: open f: %s\n",
	    (long)getpid(), strerror(ENOENT));
	CU_ASSERT_STRING_EQUAL(buf, want);
	/* cut short: still one line, prefix kept */
	CU_ASSERT_EQUAL(fmt(buf, 24, LOG_PRIO_WARNING, 0, "%0200d", 0), 22);
	CU_ASSERT(strncmp(buf, "<4>netd[", 8) == 0 && buf[21] == '\n');

	/* not the journal: a timestamp first, no prefix */
	log_set_journal(0);
	fmt(buf, sizeof(buf), LOG_PRIO_WARNING, 0, "x");
	CU_ASSERT(buf[0] >= '1' && buf[0] <= '9' && buf[10] == 'T');
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Z netd["));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "]: warning: x\n"));
}

/* stderr onto path, JOURNAL_STREAM as given; the old stderr back after */
static int
journal_check(const char *path, const char *value)
{
	int	saved, fd, r;

	if (value)
		setenv("JOURNAL_STREAM", value, 1);
	else
		unsetenv("JOURNAL_STREAM");
	saved = dup(STDERR_FILENO);
	if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) == -1)
		return -1;
	dup2(fd, STDERR_FILENO);
	close(fd);
	r = log_stderr_is_journal();
	dup2(saved, STDERR_FILENO);
	close(saved);
	return r;
}

static void
test_journal_stream(void)
{
	char		a[] = "/tmp/test_log.XXXXXX", b[] = "/tmp/test_log.XXXXXX";
	char		v[128];
	struct stat	st;
	int		fd;

	CU_ASSERT_FATAL((fd = mkstemp(a)) != -1);
	CU_ASSERT_FATAL(fstat(fd, &st) == 0);
	close(fd);
	CU_ASSERT_FATAL((fd = mkstemp(b)) != -1);
	close(fd);
	snprintf(v, sizeof(v), "%ju:%ju", (uintmax_t)st.st_dev,
	    (uintmax_t)st.st_ino);
	CU_ASSERT_EQUAL(journal_check(a, v), 1);
	CU_ASSERT_EQUAL(journal_check(b, v), 0);	/* redirected */
	CU_ASSERT_EQUAL(journal_check(a, NULL), 0);	/* unset */
	CU_ASSERT_EQUAL(journal_check(a, ""), 0);
	snprintf(v, sizeof(v), "%ju:%jux", (uintmax_t)st.st_dev,
	    (uintmax_t)st.st_ino);
	CU_ASSERT_EQUAL(journal_check(a, v), 0);	/* trailing junk */
	snprintf(v, sizeof(v), "%ju", (uintmax_t)st.st_dev);
	CU_ASSERT_EQUAL(journal_check(a, v), 0);	/* no inode */
	/* plain decimals only (sscanf's %ju took a sign and blanks) */
	snprintf(v, sizeof(v), "+%ju:%ju", (uintmax_t)st.st_dev,
	    (uintmax_t)st.st_ino);
	CU_ASSERT_EQUAL(journal_check(a, v), 0);
	snprintf(v, sizeof(v), "%ju: %ju", (uintmax_t)st.st_dev,
	    (uintmax_t)st.st_ino);
	CU_ASSERT_EQUAL(journal_check(a, v), 0);
	snprintf(v, sizeof(v), "%ju:+%ju", (uintmax_t)st.st_dev,
	    (uintmax_t)st.st_ino);
	CU_ASSERT_EQUAL(journal_check(a, v), 0);
	unlink(a);
	unlink(b);
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "journal priority prefixes", test_journal_prefixes },
		{ "JOURNAL_STREAM names stderr", test_journal_stream },
	};
	struct tn_suite	ts = { .name = "log", .cases = tests,
	    .ncases = TN_NCASES(tests) };

	return tn_cunit_run(&ts);
}
