// refused: source_unsupported: type '[u8; 16]' has no registry wire type
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { digest: [u8; 16] }
