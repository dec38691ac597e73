// refused: source_unsupported: cfg(not(feature = "lite")) cannot be expressed
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub enum Root { A, #[cfg(not(feature = "lite"))] B }
