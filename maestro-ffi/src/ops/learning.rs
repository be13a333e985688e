//! `learning.*`: one C function per operation, JSON in and out.

use super::call;
use crate::handle::maestro_t;
use crate::status::maestro_status_t;
use std::ffi::c_char;

/// What the history advises for `decision_category` and `subject_category` (absent: decisions whose
/// subject had no category), in one project or, without `project_id`, across every project.
/// Preferred: used at least `min_usage_count` times, with at least one outcome and a success rate
/// of at least `min_success_rate`, ranked by the Wilson lower bound of the success rate. Avoided:
/// at least `avoid_failure_count` failed or reverted outcomes, and more failures than successes.
/// `thresholds` overrides the handle's. Reads only the aggregates of that category: its cost does
/// not grow with the number of decisions.
///
/// Input: a JSON object {"project_id"?, "decision_category", "subject_category"?, "thresholds"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.recommend`).
/// Output in `*json_out` on success: Recommendation as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_recommend(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.recommend", input_json, json_out) } })
}

/// Every aggregate matching the filter (`project_id`, `decision_category`, `subject_category`;
/// unset fields match everything), with all its issues, ordered by decision category, subject
/// category, kind and name. Without a project the rows of every project are merged per choice.
///
/// Input: a JSON object {"project_id"?, "decision_category"?, "subject_category"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.stats`).
/// Output in `*json_out` on success: array of ChoiceStat as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_stats(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.stats", input_json, json_out) } })
}

/// The task-ordering rules and anti-patterns of a project (of every project without `project_id`)
/// under the thresholds (`min_rule_evidence`, `min_rule_confidence`).
///
/// Input: a JSON object {"project_id"?, "thresholds"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.ordering_rules`).
/// Output in `*json_out` on success: OrderingRules as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_ordering_rules(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.ordering_rules", input_json, json_out) } })
}

/// An order for `tasks` that always respects their dependencies and uses the project's rules (every
/// project's without `project_id`) to break ties: a task goes after the remaining tasks that rules
/// say should precede it, when its dependencies allow. Unknown keys, self-dependencies and cycles
/// are validation errors naming the task.
///
/// Input: a JSON object {"project_id"?, "tasks", "thresholds"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.suggest_order`).
/// Output in `*json_out` on success: SuggestedOrder as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_suggest_order(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.suggest_order", input_json, json_out) } })
}

/// The task orders of a project's ended workflows, oldest first (kept after the workflows are
/// deleted).
///
/// Input: a JSON object {"project_id"}
/// (`schemas/api/operations.schema.json#/definitions/learning.orderings`).
/// Output in `*json_out` on success: array of WorkflowOrdering as JSON, owned by the caller (free
/// with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_orderings(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.orderings", input_json, json_out) } })
}

/// Records a failure and its lesson, indexes its text, and keeps its embedding. An embedding whose
/// dimension differs from the store's is a validation error, as is one with a non-finite value or
/// only zeros. Writes `failure.recorded` (without the embedding).
///
/// Input: a JSON object {"project_id", "workflow_id"?, "feature", "approach", "why_failed",
/// "lesson", "related_decision"?, "tags"?, "embedding"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.record_failure`).
/// Output in `*json_out` on success: Failure as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_record_failure(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.record_failure", input_json, json_out) } })
}

/// A failure by id, without its embedding.
///
/// Input: a JSON object {"id"}
/// (`schemas/api/operations.schema.json#/definitions/learning.failure`).
/// Output in `*json_out` on success: Failure as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_failure(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.failure", input_json, json_out) } })
}

/// A project's failures (every project's without `project_id`), oldest first, without embeddings,
/// at most `limit` (default 1,000, capped at `MAX_RESULTS`).
///
/// Input: a JSON object {"project_id"?, "limit"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.failures`).
/// Output in `*json_out` on success: array of Failure as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_failures(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.failures", input_json, json_out) } })
}

