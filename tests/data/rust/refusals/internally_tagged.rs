// refused: source_unsupported: serde(tag = "type")
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "type")]
pub enum Root { A { x: u32 }, B }
