// refused: source_unsupported: needs several features (alpha, beta)
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub enum Root { A, #[cfg(all(feature = "alpha", feature = "beta"))] B }