/// The `k` (default 5) recorded failures closest to the query, in one project or every project: by
/// cosine similarity for an `embedding` only, by BM25 relevance (FTS5) of failures containing any
/// word of `text` for text only, and for both each ranking retrieves `max(4k, 50)` candidates fused
/// by reciprocal rank. Ties are broken by id. Give text, an embedding, or both; an embedding of
/// another dimension than the store's is a validation error.
///
/// Input: a JSON object {"project_id"?, "text"?, "embedding"?, "k"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.similar_failures`).
/// Output in `*json_out` on success: array of SimilarFailure as JSON, owned by the caller (free
/// with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_similar_failures(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.similar_failures", input_json, json_out) } })
}

/// Records an estimate (with its actual effort, if known). Writes `estimate.recorded`.
///
/// Input: a JSON object {"project_id", "workflow_id"?, "feature", "unit"?, "estimated", "actual"?,
/// "complexity", "files_created"?, "files_modified"?, "notes"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.record_estimate`).
/// Output in `*json_out` on success: Estimate as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_record_estimate(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.record_estimate", input_json, json_out) } })
}

/// Records (or corrects) the actual effort of an estimate. Writes `estimate.updated`.
///
/// Input: a JSON object {"id", "actual"}
/// (`schemas/api/operations.schema.json#/definitions/learning.record_actual`).
/// Output in `*json_out` on success: Estimate as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_record_actual(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.record_actual", input_json, json_out) } })
}

/// A project's estimates (every project's without `project_id`), oldest first, at most `limit`
/// (default 1,000, capped at `MAX_RESULTS`).
///
/// Input: a JSON object {"project_id"?, "limit"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.estimates`).
/// Output in `*json_out` on success: array of Estimate as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_estimates(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.estimates", input_json, json_out) } })
}

/// The median `actual / estimated` over estimates recorded in the last `window_days` (default 90)
/// with a complexity in `complexity_min`..=`complexity_max` (default 1 to 10) and an actual, in one
/// project or every project. Robust to outliers. 1 without history.
///
/// Input: a JSON object {"project_id"?, "window_days"?, "complexity_min"?, "complexity_max"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.correction_factor`).
/// Output in `*json_out` on success: CorrectionFactor as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_correction_factor(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.correction_factor", input_json, json_out) } })
}

/// `raw` corrected by the history of the last 365 days: by the estimates of a complexity within ±1
/// when there are at least 3, else by all of them, else left as is.
///
/// Input: a JSON object {"project_id"?, "raw", "complexity"}
/// (`schemas/api/operations.schema.json#/definitions/learning.corrected_estimate`).
/// Output in `*json_out` on success: CorrectedEstimate as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_corrected_estimate(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.corrected_estimate", input_json, json_out) } })
}

/// Records a retrospective. Writes `retrospective.recorded`.
///
/// Input: a JSON object {"project_id", "workflow_id"?, "feature", "surprises"?, "would_change"?,
/// "new_patterns"?, "spike_accuracy"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.record_retrospective`).
/// Output in `*json_out` on success: Retrospective as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_record_retrospective(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.record_retrospective", input_json, json_out) } })
}

/// A project's retrospectives, of one feature when given, oldest first.
///
/// Input: a JSON object {"project_id", "feature"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.retrospectives`).
/// Output in `*json_out` on success: array of Retrospective as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_retrospectives(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.retrospectives", input_json, json_out) } })
}

/// Records a spike. Writes `spike.recorded`.
///
/// Input: a JSON object {"project_id", "workflow_id"?, "feature", "question", "approach", "result",
/// "viable", "lessons"?, "time_spent_minutes"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.record_spike`).
/// Output in `*json_out` on success: Spike as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_record_spike(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.record_spike", input_json, json_out) } })
}

/// A project's spikes, of one feature when given, oldest first.
///
/// Input: a JSON object {"project_id", "feature"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.spikes`).
/// Output in `*json_out` on success: array of Spike as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_spikes(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.spikes", input_json, json_out) } })
}

/// Records what an agent did. Writes `agent_log.recorded`.
///
/// Input: a JSON object {"project_id", "workflow_id"?, "session_id"?, "agent", "phase", "action",
/// "duration_ms", "success", "error"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.log_agent`).
/// Output in `*json_out` on success: AgentLog as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_log_agent(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.log_agent", input_json, json_out) } })
}

