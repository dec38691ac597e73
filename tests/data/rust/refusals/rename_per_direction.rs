// refused: source_unsupported: gives different names for writing and reading
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { #[serde(rename(serialize = "out", deserialize = "in"))] a: u32 }
