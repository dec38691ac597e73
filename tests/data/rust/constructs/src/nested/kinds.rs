use uuid::Uuid;

/// A newtype of a UUID, reached through an alias (`Key`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Token(pub(crate) Uuid);

/// Explicit discriminants do not matter to serde: the index is the position.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Mode {
    Slow = 10,
    Fast = 3,
}

impl Default for Mode {
    fn default() -> Self {
        Mode::Fast
    }
}
