// refused: source_unsupported: serde(flatten)
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Inner { a: u32 }
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { #[serde(flatten)] inner: Inner }
