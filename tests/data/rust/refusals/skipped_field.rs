// refused: source_unsupported: serde(skip)
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { a: u32, #[serde(skip)] cache: u64 }
