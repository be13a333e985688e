// Type declarations for maestro-ffi: Node.js bindings for Maestro's C ABI.
// Result shapes follow schemas/*.schema.json; inputs follow
// schemas/api/operations.schema.json (definitions "<namespace>.<verb>").

// ---------------------------------------------------------------------------
// Scalars and enums

/** A safe id: [a-z0-9_], 1 to 64 characters (generated ids are <prefix>_<26 chars>). */
export type Id = string;
/** RFC 3339 time, in UTC with milliseconds (2026-11-22T21:48:55.123Z). */
export type Timestamp = string;
/** A phase name: [a-z0-9_], 1 to 64 characters. */
export type PhaseName = string;

export type TaskStatus = 'todo' | 'in_progress' | 'in_review' | 'blocked' | 'completed' | 'failed' | 'cancelled';
export type Priority = 'low' | 'medium' | 'high' | 'critical';
export type SessionStatus = 'spawning' | 'idle' | 'working' | 'completed' | 'failed' | 'stopped';
export type Strategy = 'simple' | 'queue' | 'dag';
export type SpawnSource = 'ui' | 'session' | 'api';
export type WorkflowStatus = 'active' | 'paused' | 'completed' | 'failed';
export type LinkStatus = 'working' | 'blocked' | 'completed' | 'failed' | 'skipped';
export type QueueStatus = 'queued' | 'processing' | 'completed' | 'failed' | 'skipped';
export type HistoryKind = 'created' | 'transition' | 'vote' | 'paused' | 'resumed' | 'failed' | 'rollback';
export type TimelineType =
  | 'session_started'
  | 'session_stopped'
  | 'milestone'
  | 'task_started'
  | 'task_completed'
  | 'task_failed'
  | 'task_skipped'
  | 'task_blocked'
  | 'progress'
  | 'needs_input'
  | 'error'
  | 'doc_added'
  | 'prompt_received'
  | 'thread_checkpoint';
export type CheckpointType =
  | 'phase_complete'
  | 'task_group_complete'
  | 'safe_state'
  | 'pre_risky_operation'
  | 'error_recovery'
  | 'manual';
export type EntityKind =
  | 'project'
  | 'workflow'
  | 'vote'
  | 'spec_document'
  | 'steering_document'
  | 'session'
  | 'timeline_event'
  | 'task'
  | 'session_task'
  | 'queue_item'
  | 'checkpoint'
  | 'decision'
  | 'decision_category'
  | 'failure'
  | 'estimate'
  | 'retrospective'
  | 'spike'
  | 'agent_log'
  | 'complexity_snapshot'
  | 'pattern_usage'
  | 'thread'
  | 'thread_checkpoint';
export type OutcomeStatus = 'successful' | 'partial' | 'failed' | 'reverted';
export type Confidence = 'high' | 'medium' | 'low';
export type Scope = 'task' | 'session' | 'codebase';
export type RiskLevel = 'low' | 'medium' | 'high';
export type Reversibility = 'easy' | 'moderate' | 'difficult';
export type Durability = 'full' | 'normal';
export type RollbackMode = 'mixed' | 'hard';
export type GateState = 'pending' | 'approved' | 'rejected';
/** What a decision's subject chose. */
export type ChoiceKind = 'technology' | 'pattern';

export type JsonObject = Record<string, unknown>;

// ---------------------------------------------------------------------------
// Results (schemas/*.schema.json)

/** schemas/project.schema.json */
export interface Project {
  schema_version?: 1;
  id: Id;
  name: string;
  root?: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: number;
}

export interface SteeringDocument {
  id: string;
  project_id: Id;
  domain: string;
  version: number;
  content: string;
  audiences: string[];
  created_at: Timestamp;
}

export interface CategoryDef {
  project_id: Id;
  name: Id;
  description: string;
  created_at: Timestamp;
}

export interface Phase {
  name: PhaseName;
  terminal?: 'success' | 'failure';
}

export interface Quorum {
  kind: 'count' | 'fraction';
  k?: number;
  n?: number;
  voters?: string[];
  min?: number;
  min_votes?: number;
}

export interface TransitionRule {
  from: string;
  to: PhaseName;
  approval?: { quorum?: Quorum };
}

export interface PhaseModel {
  schema_version: 1;
  name: PhaseName;
  initial: PhaseName;
  phases: Phase[];
  transitions: TransitionRule[];
}

/** schemas/workflow.schema.json */
export interface Workflow {
  schema_version?: 1;
  id: Id;
  project_id: Id;
  feature: string;
  request: string;
  model: PhaseModel;
  phase: PhaseName;
  status: WorkflowStatus;
  epoch: number;
  fail_reason?: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  ended_at?: Timestamp;
  version: number;
}

export interface HistoryEntry {
  seq?: number;
  workflow_id: Id;
  kind: HistoryKind;
  phase: PhaseName;
  status: WorkflowStatus;
  at: Timestamp;
  actor: string;
  details: JsonObject;
}

export interface Gate {
  from: PhaseName;
  to: PhaseName;
  approvals: number;
  rejections: number;
  state: GateState;
}

export interface SpecDocument {
  id: string;
  workflow_id: Id;
  project_id: Id;
  kind: string;
  version: number;
  content: string;
  author: string;
  created_at: Timestamp;
}

