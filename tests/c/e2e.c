/* Every namespace end to end through the C ABI on a real database file, then every
 * error path: NULL handle, NULL input, NULL output, invalid UTF-8, invalid JSON, a
 * schema violation with its path, an illegal transition, not found. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"

#include <stdatomic.h>
#include <time.h>

static char dir[] = "/tmp/maestro-c-XXXXXX";

/* Calls op(m, input) and returns the output JSON (caller frees), exiting on failure. */
typedef maestro_status_t (*op_fn)(const maestro_t *, const char *, char **);
static char *run(op_fn f, const maestro_t *m, const char *input) {
  char *out = NULL;
  OK(f(m, input, &out));
  if (out == NULL) {
    fprintf(stderr, "no output for %s\n", input);
    exit(1);
  }
  return out;
}

/* Expects f(m, input) to fail with `code` (and `path`, unless NULL); the output must stay
 * untouched. */
static void fails(op_fn f, const maestro_t *m, const char *input, maestro_status_t code, const char *path,
                  const char *in_message) {
  char *out = (char *)"untouched";
  maestro_status_t st = f(m, input, &out);
  const char *msg = maestro_last_error_message();
  const char *p = maestro_last_error_path();
  if (st != code) FAIL("%s: status %u, want %u (%s)", input ? input : "(NULL)", (unsigned)st, (unsigned)code, msg);
  if (maestro_last_error_code() != code) FAIL("last_error_code %u, want %u", (unsigned)maestro_last_error_code(), (unsigned)code);
  if (strcmp(out, "untouched") != 0) FAIL("output written on failure");
  if (msg == NULL || msg[0] == '\0') FAIL("no message for status %u", (unsigned)st);
  if (path != NULL && (p == NULL || strcmp(p, path) != 0)) FAIL("path %s, want %s (%s)", p ? p : "(null)", path, msg);
  if (in_message != NULL && (msg == NULL || strstr(msg, in_message) == NULL))
    FAIL("message %s lacks %s", msg ? msg : "(null)", in_message);
}

static atomic_int seen_events;
static atomic_int seen_task_created;

static void on_event(void *user_data, const char *event_json) {
  atomic_fetch_add(&seen_events, 1);
  if (strstr(event_json, "\"type\":\"task.created\"") != NULL) atomic_fetch_add(&seen_task_created, 1);
  if (user_data != (void *)dir) atomic_store(&seen_events, -1000000);
}

/* A callback that calls back into the library with the handle it was given. */
static atomic_int reentrant_ok;
static void on_event_reenter(void *user_data, const char *event_json) {
  char *out = NULL;
  (void)event_json;
  if (maestro_events_latest_seq((const maestro_t *)user_data, "{}", &out) == MAESTRO_OK && atoi(out) > 0)
    atomic_fetch_add(&reentrant_ok, 1);
  maestro_string_free(out);
}

/* A callback that tries to free its own subscription: refused, not a hang. */
static maestro_subscription_t *self_sub;
static atomic_int self_free_status = -1;
static void on_event_free_self(void *user_data, const char *event_json) {
  (void)user_data;
  (void)event_json;
  if (atomic_load(&self_free_status) == -1) atomic_store(&self_free_status, (int)maestro_subscription_free(self_sub));
}

static void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

