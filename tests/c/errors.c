/* tests/errors/cases.json, the error table every language runs, from C: each line of the
 * table file (written from the JSON by tests/c/run.sh: op, input, status, path, entity, id,
 * from, to — "-" for none, "?" for not checked — and the message parts separated by '|')
 * names the function maestro_<ns>_<verb>, found with dlsym, and what its failure must
 * say. Lines with status "setup" must succeed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>

#include "check.h"

typedef maestro_status_t (*op_fn)(const maestro_t *, const char *, char **);

int main(int argc, char **argv) {
  maestro_t *m = NULL;
  char line[8192];
  int cases = 0;
  FILE *table;
  if (argc != 2 || (table = fopen(argv[1], "r")) == NULL) {
    fprintf(stderr, "usage: errors TABLE\n");
    return 2;
  }
  OK(maestro_open(":memory:", NULL, &m));
  while (fgets(line, sizeof line, table) != NULL) {
    char *op = strtok(line, "\t"), *input = strtok(NULL, "\t"), *status = strtok(NULL, "\t");
    char *path = strtok(NULL, "\t"), *about[4], *message;
    const char *got[4];
    for (int i = 0; i < 4; i++) about[i] = strtok(NULL, "\t");
    message = strtok(NULL, "\t\n");
    char symbol[128], *out = (char *)"untouched";
    const char *msg, *got_path;
    op_fn f;
    maestro_status_t st;
    if (op == NULL || input == NULL || status == NULL || path == NULL || about[3] == NULL) continue;
    snprintf(symbol, sizeof symbol, "maestro_%s", op);
    *strchr(symbol, '.') = '_';
    f = (op_fn)(uintptr_t)dlsym(RTLD_DEFAULT, symbol);
    if (f == NULL) {
      FAIL("%s is not exported", symbol);
      continue;
    }
    st = f(m, input, &out);
    if (strcmp(status, "setup") == 0) {
      if (st != MAESTRO_OK) FAIL("setup %s: status %u: %s", op, (unsigned)st, maestro_last_error_message());
      else maestro_string_free(out);
      continue;
    }
    cases++;
    msg = maestro_last_error_message();
    got_path = maestro_last_error_path();
    if (st != (maestro_status_t)atoi(status)) FAIL("%s %s: status %u, want %s (%s)", op, input, (unsigned)st, status, msg);
    if (strcmp(out, "untouched") != 0) FAIL("%s: output written on failure", op);
    if (strcmp(path, "-") == 0 ? got_path != NULL : (got_path == NULL || strcmp(got_path, path) != 0))
      FAIL("%s %s: path %s, want %s (%s)", op, input, got_path ? got_path : "(null)", path, msg);
    got[0] = maestro_last_error_entity();
    got[1] = maestro_last_error_id();
    got[2] = maestro_last_error_from();
    got[3] = maestro_last_error_to();
    for (int i = 0; i < 4; i++) {
      if (strcmp(about[i], "?") == 0) continue;
      if (strcmp(about[i], "-") == 0 ? got[i] != NULL : (got[i] == NULL || strcmp(got[i], about[i]) != 0))
        FAIL("%s: about[%d] %s, want %s (%s)", op, i, got[i] ? got[i] : "(null)", about[i], msg);
    }
    if (message != NULL && strcmp(message, "-") == 0) message = NULL;
    for (char *part = message ? strtok(message, "|") : NULL; part != NULL; part = strtok(NULL, "|"))
      if (msg == NULL || strstr(msg, part) == NULL) FAIL("%s: message %s lacks %s", op, msg ? msg : "(null)", part);
  }
  fclose(table);
  maestro_close(m);
  (void)json_str; /* check.h's helpers this test does not need */
  (void)count;
  if (cases < 10) FAIL("only %d cases in %s", cases, argv[1]);
  if (failures == 0) printf("errors: %d cases ok\n", cases);
  return failures == 0 ? 0 : 1;
}
