// refused: source_unsupported: tuple struct Pair with 2 fields
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Pair(u32, u64);
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { pair: Pair }
