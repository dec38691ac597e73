// refused: source_unsupported: serde(with = "as_hex")
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { #[serde(with = "as_hex")] key: Vec<u8> }
