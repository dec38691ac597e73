/// Where an execution stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ExecutionState {
    Queued,
    Claimed,
    Running,
    Done,
    Failed,
}

/// Why an execution stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Outcome {
    Succeeded,
    Errored { message: String, retryable: bool },
    Cancelled(super::job::CancelReason),
}
