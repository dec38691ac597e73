// refused: source_unsupported: serde(deny_unknown_fields)
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Root { a: u32 }
