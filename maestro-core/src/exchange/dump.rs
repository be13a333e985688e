//! Everything the store holds about a project, read in one snapshot: the common input
//! of export and of the reports.

use crate::checkpoint::Checkpoint;
use crate::decision::{CategoryDef, Decision, DecisionFilter};
use crate::error::Result;
use crate::learning::records::{self, Recordable};
use crate::learning::{
    AgentLog, ComplexitySnapshot, Estimate, Failure, PatternUsage, RecordFilter, Retrospective, Spike,
};
use crate::project::Project;
use crate::queue::QueueItem;
use crate::session::{Session, SessionFilter, TimelineEvent};
use crate::store::{ReadTx, Recency};
use crate::task::{SessionTask, Task};
use crate::workflow::{HistoryEntry, SpecDocument, SteeringDocument, Vote, Workflow};

/// A project's learning records, in the order they were recorded: kept forever, so
/// they are exported with their project (and never with a pruned workflow's archive).
#[derive(Default)]
pub(crate) struct LearningDump {
    pub failures: Vec<Failure>,
    pub estimates: Vec<Estimate>,
    pub retrospectives: Vec<Retrospective>,
    pub spikes: Vec<Spike>,
    pub agent_logs: Vec<AgentLog>,
    pub complexity: Vec<ComplexitySnapshot>,
    pub patterns: Vec<PatternUsage>,
}

impl LearningDump {
    /// Reads every learning record of `project`, failures with their embeddings.
    pub fn read(tx: &dyn ReadTx, project: &str) -> Result<Self> {
        fn all<T: Recordable>(tx: &dyn ReadTx, project: &str) -> Result<Vec<T>> {
            let mut f = RecordFilter::of(T::KIND);
            f.project_id = Some(project.to_owned());
            records::list(tx, &f, usize::MAX)
        }
        let mut failures = tx.failures(Some(project), usize::MAX, Recency::OldestFirst)?;
        for f in &mut failures {
            f.embedding = tx.failure_embedding(f.id.as_str())?;
        }
        Ok(LearningDump {
            failures,
            estimates: all(tx, project)?,
            retrospectives: all(tx, project)?,
            spikes: all(tx, project)?,
            agent_logs: all(tx, project)?,
            complexity: all(tx, project)?,
            patterns: all(tx, project)?,
        })
    }
}

/// A project and everything it owns.
pub(crate) struct ProjectDump {
    pub project: Project,
    pub steering: Vec<SteeringDocument>,
    pub categories: Vec<CategoryDef>,
    pub workflows: Vec<WorkflowDump>,
    pub sessions: Vec<SessionDump>,
    pub tasks: Vec<Task>,
}

/// A workflow and what belongs to it.
pub(crate) struct WorkflowDump {
    pub workflow: Workflow,
    pub history: Vec<HistoryEntry>,
    pub votes: Vec<Vote>,
    pub specs: Vec<SpecDocument>,
    pub decisions: Vec<Decision>,
    pub checkpoints: Vec<Checkpoint>,
}

/// A session with its timeline, task links and queue.
pub(crate) struct SessionDump {
    pub session: Session,
    pub timeline: Vec<TimelineEvent>,
    pub links: Vec<SessionTask>,
    pub queue: Vec<QueueItem>,
}

impl WorkflowDump {
    /// Reads `workflow` and what belongs to it.
    fn read(tx: &dyn ReadTx, workflow: Workflow) -> Result<Self> {
        let id = workflow.id.as_str().to_owned();
        let filter = DecisionFilter {
            workflow_id: Some(workflow.id.clone()),
            ..Default::default()
        };
        Ok(WorkflowDump {
            history: tx.history(&id)?,
            votes: tx.all_votes(&id)?,
            specs: tx.all_spec_documents(&id)?,
            decisions: tx.decisions(&filter, usize::MAX, Recency::OldestFirst)?,
            checkpoints: tx.checkpoints(&id)?,
            workflow,
        })
    }
}

impl SessionDump {
    /// Reads `session`'s timeline, links and queue.
    fn read(tx: &dyn ReadTx, session: Session) -> Result<Self> {
        let id = session.id.as_str().to_owned();
        Ok(SessionDump {
            timeline: tx.timeline(&id)?,
            links: tx.links_of_session(&id)?,
            queue: tx.queue(&id)?,
            session,
        })
    }
}

impl ProjectDump {
    /// Reads `project` and everything it owns from `tx`.
    pub fn read(tx: &dyn ReadTx, project: Project) -> Result<Self> {
        let filter = SessionFilter {
            project_id: Some(project.id.clone()),
            ..Default::default()
        };
        let pid = project.id.as_str().to_owned();
        let workflows = tx.workflows(&pid)?;
        let tasks = tx.tasks(&pid)?;
        Self::assemble(tx, project, workflows, &filter, tasks)
    }

    /// `project` with only `workflow`, its sessions and its tasks: what a pruned
    /// workflow's archive holds, read without the rest of the project.
    pub fn read_workflow(tx: &dyn ReadTx, project: Project, workflow: &str) -> Result<Self> {
        // By workflow alone: its index is the narrow one.
        let filter = SessionFilter {
            workflow_id: Some(crate::id::WorkflowId::parse(workflow)?),
            ..Default::default()
        };
        let workflows = tx.workflow(workflow)?.into_iter().collect();
        let tasks = tx.tasks_of_workflow(workflow)?;
        Self::assemble(tx, project, workflows, &filter, tasks)
    }

    fn assemble(
        tx: &dyn ReadTx,
        project: Project,
        workflows: Vec<Workflow>,
        sessions: &SessionFilter,
        mut tasks: Vec<Task>,
    ) -> Result<Self> {
        let pid = project.id.as_str().to_owned();
        let workflows = workflows
            .into_iter()
            .map(|w| WorkflowDump::read(tx, w))
            .collect::<Result<Vec<_>>>()?;
        let sessions = tx
            .sessions(sessions)?
            .into_iter()
            .map(|s| SessionDump::read(tx, s))
            .collect::<Result<Vec<_>>>()?;
        for t in &mut tasks {
            t.depends_on.sort();
        }
        Ok(ProjectDump {
            steering: tx.all_steering_documents(&pid)?,
            categories: tx.decision_categories(&pid)?,
            workflows,
            sessions,
            tasks,
            project,
        })
    }

    /// Every project in the store, oldest first.
    pub fn read_all(tx: &dyn ReadTx) -> Result<Vec<Self>> {
        tx.projects()?.into_iter().map(|p| Self::read(tx, p)).collect()
    }

    /// The sessions that worked on `workflow`.
    pub fn sessions_of<'a>(&'a self, workflow: &'a Workflow) -> impl Iterator<Item = &'a SessionDump> + 'a {
        self.sessions
            .iter()
            .filter(move |s| s.session.workflow_id.as_ref() == Some(&workflow.id))
    }

    /// The tasks of `workflow`.
    pub fn tasks_of<'a>(&'a self, workflow: &'a Workflow) -> impl Iterator<Item = &'a Task> + 'a {
        self.tasks
            .iter()
            .filter(move |t| t.workflow_id.as_ref() == Some(&workflow.id))
    }
}
