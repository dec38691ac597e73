//! The snapshot document, written as JSON.

use jobs_core::ids::JobId as CoreJobId;
use jobs_core::job::JobSpec;

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Snapshot {
    pub schema_version: u32,
    pub sequence: u64,
    pub jobs: Vec<SnapshotJob>,
    #[cfg_attr(feature = "serde", serde(default))]
    pub paused: bool,
    #[cfg_attr(feature = "serde", serde(default))]
    pub executions: Vec<SnapshotExecution>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SnapshotJob {
    pub spec: JobSpec,
    pub submitted_at: u64,
    pub cancelled_at: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct SnapshotExecution {
    pub execution_id: jobs_core::ids::ExecutionId,
    pub job_id: CoreJobId,
    pub state: jobs_core::state::ExecutionState,
    pub attempts: u32,
}
