// refused: source_unsupported: u16 has no registry wire type
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { port: u16 }
