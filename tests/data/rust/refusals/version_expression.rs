// refused: source_unsupported: version constant VERSION is not an integer literal
pub const VERSION: u32 = 1 + 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { a: u32 }
