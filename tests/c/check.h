/* Small helpers shared by the C tests: fail loudly with the library's last error. */
#ifndef MAESTRO_TEST_CHECK_H
#define MAESTRO_TEST_CHECK_H

#include "maestro.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define FAIL(...)                                                   \
  do {                                                              \
    fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                 \
    fprintf(stderr, __VA_ARGS__);                                   \
    fprintf(stderr, "\n");                                          \
    failures++;                                                     \
  } while (0)

/* Runs a call that must succeed; on failure prints the last error and exits. */
#define OK(call)                                                                   \
  do {                                                                             \
    maestro_status_t st_ = (call);                                                 \
    if (st_ != MAESTRO_OK) {                                                       \
      const char *msg_ = maestro_last_error_message();                             \
      const char *path_ = maestro_last_error_path();                               \
      fprintf(stderr, "%s:%d: %s -> %u: %s (path %s)\n", __FILE__, __LINE__, #call, \
              (unsigned)st_, msg_ ? msg_ : "(null)", path_ ? path_ : "(null)");    \
      exit(1);                                                                     \
    }                                                                              \
  } while (0)

#define EXPECT(cond)                                  \
  do {                                                \
    if (!(cond)) FAIL("expected %s", #cond);          \
  } while (0)

/* Copies the string value of the first "key":"..." in json into buf; returns buf, or
 * exits when the key is missing. Our JSON output is compact, so this is enough here. */
static char *json_str(const char *json, const char *key, char *buf, size_t n) {
  char pat[128];
  const char *p;
  size_t i = 0;
  snprintf(pat, sizeof pat, "\"%s\":\"", key);
  p = strstr(json, pat);
  if (p == NULL) {
    fprintf(stderr, "no \"%s\" in %s\n", key, json);
    exit(1);
  }
  p += strlen(pat);
  while (p[i] != '"' && i + 1 < n) {
    buf[i] = p[i];
    i++;
  }
  buf[i] = '\0';
  return buf;
}

/* How many times needle occurs in haystack. */
static int count(const char *haystack, const char *needle) {
  int c = 0;
  const char *p = haystack;
  while ((p = strstr(p, needle)) != NULL) {
    c++;
    p += strlen(needle);
  }
  return c;
}

#endif
