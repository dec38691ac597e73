// refused: source_unsupported: makes the encoding depend on a build option
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { #[cfg_attr(feature = "compact", serde(rename = "a"))] alpha: u32 }
