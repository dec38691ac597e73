// refused: source_ambiguous: Dup can mean any of
pub const VERSION: u32 = 1;
mod a { #[derive(serde::Serialize, serde::Deserialize)] pub struct Dup { x: u32 } }
mod b { #[derive(serde::Serialize, serde::Deserialize)] pub struct Dup { y: u64 } }
use a::*;
use b::*;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { d: Dup }
