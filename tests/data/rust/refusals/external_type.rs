// refused: source_unsupported: type chrono::DateTime is outside the source tree
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { at: chrono::DateTime<chrono::Utc> }