/// Per-agent statistics over the logs of a project (every project without `project_id`) since
/// `since` (an RFC 3339 time; all when absent): count, mean, p95 and longest duration, failure
/// rate. Slowest mean first.
///
/// Input: a JSON object {"project_id"?, "since"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.agent_stats`).
/// Output in `*json_out` on success: array of AgentStats as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_agent_stats(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.agent_stats", input_json, json_out) } })
}

/// A project's agent logs, of one agent when given, oldest first (at most 10,000).
///
/// Input: a JSON object {"project_id", "agent"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.agent_logs`).
/// Output in `*json_out` on success: array of AgentLog as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_agent_logs(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.agent_logs", input_json, json_out) } })
}

/// Records a file's complexity. Writes `complexity_snapshot.recorded`.
///
/// Input: a JSON object {"project_id", "workflow_id"?, "file", "complexity", "lines"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.record_complexity`).
/// Output in `*json_out` on success: ComplexitySnapshot as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_record_complexity(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.record_complexity", input_json, json_out) } })
}

/// The complexity trend of each file of a project (or of one file) over its last `window` snapshots
/// (default 10), with an alert when the last is at least `complexity_growth_alert` times the first.
/// Alerts first.
///
/// Input: a JSON object {"project_id", "file"?, "window"?, "thresholds"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.complexity_trends`).
/// Output in `*json_out` on success: array of ComplexityTrend as JSON, owned by the caller (free
/// with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_complexity_trends(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.complexity_trends", input_json, json_out) } })
}

/// Records a pattern usage. Writes `pattern_usage.recorded`.
///
/// Input: a JSON object {"project_id", "workflow_id"?, "pattern", "file"?, "compliance", "notes"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.record_pattern_usage`).
/// Output in `*json_out` on success: PatternUsage as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_record_pattern_usage(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.record_pattern_usage", input_json, json_out) } })
}

/// Compliance per pattern in a project (every project without `project_id`): usages, mean and
/// lowest compliance, usages below 0.5. Least followed first.
///
/// Input: a JSON object {"project_id"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.pattern_compliance`).
/// Output in `*json_out` on success: array of PatternCompliance as JSON, owned by the caller (free
/// with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_pattern_compliance(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.pattern_compliance", input_json, json_out) } })
}

/// Caches `content` for `library` at `version`, replacing any earlier entry, for `ttl_seconds`
/// (default 7 days). Expired entries of every library are removed on the way. The docs cache
/// belongs to the store, not a project, and writes no change-feed event.
///
/// Input: a JSON object {"library", "version", "content", "ttl_seconds"?}
/// (`schemas/api/operations.schema.json#/definitions/learning.cache_docs`).
/// Output in `*json_out` on success: DocsEntry as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_cache_docs(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.cache_docs", input_json, json_out) } })
}

/// The cached documentation of `library` at `version`; `null` when there is none or it expired.
///
/// Input: a JSON object {"library", "version"}
/// (`schemas/api/operations.schema.json#/definitions/learning.cached_docs`).
/// Output in `*json_out` on success: DocsEntry or null as JSON, owned by the caller (free with
/// `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_cached_docs(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.cached_docs", input_json, json_out) } })
}

/// The historical documents of a project (seed 000's tech-stack, architecture and task-ordering),
/// validated against their schemas; the export writes them to `learning/<project>/`.
///
/// Input: a JSON object {"project_id"}
/// (`schemas/api/operations.schema.json#/definitions/learning.history`).
/// Output in `*json_out` on success: History ({"tech_stack", "architecture", "task_ordering"}) as
/// JSON, owned by the caller (free with `maestro_string_free`).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn maestro_learning_history(
    maestro: *const maestro_t,
    input_json: *const c_char,
    json_out: *mut *mut c_char,
) -> maestro_status_t {
    ffi_boundary!({ unsafe { call(maestro, "learning.history", input_json, json_out) } })
}
