// refused: source_unresolved: no type Missing in the source tree
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { a: Missing }
