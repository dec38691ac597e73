//! The records of the log.

use jobs_core::ids::{ExecutionId, JobId, WorkerId};
use jobs_core::job::JobSpec;
use jobs_core::state::*;

/// One record: a sequence number and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WalEvent {
    sequence: u64,
    event: WalEventType,
}

/// Everything that can happen, in discriminant order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum WalEventType {
    JobSubmitted {
        spec: JobSpec,
        at: u64,
    },
    JobCancelled {
        job_id: JobId,
        reason: jobs_core::job::CancelReason,
        at: u64,
    },
    ExecutionQueued {
        execution_id: ExecutionId,
        job_id: JobId,
        at: u64,
    },
    ExecutionStateChanged {
        execution_id: ExecutionId,
        from: ExecutionState,
        to: ExecutionState,
        at: u64,
    },
    ExecutionClaimed { execution_id: ExecutionId, worker: WorkerId, lease_until: u64, at: u64 },
    ExecutionFinished {
        execution_id: ExecutionId,
        outcome: Outcome,
        #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "Option::is_none"))]
        output: Option<Vec<u8>>,
        at: u64,
    },
    WorkerJoined { worker: WorkerId, tags: Vec<String>, slots: u32, at: u64 },
    WorkerLeft { worker: WorkerId, at: u64 },
    QueuePaused { at: u64 },
    QueueResumed { at: u64 },
    DependenciesDeclared { job_id: JobId, after: Vec<JobId>, at: u64 },
    BacklogTrimmed { before_sequence: u64, kept: i32 },
}
