// refused: source_syntax: the declaration does not parse
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { a: u32,, b: u32 }
