// refused: source_unsupported: Plain implements no Serialize
pub const VERSION: u32 = 1;
pub struct Plain { a: u32 }
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { p: Plain }
