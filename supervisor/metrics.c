/* SPDX-License-Identifier: ISC */
/*
 * metrics.c - the Prometheus text exposition format (version 0.0.4).
 *
 * Only writing: the supervisor builds the text from what it has, and it
 * never parses metrics.  Escaping and the histogram layout follow the
 * format's specification (Prometheus docs, "Exposition formats": label
 * values escape backslash, double quote and line feed; HELP text escapes
 * backslash and line feed; a histogram's buckets are cumulative and end
 * with le="+Inf", whose count equals _count).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

void
metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
}

void
metrics_free(struct metrics *m)
{
	free(m->buf);
	memset(m, 0, sizeof(*m));
}

/* append n bytes; failed on out of memory or past METRICS_MAX_BYTES */
static void
put(struct metrics *m, const char *s, size_t n)
{
	size_t	 cap;
	char	*p;

	if (m->failed)
		return;
	if (m->len + n + 1 > METRICS_MAX_BYTES) {
		m->failed = 1;
		return;
	}
	if (m->len + n + 1 > m->cap) {
		cap = m->cap ? m->cap : 4096;
		while (cap < m->len + n + 1)
			cap *= 2;
		if ((p = realloc(m->buf, cap)) == NULL) {
			m->failed = 1;
			return;
		}
		m->buf = p;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, s, n);
	m->len += n;
	m->buf[m->len] = '\0';
}

static void
puts_(struct metrics *m, const char *s)
{
	put(m, s, strlen(s));
}

/* escape backslash and line feed, and double quote if quote */
static size_t
escape(const char *in, char *out, size_t outlen, int quote)
{
	const char	*rep;
	size_t		 n = 0, k;
	char		 one[2] = { 0, 0 };

	for (; *in; in++) {
		if (*in == '\\')
			rep = "\\\\";
		else if (*in == '\n')
			rep = "\\n";
		else if (*in == '"' && quote)
			rep = "\\\"";
		else {
			one[0] = *in;
			rep = one;
		}
		for (k = 0; rep[k]; k++, n++)
			if (outlen > 0 && n < outlen - 1)
				out[n] = rep[k];
	}
	if (outlen > 0)
		out[n < outlen - 1 ? n : outlen - 1] = '\0';
	return n;
}

size_t
metrics_escape(const char *value, char *out, size_t outlen)
{
	return escape(value, out, outlen, 1);
}

/* escaped text, allocated as needed */
static void
put_escaped(struct metrics *m, const char *s, int quote)
{
	char	 small[256], *p = small;
	size_t	 n;

	n = escape(s, small, sizeof(small), quote);
	if (n >= sizeof(small)) {
		if ((p = malloc(n + 1)) == NULL) {
			m->failed = 1;
			return;
		}
		escape(s, p, n + 1, quote);
	}
	put(m, p, n);
	if (p != small)
		free(p);
}

void
metrics_family(struct metrics *m, const char *name, const char *type,
    const char *help)
{
	puts_(m, "# HELP ");
	puts_(m, name);
	puts_(m, " ");
	put_escaped(m, help, 0);
	puts_(m, "\n# TYPE ");
	puts_(m, name);
	puts_(m, " ");
	puts_(m, type);
	puts_(m, "\n");
}

/* name{a="x",b="y"[,le="..."]} */
static void
put_series(struct metrics *m, const char *name, const char *suffix,
    const struct metrics_label *l, size_t n, const char *le)
{
	size_t	i;

	puts_(m, name);
	puts_(m, suffix);
	if (n == 0 && le == NULL)
		return;
	puts_(m, "{");
	for (i = 0; i < n; i++) {
		if (i)
			puts_(m, ",");
		puts_(m, l[i].name);
		puts_(m, "=\"");
		put_escaped(m, l[i].value, 1);
		puts_(m, "\"");
	}
	if (le != NULL) {
		puts_(m, n ? ",le=\"" : "le=\"");
		puts_(m, le);
		puts_(m, "\"");
	}
	puts_(m, "}");
}

/*
 * A float the way Prometheus spells it: +Inf, -Inf, NaN, else the
 * shortest of %.15g and %.17g that reads back as the same double (0.005,
 * not 0.0050000000000000001).
 */
static void
fmt_double(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "NaN");
	else if (isinf(v))
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
	else {
		snprintf(buf, len, "%.15g", v);
		if (strtod(buf, NULL) != v)
			snprintf(buf, len, "%.17g", v);
	}
}

static void
put_value(struct metrics *m, const char *v)
{
	puts_(m, " ");
	puts_(m, v);
	puts_(m, "\n");
}

void
metrics_sample(struct metrics *m, const char *name,
    const struct metrics_label *l, size_t n, double value)
{
	char v[64];

	fmt_double(value, v, sizeof(v));
	put_series(m, name, "", l, n, NULL);
	put_value(m, v);
}

void
metrics_sample_u64(struct metrics *m, const char *name,
    const struct metrics_label *l, size_t n, uint64_t value)
{
	char v[32];

	snprintf(v, sizeof(v), "%llu", (unsigned long long)value);
	put_series(m, name, "", l, n, NULL);
	put_value(m, v);
}

void
metrics_histogram(struct metrics *m, const char *name,
    const struct metrics_label *l, size_t n, const struct metrics_hist *h)
{
	char		le[64], v[64];
	uint64_t	cum = 0;
	size_t		i;

	for (i = 0; i <= h->nbounds; i++) {
		cum += h->counts[i];
		if (i < h->nbounds)
			fmt_double(h->bounds[i], le, sizeof(le));
		else
			snprintf(le, sizeof(le), "+Inf");
		snprintf(v, sizeof(v), "%llu", (unsigned long long)cum);
		put_series(m, name, "_bucket", l, n, le);
		put_value(m, v);
	}
	fmt_double(h->sum, v, sizeof(v));
	put_series(m, name, "_sum", l, n, NULL);
	put_value(m, v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)cum);
	put_series(m, name, "_count", l, n, NULL);
	put_value(m, v);
}
