// refused: source_unsupported: serde(untagged)
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Root { A(u32), B(String) }
