// refused: source_unsupported: mode is read with a default, but Mode has no default variant
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub enum Mode { Fast, Safe }
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { #[serde(default)] mode: Mode }
