use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct JobId(pub Uuid);

impl JobId {
    pub fn new(uuid: Uuid) -> Self {
        JobId(uuid)
    }
}
