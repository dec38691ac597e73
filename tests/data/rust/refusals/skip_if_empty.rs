// refused: source_unsupported: skip_serializing_if = "Vec::is_empty"
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { #[serde(default, skip_serializing_if = "Vec::is_empty")] tags: Vec<String> }
