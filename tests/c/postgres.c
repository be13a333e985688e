/* The C ABI on a PostgreSQL store: maestro_open takes a postgres:// URL wherever it takes
 * a path. The server is MAESTRO_TEST_PG_URL (tests/c/run.sh passes the one scripts/test
 * started); each run uses a schema of its own. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"

#include <unistd.h>

int main(void) {
  char url[1024], input[512], project[80], task[80], session[80];
  char *out = NULL;
  maestro_t *m = NULL, *other = NULL;
  const char *server = getenv("MAESTRO_TEST_PG_URL");
  if (server == NULL || server[0] == '\0') {
    /* Without a server the URL would be "(null)?…", which opens as a file path. */
    FAIL("MAESTRO_TEST_PG_URL names no server");
    return 1;
  }
  snprintf(url, sizeof url, "%s?options=-csearch_path%%3Dc_%ld", server, (long)getpid());

  OK(maestro_open(url, "{\"durability\": \"normal\"}", &m));
  OK(maestro_projects_create(m, "{\"name\": \"shop\"}", &out));
  json_str(out, "id", project, sizeof project);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"project_id\": \"%s\", \"title\": \"build\"}", project);
  OK(maestro_tasks_create(m, input, &out));
  json_str(out, "id", task, sizeof task);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"project_id\": \"%s\", \"name\": \"worker\"}", project);
  OK(maestro_sessions_spawn(m, input, &out));
  json_str(out, "id", session, sizeof session);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"id\": \"%s\"}", session);
  OK(maestro_sessions_register(m, input, &out));
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"session_id\": \"%s\"}", session);
  OK(maestro_tasks_claim(m, input, &out));
  EXPECT(strstr(out, task) != NULL && strstr(out, "\"in_progress\"") != NULL);
  maestro_string_free(out);

  /* A second handle (as another process would) sees the claim and the feed. */
  OK(maestro_open(url, NULL, &other));
  snprintf(input, sizeof input, "{\"id\": \"%s\"}", task);
  OK(maestro_tasks_get(other, input, &out));
  EXPECT(strstr(out, "\"in_progress\"") != NULL);
  maestro_string_free(out);
  OK(maestro_events_since(other, 0, NULL, 1000, &out));
  EXPECT(strstr(out, "\"project.created\"") != NULL && strstr(out, "\"task.created\"") != NULL);
  EXPECT(count(out, "\"seq\":") >= 5); /* project, task, session spawned and registered, claim */
  maestro_string_free(out);
  maestro_close(other);

  /* A wrong password: a storage error whose message never shows it. */
  EXPECT(maestro_open("postgres://maestro:hunter2-secret@127.0.0.1:1/none", NULL, &other) == MAESTRO_STORAGE);
  EXPECT(strstr(maestro_last_error_message(), "hunter2-secret") == NULL);

  maestro_close(m);
  printf("postgres: ok\n");
  return 0;
}