/** schemas/session.schema.json */
export interface Session {
  schema_version?: 1;
  id: Id;
  project_id: Id;
  workflow_id?: Id;
  name: string;
  role: string;
  strategy: Strategy;
  status: SessionStatus;
  parent_session_id?: Id;
  spawn_source: SpawnSource;
  env: Record<string, string>;
  metadata: JsonObject;
  created_at: Timestamp;
  updated_at: Timestamp;
  completed_at?: Timestamp;
  last_activity: Timestamp;
  version: number;
}

export interface SessionTree {
  session: Session;
  children: SessionTree[];
}

/** A session's relation to a task, with its own status. */
export interface SessionTask {
  id: string;
  session_id: Id;
  task_id: Id;
  project_id: Id;
  status: LinkStatus;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** schemas/task.schema.json */
export interface Task {
  schema_version?: 1;
  id: Id;
  project_id: Id;
  workflow_id?: Id;
  parent_id?: Id;
  title: string;
  description: string;
  status: TaskStatus;
  priority: Priority;
  labels: string[];
  estimate?: number;
  depends_on: Id[];
  created_at: Timestamp;
  updated_at: Timestamp;
  version: number;
}

/** schemas/queue-item.schema.json */
export interface QueueItem {
  schema_version?: 1;
  id: Id;
  session_id: Id;
  project_id: Id;
  task_id: Id;
  position: number;
  status: QueueStatus;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: number;
}

/** A serialized value and its serializer's type tag; `data` is standard base64. */
export interface Blob {
  type: string;
  data: string;
}

/** An agent thread (LangGraph's thread): its project and optional links. */
export interface Thread {
  thread_id: string;
  project_id: Id;
  session_id: Id | null;
  workflow_id: Id | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A pending write of a checkpoint. */
export interface PendingWrite {
  task_id: string;
  /** Negative for LangGraph's special channels (replaced when written again). */
  idx: number;
  channel: string;
  value: Blob;
  task_path: string;
}

/** A checkpoint of a thread and namespace, with its pending writes. */
export interface ThreadCheckpoint {
  project_id: Id;
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_id: string | null;
  metadata: Record<string, unknown>;
  created_at: Timestamp;
  /** null only in `threads.put`'s answer, which never echoes the blob. */
  checkpoint: Blob | null;
  writes: PendingWrite[];
}

/** schemas/timeline-event.schema.json */
export interface TimelineEvent {
  schema_version?: 1;
  id: Id;
  session_id: Id;
  project_id: Id;
  workflow_id?: Id;
  type: TimelineType;
  at: Timestamp;
  message: string;
  task_id?: Id;
  metadata: JsonObject;
}

/** schemas/event.schema.json: one committed change on the feed. */
export interface Event {
  schema_version?: 1;
  /** Position in the feed; strictly increasing in commit order. */
  seq: number;
  at: Timestamp;
  /** `<entity>.<verb>`, e.g. `task.created`. */
  type: string;
  version: number;
  entity: EntityKind;
  entity_id: string;
  project_id: Id;
  workflow_id?: Id;
  session_id?: Id;
  /** The entity's full state after the change (before it, for `*.deleted`). */
  payload: unknown;
  [extra: string]: unknown;
}

export interface Alternative {
  option: string;
  reason_rejected: string;
}

export interface DecisionContext {
  sources: string[];
  confidence: Confidence;
}

export interface Impact {
  scope: Scope;
  risk_level: RiskLevel;
  reversibility: Reversibility;
}

export interface Subject {
  category?: string;
  technology?: string;
  pattern?: string;
}

/** schemas/decision-outcome.schema.json */
export interface Outcome {
  schema_version?: 1;
  revision: number;
  status: OutcomeStatus;
  issues: string[];
  would_choose_again?: boolean;
  notes: string;
  at: Timestamp;
}

/** schemas/decision.schema.json */
export interface Decision {
  schema_version?: 1;
  id: Id;
  workflow_id: Id;
  project_id: Id;
  session_id?: Id;
  task_id?: Id;
  at: Timestamp;
  category: string;
  phase: PhaseName;
  decision: string;
  rationale: string;
  alternatives_considered: Alternative[];
  context?: DecisionContext;
  impact?: Impact;
  subject?: Subject;
  parent_decision_id?: Id;
  related: Id[];
  outcomes: Outcome[];
}

export interface StateSnapshot {
  phase: PhaseName;
  workflow_status: WorkflowStatus;
  tasks: { id: Id; status: TaskStatus }[];
  sessions: { id: Id; status: SessionStatus }[];
  queue: { id: Id; session_id: Id; task_id: Id; position: number; status: QueueStatus }[];
  counts: Record<string, number>;
}

/** schemas/checkpoint.schema.json */
export interface Checkpoint {
  schema_version?: 1;
  id: Id;
  workflow_id: Id;
  project_id: Id;
  session_id?: Id;
  at: Timestamp;
  commit_sha?: string;
  commit_message: string;
  description: string;
  phase: PhaseName;
  type: CheckpointType;
  state_snapshot: StateSnapshot;
  tags: string[];
  rollback_used: boolean;
  rollback_count: number;
  valid: boolean;
  version: number;
}

export interface CheckpointDiff {
  from: Id;
  to: Id;
  files: string[];
}

export interface RollbackOutcome {
  checkpoint: Checkpoint;
  safety_ref?: string;
  restored_tasks: number;
  /** The `checkpoint` decision that logs the rollback. */
  decision_id: Id;
}

export interface ImportSummary {
  files: number;
  projects: number;
  workflows: number;
  sessions: number;
  tasks: number;
  decisions: number;
  checkpoints: number;
  /** Projects that already existed (an archive imported back into its store). */
  projects_existing: number;
  learning_records: number;
  /** Agent threads created, and their checkpoints. */
  threads: number;
  thread_checkpoints: number;
}

/** What `store.prune` removes: the fields given replace the config's retention values for this call; absent ones keep them. */
export interface RetentionPolicy {
  sessions_days?: number;
  events_days?: number;
  agent_logs_days?: number;
  docs_cache_days?: number;
  keep_checkpoints?: number;
  keep_thread_checkpoints?: number;
  safety_refs_days?: number;
  compress_archives?: boolean;
  archive_dir?: string;
}

export interface WorkflowRows {
  sessions: number;
  tasks: number;
  decisions: number;
  checkpoints: number;
  queue_items: number;
  timeline_events: number;
}

export interface PruneReport {
  dry_run: boolean;
  policy: RetentionPolicy;
  workflows: { id: Id; project_id: Id; archive: string; rows: WorkflowRows }[];
  kept: { id: Id; reason: string }[];
  checkpoints: Id[];
  /** Agent-thread checkpoints beyond keep_thread_checkpoints. */
  thread_checkpoints: number;
  checkpoint_tags: number;
  safety_refs: string[];
  agent_logs: number;
  docs_cache: number;
  events: number;
  /** Every event after this seq is retained; below it since() throws MAESTRO_PRUNED. */
  horizon: number;
  bytes_before: number;
  bytes_after: number;
  bytes_reclaimed: number;
}

// ---------------------------------------------------------------------------
// Learning results (maestro_core::learning)

/** When the learning layer prefers, avoids or alerts; every field is optional on input. */
export interface LearningThresholds {
  /** Usages before a technology or pattern can be preferred (default 2). */
  min_usage_count?: number;
  /** Success rate (successful / decisions with an outcome) needed to be preferred (default 0.5). */
  min_success_rate?: number;
  /** Failed or reverted outcomes that put a choice on the avoid list (default 2). */
  avoid_failure_count?: number;
  /** Confidence needed for a task-ordering rule or anti-pattern (default 0.7). */
  min_rule_confidence?: number;
  /** Workflows needed to support a task-ordering rule or anti-pattern (default 2). */
  min_rule_evidence?: number;
  /** Growth factor (last / first snapshot in the window) that raises a complexity alert (default 1.5). */
  complexity_growth_alert?: number;
}

/** How often one issue was reported in current outcomes. */
export interface IssueCount {
  issue: string;
  count: number;
}

/** The aggregate of one choice (technology or pattern) in a decision and subject category. */
export interface ChoiceStat {
  /** Absent when the statistics merge every project. */
  project_id?: Id;
  decision_category: string;
  /** Absent for decisions whose subject had none. */
  subject_category?: string;
  kind: ChoiceKind;
  name: string;
  usage_count: number;
  outcome_count: number;
  success_count: number;
  partial_count: number;
  failure_count: number;
  /** `success_count / outcome_count`, 0 without outcomes. */
  success_rate: number;
  /** The Wilson lower bound of the success rate. */
  score: number;
  last_used: Timestamp;
  last_failed?: Timestamp;
  /** Issues reported in current outcomes, most reported first (absent when none). */
  issues?: IssueCount[];
}

/** A choice to avoid, and why. */
export interface Avoid {
  kind: ChoiceKind;
  name: string;
  subject_category?: string;
  reason: string;
  failure_count: number;
  outcome_count: number;
  last_failed?: Timestamp;
}

/** What the history advises for one decision category and subject category. */
export interface Recommendation {
  decision_category: string;
  subject_category?: string;
  /** Choices that pass the thresholds, best score first. */
  preferred: ChoiceStat[];
  /** Choices to avoid, most failures first. */
  avoid: Avoid[];
  /** Choices with too little evidence either way, best score first. */
  undecided: ChoiceStat[];
  /** The thresholds applied. */
  thresholds: Required<LearningThresholds>;
}

/** A learned precedence rule: tasks labelled `before` go before tasks labelled `after`. */
export interface OrderingRule {
  before: string;
  after: string;
  confidence: number;
  supporting_evidence: number;
  contradicting_evidence: number;
}

/** An order that preceded failures. */
export interface AntiPattern {
  before: string;
  after: string;
  failed_workflows: number;
  completed_workflows: number;
  confidence: number;
}

export interface OrderingRules {
  rules: OrderingRule[];
  anti_patterns: AntiPattern[];
}

/** A suggested order and the rules behind it. */
export interface SuggestedOrder {
  /** Every key, each after all of its dependencies. */
  order: string[];
  applied: OrderingRule[];
  overridden: OrderingRule[];
  anti_patterns: AntiPattern[];
}

export interface OrderedTask {
  task_id: Id;
  labels: string[];
  completed_at: Timestamp;
}

/** The task order of one ended workflow, kept after the workflow is deleted. */
export interface WorkflowOrdering {
  workflow_id: Id;
  project_id: Id;
  feature: string;
  /** `completed` or `failed`. */
  status: WorkflowStatus;
  ended_at: Timestamp;
  order: OrderedTask[];
}

/** schemas/failure.schema.json */
export interface Failure {
  id: Id;
  project_id: Id;
  workflow_id?: Id;
  at: Timestamp;
  feature: string;
  approach: string;
  why_failed: string;
  lesson: string;
  related_decision?: Id;
  tags: string[];
  /** Returned by record_failure only. */
  embedding?: number[];
}

export interface SimilarFailure {
  /** The failure, without its embedding. */
  failure: Failure;
  /** Higher is closer: cosine, BM25 relevance, or the fused reciprocal rank. */
  score: number;
  cosine?: number;
  text_score?: number;
}

/** schemas/estimate.schema.json */
export interface Estimate {
  id: Id;
  project_id: Id;
  workflow_id?: Id;
  at: Timestamp;
  feature: string;
  unit?: string;
  estimated: number;
  actual?: number;
  complexity: number;
  files_created?: number;
  files_modified?: number;
  notes?: string;
}

export interface CorrectionFactor {
  /** Multiply an estimate by this: the median of `actual / estimated`; 1 without history. */
  factor: number;
  sample_size: number;
  mean_ratio: number;
  outliers: number;
  window_days: number;
  complexity_min: number;
  complexity_max: number;
}

export interface CorrectedEstimate {
  raw: number;
  complexity: number;
  corrected: number;
  factor: number;
  sample_size: number;
  /** `"complexity ±1"`, `"all complexities"` or `"no history"`. */
  basis: string;
}

/** schemas/retrospective.schema.json */
export interface Retrospective {
  id: Id;
  project_id: Id;
  workflow_id?: Id;
  at: Timestamp;
  feature: string;
  surprises: string;
  would_change: string;
  new_patterns: string[];
  spike_accuracy?: number;
}

/** schemas/spike.schema.json */
export interface Spike {
  id: Id;
  project_id: Id;
  workflow_id?: Id;
  at: Timestamp;
  feature: string;
  question: string;
  approach: string;
  result: string;
  viable: boolean;
  lessons?: string;
  time_spent_minutes?: number;
}

export interface AgentLog {
  id: Id;
  project_id: Id;
  workflow_id?: Id;
  session_id?: Id;
  at: Timestamp;
  agent: string;
  phase: string;
  action: string;
  duration_ms: number;
  success: boolean;
  error?: string;
}

export interface AgentStats {
  agent: string;
  count: number;
  mean_ms: number;
  p95_ms: number;
  max_ms: number;
  failures: number;
  failure_rate: number;
}

export interface ComplexitySnapshot {
  id: Id;
  project_id: Id;
  workflow_id?: Id;
  at: Timestamp;
  file: string;
  complexity: number;
  lines?: number;
}

export interface ComplexityPoint {
  at: Timestamp;
  complexity: number;
}

export interface ComplexityTrend {
  file: string;
  points: ComplexityPoint[];
  /** `last / first`; absent when the first is 0. */
  growth?: number;
  slope: number;
  alert: boolean;
}

export interface PatternUsage {
  id: Id;
  project_id: Id;
  workflow_id?: Id;
  at: Timestamp;
  pattern: string;
  file?: string;
  compliance: number;
  notes?: string;
}

export interface PatternCompliance {
  pattern: string;
  usage_count: number;
  mean_compliance: number;
  min_compliance: number;
  non_compliant: number;
  last_used: Timestamp;
}

export interface DocsEntry {
  library: string;
  version: string;
  content: string;
  stored_at: Timestamp;
  expires_at: Timestamp;
}

/** The historical documents of a project (schemas/historical-*.schema.json). */
export interface History {
  tech_stack: JsonObject;
  architecture: JsonObject;
  task_ordering: JsonObject;
}

// ---------------------------------------------------------------------------
// Inputs (schemas/api/operations.schema.json)

export interface Options {
  durability?: Durability;
  busy_timeout_ms?: number;
  /** The handle's learning thresholds (config `learning`). */
  learning?: LearningThresholds;
  /** The config.yaml to load (default: config.yaml beside the database, if any); options given here win over it. */
  config?: string;
  /** Open an existing store for reading only: nothing created or migrated, every write refused (storage error). */
  read_only?: boolean;
}

export interface NewProject {
  id?: Id;
  name: string;
  root?: string;
}

export interface NewWorkflow {
  id?: Id;
  project_id: Id;
  feature: string;
  request?: string;
  /** A built-in model name ("spec", "flow", "pipeline") or a custom phase model. */
  model: string | PhaseModel;
}

export interface NewSession {
  id?: Id;
  project_id: Id;
  workflow_id?: Id;
  name: string;
  role?: string;
  strategy?: Strategy;
  parent_session_id?: Id;
  spawn_source?: SpawnSource;
  env?: Record<string, string>;
  metadata?: JsonObject;
  /** Tasks queued in order. */
  tasks?: Id[];
}

export interface NewTask {
  id?: Id;
  project_id: Id;
  workflow_id?: Id;
  parent_id?: Id;
  title: string;
  description?: string;
  priority?: Priority;
  labels?: string[];
  estimate?: number;
  depends_on?: Id[];
}

export interface NewTimelineEvent {
  type: TimelineType;
  message?: string;
  task_id?: Id;
  metadata?: JsonObject;
}

export interface NewCheckpoint {
  workflow_id: Id;
  session_id?: Id;
  description?: string;
  type: CheckpointType;
  tags?: string[];
  message: string;
}

export interface NewDecision {
  workflow_id: Id;
  session_id?: Id;
  task_id?: Id;
  category: string;
  decision: string;
  rationale: string;
  alternatives_considered?: Alternative[];
  context?: DecisionContext;
  impact?: Impact;
  subject?: Subject;
  parent_decision_id?: Id;
  related?: Id[];
}

export interface NewOutcome {
  status: OutcomeStatus;
  issues?: string[];
  would_choose_again?: boolean;
  notes?: string;
}

export interface SessionFilter {
  project_id?: Id;
  workflow_id?: Id;
  parent_session_id?: Id;
  status?: SessionStatus;
}

export interface ClaimFilter {
  labels?: string[];
  workflow_id?: Id;
}

export interface DecisionFilter {
  project_id?: Id;
  workflow_id?: Id;
  category?: string;
  subject_category?: string;
  technology?: string;
  pattern?: string;
  outcome?: OutcomeStatus;
}

export interface EventFilter {
  entities?: EntityKind[];
  types?: string[];
  project_id?: Id;
  workflow_id?: Id;
  entity_id?: string;
  session_id?: Id;
}

export interface TaskToOrder {
  /** Unique among the tasks of the call (a task id, or any name). */
  key: string;
  labels?: string[];
  /** Keys of tasks that must come before it. */
  depends_on?: string[];
  /** Breaks ties that no rule decides (default medium). */
  priority?: Priority;
}

export interface NewFailure {
  project_id: Id;
  workflow_id?: Id;
  feature: string;
  approach: string;
  why_failed: string;
  lesson: string;
  related_decision?: Id;
  tags?: string[];
  /** Caller-computed; every embedding of a store has the dimension of the first one. */
  embedding?: number[];
}

export interface NewEstimate {
  project_id: Id;
  workflow_id?: Id;
  feature: string;
  unit?: string;
  estimated: number;
  actual?: number;
  /** 1 to 10. */
  complexity: number;
  files_created?: number;
  files_modified?: number;
  notes?: string;
}

export interface NewRetrospective {
  project_id: Id;
  workflow_id?: Id;
  feature: string;
  surprises?: string;
  would_change?: string;
  new_patterns?: string[];
  spike_accuracy?: number;
}

export interface NewSpike {
  project_id: Id;
  workflow_id?: Id;
  feature: string;
  question: string;
  approach: string;
  result: string;
  viable: boolean;
  lessons?: string;
  time_spent_minutes?: number;
}

export interface NewAgentLog {
  project_id: Id;
  workflow_id?: Id;
  session_id?: Id;
  agent: string;
  phase: string;
  action: string;
  duration_ms: number;
  success: boolean;
  error?: string;
}

export interface NewComplexitySnapshot {
  project_id: Id;
  workflow_id?: Id;
  file: string;
  complexity: number;
  lines?: number;
}

export interface NewPatternUsage {
  project_id: Id;
  workflow_id?: Id;
  pattern: string;
  file?: string;
  /** In [0, 1]. */
  compliance: number;
  notes?: string;
}

export interface BatchOperation {
  /** `"<namespace>.<verb>"`; store.* operations are refused inside a batch. */
  op: string;
  input?: JsonObject;
}

type ById = { id: Id };
type ByProject = { project_id: Id };
type ByWorkflow = { workflow_id: Id };
type BySession = { session_id: Id };

// ---------------------------------------------------------------------------
// Namespaces

export interface ProjectsApi {
  create(input: NewProject): Project;
  get(input: ById): Project;
  get_by_name(input: { name: string }): Project;
  list(input?: Record<string, never>): Project[];
  delete(input: ById): null;
  put_steering(input: { project_id: Id; domain: string; content: string; audiences?: string[] }): SteeringDocument;
  steering_context(input: { project_id: Id; audience: string }): SteeringDocument[];
}

export interface WorkflowsApi {
  create(input: NewWorkflow): Workflow;
  get(input: ById): Workflow;
  list(input: ByProject): Workflow[];
  advance(input: { id: Id; to: PhaseName; actor: string; expected_from?: PhaseName }): Workflow;
  vote(input: { id: Id; to: PhaseName; voter: string; approve: boolean; comment?: string }): Gate;
  gate(input: { id: Id; to: PhaseName }): Gate;
  pause(input: { id: Id; actor: string }): Workflow;
  resume(input: { id: Id; actor: string }): Workflow;
  fail(input: { id: Id; reason: string; actor: string }): Workflow;
  history(input: ById): HistoryEntry[];
  put_spec(input: { id: Id; kind: string; content: string; author: string }): SpecDocument;
  spec(input: { id: Id; kind: string; version?: number }): SpecDocument;
  spec_versions(input: { id: Id; kind: string }): SpecDocument[];
  /** Deletes the workflow and everything it owns; what the learning layer learned from it stays. */
  delete(input: ById): null;
}

export interface SessionsApi {
  spawn(input: NewSession): Session;
  get(input: ById): Session;
  list(input?: SessionFilter): Session[];
  children(input: ById): Session[];
  tree(input: ById): SessionTree;
  transition(input: { id: Id; to: SessionStatus; expected?: SessionStatus; reason?: string }): Session;
  register(input: ById): Session;
  complete(input: ById): Session;
  stop(input: { id: Id; reason?: string }): Session;
  fail(input: { id: Id; reason: string }): Session;
  heartbeat(input: ById): Session;
  append(input: { id: Id; event: NewTimelineEvent }): TimelineEvent;
  timeline(input: ById): TimelineEvent[];
  tasks(input: ById): SessionTask[];
  reap_stale(input: { timeout_ms: number }): Session[];
}

export interface TasksApi {
  create(input: NewTask): Task;
  get(input: ById): Task;
  list(input: ByProject): Task[];
  children(input: ById): Task[];
  add_dependency(input: { id: Id; depends_on: Id }): Task;
  remove_dependency(input: { id: Id; depends_on: Id }): Task;
  transition(input: { id: Id; to: TaskStatus; session_id?: Id; expected?: TaskStatus }): Task;
  complete(input: { id: Id; session_id?: Id }): Task;
  fail(input: { id: Id; session_id?: Id; reason: string }): Task;
  ready(input: ByProject): Task[];
  topological_order(input: ByProject): Id[];
  layers(input: ByProject): Id[][];
  /** The claimed task, or null when nothing is ready. */
  claim(input: { session_id: Id; filter?: ClaimFilter }): Task | null;
  sessions(input: ById): SessionTask[];
}

export interface QueuesApi {
  enqueue(input: { session_id: Id; task_id: Id }): QueueItem;
  list(input: BySession): QueueItem[];
  /** The item now processing, or null when no queued item is ready. */
  next(input: BySession): QueueItem | null;
  complete(input: BySession): QueueItem;
  fail(input: { session_id: Id; reason: string }): QueueItem;
  skip(input: { session_id: Id; item_id: Id }): QueueItem;
}

type ByThread = { project_id: Id; thread_id: string };

export interface ThreadsApi {
  /** Stores a checkpoint (replacing one with the same id); the thread is created by its first put. */
  put(input: ByThread & {
    checkpoint_ns?: string;
    checkpoint_id: string;
    parent_id?: string | null;
    checkpoint: Blob;
    metadata?: Record<string, unknown>;
  }): ThreadCheckpoint;
  /** A repeated (task_id, idx) is ignored when idx >= 0 and replaces the stored write when idx < 0. */
  put_writes(input: ByThread & {
    checkpoint_ns?: string;
    checkpoint_id: string;
    task_id: string;
    task_path?: string;
    writes: { idx: number; channel: string; value: Blob }[];
  }): number;
  /** The checkpoint, or the latest of (thread, namespace); null when there is none. */
  get(input: ByThread & { checkpoint_ns?: string; checkpoint_id?: string | null }): ThreadCheckpoint | null;
  /** Newest (greatest id) first. */
  list(input: {
    project_id: Id;
    thread_id?: string | null;
    checkpoint_ns?: string | null;
    checkpoint_id?: string | null;
    before?: string | null;
    filter?: Record<string, unknown> | null;
    limit?: number | null;
  }): ThreadCheckpoint[];
  delete(input: ByThread): number;
  delete_runs(input: { project_id: Id; run_ids: string[] }): number;
  copy(input: { project_id: Id; source_thread_id: string; target_thread_id: string }): number;
  prune(input: { project_id: Id; thread_ids: string[]; strategy?: 'keep_latest' | 'delete' }): number;
  link(input: ByThread & { session_id?: Id | null; workflow_id?: Id | null }): Thread;
  get_thread(input: ByThread): Thread;
  list_threads(input: ByProject): Thread[];
}

export interface CheckpointsApi {
  create(input: NewCheckpoint): Checkpoint;
  get(input: ById): Checkpoint;
  list(input: ByWorkflow): Checkpoint[];
  verify(input: ByWorkflow): Checkpoint[];
  diff(input: { from: Id; to: Id }): CheckpointDiff;
  rollback(input: { id: Id; mode: RollbackMode; restore_state?: boolean }): RollbackOutcome;
}

export interface DecisionsApi {
  record(input: NewDecision): Decision;
  get(input: ById): Decision;
  list(input?: { filter?: DecisionFilter; limit?: number }): Decision[];
  search(input: { text: string; filter?: DecisionFilter; limit?: number }): Decision[];
  record_outcome(input: { id: Id; outcome: NewOutcome }): Decision;
  register_category(input: { project_id: Id; name: string; description?: string }): CategoryDef;
  categories(input: ByProject): CategoryDef[];
  /** Everything that happened in a workflow, as feed events. */
  replay(input: ByWorkflow): Event[];
}

type OptProject = { project_id?: Id };

export interface LearningApi {
  /** What the history advises for a decision category and subject category. */
  recommend(input: {
    project_id?: Id;
    decision_category: string;
    subject_category?: string;
    thresholds?: LearningThresholds;
  }): Recommendation;
  /** Every aggregate matching the filter, with all its issues. */
  stats(input?: { project_id?: Id; decision_category?: string; subject_category?: string }): ChoiceStat[];
  ordering_rules(input?: { project_id?: Id; thresholds?: LearningThresholds }): OrderingRules;
  suggest_order(input: { project_id?: Id; tasks: TaskToOrder[]; thresholds?: LearningThresholds }): SuggestedOrder;
  orderings(input: ByProject): WorkflowOrdering[];
  record_failure(input: NewFailure): Failure;
  failure(input: ById): Failure;
  failures(input?: OptProject & { limit?: number }): Failure[];
  /** Give text, an embedding, or both; `k` defaults to 5. */
  similar_failures(input: { project_id?: Id; text?: string; embedding?: number[]; k?: number }): SimilarFailure[];
  record_estimate(input: NewEstimate): Estimate;
  record_actual(input: { id: Id; actual: number }): Estimate;
  estimates(input?: OptProject & { limit?: number }): Estimate[];
  correction_factor(input?: {
    project_id?: Id;
    window_days?: number;
    complexity_min?: number;
    complexity_max?: number;
  }): CorrectionFactor;
  corrected_estimate(input: { project_id?: Id; raw: number; complexity: number }): CorrectedEstimate;
  record_retrospective(input: NewRetrospective): Retrospective;
  retrospectives(input: { project_id: Id; feature?: string }): Retrospective[];
  record_spike(input: NewSpike): Spike;
  spikes(input: { project_id: Id; feature?: string }): Spike[];
  log_agent(input: NewAgentLog): AgentLog;
  agent_stats(input?: OptProject & { since?: Timestamp }): AgentStats[];
  agent_logs(input: { project_id: Id; agent?: string }): AgentLog[];
  record_complexity(input: NewComplexitySnapshot): ComplexitySnapshot;
  complexity_trends(input: {
    project_id: Id;
    file?: string;
    window?: number;
    thresholds?: LearningThresholds;
  }): ComplexityTrend[];
  record_pattern_usage(input: NewPatternUsage): PatternUsage;
  pattern_compliance(input?: OptProject): PatternCompliance[];
  cache_docs(input: { library: string; version: string; content: string; ttl_seconds?: number }): DocsEntry;
  /** null when there is none or it expired. */
  cached_docs(input: { library: string; version: string }): DocsEntry | null;
  history(input: ByProject): History;
}

export interface ReportsApi {
  /** Markdown. */
  execution_log(input: ByWorkflow): string;
  /** Markdown. */
  final_report(input: ByWorkflow): string;
  /** Markdown. */
  decisions_md(input: ByProject): string;
  /** FAILURES.md (markdown). */
  failures_md(input: ByProject): string;
  /** ESTIMATES.md (markdown). */
  estimates_md(input: ByProject): string;
  /** PATTERNS.md (markdown). */
  patterns_md(input: ByProject): string;
}

/**
 * A live subscription, pulled by a timer on the JS thread (no library thread calls into
 * JavaScript): closing it, also from inside its callback, never waits, and a worker thread
 * may end with subscriptions open. Without a callback it is an async iterable of events.
 */
export declare class Subscription implements AsyncIterable<Event> {
  private constructor();
  /** True until close() was called. */
  readonly active: boolean;
  /** Stops delivery at once and frees the native subscription; resolves at once. Idempotent. */
  close(): Promise<void>;
  /** Lets the process exit while the subscription is open (it keeps it alive by default). */
  unref(): this;
  ref(): this;
  /** The events in commit order (only without a callback); leaving the loop closes it. */
  [Symbol.asyncIterator](): AsyncIterator<Event>;
}

export interface EventsApi {
  /**
   * Events after `seq` (0: from the beginning) matching `filter`, in commit order, at most
   * `limit` (capped at 100,000 by the library). Sees the writes of every process.
   */
  /** `seq` and `limit` are whole numbers (a safe integer or a BigInt); anything else is MAESTRO_VALIDATION at /seq or /limit, before the library is called. */
  since(seq?: number | bigint, filter?: EventFilter | null, limit?: number): Event[];
  latest_seq(input?: Record<string, never>): number;
  /** Every event after this seq is retained (0: nothing pruned); below it since() throws MAESTRO_PRUNED. */
  horizon(input?: Record<string, never>): number;
  /** The entity's state as of feed position `seq`; null if it did not exist then. Below the horizon throws MAESTRO_PRUNED. */
  state_at(input: { entity: EntityKind; id: string; seq: number }): JsonObject | null;
  /**
   * Calls `callback` on the JS main thread for every matching event committed from now on:
   * on SQLite, those committed through this handle (poll since() for other handles and
   * processes); on PostgreSQL, those of every handle, process and host.
   */
  subscribe(filter: EventFilter | null | undefined, callback: (event: Event) => void): Subscription;
  subscribe(callback: (event: Event) => void): Subscription;
  /** Without a callback: iterate the events with `for await (const e of subscription)`. */
  subscribe(filter?: EventFilter | null): Subscription;
}

export interface StoreApi {
  /** Runs the operations as one transaction; returns their results in order. */
  batch(input: { operations: BatchOperation[] }): unknown[];
  backup(input: { path: string }): null;
  /** Returns the number of files written. */
  export(input: { dir: string }): number;
  /** An export directory, or a pruned workflow's archive (directory or .tar.gz). */
  import(input: { dir: string }): ImportSummary;
  check_integrity(input?: Record<string, never>): null;
  /** One workflow as retention archives it; returns the number of files. */
  export_workflow(input: { workflow_id: Id; dir: string }): number;
  /** Applies the retention policy (or reports it with dry_run). */
  prune(input?: { policy?: RetentionPolicy; dry_run?: boolean }): PruneReport;
  /** The configuration the handle runs with (config.yaml merged with the open options). */
  config(input?: Record<string, never>): JsonObject;
}

/** The koffi-backed library a store was opened with. */
export interface Library {
  readonly path: string;
  /** Every operation `"<ns>.<verb>"` the library exports. */
  readonly operationNames: readonly string[];
  open(path: string, options?: Options | null): Maestro;
  version(): string;
  abiVersion(): number;
  operations(): string[];
}

/** An open store. */
export declare class Maestro {
  private constructor();
  readonly projects: ProjectsApi;
  readonly workflows: WorkflowsApi;
  readonly sessions: SessionsApi;
  readonly tasks: TasksApi;
  readonly queues: QueuesApi;
  readonly checkpoints: CheckpointsApi;
  readonly decisions: DecisionsApi;
  readonly learning: LearningApi;
  readonly threads: ThreadsApi;
  readonly reports: ReportsApi;
  readonly events: EventsApi;
  readonly store: StoreApi;
  readonly library: Library;
  /** The native `maestro_t *` as a koffi pointer, or null once closed. Do not close it. */
  readonly nativeHandle: unknown;
  readonly closed: boolean;
  /** Calls `op` ("ns.verb") with raw JSON text, or raw bytes (NUL appended if missing). */
  callJson(op: string, text: string | Uint8Array): unknown;
  /** Closes the handle and its subscriptions; idempotent. Later calls throw MAESTRO_NULL_ARGUMENT. */
  close(): void;
}

export type StatusName =
  | 'MAESTRO_OK'
  | 'MAESTRO_NULL_ARGUMENT'
  | 'MAESTRO_INVALID_UTF8'
  | 'MAESTRO_INVALID_ARGUMENT'
  | 'MAESTRO_VALIDATION'
  | 'MAESTRO_NOT_FOUND'
  | 'MAESTRO_CONFLICT'
  | 'MAESTRO_BUSY'
  | 'MAESTRO_STORAGE'
  | 'MAESTRO_GIT'
  | 'MAESTRO_IO'
  | 'MAESTRO_INTERNAL'
  | 'MAESTRO_PRUNED'
  | 'MAESTRO_PANIC';

export declare const STATUS: Readonly<Record<StatusName, number>>;
export declare const NAMESPACES: readonly string[];

export declare class MaestroError extends Error {
  constructor(
    status: number,
    message?: string | null,
    path?: string | null,
    operation?: string | null,
    oldestSeq?: number | null,
    about?: { entity?: string | null; id?: string | null; from?: string | null; to?: string | null },
  );
  /** The symbolic status, e.g. 'MAESTRO_NOT_FOUND'. */
  readonly code: StatusName | `MAESTRO_STATUS_${number}`;
  /** The numeric status. */
  readonly status: number;
  /** The JSON pointer of the offending input value (`/labels/1`, `""` for the whole input), the name of the offending parameter, or null. */
  readonly path: string | null;
  /** The operation that failed ("tasks.create", "open", ...), when known. */
  readonly operation: string | null;
  /** For MAESTRO_PRUNED (a read below the feed horizon): the oldest seq from which the feed is complete; resync, then `events.since(oldestSeq - 1)`. Null otherwise. */
  readonly oldestSeq: number | null;
  /** The kind of entity a MAESTRO_NOT_FOUND or MAESTRO_CONFLICT is about ('task'), else null. */
  readonly entity: string | null;
  /** Its id, else null. */
  readonly id: string | null;
  /** For a conflict refusing a change of state: the state the entity is in ('todo'), else null. */
  readonly from: string | null;
  /** For such a conflict: the state asked for ('completed'), else null. */
  readonly to: string | null;
}

export interface OpenSettings {
  /** The libmaestro shared library to use instead of the default one. */
  library?: string;
}

/** Opens (creating if needed) the database at `path`; `":memory:"` for a private in-memory one. */
export declare function open(path: string, options?: Options | null, settings?: OpenSettings): Maestro;
/** Loads (once per path) a libmaestro; without a path, MAESTRO_LIB or target/{release,debug}/libmaestro.so. */
export declare function load(libraryPath?: string): Library;
export declare function defaultLibraryPath(): string;
export declare function version(): string;
export declare function abiVersion(): number;
export declare function operations(): string[];
