/* Two threads share one handle, each creating 1,000 tasks: every write lands. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"

#include <pthread.h>

#define PER_THREAD 1000

static maestro_t *m;
static char project[80];

static void *worker(void *arg) {
  int id = *(int *)arg, i, bad = 0;
  char input[256];
  for (i = 0; i < PER_THREAD; i++) {
    char *out = NULL;
    snprintf(input, sizeof input, "{\"project_id\": \"%s\", \"title\": \"t%d-%d\", \"labels\": [\"thread%d\"]}",
             project, id, i, id);
    if (maestro_tasks_create(m, input, &out) != MAESTRO_OK) {
      fprintf(stderr, "thread %d op %d: %s\n", id, i, maestro_last_error_message());
      bad++;
    } else if (strstr(out, "\"status\":\"todo\"") == NULL) {
      bad++;
    }
    maestro_string_free(out);
  }
  return (void *)(size_t)bad;
}

int main(void) {
  char dir[] = "/tmp/maestro-c-threads-XXXXXX", path[256], input[256];
  char *out;
  pthread_t t[2];
  int ids[2] = {1, 2}, i;
  size_t bad = 0;
  if (mkdtemp(dir) == NULL) return 1;
  snprintf(path, sizeof path, "%s/state.db", dir);
  OK(maestro_open(path, "{\"durability\": \"normal\"}", &m));
  OK(maestro_projects_create(m, "{\"name\": \"threads\"}", &out));
  json_str(out, "id", project, sizeof project);
  maestro_string_free(out);
  for (i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, &ids[i]);
  for (i = 0; i < 2; i++) {
    void *r;
    pthread_join(t[i], &r);
    bad += (size_t)r;
  }
  EXPECT(bad == 0);
  snprintf(input, sizeof input, "{\"project_id\": \"%s\"}", project);
  OK(maestro_tasks_list(m, input, &out));
  EXPECT(count(out, "\"title\":\"t1-") == PER_THREAD);
  EXPECT(count(out, "\"title\":\"t2-") == PER_THREAD);
  EXPECT(count(out, "\"title\":\"t1-999\"") == 1 && count(out, "\"title\":\"t2-0\"") == 1);
  maestro_string_free(out);
  OK(maestro_events_since(m, 0, "{\"types\": [\"task.created\"]}", 100000, &out));
  EXPECT(count(out, "\"type\":\"task.created\"") == 2 * PER_THREAD);
  maestro_string_free(out);
  maestro_close(m);
  if (failures) return 1;
  printf("threads: ok (%d tasks)\n", 2 * PER_THREAD);
  return 0;
}
