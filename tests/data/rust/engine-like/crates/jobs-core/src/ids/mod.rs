mod job_id;

pub use job_id::JobId;

use uuid::Uuid;

/// Identifies one execution of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExecutionId(Uuid);

/// Identifies a worker; written as its bare UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct WorkerId {
    uuid: Uuid,
}
