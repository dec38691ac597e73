// refused: source_ambiguous: 2 types match Root
pub const VERSION: u32 = 1;
mod a { #[derive(serde::Serialize, serde::Deserialize)] pub struct Root { x: u32 } }
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { a: u32 }