int main(void) {
  char path[256], input[2048], project[80], workflow[80], session[80], task_a[80], task_b[80], item[80];
  char *out;
  maestro_t *m = NULL;
  maestro_subscription_t *sub = NULL;
  int i;

  EXPECT(strcmp(maestro_version(), MAESTRO_VERSION_STRING) == 0);
  EXPECT(maestro_abi_version() == MAESTRO_ABI_VERSION);
  if (mkdtemp(dir) == NULL) return 1;
  snprintf(path, sizeof path, "%s/state.db", dir);
  OK(maestro_open(path, "{\"durability\": \"normal\"}", &m));

  /* operations list */
  OK(maestro_operations(&out));
  EXPECT(strstr(out, "\"sessions.spawn\"") != NULL && strstr(out, "\"store.batch\"") != NULL);
  maestro_string_free(out);

  /* by name: the result, or the error itself in the output (for a reader on another thread) */
  OK(maestro_call(m, "projects.list", "{}", &out));
  EXPECT(strcmp(out, "[]") == 0);
  maestro_string_free(out);
  out = NULL;
  EXPECT(maestro_call(m, "tasks.get", "{\"id\": \"tsk_none\"}", &out) == MAESTRO_NOT_FOUND);
  EXPECT(out != NULL && strstr(out, "\"code\":\"MAESTRO_NOT_FOUND\"") != NULL &&
         strstr(out, "\"status\":101") != NULL && strstr(out, "\"entity\":\"task\"") != NULL &&
         strstr(out, "\"id\":\"tsk_none\"") != NULL);
  EXPECT(maestro_last_error_code() == MAESTRO_NOT_FOUND);
  maestro_string_free(out);
  out = NULL;
  EXPECT(maestro_call(m, "tasks.create", "{\"project_id\": \"p\", \"title\": \"t\", \"labels\": [7]}", &out) ==
         MAESTRO_VALIDATION);
  EXPECT(out != NULL && strstr(out, "\"path\":\"/labels/0\"") != NULL);
  maestro_string_free(out);
  out = NULL;
  EXPECT(maestro_call(m, "tasks.nope", "{}", &out) == MAESTRO_VALIDATION);
  maestro_string_free(out);
  EXPECT(maestro_call(m, NULL, "{}", &out) == MAESTRO_NULL_ARGUMENT);
  maestro_string_free(out);
  EXPECT(maestro_call(m, "tasks.get", "{}", NULL) == MAESTRO_NULL_ARGUMENT);

  /* subscribe before writing */
  OK(maestro_events_subscribe(m, "{\"entities\": [\"task\"]}", on_event, dir, &sub));

  /* projects */
  out = run(maestro_projects_create, m, "{\"name\": \"shop\"}");
  json_str(out, "id", project, sizeof project);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"id\": \"%s\"}", project);
  out = run(maestro_projects_get, m, input);
  EXPECT(strstr(out, "\"name\":\"shop\"") != NULL);
  maestro_string_free(out);
  out = run(maestro_projects_list, m, "{}");
  EXPECT(count(out, "\"id\":") == 1);
  maestro_string_free(out);

  /* workflows */
  snprintf(input, sizeof input, "{\"project_id\": \"%s\", \"feature\": \"login\", \"model\": \"flow\"}", project);
  out = run(maestro_workflows_create, m, input);
  json_str(out, "id", workflow, sizeof workflow);
  EXPECT(strstr(out, "\"phase\":\"initializing\"") != NULL);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"id\": \"%s\", \"to\": \"planning\", \"actor\": \"c-test\"}", workflow);
  out = run(maestro_workflows_advance, m, input);
  EXPECT(strstr(out, "\"phase\":\"planning\"") != NULL);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"id\": \"%s\"}", workflow);
  out = run(maestro_workflows_history, m, input);
  EXPECT(strstr(out, "planning") != NULL);
  maestro_string_free(out);

  /* tasks */
  snprintf(input, sizeof input,
           "{\"project_id\": \"%s\", \"workflow_id\": \"%s\", \"title\": \"DB schema\", \"labels\": [\"database\"]}",
           project, workflow);
  out = run(maestro_tasks_create, m, input);
  json_str(out, "id", task_a, sizeof task_a);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"project_id\": \"%s\", \"title\": \"API\", \"depends_on\": [\"%s\"]}", project,
           task_a);
  out = run(maestro_tasks_create, m, input);
  json_str(out, "id", task_b, sizeof task_b);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"project_id\": \"%s\"}", project);
  out = run(maestro_tasks_ready, m, input);
  EXPECT(count(out, "\"title\":") == 1 && strstr(out, task_a) != NULL);
  maestro_string_free(out);

  /* sessions and claims */
  snprintf(input, sizeof input, "{\"project_id\": \"%s\", \"workflow_id\": \"%s\", \"name\": \"worker-1\"}", project,
           workflow);
  out = run(maestro_sessions_spawn, m, input);
  json_str(out, "id", session, sizeof session);
  EXPECT(strstr(out, "\"status\":\"spawning\"") != NULL);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"id\": \"%s\"}", session);
  out = run(maestro_sessions_register, m, input);
  EXPECT(strstr(out, "\"status\":\"idle\"") != NULL);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"session_id\": \"%s\", \"filter\": {\"labels\": [\"database\"]}}", session);
  out = run(maestro_tasks_claim, m, input);
  EXPECT(strstr(out, task_a) != NULL && strstr(out, "\"status\":\"in_progress\"") != NULL);
  maestro_string_free(out);
  out = run(maestro_tasks_claim, m, input);
  EXPECT(strcmp(out, "null") == 0);
  maestro_string_free(out);
  snprintf(input, sizeof input,
           "{\"id\": \"%s\", \"event\": {\"type\": \"progress\", \"message\": \"half way\", \"metadata\": "
           "{\"progress\": 0.5}}}",
           session);
  out = run(maestro_sessions_append, m, input);
  EXPECT(strstr(out, "half way") != NULL);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"id\": \"%s\", \"session_id\": \"%s\"}", task_a, session);
  out = run(maestro_tasks_complete, m, input);
  EXPECT(strstr(out, "\"status\":\"completed\"") != NULL);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"project_id\": \"%s\"}", project);
  out = run(maestro_tasks_ready, m, input);
  EXPECT(count(out, "\"title\":") == 1 && strstr(out, task_b) != NULL);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"id\": \"%s\"}", session);
  out = run(maestro_sessions_timeline, m, input);
  EXPECT(strstr(out, "half way") != NULL);
  maestro_string_free(out);

  /* queues */
  snprintf(input, sizeof input, "{\"session_id\": \"%s\", \"task_id\": \"%s\"}", session, task_b);
  out = run(maestro_queues_enqueue, m, input);
  json_str(out, "id", item, sizeof item);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"session_id\": \"%s\"}", session);
  out = run(maestro_queues_next, m, input);
  EXPECT(strstr(out, item) != NULL && strstr(out, task_b) != NULL);
  maestro_string_free(out);
  out = run(maestro_queues_complete, m, input);
  EXPECT(strstr(out, "\"status\":\"completed\"") != NULL);
  maestro_string_free(out);
  out = run(maestro_queues_list, m, input);
  EXPECT(count(out, "\"task_id\":") == 1);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"id\": \"%s\"}", task_b);
  out = run(maestro_tasks_get, m, input);
  EXPECT(strstr(out, "\"status\":\"completed\"") != NULL);
  maestro_string_free(out);

  /* agent threads: a checkpoint (blob in base64), its writes, the latest, the session link */
  snprintf(input, sizeof input, "{\"project_id\": \"%s\", \"thread_id\": \"conv-1\", \"session_id\": \"%s\"}",
           project, session);
  out = run(maestro_threads_link, m, input);
  EXPECT(strstr(out, session) != NULL);
  maestro_string_free(out);
  snprintf(input, sizeof input,
           "{\"project_id\": \"%s\", \"thread_id\": \"conv-1\", \"checkpoint_id\": \"1ef-01\", "
           "\"checkpoint\": {\"type\": \"json\", \"data\": \"eyJzdGVwIjogMX0=\"}, \"metadata\": {\"step\": 1}}",
           project);
  out = run(maestro_threads_put, m, input);
  EXPECT(strstr(out, "\"checkpoint\":null") != NULL);
  maestro_string_free(out);
  snprintf(input, sizeof input,
           "{\"project_id\": \"%s\", \"thread_id\": \"conv-1\", \"checkpoint_id\": \"1ef-01\", \"task_id\": "
           "\"t1\", \"writes\": [{\"idx\": 0, \"channel\": \"messages\", \"value\": {\"type\": \"json\", "
           "\"data\": \"WyJoaSJd\"}}]}",
           project);
  out = run(maestro_threads_put_writes, m, input);
  EXPECT(strcmp(out, "1") == 0);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"project_id\": \"%s\", \"thread_id\": \"conv-1\"}", project);
  out = run(maestro_threads_get, m, input);
  EXPECT(strstr(out, "eyJzdGVwIjogMX0=") != NULL && strstr(out, "\"channel\":\"messages\"") != NULL);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"id\": \"%s\"}", session);
  out = run(maestro_sessions_timeline, m, input);
  EXPECT(strstr(out, "\"type\":\"thread_checkpoint\"") != NULL);
  maestro_string_free(out);
  snprintf(input, sizeof input,
           "{\"project_id\": \"%s\", \"thread_id\": \"conv-1\", \"checkpoint_id\": \"2\", "
           "\"checkpoint\": {\"type\": \"json\", \"data\": \"not base64!\"}}",
           project);
  fails(maestro_threads_put, m, input, MAESTRO_VALIDATION, "/checkpoint/data", NULL);

  /* decisions, checkpoints, reports */
  snprintf(input, sizeof input,
           "{\"workflow_id\": \"%s\", \"category\": \"tech_stack\", \"decision\": \"Use PostgreSQL\", "
           "\"rationale\": \"relational data\", \"subject\": {\"category\": \"database\", \"technology\": "
           "\"postgresql\"}}",
           workflow);
  out = run(maestro_decisions_record, m, input);
  EXPECT(strstr(out, "\"phase\":\"planning\"") != NULL);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"text\": \"postgresql\"}");
  out = run(maestro_decisions_search, m, input);
  EXPECT(count(out, "Use PostgreSQL") == 1);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"workflow_id\": \"%s\", \"message\": \"after the schema\", \"type\": \"manual\"}",
           workflow);
  out = run(maestro_checkpoints_create, m, input);
  EXPECT(strstr(out, "after the schema") != NULL);
  maestro_string_free(out);
  snprintf(input, sizeof input, "{\"workflow_id\": \"%s\"}", workflow);
  out = run(maestro_reports_final_report, m, input);
  EXPECT(strstr(out, "# Final report: login") != NULL);
  maestro_string_free(out);

  /* store.batch: all or nothing */
  snprintf(input, sizeof input,
           "{\"operations\": [{\"op\": \"tasks.create\", \"input\": {\"project_id\": \"%s\", \"title\": \"one\"}}, "
           "{\"op\": \"tasks.create\", \"input\": {\"project_id\": \"%s\", \"title\": \"\"}}]}",
           project, project);
  fails(maestro_store_batch, m, input, MAESTRO_VALIDATION, "/operations/1/input/title", NULL);
  snprintf(input, sizeof input, "{\"project_id\": \"%s\"}", project);
  out = run(maestro_tasks_list, m, input);
  EXPECT(count(out, "\"title\":") == 2);
  maestro_string_free(out);

  /* the change feed: polling and the callback */
  OK(maestro_events_since(m, 0, "{\"entities\": [\"task\"], \"types\": [\"task.created\"]}", 100, &out));
  EXPECT(count(out, "\"type\":\"task.created\"") == 2);
  maestro_string_free(out);
  OK(maestro_events_since(m, 0, NULL, 3, &out));
  EXPECT(count(out, "\"seq\":") == 3);
  maestro_string_free(out);
  for (i = 0; i < 200 && atomic_load(&seen_task_created) < 2; i++) sleep_ms(10);
  EXPECT(atomic_load(&seen_task_created) == 2);
  EXPECT(atomic_load(&seen_events) >= 2);
  maestro_subscription_free(sub);
  {
    int before = atomic_load(&seen_events);
    snprintf(input, sizeof input, "{\"project_id\": \"%s\", \"title\": \"after unsubscribe\"}", project);
    out = run(maestro_tasks_create, m, input);
    maestro_string_free(out);
    sleep_ms(50);
    EXPECT(atomic_load(&seen_events) == before);
  }

  /* error paths */
  fails(maestro_tasks_get, NULL, "{\"id\": \"x\"}", MAESTRO_NULL_ARGUMENT, "maestro", NULL);
  fails(maestro_tasks_get, m, NULL, MAESTRO_NULL_ARGUMENT, "input_json", NULL);
  EXPECT(maestro_tasks_get(m, "{\"id\": \"x\"}", NULL) == MAESTRO_NULL_ARGUMENT);
  fails(maestro_tasks_get, m, "{\"id\": \"\xff\xfe\"}", MAESTRO_INVALID_UTF8, "input_json", NULL);
  fails(maestro_tasks_get, m, "{\"id\": ", MAESTRO_VALIDATION, "", "not valid JSON");
  snprintf(input, sizeof input, "{\"project_id\": \"%s\", \"title\": \"t\", \"labels\": [\"ok\", 7]}", project);
  fails(maestro_tasks_create, m, input, MAESTRO_VALIDATION, "/labels/1", NULL);
  snprintf(input, sizeof input, "{\"project_id\": \"%s\", \"title\": \"t\", \"colour\": \"red\"}", project);
  fails(maestro_tasks_create, m, input, MAESTRO_VALIDATION, "/colour", "colour");
  fails(maestro_sessions_spawn, m, "{\"project_id\": \"../../etc\", \"name\": \"x\"}", MAESTRO_VALIDATION,
        "/project_id", NULL);
  fails(maestro_tasks_create, m, "{\"project_id\": \"nope\", \"title\": \"t\"}", MAESTRO_NOT_FOUND, NULL, "nope");
  snprintf(input, sizeof input, "{\"project_id\": \"%s\", \"title\": \"fresh\"}", project);
  out = run(maestro_tasks_create, m, input);
  {
    char fresh[80], tr[256];
    json_str(out, "id", fresh, sizeof fresh);
    snprintf(tr, sizeof tr, "{\"id\": \"%s\", \"to\": \"completed\"}", fresh);
    fails(maestro_tasks_transition, m, tr, MAESTRO_CONFLICT, NULL, "todo \xe2\x86\x92 completed");
    EXPECT(maestro_last_error_path() == NULL);
  }
  maestro_string_free(out);
  fails(maestro_tasks_get, m, "{\"id\": \"nope\"}", MAESTRO_NOT_FOUND, NULL, "nope");
  EXPECT(maestro_events_since(m, -1, NULL, 10, &out) == MAESTRO_VALIDATION);
  EXPECT(strcmp(maestro_last_error_path(), "/seq") == 0);
  EXPECT(maestro_events_since(m, 0, "{\"entities\": [\"spaceship\"]}", 10, &out) == MAESTRO_VALIDATION);
  EXPECT(strcmp(maestro_last_error_path(), "/filter/entities/0") == 0);

  /* a successful call clears the last error; clear_error forgets it */
  out = run(maestro_projects_list, m, "{}");
  maestro_string_free(out);
  EXPECT(maestro_last_error_code() == MAESTRO_OK && maestro_last_error_message() == NULL);
  fails(maestro_tasks_get, m, "{\"id\": \"nope\"}", MAESTRO_NOT_FOUND, NULL, NULL);
  maestro_clear_error();
  EXPECT(maestro_last_error_code() == MAESTRO_OK && maestro_last_error_path() == NULL);

  /* open: bad options, NULL path, NULL output */
  {
    maestro_t *bad = (maestro_t *)dir;
    EXPECT(maestro_open(path, "{\"durability\": \"sometimes\"}", &bad) == MAESTRO_VALIDATION);
    EXPECT(strcmp(maestro_last_error_path(), "/durability") == 0);
    EXPECT(bad == (maestro_t *)dir);
    EXPECT(maestro_open(NULL, NULL, &bad) == MAESTRO_NULL_ARGUMENT);
    EXPECT(maestro_open(path, NULL, NULL) == MAESTRO_NULL_ARGUMENT);
    EXPECT(maestro_events_subscribe(m, NULL, NULL, NULL, &sub) == MAESTRO_NULL_ARGUMENT);
    EXPECT(strcmp(maestro_last_error_path(), "callback") == 0);
  }

  /* NULL is a no-op for every release function */
  maestro_string_free(NULL);
  maestro_subscription_free(NULL);
  maestro_close(NULL);
  OK(maestro_store_check_integrity(m, "{}", &out));
  EXPECT(strcmp(out, "null") == 0);
  maestro_string_free(out);
  maestro_close(m);

  /* the data is on disk: reopen and read; a callback may call into the library; closing
   * the handle before freeing its subscription stops delivery first */
  OK(maestro_open(path, NULL, &m));
  OK(maestro_events_subscribe(m, NULL, on_event_reenter, m, &sub));
  out = run(maestro_projects_create, m, "{\"name\": \"reentrant\"}");
  maestro_string_free(out);
  for (i = 0; i < 200 && atomic_load(&reentrant_ok) < 1; i++) sleep_ms(10);
  EXPECT(atomic_load(&reentrant_ok) == 1);
  /* freeing a subscription from its own callback is refused; from here it works */
  OK(maestro_events_subscribe(m, NULL, on_event_free_self, NULL, &self_sub));
  out = run(maestro_projects_create, m, "{\"name\": \"self-free\"}");
  maestro_string_free(out);
  for (i = 0; i < 200 && atomic_load(&self_free_status) == -1; i++) sleep_ms(10);
  EXPECT(atomic_load(&self_free_status) == (int)MAESTRO_INVALID_ARGUMENT);
  EXPECT(maestro_subscription_free(self_sub) == MAESTRO_OK);
  /* a pulled subscription: events wait until taken; a pushed one cannot be pulled */
  {
    maestro_subscription_t *pulled = NULL;
    char *event = (char *)"untouched";
    OK(maestro_subscription_open(m, "{\"entities\": [\"project\"]}", &pulled));
    OK(maestro_subscription_next(pulled, 0, &event));
    EXPECT(event == NULL);
    out = run(maestro_projects_create, m, "{\"name\": \"pulled\"}");
    maestro_string_free(out);
    OK(maestro_subscription_next(pulled, 1000, &event));
    EXPECT(event != NULL && strstr(event, "\"type\":\"project.created\"") != NULL && strstr(event, "pulled") != NULL);
    maestro_string_free(event);
    EXPECT(maestro_subscription_next(sub, 0, &event) == MAESTRO_INVALID_ARGUMENT);
    maestro_close(m);
    /* the handle is gone: the subscription has ended */
    EXPECT(maestro_subscription_next(pulled, 0, &event) == MAESTRO_INVALID_ARGUMENT);
    EXPECT(maestro_subscription_free(pulled) == MAESTRO_OK);
  }
  maestro_subscription_free(sub);
  OK(maestro_open(path, NULL, &m));
  snprintf(input, sizeof input, "{\"id\": \"%s\"}", task_b);
  out = run(maestro_tasks_get, m, input);
  EXPECT(strstr(out, "\"status\":\"completed\"") != NULL);
  maestro_string_free(out);

  /* retention: a prune of everything moves the feed horizon; reading below it is
   * MAESTRO_PRUNED with the oldest retained seq, never a silent gap */
  {
    long long horizon = -1;
    const char *h;
    snprintf(input, sizeof input,
             "{\"dry_run\": false, \"policy\": {\"sessions_days\": 0, \"events_days\": 0, \"archive_dir\": \"%s/archive\"}}",
             dir);
    out = run(maestro_store_prune, m, input);
    h = strstr(out, "\"horizon\":");
    EXPECT(h != NULL);
    if (h) horizon = strtoll(h + strlen("\"horizon\":"), NULL, 10);
    EXPECT(horizon > 0);
    maestro_string_free(out);
    out = NULL;
    EXPECT(maestro_events_since(m, 0, NULL, 10, &out) == MAESTRO_PRUNED);
    EXPECT(out == NULL);
    EXPECT(maestro_last_error_code() == MAESTRO_PRUNED);
    EXPECT(maestro_last_error_oldest_seq() == horizon + 1);
    EXPECT(strstr(maestro_last_error_message(), "horizon") != NULL);
    OK(maestro_events_since(m, horizon, NULL, 10, &out));
    maestro_string_free(out);
    EXPECT(maestro_last_error_oldest_seq() == -1);
  }
  maestro_close(m);

  /* read_only: reads answer, a write is MAESTRO_STORAGE and leaves nothing, a missing
   * store is MAESTRO_NOT_FOUND and is not created */
  {
    maestro_t *ro = NULL;
    char missing[1024];
    FILE *probe;
    OK(maestro_open(path, "{\"read_only\": true}", &ro));
    snprintf(input, sizeof input, "{\"id\": \"%s\"}", task_b);
    out = run(maestro_tasks_get, ro, input);
    maestro_string_free(out);
    out = NULL;
    EXPECT(maestro_projects_create(ro, "{\"name\": \"refused\"}", &out) == MAESTRO_STORAGE);
    EXPECT(out == NULL);
    EXPECT(strstr(maestro_last_error_message(), "read-only") != NULL);
    EXPECT(maestro_projects_get_by_name(ro, "{\"name\": \"refused\"}", &out) == MAESTRO_NOT_FOUND);
    maestro_close(ro);
    snprintf(missing, sizeof missing, "%s/missing.db", dir);
    ro = NULL;
    EXPECT(maestro_open(missing, "{\"read_only\": true}", &ro) == MAESTRO_NOT_FOUND);
    EXPECT(ro == NULL);
    probe = fopen(missing, "r");
    EXPECT(probe == NULL);
    if (probe) fclose(probe);
  }

  if (failures) {
    fprintf(stderr, "e2e: %d failure(s)\n", failures);
    return 1;
  }
  printf("e2e: ok\n");
  return 0;
}
