// refused: source_unsupported: tuple variant with 2 fields
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub enum Root { Point(u32, u32) }
