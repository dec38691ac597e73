// refused: source_ambiguous: two types named Dup are reached
pub const VERSION: u32 = 1;
mod a { #[derive(serde::Serialize, serde::Deserialize)] pub struct Dup { x: u32 } }
mod b { #[derive(serde::Serialize, serde::Deserialize)] pub struct Dup { y: u64 } }
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { first: a::Dup, second: self::b::Dup }
